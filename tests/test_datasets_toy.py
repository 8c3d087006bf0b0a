"""Seeded toy data sets: shapes, the geometry that defines them, reproducibility, splits."""

import numpy as np
import pytest

from steepest import datasets as ds

GENERATORS = [ds.moons, ds.circles, ds.xor, ds.spirals, ds.blobs, ds.lecture_classifier]


@pytest.mark.parametrize("make", GENERATORS)
def test_seeded_arrays_reproduce_and_never_touch_global_state(make):
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    X1, y1 = make(n=101, seed=7)
    X2, y2 = make(n=101, seed=7)
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert X1.dtype == np.float64 and y1.dtype == np.int64 and len(X1) == len(y1) == 101
    X3, _ = make(n=101, seed=8)
    assert not np.array_equal(X1, X3)
    gen = np.random.default_rng(7)
    Xa, _ = make(n=50, seed=gen)
    Xb, _ = make(n=50, seed=gen)
    assert not np.array_equal(Xa, Xb)


def test_moons_without_noise_are_scikit_learns_moons():
    sklearn = pytest.importorskip("sklearn.datasets")
    X, y = ds.moons(100, noise=0.0, seed=0)
    Xs, ys = sklearn.make_moons(100, noise=0.0, shuffle=False)
    for label in (0, 1):
        ours = X[y == label][np.lexsort(X[y == label].T)]
        theirs = Xs[ys == label][np.lexsort(Xs[ys == label].T)]
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_circles_radii_and_xor_labels():
    X, y = ds.circles(200, noise=0.0, factor=0.3, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)
    X, y = ds.xor(500, seed=0)
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    assert np.all(np.abs(X) <= 1)


def test_spirals_arms_follow_their_angle():
    X, y = ds.spirals(300, n_arms=3, noise=0.0, turns=1.0, seed=0)
    assert np.bincount(y).tolist() == [100, 100, 100]
    r = np.hypot(X[:, 0], X[:, 1])
    angle = np.arctan2(X[:, 1], X[:, 0])
    expected = 2 * np.pi * (r + y / 3)
    np.testing.assert_allclose(np.cos(angle), np.cos(expected), atol=1e-9)
    np.testing.assert_allclose(np.sin(angle), np.sin(expected), atol=1e-9)


def test_blobs_cluster_around_their_centers():
    centers = np.array([[0.0, 0.0, 0.0], [10.0, 10.0, 10.0]])
    X, y = ds.blobs(4000, centers=centers, cluster_std=0.5, seed=0)
    for k in (0, 1):
        np.testing.assert_allclose(X[y == k].mean(0), centers[k], atol=0.05)
        np.testing.assert_allclose(X[y == k].std(0), 0.5, atol=0.03)
    X, y = ds.blobs(30, centers=4, n_features=5, seed=0)
    assert X.shape == (30, 5) and set(y) == {0, 1, 2, 3}


def test_lecture_classifier_rule_and_balance():
    X, y = ds.lecture_classifier(2000, seed=0)
    assert X.shape == (2000, 3)
    np.testing.assert_array_equal(y, X[:, 2] > np.sin(2 * X[:, 0]) * X[:, 1])
    assert 0.45 < y.mean() < 0.55


def test_regression_targets():
    X, y = ds.regression(50, n_features=2, noise=0.0, seed=0)
    np.testing.assert_allclose(y, np.sin(X).sum(1))
    X, y = ds.regression(50, n_features=2, noise=0.0, kind="linear", seed=0)
    np.testing.assert_allclose(y, X @ [0.5, 1.0] + 1)
    _, noisy = ds.regression(4000, noise=0.3, kind="linear", seed=0)
    X, clean = ds.regression(4000, noise=0.0, kind="linear", seed=0)
    assert np.std(noisy - clean) == pytest.approx(0.3, rel=0.05)
    with pytest.raises(ValueError, match="kind"):
        ds.regression(kind="cubic")


def test_train_test_split_partitions_the_samples():
    X = np.arange(40).reshape(20, 2)
    y = np.arange(20)
    Xtr, Xte, ytr, yte = ds.train_test_split(X, y, test_size=0.25, seed=0)
    assert len(Xte) == 5 and len(Xtr) == 15
    np.testing.assert_array_equal(Xtr[:, 0] // 2, ytr)
    assert sorted(np.concatenate([ytr, yte]).tolist()) == list(range(20))
    a = ds.train_test_split(X, y, test_size=3, seed=1)
    b = ds.train_test_split(X, y, test_size=3, seed=1)
    np.testing.assert_array_equal(a[1], b[1])
    _, te = ds.train_test_split(y, test_size=4, shuffle=False)
    np.testing.assert_array_equal(te, [0, 1, 2, 3])


def test_stratified_split_keeps_class_proportions():
    y = np.array([0] * 80 + [1] * 20)
    _, yte = ds.train_test_split(y, test_size=0.2, seed=0, stratify=y)
    assert np.bincount(yte).tolist() == [16, 4]


@pytest.mark.parametrize("kwargs, match", [
    ({"test_size": 1.5}, "fractional test_size"),
    ({"test_size": 20}, "leaves no train"),
])
def test_split_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ds.train_test_split(np.zeros(20), **kwargs)


def test_input_errors():
    with pytest.raises(ValueError, match="different lengths"):
        ds.train_test_split(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="noise"):
        ds.moons(noise=-1)
    with pytest.raises(ValueError, match="n must be"):
        ds.xor(n=0)
    with pytest.raises(ValueError, match="factor"):
        ds.circles(factor=1.5)
