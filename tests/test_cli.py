"""The command line: version, help on every subcommand, one-line errors with exit code 2."""

import subprocess
import sys

import numpy as np
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
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == f"steepest {steepest.__version__}"


def test_descend_prints_the_run_and_writes_figures(tmp_path, capsys):
    from steepest.datasets import lecture_line

    out = tmp_path / "run"
    assert main(["descend", "--out", str(out), "--steps", "300"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("lecture-line: gd with lr=0.002 from (-8, -3.2)")
    assert "status: max_steps after 300 steps" in text
    # the final β printed is what 300 plain NumPy GD steps give
    X, y = lecture_line()
    beta = np.array([-8.0, -3.2])
    for _ in range(300):
        beta = beta - 0.002 * (X.T @ X @ beta - X.T @ y)
    assert f"x = ({beta[0]:.6g}, {beta[1]:.6g})" in text
    for name in ("loss.png", "path.png", "descent.gif"):
        assert (out / name).read_bytes()[:3] in (b"\x89PN", b"GIF"), name


def test_descend_with_raise_exits_1_with_the_reason(tmp_path, capsys):
    code = main(["descend", "--lr", "0.0065", "--on-divergence", "raise", "--no-animation",
                 "--out", str(tmp_path)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("lecture-line: diverged — diverged at step")
    assert "2/λ_max = 0.00640" in err  # the diagnosis travels with the error


def test_descend_rejects_a_start_of_the_wrong_size(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["descend", "--problem", "himmelblau", "--start", "1", "2", "3"])
    assert exc.value.code == 2
    assert "--start: problem 'himmelblau' has 2 parameter(s), got 3" in capsys.readouterr().err


def test_landscape_of_a_saved_model(tmp_path, capsys):
    import steepest as st

    X, y = st.datasets.moons(n=60, noise=0.1, seed=0)
    net = st.nn.MLP(2, [5, 1], seed=0)
    net.save(tmp_path / "model.npz")
    np.savez(tmp_path / "data.npz", X=X, y=y)
    out = tmp_path / "land"
    assert main(["landscape", str(tmp_path / "model.npz"), str(tmp_path / "data.npz"),
                 "--resolution", "5", "--out", str(out)]) == 0
    land = st.landscape.Landscape.load(out / "landscape.npz")
    assert land.loss.shape == (5, 5)
    # the centre of the plane is the model itself
    expected = float(st.nn.binary_cross_entropy_with_logits(net(X), y.reshape(-1, 1)).data)
    assert land.loss[2, 2] == pytest.approx(expected, rel=1e-9)
    assert (out / "landscape.png").read_bytes()[:4] == b"\x89PNG"
    assert f"loss at the model {expected:.6g}" in capsys.readouterr().out


@pytest.mark.parametrize("argv, fragment", [
    (["landscape", "missing.npz", "data.npz"], "model file 'missing.npz' does not exist"),
])
def test_landscape_bad_files_exit_2(argv, fragment, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and fragment in capsys.readouterr().err


@pytest.mark.parametrize("lr, status", [(0.0065, "diverged"), (0.0055, "max_steps")])
def test_diagnose_explains_the_lecture_rates(lr, status, capsys):
    from steepest.datasets import lecture_line

    assert main(["diagnose", "--lr", str(lr)]) == 0
    out = capsys.readouterr().out
    X, _ = lecture_line()
    lam = np.linalg.eigvalsh(X.T @ X)[-1]
    assert out.startswith(f"lecture-line: gd with lr={lr:g} → {status}")
    assert f"2/λ_max = {2 / lam:.5f}" in out
    assert f"1 − ηλ_max = {1 - lr * lam:.4g}" in out
