"""Seeded toy data for classifiers and regressors, as NumPy arrays.

Every generator returns ``(X, y)``: ``X`` float64 (n, d), ``y`` int64 class labels (classifiers)
or float64 targets (regression). ``seed`` is an int, a ``np.random.Generator`` or None; the same
seed gives the same data, and NumPy's global random state is never touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._rng import RngLike, as_generator
from .._validate import check_array, check_float, check_int, check_range, check_size


def _count(n: Any, name: str, minimum: int = 1, *, features: int = 0) -> int:
    """A count ≥ ``minimum``; with ``features``, a sample count whose (n, features) float
    arrays must fit in memory (checked before anything is drawn)."""
    n = check_int(n, name, low=minimum)
    if features:
        check_size((n, features), 8 * 3, f"{name.split(':')[0]}: {n} samples")
    return n


def _nonneg(x: Any, name: str) -> float:
    return check_float(x, name, low=0.0)


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator
              ) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(X))
    return X[order], y[order]


def _split_counts(n: int, k: int) -> list[int]:
    """n samples over k classes, as evenly as possible (the first classes get the extra ones)."""
    return [n // k + (i < n % k) for i in range(k)]


def moons(n: int = 200, noise: float = 0.1, seed: RngLike = None
          ) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``): class 0 on
    (cos t, sin t), class 1 on (1 − cos t, ½ − sin t), t ∈ [0, π], plus N(0, noise²) jitter."""
    n, noise = _count(n, "moons: n", 2, features=2), _nonneg(noise, "moons: noise")
    rng = as_generator(seed)
    n0, n1 = _split_counts(n, 2)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    X = np.vstack([np.column_stack([np.cos(t0), np.sin(t0)]),
                   np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])])
    y = np.repeat([0, 1], [n0, n1])
    X = X + rng.normal(0.0, noise, X.shape) if noise else X
    return _shuffled(X, y, rng)


