"""Training epochs per second on scikit-learn's digits: steepest vs PyTorch (CPU) and
scikit-learn's own MLPClassifier.

The same work in every way: 1,797 images of 64 pixels (scaled to [0, 1]), an MLP
64 → 64 (ReLU) → 10, softmax cross-entropy, Adam (lr 0.01, PyTorch's defaults otherwise),
minibatches of 64 in a fresh random order each epoch (29 steps per epoch), float64 (PyTorch is
also timed in float32, its usual precision). One call = one epoch.

* ``steepest nn.fit`` — ``steepest.nn.fit(..., epochs=1)``: everything a user gets (input checks,
  shuffling, history, divergence checks); the baseline.
* ``steepest loop`` — the same epoch written as the four-line PyTorch-style loop.
* ``torch float64`` / ``torch float32`` — ``torch.nn.Sequential`` and ``torch.optim.Adam``.
* ``sklearn MLPClassifier`` — ``partial_fit`` (one epoch per call), solver "adam", alpha 0.

Every way gets the run's thread count (``run.py --threads``, one by default).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import harness
import numpy as np
from harness import Group, Skip

from steepest import nn
from steepest.optim import Adam

HIDDEN, LR, BATCH = 64, 0.01, 64

def _digits() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise Skip("scikit-learn not installed (it provides the digits)") from None
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def steepest_fit() -> Callable[[], object]:
    X, y = _digits()
    net = nn.MLP(64, [HIDDEN, 10], activation="relu", seed=0)
    opt = Adam(net.parameters(), lr=LR)
    rng = np.random.default_rng(0)
    return lambda: nn.fit(net, X, y, loss="cross_entropy", optimizer=opt, epochs=1,
                          batch_size=BATCH, seed=rng, progress=False)


def steepest_loop() -> Callable[[], None]:
    X, y = _digits()
    net = nn.MLP(64, [HIDDEN, 10], activation="relu", seed=0)
    opt = Adam(net.parameters(), lr=LR)
    rng = np.random.default_rng(0)

    def epoch() -> None:
        order = rng.permutation(len(X))
        for lo in range(0, len(X), BATCH):
            idx = order[lo:lo + BATCH]
            opt.zero_grad()
            nn.cross_entropy(net(X[idx]), y[idx]).backward()
            opt.step()
    return epoch


def torch_way(dtype_name: str) -> Callable[[], Callable[[], None]]:
    def factory() -> Callable[[], None]:
        try:
            import torch
        except ImportError:
            raise Skip("torch not installed") from None
        torch.set_num_threads(harness.THREADS["n"])
        dtype = getattr(torch, dtype_name)
        X, y = _digits()
        Xt, yt = torch.from_numpy(X).to(dtype), torch.from_numpy(y)
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(64, HIDDEN), torch.nn.ReLU(),
                                  torch.nn.Linear(HIDDEN, 10)).to(dtype)
        opt = torch.optim.Adam(net.parameters(), lr=LR)
        loss_fn = torch.nn.functional.cross_entropy

        def epoch() -> None:
            order = torch.randperm(len(Xt))
            for lo in range(0, len(Xt), BATCH):
                idx = order[lo:lo + BATCH]
                opt.zero_grad()
                loss_fn(net(Xt[idx]), yt[idx]).backward()
                opt.step()
        return epoch
    return factory


def sklearn_mlp() -> Callable[[], object]:
    try:
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        raise Skip("scikit-learn not installed") from None
    X, y = _digits()
    clf = MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="relu", solver="adam",
                        alpha=0.0, batch_size=BATCH, learning_rate_init=LR, random_state=0)
    classes = np.unique(y)

    def epoch() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return clf.partial_fit(X, y, classes=classes)
    return epoch


def groups() -> list[Group]:
    return [Group(
        name="nn: digits epoch 64-64-10 Adam b64",
        ways={"steepest nn.fit": steepest_fit, "steepest loop": steepest_loop,
              "torch float64": torch_way("float64"), "torch float32": torch_way("float32"),
              "sklearn MLPClassifier": sklearn_mlp},
        baseline="steepest nn.fit", unit="training epoch", repeats=7,
        notes="1,797 samples, 29 minibatch steps per epoch; ratio = other's time / steepest's")]
