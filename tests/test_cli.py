"""The command line: version, help on every subcommand, one-line errors with exit code 2."""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import steepest
from steepest.cli import build_parser, main

SUBCOMMANDS = ("tour", "descend", "landscape", "diagnose", "trainability")


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


EXIT_STATUSES = {"tour": {0, 2, 130, 141}, "descend": {0, 1, 2, 130, 141},
                 "landscape": {0, 2, 130, 141}, "diagnose": {0, 2, 130, 141},
                 "trainability": {0, 2, 130, 141}, "explore": {0, 1, 2, 130, 141}}


def _help(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    assert exc.value.code == 0
    return capsys.readouterr().out


def _listed_statuses(text):
    block = text.split("\nexit status:\n")[1]
    return {int(m) for m in re.findall(r"^  (\d+) +\S", block, flags=re.MULTILINE)}


@pytest.mark.parametrize("command", EXIT_STATUSES)
def test_help_shows_every_default_and_the_exit_statuses(command, capsys):
    """Each option with a default says it, appended by the formatter unless its own words
    already speak of it; the epilog lists exactly the statuses the command returns."""
    out = _help([command], capsys)
    flat = " ".join(out.split())
    sub = build_parser()._subparsers._group_actions[0].choices[command]
    appended = 0
    for action in sub._actions:
        if not action.option_strings or action.default in (None, argparse.SUPPRESS) \
                or isinstance(action.default, bool):
            continue
        words = " ".join(action.help.split())
        if "default" in words:
            assert words in flat, action.dest
        else:
            assert f"{words} (default: {action.default})" in flat, action.dest
            appended += 1
    assert appended > 0
    assert _listed_statuses(out) == EXIT_STATUSES[command]


def test_the_overview_lists_every_exit_status(capsys):
    assert _listed_statuses(_help([], capsys)) == set().union(*EXIT_STATUSES.values())


def test_the_readme_lists_the_same_exit_statuses():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme.split("| exit status | meaning |")[1].split("\n\n")[0]
    listed = {int(code) for code in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)}
    assert listed == set().union(*EXIT_STATUSES.values())
    assert "python -m steepest" in readme


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
    (["trainability", "--xlim", "1", "0"], "argument --xlim: expected a positive number"),
    (["trainability", "--hidden", "4"], "argument --hidden: expected 2 arguments"),
    (["trainability", "missing.csv"], "data file 'missing.csv' does not exist"),
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


