"""Interrupted landscapes resume from their checkpoint; the Dask backend gives the same grid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from steepest import landscape as L

FUN = textwrap.dedent("""
    import os, time
    import numpy as np

    CALLS = []

    def f(theta):
        CALLS.append(1)
        time.sleep(float(os.environ.get("LAND_SLEEP", "0")))
        return float(np.sum(np.sin(3 * theta) ** 2) + np.log1p(np.sum(theta ** 2)))

    THETA = np.linspace(-1, 1, 8)
    GRID = dict(theta=THETA, shapes=[(2, 4)], resolution=(8, 5), chunk_size=5, progress=False)
""")

RUN = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[1])
    from landfun import f, GRID
    from steepest.landscape import surface_2d
    surface_2d(f, checkpoint=sys.argv[2], **GRID)
""")


@pytest.fixture
def landfun(tmp_path, monkeypatch):
    (tmp_path / "landfun.py").write_text(FUN)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("landfun", None)
    import landfun

    yield landfun
    sys.modules.pop("landfun", None)


def _saved_chunks(path):
    try:
        with np.load(path) as f:
            return f["done"].copy()
    except (OSError, ValueError, KeyError):  # not written yet (or mid-replace on some FS)
        return None


def test_resume_after_kill_recomputes_nothing_and_matches(tmp_path, landfun):
    ckpt = tmp_path / "grid.npz"
    (tmp_path / "run.py").write_text(RUN)
    env = dict(os.environ, LAND_SLEEP="0.05")
    proc = subprocess.Popen([sys.executable, str(tmp_path / "run.py"), str(tmp_path), str(ckpt)],
                            env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = _saved_chunks(ckpt) if ckpt.exists() else None
            if done is not None and done.sum() >= 2:
                break
            time.sleep(0.01)
        else:
            pytest.fail("the subprocess wrote no checkpoint in 60 s")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done = _saved_chunks(ckpt)
    assert 2 <= done.sum() < len(done), "kill it mid-run"
    saved_points = int(done.sum()) * 5

    landfun.CALLS.clear()
    resumed = L.surface_2d(landfun.f, checkpoint=ckpt, **landfun.GRID)
    assert len(landfun.CALLS) == 40 - saved_points  # nothing saved is recomputed
    landfun.CALLS.clear()
    again = L.surface_2d(landfun.f, checkpoint=ckpt, **landfun.GRID)
    assert len(landfun.CALLS) == 0  # a finished checkpoint is the answer
    fresh = L.surface_2d(landfun.f, **landfun.GRID)
    np.testing.assert_array_equal(resumed.loss, fresh.loss)
    np.testing.assert_array_equal(again.loss, fresh.loss)


def test_ctrl_c_keeps_finished_chunks(tmp_path, landfun):
    ckpt = tmp_path / "grid.npz"
    calls = []

    def interrupted(theta):
        calls.append(1)
        if len(calls) == 13:
            raise KeyboardInterrupt
        return landfun.f(theta)

    with pytest.raises(KeyboardInterrupt):
        L.surface_2d(interrupted, checkpoint=ckpt, **landfun.GRID)
    assert _saved_chunks(ckpt).sum() == 2  # chunks of 5: points 1–10 saved, 11–13 lost
    landfun.CALLS.clear()
    resumed = L.surface_2d(landfun.f, checkpoint=ckpt, **landfun.GRID)
    assert len(landfun.CALLS) == 30
    np.testing.assert_array_equal(resumed.loss, L.surface_2d(landfun.f, **landfun.GRID).loss)
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_checkpoint_of_another_run_is_refused(tmp_path, landfun):
    ckpt = tmp_path / "grid.npz"
    L.surface_2d(landfun.f, checkpoint=ckpt, **landfun.GRID)
    with pytest.raises(ValueError, match=r"belongs to another run of the landscape 2-D "
                                         r"\(grid points 48 here, \d+ in the checkpoint"):
        L.surface_2d(landfun.f, checkpoint=ckpt, **{**landfun.GRID, "resolution": (8, 6)})
    with pytest.raises(ValueError, match="the directions differ"):
        L.surface_2d(landfun.f, checkpoint=ckpt, seed=1, **landfun.GRID)
    ckpt.write_bytes(b"not an npz")
    with pytest.raises(ValueError, match="is not a valid landscape 2-D checkpoint"):
        L.surface_2d(landfun.f, checkpoint=ckpt, **landfun.GRID)


def test_dask_backend_matches_numpy(tmp_path):
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client, LocalCluster

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = (X[:, 0] > 0).astype(float)
    Ws = [rng.standard_normal((4, 3)), rng.standard_normal((1, 4))]
    bs = [rng.standard_normal(4), rng.standard_normal(1)]
    target = L.MLPTarget.from_arrays(Ws, bs, X, y, loss="bce_logits", accuracy=True)
    local = L.surface_2d(target, resolution=(6, 7), progress=False)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        spread = L.surface_2d(target, resolution=(6, 7), progress=False, backend="dask",
                              scheduler=client, checkpoint=tmp_path / "d.npz")
        by_address = L.line_1d(target, resolution=5, progress=False, backend="dask",
                               scheduler=cluster.scheduler_address)
    for k in local.values:
        np.testing.assert_array_equal(spread.values[k], local.values[k])
    np.testing.assert_array_equal(by_address.loss,
                                  L.line_1d(target, resolution=5, progress=False).loss)
    with np.load(tmp_path / "d.npz") as f:
        assert f["done"].all()


def test_targets_survive_pickling_for_process_workers():
    import pickle

    rng = np.random.default_rng(1)
    X = rng.standard_normal((20, 3))
    y = (X[:, 1] > 0).astype(float)
    target = L.MLPTarget.from_arrays([rng.standard_normal((4, 3)), rng.standard_normal((1, 4))],
                                     [np.zeros(4), np.zeros(1)], X, y, loss="bce_logits")
    basis = np.vstack([target.theta, rng.standard_normal((2, target.spec.size))])
    C = np.column_stack([np.ones(5), np.linspace(-1, 1, 5), np.linspace(1, -1, 5)])
    target.prepare(basis)(C)  # a used target (buffers made) pickles too
    clone = pickle.loads(pickle.dumps(target))
    np.testing.assert_array_equal(clone.prepare(basis)(C)["loss"],
                                  target.prepare(basis)(C)["loss"])
