"""Faults (issue 13): a full disk, a killed process, an unwritable output folder, Ctrl-C at any
moment, a killed Dask worker — nothing finished is lost, nothing half-written is left where a
good file was, and the command line answers in one line."""

from __future__ import annotations

import gc
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import weakref
from pathlib import Path

import numpy as np
import pytest

import steepest as st
from steepest import nn
from steepest._interrupt import checkpoint, interruptible
from steepest.cli import main
from steepest.landscape import Landscape

ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MPLBACKEND="Agg",
           PYTHONPATH=os.pathsep.join(sys.path))


def _python(code: str, *args: str, fsize: int | None = None, timeout: float = 120,
            **kwargs) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter; ``fsize`` caps the size of any file it writes (a
    write beyond fails with EFBIG, like a full disk)."""
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=timeout, env=ENV, check=False,
                          preexec_fn=limit if fsize else None, **kwargs)


def _no_temp_files(folder: Path) -> bool:
    return not [p for p in os.listdir(folder) if p.endswith(".tmp")]


# ---- saves: a full disk or a kill leaves the previous file ------------------------------------
SAVE_BIG = textwrap.dedent("""
    import sys
    import steepest as st
    net = st.nn.MLP(3, [300, 300, 1], seed=int(sys.argv[2]))
    try:
        net.save(sys.argv[1])
    except OSError as exc:
        print("failed:", exc.strerror)
""")


def test_a_full_disk_mid_save_leaves_the_previous_model_loadable(tmp_path):
    path = tmp_path / "model.npz"
    old = nn.MLP(3, [300, 300, 1], seed=0)
    old.save(path)
    before = path.read_bytes()
    assert len(before) > 500_000
    proc = _python(SAVE_BIG, str(path), "1", fsize=200_000)  # the new file cannot fit
    assert proc.stdout.strip() == "failed: File too large", proc.stderr
    assert path.read_bytes() == before and _no_temp_files(tmp_path)
    back = nn.load(path)
    np.testing.assert_array_equal(back.layers[1].weight.data, old.layers[1].weight.data)


SAVE_LANDSCAPE = textwrap.dedent("""
    import sys
    import numpy as np
    from steepest.landscape import line_1d
    land = line_1d(lambda t: float(np.sum(t ** 2)), theta=np.ones(50_000), resolution=5,
                   normalization=None, progress=False)
    try:
        land.save(sys.argv[1])
    except OSError as exc:
        print("failed:", exc.strerror)
""")


def test_a_full_disk_mid_save_leaves_the_previous_landscape_loadable(tmp_path):
    path = tmp_path / "land.npz"
    old = st.landscape.line_1d(lambda t: float(np.sum(t ** 2)), theta=np.ones(3),
                               resolution=4, normalization=None, progress=False)
    old.save(path)
    before = path.read_bytes()
    proc = _python(SAVE_LANDSCAPE, str(path), fsize=len(before) + 4096)
    assert proc.stdout.strip() == "failed: File too large", proc.stderr
    assert path.read_bytes() == before and _no_temp_files(tmp_path)
    np.testing.assert_array_equal(Landscape.load(path).loss, old.loss)


KILL_MID_SAVE = textwrap.dedent("""
    import json, os, signal, sys, time
    import numpy as np
    import steepest as st
    path = sys.argv[1]
    nets = [st.nn.MLP(3, [400, 400, 1], seed=s) for s in (0, 1)]
    nets[0].save(path)
    seen = []
    for delay in np.linspace(0.01, 0.3, 12):
        pid = os.fork()
        if pid == 0:  # save the two models in turn, over the same file, until killed
            i = 0
            while True:
                i += 1
                nets[i % 2].save(path)
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        try:
            w = st.nn.load(path).layers[1].weight.data
        except Exception as exc:
            seen.append(f"broken: {type(exc).__name__}")
        else:
            seen.append([k for k in (0, 1) if np.array_equal(w, nets[k].layers[1].weight.data)])
    nets[0].save(path)  # the next save of the same file sweeps the killed writers' .tmp files
    print(json.dumps({"seen": seen, "after": sorted(os.listdir(os.path.dirname(path)))}))
