"""The command line: version, help on every subcommand, one-line errors with exit code 2."""

import subprocess
import sys

import pytest

import steepest
from steepest.cli import build_parser, main

SUBCOMMANDS = ("tour", "descend", "landscape", "diagnose")


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"steepest {steepest.__version__}"


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: steepest {command}")


def test_no_command_prints_the_overview(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert all(c in out for c in SUBCOMMANDS)


@pytest.mark.parametrize("argv, fragment", [
    (["descend", "--lr", "abc"], "argument --lr: expected a positive number, got 'abc'"),
    (["descend", "--lr", "-0.1"], "argument --lr: expected a positive number"),
    (["descend", "--steps", "0"], "argument --steps: expected a positive integer, got '0'"),
    (["descend", "--optimizer", "sgd2"], "argument --optimizer: invalid choice: 'sgd2'"),
    (["descend", "--problem", "nope"], "argument --problem: invalid choice: 'nope'"),
    (["diagnose"], "the following arguments are required: --lr"),
    (["tour", "--bogus"], "unrecognized arguments: --bogus"),
    (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
    (["landscape"], "the following arguments are required: model, data"),
])
def test_bad_arguments_give_one_line_and_exit_2(argv, fragment, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert fragment in err and "error:" in err and "--help" in err


def test_start_accepts_negative_numbers():
    args = build_parser().parse_args(["descend", "--start", "-8", "-3.2", "--lr", "0.001"])
    assert args.start == [-8.0, -3.2] and args.lr == 0.001


def test_entry_point_runs_as_a_module():
    proc = subprocess.run([sys.executable, "-m", "steepest.cli", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == f"steepest {steepest.__version__}"