def test_python_dash_m_steepest_is_the_console_script():
    """``python -m steepest`` runs ``steepest.cli:main``, the ``[project.scripts]`` entry."""
    proc = subprocess.run([sys.executable, "-m", "steepest", "--help"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: steepest ") and "descend" in proc.stdout


def test_a_reader_gone_exits_141_without_a_traceback():
    """``steepest diagnose … | head -1`` where head has already gone: stdout's pipe has no
    reader, so the first write fails with EPIPE; that is status 141 and nothing on stderr."""
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run([sys.executable, "-m", "steepest", "diagnose", "--lr", "0.0065"],
                              stdout=write, stderr=subprocess.PIPE, text=True, timeout=120,
                              check=False)
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr) == (141, "")


def test_descend_prints_the_run_and_writes_figures(tmp_path, capsys):
    from steepest.datasets import lecture_line

    out = tmp_path / "run"
    assert main(["descend", "--out", str(out), "--steps", "300"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("lecture-line: gd with lr=0.002 from (-8, -3.2)")
    assert "status: stopped at max_steps=300 (not converged)\n" in text
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
    assert err.startswith("lecture-line: Diverged at step 12, certainly")
    assert "2/λ_max = 0.00640" in err  # the diagnosis travels with the error
    for fact in ("diverged at step 12", "2/λ_max", "loss 532.7 → 722.2", "suggested"):
        assert err.lower().count(fact.lower()) == 1, fact  # … and says each thing once


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
    captured = capsys.readouterr()
    assert f"loss at the model {expected:.6g}" in captured.out
    assert captured.err == ""  # stderr is no terminal here: no progress bar


def test_progress_bars_only_on_a_terminal(tmp_path, capsys, monkeypatch):
    X, y = steepest.datasets.moons(20, noise=0.1, seed=0)
    np.savez(tmp_path / "data.npz", X=X, y=y)
    argv = ["trainability", str(tmp_path / "data.npz"), "--resolution", "3", "--steps", "5",
            "--out", str(tmp_path)]
    assert main(argv) == 0
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(argv) == 0
    assert "9/9" in capsys.readouterr().err  # the grid's 3 × 3 networks, counted


@pytest.mark.parametrize("argv, fragment", [
    (["landscape", "missing.npz", "data.npz"], "model file 'missing.npz' does not exist"),
])
def test_landscape_bad_files_exit_2(argv, fragment, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and fragment in capsys.readouterr().err


@pytest.mark.parametrize("lr, status, kind", [
    (0.0065, "diverged", "Diverged at step 12, certainly"),
    (0.0055, "converged", "oscillating")])
def test_diagnose_explains_the_lecture_rates(lr, status, kind, capsys):
    """Both from the lecture's start (−8, −2); the default relative gradient tolerance ends the
    zigzagging run as converged."""
    from steepest.datasets import lecture_line

    assert main(["diagnose", "--lr", str(lr)]) == 0
    out = capsys.readouterr().out
    X, _ = lecture_line()
    lam = np.linalg.eigvalsh(X.T @ X)[-1]
    assert out.startswith(f"lecture-line: gd with lr={lr:g} from (-8, -2) → {status}")
    assert f"2/λ_max = {2 / lam:.4g}" in out
    assert f"1 − ηλ_max = {1 - lr * lam:.4g}" in out
    assert kind in out


def test_descend_says_converged_by_default_and_counts_steps_consistently(tmp_path, capsys):
    """The lecture's η = 0.002 run from its start (−8, −3.2) converges under the default
    relative gradient tolerance; a 10-step run lists all 11 rows; one step is 'step'."""
    from steepest.cli import RTOL

    assert main(["descend", "--no-animation", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("lecture-line: gd with lr=0.002 from (-8, -3.2)")
    line = next(ln for ln in text.splitlines() if ln.startswith("status:"))
    steps = int(line.split(" after ")[1].split()[0])
    assert line.startswith("status: converged after") and steps < 1000
    assert f"rtol={RTOL:g}" in line
    assert main(["descend", "--lr", "0.0065", "--steps", "10", "--no-animation", "--out",
                 str(tmp_path)]) == 0
    text = capsys.readouterr().out
    rows = [ln.split()[0] for ln in text.splitlines()[3:14]]
    assert rows == [str(k) for k in range(11)]
    assert "status: stopped at max_steps=10 (not converged)\n" in text
    assert "Diverging" in text  # above the limit and growing: said, though not yet stopped
    assert main(["descend", "--problem", "quadratic", "--optimizer", "newton", "--lr", "1",
                 "--no-animation", "--out", str(tmp_path)]) == 0
    assert "status: converged after 1 step — " in capsys.readouterr().out


def _interrupt(intermediate_result):
    raise KeyboardInterrupt


@pytest.mark.parametrize("lr, kwargs, line", [
    (0.002, {"max_steps": 30}, "stopped at max_steps=30 (not converged)"),
    (0.0065, {}, "diverged at step 12"),
    (0.002, {"callback": _interrupt}, "interrupted after 1 step")])
def test_the_status_line_says_each_thing_once(lr, kwargs, line):
    """The library's messages ("reached max_steps=30", "diverged at step 12: …", "interrupted
    by the user") restate the status; the line says it once (a divergence's reason follows in
    the diagnosis)."""
    from steepest.cli import _status_line, default_start, make_problem

    problem = make_problem("lecture-line")
    result = steepest.minimize(problem, default_start("lecture-line", problem, lr),
                               steepest.optim.GD(lr=lr), **kwargs)
    assert _status_line(result) == line


def test_backoff_counts_the_steps_it_keeps(tmp_path, capsys):
    assert main(["descend", "--lr", "0.0065", "--on-divergence", "backoff", "--steps", "1000",
                 "--rtol", "0", "--no-animation", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "status: stopped at max_steps=1000 (not converged)\n" in text
    assert "learning rate halved 1×, resuming from steps [0]; the 12 discarded" in text


def test_optimizer_names_come_from_the_one_registry():
    from steepest.optim import OPTIMIZERS

    action = next(a for a in build_parser()._subparsers._group_actions[0]
                  .choices["descend"]._actions if a.dest == "optimizer")
    assert list(action.choices) == list(OPTIMIZERS) and "sgd" in OPTIMIZERS


def test_trainability_writes_the_librarys_map_and_resumes(tmp_path, capsys):
    X, y = steepest.datasets.moons(30, noise=0.1, seed=1)
    np.savetxt(tmp_path / "d.csv", np.column_stack([X, y]), delimiter=",")
    argv = ["trainability", str(tmp_path / "d.csv"), "--resolution", "12", "--steps", "40",
            "--xlim", "0.1", "100", "--checkpoint", str(tmp_path / "ck.npz"), "--out",
            str(tmp_path / "out")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    with np.load(tmp_path / "out" / "trainability.npz") as f:
        saved = {k: f[k] for k in f.files}
    Xs = (X - X.mean(0)) / X.std(0)
    m = steepest.curvature.trainability_map(Xs, y, resolution=12, steps=40, xlim=(0.1, 100),
                                            progress=False)
    np.testing.assert_array_equal(saved["outcome"], m.outcome)
    np.testing.assert_array_equal(saved["final_loss"], m.final_loss)
    assert list(saved["axes"]) == ["lr1", "lr2"] and int(saved["steps"]) == 40
    assert f"144 networks (2 → 4 → 4 → 1, 30 points, 40 steps): {m.trainable.mean():.1%} " \
           f"train" in out
    assert (tmp_path / "out" / "trainability.png").stat().st_size > 10_000
    assert main(argv) == 0  # again, from the finished checkpoint: the same map
    with np.load(tmp_path / "out" / "trainability.npz") as f:
        np.testing.assert_array_equal(f["outcome"], saved["outcome"])


def test_descend_says_when_a_converged_run_found_only_a_local_minimum(tmp_path, capsys):
    """A converged run prints no diagnosis — except to say that it ended in a side basin:
    GD at η = 0.001 on Rastrigin from (3.2, 3.2) converges to L = 17.9, the global L* is 0."""
    assert main(["descend", "--problem", "rastrigin", "--lr", "0.001", "--no-animation",
                 "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "status: converged after" in text
    assert "This is a local minimum, not the global one" in text
    assert "global minimum is L = 0 at (0, 0)" in text
    assert main(["descend", "--no-animation", "--out", str(tmp_path)]) == 0  # the lecture's
    text = capsys.readouterr().out                                          # line: convex
    assert "status: converged after" in text and "Converged in" not in text