""")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_sigkill_mid_save_leaves_the_old_file_or_the_new_one(tmp_path):
    proc = _python(KILL_MID_SAVE, str(tmp_path / "model.npz"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    seen = out["seen"]
    assert len(seen) == 12 and all(s in ([0], [1]) for s in seen), seen  # never a broken file
    assert out["after"] == ["model.npz"], out  # no killed writer's temporary file is left


def test_the_next_write_removes_a_killed_writers_temporary_file_only(tmp_path):
    import subprocess
    import sys

    from steepest._io import atomic_write
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    orphan = tmp_path / f".out.txt.{dead}.abc123.tmp"  # what SIGKILL mid-write leaves
    live = tmp_path / f".out.txt.{os.getpid()}.def456.tmp"  # a writer still at work
    other = tmp_path / f".other.txt.{dead}.ghi789.tmp"  # another file's: not ours to judge
    for p in (orphan, live, other):
        p.write_text("partial")
    with atomic_write(tmp_path / "out.txt", "w") as fh:
        fh.write("done")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name, "out.txt"])


# ---- the tour's output location, checked before any work --------------------------------------
@pytest.fixture
def no_work(monkeypatch):
    from steepest.report import tour

    def refuse(*args, **kwargs):
        raise AssertionError("the tour started working before checking --out")

    monkeypatch.setattr(tour, "build_tour", refuse)


def _tour_refused(out, capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(["tour", "--quick", "--quiet", "--out", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_tour_into_an_existing_file_fails_first(tmp_path, capsys, no_work):
    (tmp_path / "page").write_text("mine")
    err = _tour_refused(tmp_path / "page", capsys)
    assert "is a file, not a folder" in err and (tmp_path / "page").read_text() == "mine"


def test_tour_under_a_missing_folder_fails_first(tmp_path, capsys, no_work):
    err = _tour_refused(tmp_path / "no" / "such" / "tour", capsys)
    assert f"the folder {str(tmp_path / 'no' / 'such')!r} does not exist" in err
    assert not (tmp_path / "no").exists()


def test_tour_into_a_read_only_location_fails_first(capsys, no_work):
    try:
        os.remove(tempfile.mkstemp(dir="/sys/kernel")[1])
    except OSError:
        pass  # read-only, as it should be
    else:
        pytest.skip("needs a read-only /sys/kernel")
    assert "cannot write into '/sys/kernel'" in _tour_refused("/sys/kernel", capsys)
    assert "cannot create '/sys/kernel/tour'" in _tour_refused("/sys/kernel/tour", capsys)


def test_tour_into_a_read_only_folder_fails_first(tmp_path, capsys, no_work):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders (the next test drops to 'nobody')")
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    assert "Permission denied" in _tour_refused(folder, capsys)


@pytest.mark.skipif(not hasattr(os, "fork") or os.geteuid() != 0, reason="root with fork")
def test_a_read_only_folder_is_refused_for_a_user_without_rights(capsys, no_work):
    """As root, the same check in a forked child that has dropped to the 'nobody' user (root
    itself may write anywhere): the tour refuses a folder it may not write into."""
    import shutil
    import tempfile
    base = tempfile.mkdtemp()  # under /tmp, traversable by 'nobody' once opened up
    try:
        os.chmod(base, 0o755)
        folder = os.path.join(base, "ro")
        os.mkdir(folder, 0o555)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: drop to nobody, run the CLI, report its stderr line
            os.close(read)
            code = 1
            try:
                os.setgid(65534)
                os.setuid(65534)
                code = 0 if "Permission denied" in _tour_refused(folder, capsys) else 1
            finally:
                os.write(write, bytes([code]))
                os._exit(0)
        os.close(write)
        answer = os.read(read, 1)
        os.waitpid(pid, 0)
        assert answer == bytes([0]), "the child as 'nobody' was not refused with Permission denied"
    finally:
        shutil.rmtree(base)


def test_tour_onto_a_full_disk_fails_first(tmp_path):
    t0 = time.perf_counter()
    proc = _python("import sys; from steepest.cli import main; sys.exit(main(sys.argv[1:]))",
                   "tour", "--quick", "--out", str(tmp_path / "tour"), fsize=32_000)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "cannot write into" in proc.stderr and "File too large" in proc.stderr
    assert "[1/7]" not in proc.stderr and time.perf_counter() - t0 < 60


FAKE_TOUR = textwrap.dedent("""
    import sys
    from steepest.report import tour
    from steepest.cli import main

    def section(self):
        sec = self.report.section("big")
        sec.text("x" * int(sys.argv[2]))

    for name in tour.SECTIONS:
        setattr(tour._Tour, name, section)
    tour._Tour.__init__ = lambda self, report, cfg: setattr(self, "report", report)
    sys.exit(main(["tour", "--quick", "--quiet", "--out", sys.argv[1]]))
