"""The PyTorch adapter and the native path give the same landscape for the same weights."""

from __future__ import annotations

import numpy as np
import pytest

from steepest import landscape as L

torch = pytest.importorskip("torch")


def _net(kind: str) -> torch.nn.Module:
    torch.manual_seed(0)
    nn = torch.nn
    if kind == "tanh":
        return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh(),
                             nn.Linear(4, 1)).double()
    return nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 5), nn.LeakyReLU(0.1),
                         nn.Linear(6 - 1, 3)).double()


def test_torch_paths_and_native_agree():
    g = torch.Generator().manual_seed(1)
    X = torch.randn(50, 3, generator=g, dtype=torch.float64)
    y = (torch.rand(50, 1, generator=g) > 0.5).double()
    net, loss = _net("tanh"), torch.nn.BCEWithLogitsLoss()
    fast = L.surface_2d(net, X, y, loss=loss, resolution=6, progress=False, accuracy=True)
    vmapped = L.surface_2d(net, X, y, loss=loss, resolution=6, progress=False, accuracy=True,
                           fast=False)
    assert fast.meta["target"] == "MLPTarget" and vmapped.meta["target"] == "TorchTarget"
    np.testing.assert_allclose(fast.loss, vmapped.loss, rtol=1e-6, atol=1e-10)
    np.testing.assert_array_equal(fast.accuracy, vmapped.accuracy)

    # the same weights in a steepest MLP, through the native path
    nn = pytest.importorskip("steepest.nn")
    model = nn.MLP(3, [4, 4, 1], activation="tanh", seed=0)
    flat = torch.nn.utils.parameters_to_vector(net.parameters()).detach().numpy()
    nn.vector_to_parameters(flat, model)
    native = L.surface_2d(model, X.numpy(), y.numpy(), loss="bce_with_logits", resolution=6,
                          progress=False, accuracy=True)
    np.testing.assert_allclose(native.loss, fast.loss, rtol=1e-6, atol=1e-10)

    # and a plain function of the parameter vector, evaluated by torch itself
    spec = fast.directions.spec

    def f(theta):
        params = {n: torch.as_tensor(p) for n, p in zip(spec.names, spec.split(theta))}
        with torch.no_grad():
            return float(loss(torch.func.functional_call(net, params, (X,)), y))

    by_f = L.surface_2d(f, theta=fast.centre, shapes=spec.shapes, resolution=6, progress=False)
    np.testing.assert_allclose(by_f.loss, fast.loss, rtol=1e-6, atol=1e-10)


def test_torch_cross_entropy_and_leaky_relu():
    g = torch.Generator().manual_seed(2)
    X = torch.randn(40, 3, generator=g, dtype=torch.float64)
    y = torch.randint(0, 3, (40,), generator=g)
    net, loss = _net("relu"), torch.nn.CrossEntropyLoss()
    a = L.line_1d(net, X, y, loss=loss, resolution=7, progress=False, accuracy=True)
    b = L.line_1d(net, X, y, loss=loss, resolution=7, progress=False, accuracy=True, fast=False)
    assert a.meta["target"] == "MLPTarget"
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-6, atol=1e-10)
    np.testing.assert_array_equal(a.accuracy, b.accuracy)


def test_unsupported_torch_module_uses_vmap():
    class Odd(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(3, 1).double()

        def forward(self, x):
            return self.lin(x) ** 2

    X = torch.randn(20, 3, dtype=torch.float64)
    y = torch.randn(20, 1, dtype=torch.float64)
    net = Odd()
    land = L.line_1d(net, X, y, loss=torch.nn.MSELoss(), resolution=5, progress=False,
                     include_1d=True)
    assert land.meta["target"] == "TorchTarget"
    d = land.directions[0]
    w0, b0 = net.lin.weight.detach().numpy().ravel(), net.lin.bias.detach().numpy()
    for a, v in zip(land.alphas, land.loss):
        w, b = w0 + a * d[:3], b0 + a * d[3:]
        ref = np.mean(((X.numpy() @ w + b) ** 2 - y.numpy()[:, 0]) ** 2)
        assert v == pytest.approx(ref, rel=1e-10)


def test_image_model_with_conv_and_batchnorm_runs_in_eval_mode():
    nn = torch.nn
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                        nn.Dropout(0.5), nn.Linear(2 * 4 * 4, 3)).double()
    net.train()
    X = torch.randn(12, 1, 6, 6, dtype=torch.float64)
    y = torch.randint(0, 3, (12,))
    loss = nn.CrossEntropyLoss()
    land = L.surface_2d(net, X, y, loss=loss, resolution=3, progress=False)
    assert land.meta["target"] == "TorchTarget" and net.training  # the user's model untouched
    net.eval()
    with torch.no_grad():
        assert land.loss[1, 1] == pytest.approx(float(loss(net(X), y)), rel=1e-10)
