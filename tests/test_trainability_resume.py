"""The trainability map runs on the landscapes' chunked runner: an interrupted map resumes from
its checkpoint to the same numbers, a checkpoint of other settings is refused, Dask gives the
numpy backend's map, and a zoom agrees with its parent where their grids meet."""

import numpy as np
import pytest

import steepest as st
from steepest import datasets as ds
from steepest.curvature import trainability

FIELDS = ("outcome", "mean_loss", "final_loss", "diverged_at")
SETTINGS = dict(xlim=(1e-2, 1e2), ylim=(1e-2, 1e2), resolution=16, steps=60, chunk=64,
                n_jobs=1, progress=False)


@pytest.fixture(scope="module")
def data():
    return ds.moons(24, noise=0.1, seed=0)


@pytest.fixture(scope="module")
def whole(data):
    return st.curvature.trainability_map(*data, **SETTINGS)


def _same(a, b):
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


def test_an_interrupted_map_resumes_to_the_same_numbers(data, whole, tmp_path, monkeypatch):
    path = tmp_path / "map.npz"
    real, calls = trainability._run_chunk, []

    def dies_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C in the middle of chunk 3 of 4
        return real(*args, **kwargs)
    monkeypatch.setattr(trainability, "_run_chunk", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        st.curvature.trainability_map(*data, checkpoint=path, **SETTINGS)
    assert np.load(path)["done"].tolist() == [True, True, False, False]
    calls.clear()
    again = st.curvature.trainability_map(*data, checkpoint=path, **SETTINGS)
    assert len(calls) == 2  # only the two chunks the checkpoint lacked
    _same(again, whole)
    assert not np.all(again.trainable) and np.any(again.trainable)  # both sides of a boundary


def test_a_checkpoint_of_other_settings_is_refused(data, tmp_path):
    path = tmp_path / "map.npz"
    st.curvature.trainability_map(*data, checkpoint=path, **SETTINGS)
    steps = SETTINGS["steps"]
    for change, named in (({"steps": steps + 1}, f"steps {steps + 1} here, {steps} in the "
                                                 rf"checkpoint\)"),
                          ({"hidden": (5, 4)}, r"layer widths \[5, 4, 1\] here"),
                          ({"xlim": (1e-2, 1e1)}, r"grid ranges \[\[0.01, 10.0\]"),
                          ({"seed": 1}, "the same settings, but the model's parameters, "
                                        "the data or the directions differ")):
        with pytest.raises(ValueError, match="belongs to another run of the trainability map "
                                             rf"\({named}"):
            st.curvature.trainability_map(*data, checkpoint=path, **{**SETTINGS, **change})
    X, y = data
    with pytest.raises(ValueError, match="the data or the directions differ"):
        st.curvature.trainability_map(X, 1 - y, checkpoint=path, **SETTINGS)


def test_threads_and_dask_give_the_numpy_map(data, whole):
    _same(st.curvature.trainability_map(*data, **{**SETTINGS, "n_jobs": 2}), whole)
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        _same(st.curvature.trainability_map(*data, backend="dask", scheduler=client,
                                            **SETTINGS), whole)


def test_a_zoom_agrees_with_its_parent_where_the_grids_meet(data):
    parent = st.curvature.trainability_map(*data, **{**SETTINGS, "resolution": 17})
    # the parent steps 4/16 decade; zoomed 2× around its middle point the grid steps 2/16 decade,
    # so every other zoomed point is a parent point
    zoom = parent.zoom((float(parent.x[8]), float(parent.y[8])), factor=2)
    np.testing.assert_allclose(zoom.x[::2], parent.x[4:13], rtol=1e-12)
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(zoom, f)[::2, ::2], getattr(parent, f)[4:13, 4:13])