""")


def test_a_disk_filling_up_during_the_tour_keeps_the_previous_report(tmp_path):
    out = tmp_path / "tour"
    out.mkdir()
    (out / "index.html").write_text("previous complete report")
    proc = _python(FAKE_TOUR, str(out), str(200_000), fsize=1_000_000)  # 7 × 200 kB > 1 MB
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "File too large" in proc.stderr and "Traceback" not in proc.stderr
    assert (out / "index.html").read_text() == "previous complete report"
    assert _no_temp_files(out)


# ---- Ctrl-C ------------------------------------------------------------------------------------
def _swallowed_sigint() -> None:
    """Deliver SIGINT while a weakref callback runs: the KeyboardInterrupt raised there is
    reported as 'Exception ignored' and swallowed, as in matplotlib's figure cleanup."""
    class Thing:
        pass

    def callback(_ref: object) -> None:
        # raise_signal: delivered to this thread before it returns (os.kill's process signal
        # may be taken by another thread)
        signal.raise_signal(signal.SIGINT)
        for _ in range(1000):  # the handler runs here, inside the callback
            pass

    thing = Thing()
    ref = weakref.ref(thing, callback)
    del thing
    gc.collect()
    assert ref() is None


@pytest.fixture
def unraisable(monkeypatch):
    """The exceptions Python reports as 'Exception ignored in …' (and otherwise swallows), with
    Python's own SIGINT handler in place: a suite started in the background of a shell inherits
    SIGINT ignored (SIG_IGN), and then no Ctrl-C raises anything."""
    seen: list[type] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(u.exc_type))
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield seen
    signal.signal(signal.SIGINT, previous)


def test_a_sigint_swallowed_by_a_weakref_callback_is_raised_at_the_next_checkpoint(unraisable):
    _swallowed_sigint()  # without the guard the interrupt is lost: execution goes on
    assert unraisable == [KeyboardInterrupt]
    reached = []
    with pytest.raises(KeyboardInterrupt), interruptible():
        _swallowed_sigint()
        reached.append("after the swallowed interrupt")
        checkpoint()
        reached.append("after the checkpoint")
    assert reached == ["after the swallowed interrupt"]
    assert unraisable == [KeyboardInterrupt] * 2
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    checkpoint()  # outside a guarded block: nothing pending, nothing raised


def _fake_sections(monkeypatch, at: int, swallow: bool):
    """The tour with seven quick sections that each draw a figure; SIGINT arrives during
    section ``at`` (inside a weakref callback when ``swallow``)."""
    import matplotlib.pyplot as plt

    from steepest.report import tour

    count = []

    def section(self):
        count.append(1)
        sec = self.report.section(f"section {len(count)}")
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([0, 1])
        if len(count) == at:
            if swallow:
                _swallowed_sigint()
            else:
                signal.raise_signal(signal.SIGINT)
        sec.figure(fig, f"figure {len(count)}")
        sec.text("finished")

    for name in tour.SECTIONS:
        monkeypatch.setattr(tour._Tour, name, section)
    monkeypatch.setattr(tour._Tour, "__init__",
                        lambda self, report, cfg: setattr(self, "report", report))


@pytest.mark.parametrize("at, swallow", [(1, False), (4, False), (7, False),
                                        *((k, True) for k in range(1, 8))])