def circles(n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: RngLike = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor`` < 1
    (scikit-learn's ``make_circles``), plus N(0, noise²) jitter."""
    n, noise = _count(n, "circles: n", 2, features=2), _nonneg(noise, "circles: noise")
    factor = check_float(factor, "circles: factor", low=0.0, high=1.0, low_open=True,
                         high_open=True)
    rng = as_generator(seed)
    n0, n1 = _split_counts(n, 2)
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    X = np.vstack([np.column_stack([np.cos(t0), np.sin(t0)]),
                   factor * np.column_stack([np.cos(t1), np.sin(t1)])])
    y = np.repeat([0, 1], [n0, n1])
    X = X + rng.normal(0.0, noise, X.shape) if noise else X
    return _shuffled(X, y, rng)


def xor(n: int = 200, noise: float = 0.0, seed: RngLike = None
        ) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [−1, 1]², labelled 1 where the two coordinates have opposite signs
    (x₁x₂ < 0) — the problem no single neuron can solve. ``noise`` jitters X after labelling."""
    n, noise = _count(n, "xor: n", features=2), _nonneg(noise, "xor: noise")
    rng = as_generator(seed)
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = (X[:, 0] * X[:, 1] < 0).astype(np.int64)
    if noise:
        X = X + rng.normal(0.0, noise, X.shape)
    return X, y


def spirals(n: int = 400, n_arms: int = 2, noise: float = 0.05, turns: float = 1.5,
            seed: RngLike = None) -> tuple[np.ndarray, np.ndarray]:
    """``n_arms`` interleaved spiral arms, one class each. Along arm k a point at
    t ∈ [0, 1] sits at radius t and angle 2π(turns·t + k/n_arms), plus N(0, noise²) jitter."""
    n, noise = _count(n, "spirals: n", 2, features=2), _nonneg(noise, "spirals: noise")
    n_arms = _count(n_arms, "spirals: n_arms", 2)
    turns = check_float(turns, "spirals: turns", low=0.0, low_open=True)
    rng = as_generator(seed)
    counts = _split_counts(n, n_arms)
    Xs, ys = [], []
    for k, m in enumerate(counts):
        t = np.sqrt(rng.uniform(0.0, 1.0, m)) * 0.95 + 0.05  # even density along the arm
        angle = 2 * np.pi * (turns * t + k / n_arms)
        Xs.append(np.column_stack([t * np.cos(angle), t * np.sin(angle)]))
        ys.append(np.full(m, k))
    X, y = np.vstack(Xs), np.concatenate(ys).astype(np.int64)
    if noise:
        X = X + rng.normal(0.0, noise, X.shape)
    return _shuffled(X, y, rng)


def blobs(n: int = 300, centers: int | Sequence[Sequence[float]] = 3, n_features: int = 2,
          cluster_std: float = 1.0, center_box: tuple[float, float] = (-10.0, 10.0),
          seed: RngLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters, one class each (scikit-learn's ``make_blobs``): ``centers``
    is a count (drawn uniformly in ``center_box``) or an array (k, n_features)."""
    n = _count(n, "blobs: n")
    rng = as_generator(seed)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        k = _count(centers, "blobs: centers")
        lo, hi = check_range(center_box, "blobs: center_box")
        c = rng.uniform(lo, hi, (k, _count(n_features, "blobs: n_features")))
    else:
        c = check_array(centers, "blobs: centers", ndim=2)
    check_size((n, c.shape[1]), 8 * 3, f"blobs: {n} samples")
    _nonneg(cluster_std, "blobs: cluster_std")
    counts = _split_counts(n, len(c))
    X = np.vstack([rng.normal(ci, cluster_std, (m, c.shape[1])) for ci, m in zip(c, counts)])
    y = np.repeat(np.arange(len(c)), counts).astype(np.int64)
    return _shuffled(X, y, rng)


def lecture_classifier(n: int = 1000, noise: float = 0.0, seed: RngLike = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """A 3-feature binary task for the lecture's 3 → 4 → 4 → 1 classifier: x ~ U(−1, 1)³,
    y = 1 where  x₃ > sin(2x₁)·x₂  (a curved surface no single neuron separates, that the small
    MLP learns). ``noise`` jitters X after labelling."""
    n = _count(n, "lecture_classifier: n", features=3)
    noise = _nonneg(noise, "lecture_classifier: noise")
    rng = as_generator(seed)
    X = rng.uniform(-1.0, 1.0, (n, 3))
    y = (X[:, 2] > np.sin(2 * X[:, 0]) * X[:, 1]).astype(np.int64)
    if noise:
        X = X + rng.normal(0.0, noise, X.shape)
    return X, y


def regression(n: int = 200, n_features: int = 1, noise: float = 0.1, kind: str = "sine",
               seed: RngLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Noisy regression targets over x ~ U(−3, 3)^d: ``kind="sine"`` y = Σⱼ sin(xⱼ) (a curve a
    network must bend to), ``"linear"`` y = x · w + 1 with w = (1, 2, …, d)/d; plus
    N(0, noise²)."""
    d = _count(n_features, "regression: n_features")
    n, noise = _count(n, "regression: n", features=d), _nonneg(noise, "regression: noise")
    rng = as_generator(seed)
    X = rng.uniform(-3.0, 3.0, (n, d))
    if kind == "sine":
        f = np.sin(X).sum(axis=1)
    elif kind == "linear":
        f = X @ (np.arange(1, d + 1) / d) + 1.0
    else:
        raise ValueError(f"regression: kind must be 'sine' or 'linear', got {kind!r}")
    return X, f + rng.normal(0.0, noise, n) if noise else f


def train_test_split(*arrays: Any, test_size: float = 0.25, seed: RngLike = None,
                     shuffle: bool = True, stratify: Any = None) -> list[np.ndarray]:
    """Split arrays of equal length into train and test parts, in scikit-learn's order:
    ``X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)``.

    ``test_size``: a fraction in (0, 1) or a count. ``stratify``: labels whose class
    proportions both parts keep (the test part gets round(test fraction × class size) of each
    class, at least one when a class has two or more members).
    """
    if not arrays:
        raise ValueError("train_test_split: give at least one array")
    arrays_ = [np.asarray(a) for a in arrays]
    n = len(arrays_[0])
    lengths = [len(a) for a in arrays_]
    if len(set(lengths)) > 1:
        raise ValueError(f"train_test_split: arrays have different lengths {lengths}")
    if isinstance(test_size, float):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"train_test_split: a fractional test_size must be in (0, 1), got "
                             f"{test_size}")
        n_test = int(np.ceil(test_size * n))
    else:
        n_test = _count(test_size, "train_test_split: test_size")
    if not 1 <= n_test < n:
        raise ValueError(f"train_test_split: test_size={test_size} leaves no train or no test "
                         f"samples out of {n}")
    rng = as_generator(seed)
    if stratify is not None:
        if not shuffle:
            raise ValueError("train_test_split: stratify needs shuffle=True")
        labels = np.asarray(stratify)
        if len(labels) != n:
            raise ValueError(f"train_test_split: stratify has {len(labels)} labels for {n} "
                             f"samples")
        test_idx = []
        for cls in np.unique(labels):
            idx = rng.permutation(np.flatnonzero(labels == cls))
            k = min(max(round(n_test / n * len(idx)), 1), len(idx) - 1) if len(idx) > 1 else 0
            test_idx.append(idx[:k])
        test = np.sort(np.concatenate(test_idx))
        train = rng.permutation(np.setdiff1d(np.arange(n), test))
        test = rng.permutation(test)
    else:
        order = rng.permutation(n) if shuffle else np.arange(n)
        test, train = order[:n_test], order[n_test:]
    out = []
    for a in arrays_:
        out += [a[train], a[test]]
    return out
