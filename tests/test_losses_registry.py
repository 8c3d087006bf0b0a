"""One loss registry (issue 16): each name means one thing in nn, fit, the landscapes and the
command line; accuracy is one rule; a float32 model's loss stays float32 (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

import steepest as st
from steepest import nn
from steepest.nn import metrics

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name, fn, logits", [
    ("bce", nn.binary_cross_entropy, False),
    ("binary_cross_entropy", nn.binary_cross_entropy, False),
    ("bce_with_logits", nn.binary_cross_entropy_with_logits, True),
    ("bce_logits", nn.binary_cross_entropy_with_logits, True),
    ("BCEWithLogitsLoss", nn.binary_cross_entropy_with_logits, True),
    ("BCELoss", nn.binary_cross_entropy, False),
    ("cross_entropy", nn.cross_entropy, True),
    ("mse", nn.mse, False),
])
def test_each_name_has_one_meaning(name, fn, logits):
    info = nn.loss_info(name)
    assert info.fn is fn and info.logits is logits
    if not name[0].isupper():  # PyTorch class names are for loss_info, not get_loss
        assert nn.get_loss(name) is fn
    assert nn.loss_info(fn) is info


def test_torch_modules_map_only_with_default_options():
    assert nn.loss_info(torch.nn.BCEWithLogitsLoss()).name == "binary_cross_entropy_with_logits"
    assert nn.loss_info(torch.nn.CrossEntropyLoss()).name == "cross_entropy"
    assert nn.loss_info(torch.nn.MSELoss(reduction="sum")) is None
    assert nn.loss_info(torch.nn.CrossEntropyLoss(label_smoothing=0.1)) is None
    assert nn.loss_info(lambda p, t: p) is None


def test_the_same_definitions_as_torch():
    rng = np.random.default_rng(0)
    z, y = rng.normal(size=(7, 1)), (rng.random((7, 1)) > 0.5).astype(float)
    p = 1 / (1 + np.exp(-z))
    for name, pred in [("bce", p), ("bce_with_logits", z), ("mse", z)]:
        info = nn.loss_info(name)
        ours = info.fn(st.tensor(pred), y).item()
        theirs = getattr(torch.nn, info.torch)()(torch.tensor(pred), torch.tensor(y)).item()
        assert ours == pytest.approx(theirs, rel=1e-12), name


def test_the_cli_uses_the_registry_names(tmp_path):
    from steepest.cli import build_parser

    args = build_parser().parse_args(["landscape", "m.npz", "d.npz"])
    assert nn.loss_info(args.loss).name == "binary_cross_entropy_with_logits"
    args = build_parser().parse_args(["landscape", "m.npz", "d.npz", "--loss", "bce"])
    assert nn.LOSS_INFO[args.loss].fn is nn.binary_cross_entropy  # probabilities, as in nn


@pytest.mark.parametrize("fn, pred, target", [
    (nn.binary_cross_entropy, [0.2, 0.9], [0.0, 1.0]),
    (nn.binary_cross_entropy_with_logits, [-1.0, 2.0], [0.0, 1.0]),
    (nn.mse, [0.5, 1.0], [1.0, 0.0]), (nn.mae, [0.5, 1.0], [1.0, 0.0]),
    (nn.huber, [0.5, 3.0], [1.0, 0.0]), (nn.hinge, [0.5, -2.0], [1.0, 0.0]),
    (nn.cross_entropy, [[0.5, 1.0], [2.0, -1.0]], [1, 0]),
])
def test_a_float32_prediction_gives_a_float32_loss_and_gradient(fn, pred, target):
    p = st.tensor(np.array(pred, np.float32), requires_grad=True)
    loss = fn(p, target)
    loss.backward()
    assert loss.dtype == np.float32 and p.grad.dtype == np.float32
    ref = fn(st.tensor(np.array(pred, np.float64)), target).item()
    assert loss.item() == pytest.approx(ref, rel=1e-6)


def test_accuracy_is_one_rule_for_every_shape():
    logits = np.array([[2.0], [-1.0], [0.5], [-0.2]])
    assert metrics.accuracy(logits, [1, 0, 0, 0]) == 0.75
    assert metrics.accuracy(logits, [1, -1, -1, -1]) == 0.75          # ±1 labels
    assert metrics.accuracy(1 / (1 + np.exp(-logits)), [1, 0, 0, 0], threshold=0.5) == 0.75
    scores = np.array([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.2, 0.3, 0.5]])
    assert metrics.accuracy(scores, [1, 0, 0]) == pytest.approx(2 / 3)
    assert metrics.accuracy(scores, np.eye(3)[[1, 0, 0]]) == pytest.approx(2 / 3)  # one-hot
    # a stack of points (p, k, N), as a landscape evaluates it: one accuracy per point
    stack = np.stack([scores.T, -scores.T])
    np.testing.assert_allclose(metrics.accuracy(stack, [1, 0, 0], class_axis=1), [2 / 3, 1 / 3])
    np.testing.assert_array_equal(metrics.predicted_classes(logits), [1, 0, 1, 0])


def test_fit_measures_accuracy_with_the_registry_rule():
    from steepest.nn.training import accuracy_from

    rng = np.random.default_rng(1)
    logits, y = rng.normal(size=(50, 1)), rng.integers(0, 2, 50)
    assert accuracy_from(nn.binary_cross_entropy_with_logits)(logits, y) == metrics.accuracy(
        logits, y) == np.mean((logits[:, 0] > 0) == y)
    probs = 1 / (1 + np.exp(-logits))
    assert accuracy_from(nn.binary_cross_entropy)(probs, y) == metrics.accuracy(logits, y)
    scores, labels = rng.normal(size=(50, 3)), rng.integers(0, 3, 50)
    assert accuracy_from(nn.cross_entropy)(scores, labels) == np.mean(scores.argmax(1) == labels)
    assert accuracy_from(nn.mse) is None


@pytest.mark.parametrize("name", sorted({i.name for i in nn.LOSS_INFO.values() if i.grid}))
def test_each_batched_landscape_form_is_its_tensor_loss(name):
    """The landscapes' batched NumPy form of each loss equals the Tensor loss of the same name."""
    rng = np.random.default_rng(2)
    info = nn.LOSS_INFO[name]
    k = 3 if name == "cross_entropy" else 1
    Z = rng.normal(size=(4, k, 9))  # 4 points, k outputs, 9 samples
    if name == "cross_entropy":
        y = rng.integers(0, k, 9)
    else:
        y = (rng.random(9) > 0.5).astype(float) if info.classifier else rng.normal(size=9)
    if not info.logits and info.classifier:
        Z = 1 / (1 + np.exp(-Z))  # probabilities
    got = info.grid(y, k, np.float64)(Z, np.empty((4, 9)))
    want = [info.fn(st.tensor(z.T), y if name == "cross_entropy" else y[:, None]).item()
            for z in Z]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_a_landscape_refuses_probabilities_from_a_net_without_a_sigmoid():
    from steepest.landscape import MLPTarget

    X, y = st.datasets.moons(n=20, noise=0.1, seed=0)
    w, b = np.ones((1, 2)), np.zeros(1)
    with pytest.raises(st.SteepestError, match=r"takes probabilities .* 'bce_with_logits'"):
        MLPTarget.from_arrays([w], [b], X, y, loss="bce")
    MLPTarget.from_arrays([w], [b], X, y, loss="bce", output_activation="sigmoid")