def test_ctrl_c_in_any_section_exits_130_with_a_partial_page(tmp_path, monkeypatch, capsys,
                                                             unraisable, at, swallow):
    out = tmp_path / "tour"
    out.mkdir()
    (out / "index.html").write_text("previous complete report")
    _fake_sections(monkeypatch, at, swallow)
    assert main(["tour", "--quick", "--quiet", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "steepest tour: interrupted" in err and "index.partial.html" in err
    assert (out / "index.html").read_text() == "previous complete report"
    page = (out / "index.partial.html").read_text(encoding="utf-8")
    assert "[PARTIAL]" in page and f"{at} of 7 sections" in page
    assert page.count("finished") == at - 1  # the finished sections, all of them
    assert _no_temp_files(out) and unraisable == [KeyboardInterrupt] * swallow


def test_ctrl_c_while_the_page_is_written_keeps_the_previous_one(tmp_path, monkeypatch, capsys):
    from steepest.report.builder import Report

    out = tmp_path / "tour"
    out.mkdir()
    (out / "index.html").write_text("previous complete report")
    _fake_sections(monkeypatch, at=0, swallow=False)
    save = Report.save

    def interrupted_save(self, path):
        if Path(path).name == "index.html":
            raise KeyboardInterrupt
        return save(self, path)

    monkeypatch.setattr(Report, "save", interrupted_save)
    assert main(["tour", "--quick", "--quiet", "--out", str(out)]) == 130
    assert (out / "index.html").read_text() == "previous complete report"
    page = (out / "index.partial.html").read_text(encoding="utf-8")
    assert "[PARTIAL]" in page and page.count("finished") == 7
    assert "left as it was" in capsys.readouterr().err


def test_a_complete_run_replaces_a_stale_partial_page(tmp_path, monkeypatch, capsys):
    out = tmp_path / "tour"
    out.mkdir()
    (out / "index.partial.html").write_text("stale")
    _fake_sections(monkeypatch, at=0, swallow=False)
    assert main(["tour", "--quick", "--quiet", "--out", str(out)]) == 0
    assert "section 7" in (out / "index.html").read_text(encoding="utf-8")
    assert not (out / "index.partial.html").exists()


def _interrupt_real_tour(out: Path, after_line: str | None, delay: float) -> tuple[int, str]:
    """Run ``steepest tour --quick``, send SIGINT ``delay`` s after stderr shows
    ``after_line`` (or the output folder appears), and return the exit code and stderr."""
    proc = subprocess.Popen([sys.executable, "-m", "steepest.cli", "tour", "--quick",
                             "--out", str(out)], stderr=subprocess.PIPE, text=True, env=ENV)
    lines: list[str] = []
    try:
        if after_line is None:
            deadline = time.monotonic() + 60
            while not out.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
        else:
            for line in proc.stderr:
                lines.append(line)
                if line.startswith(after_line):
                    break
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        lines.extend(proc.stderr)
        proc.wait(timeout=60)
    finally:
        proc.kill()
        proc.stderr.close()
    return proc.returncode, "".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("after_line, delay", [(None, 0.5), ("[1/7]", 0.2), ("[2/7]", 1.5)])
def test_ctrl_c_during_the_real_tour_exits_130_and_keeps_the_previous_report(tmp_path,
                                                                           after_line, delay):
    out = tmp_path / "tour"
    if after_line is not None:
        out.mkdir()
        (out / "index.html").write_text("previous complete report")
    code, err = _interrupt_real_tour(out, after_line, delay)
    assert code == 130, err
    assert "Traceback" not in err and err.rstrip().endswith("steepest tour: interrupted")
    page = (out / "index.partial.html").read_text(encoding="utf-8")
    done = len(re.findall(r"^\[\d/7\] .* s$", err, flags=re.MULTILINE))
    started = int(re.search(r"(\d) of 7 sections started", page).group(1))
    assert "[PARTIAL]" in page and started in (done, done + 1)
    if after_line is not None:
        assert (out / "index.html").read_text() == "previous complete report"
    else:
        assert not (out / "index.html").exists()


# ---- Dask: a worker killed mid-run -------------------------------------------------------------
SLOW_F = textwrap.dedent("""
    import time
    import numpy as np

    def f(theta):
        time.sleep(0.1)
        return float(np.sum(np.sin(3 * theta) ** 2) + np.log1p(np.sum(theta ** 2)))
""")


@pytest.mark.slow
def test_a_dask_worker_killed_mid_run_changes_nothing(tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client, LocalCluster

    (tmp_path / "slowfun.py").write_text(SLOW_F)
    monkeypatch.syspath_prepend(str(tmp_path))
    import slowfun

    grid = dict(theta=np.linspace(-1, 1, 6), resolution=(8, 6), chunk_size=3, progress=False)
    local = st.landscape.surface_2d(slowfun.f, **grid)
    ckpt = tmp_path / "grid.npz"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        result: dict = {}
        run = threading.Thread(target=lambda: result.update(land=st.landscape.surface_2d(
            slowfun.f, backend="dask", scheduler=client, checkpoint=ckpt, **grid)))
        run.start()
        deadline = time.monotonic() + 60
        while not _chunks_done(ckpt) >= 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = client.run(os.getpid)
        at_kill = _chunks_done(ckpt)
        victim = next(iter(pids.values()))
        os.kill(victim, signal.SIGKILL)
        run.join(timeout=120)
        assert not run.is_alive() and 2 <= at_kill < 16  # killed mid-run
        assert _chunks_done(ckpt) == 16 and victim not in client.run(os.getpid).values()
    np.testing.assert_array_equal(result["land"].loss, local.loss)
    sys.modules.pop("slowfun", None)


def _chunks_done(path: Path) -> int:
    try:
        with np.load(path) as f:
            return int(f["done"].sum())
    except (OSError, ValueError, KeyError):
        return 0
