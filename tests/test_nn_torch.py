"""The same MLP in PyTorch (float64, same weights) gives the same outputs, gradients, and
parameters after 10 optimizer steps, for every activation and loss."""

import numpy as np
import pytest

import steepest as st
from steepest import nn
from steepest.optim import GD, Adam, Momentum

torch = pytest.importorskip("torch")
F = torch.nn.functional

TORCH_ACT = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid,
             "gelu": torch.nn.GELU, "softplus": torch.nn.Softplus,
             "leaky_relu": torch.nn.LeakyReLU}


def torch_twin(net: nn.MLP, output_activation=None) -> "torch.nn.Sequential":
    layers = []
    for layer in net.layers:
        lin = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(layer.weight.data))
            lin.bias.copy_(torch.from_numpy(layer.bias.data))
        layers.append(lin)
        act = layer.activation
        if act is not None:
            layers.append(TORCH_ACT[act]())
    return torch.nn.Sequential(*layers)


def hinge_torch(s, y):
    return torch.relu(1 - (2 * y - 1) * s.reshape(-1)).mean()


# name → (steepest loss, torch loss, number of outputs, target kind)
LOSSES = {
    "mse": (nn.mse, lambda o, t: F.mse_loss(o, t.reshape(o.shape)), 2, "real"),
    "mae": (nn.mae, lambda o, t: F.l1_loss(o, t.reshape(o.shape)), 2, "real"),
    "huber": (lambda o, t: nn.huber(o, t, delta=0.7),
              lambda o, t: F.huber_loss(o, t.reshape(o.shape), delta=0.7), 2, "real"),
    "bce": (nn.binary_cross_entropy,
            lambda o, t: F.binary_cross_entropy(o, t.reshape(o.shape)), 1, "binary"),
    "bce_with_logits": (nn.binary_cross_entropy_with_logits,
                        lambda o, t: F.binary_cross_entropy_with_logits(o, t.reshape(o.shape)),
                        1, "binary"),
    "cross_entropy": (nn.cross_entropy, F.cross_entropy, 4, "classes"),
    "hinge": (nn.hinge, hinge_torch, 1, "binary"),
}


def data(kind: str, nout: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(16, 3))
    if kind == "real":
        y = rng.normal(size=(16, nout))
    elif kind == "binary":
        y = rng.integers(0, 2, 16).astype(float)
    else:
        y = rng.integers(0, nout, 16)
    return X, y


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("opt", ["gd", "momentum", "adam"])
def test_outputs_gradients_and_ten_steps_match_torch(activation, loss_name, opt):
    ours_loss, torch_loss, nout, kind = LOSSES[loss_name]
    out_act = "sigmoid" if loss_name == "bce" else None
    net = nn.MLP(3, [5, 4, nout], activation=activation, output_activation=out_act, seed=1)
    twin = torch_twin(net)
    X, y = data(kind, nout)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    if opt == "gd":
        ours, theirs = GD(net.parameters(), lr=0.1), torch.optim.SGD(twin.parameters(), lr=0.1)
    elif opt == "momentum":
        ours = Momentum(net.parameters(), lr=0.05, momentum=0.9)
        theirs = torch.optim.SGD(twin.parameters(), lr=0.05, momentum=0.9)
    else:
        ours, theirs = Adam(net.parameters(), lr=0.01), torch.optim.Adam(twin.parameters(), lr=0.01)

    for step in range(10):
        ours.zero_grad()
        theirs.zero_grad()
        out = net(X)
        tout = twin(Xt)
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=0, atol=1e-10)
        L = ours_loss(out, y)
        TL = torch_loss(tout, yt)
        assert abs(L.item() - TL.item()) < 1e-10, (step, L.item(), TL.item())
        L.backward()
        TL.backward()
        for p, q in zip(net.parameters(), twin.parameters()):
            np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=0, atol=1e-10)
        ours.step()
        theirs.step()
    for p, q in zip(net.parameters(), twin.parameters()):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("activation", ["sigmoid", "gelu", "softplus", "leaky_relu"])
def test_other_activations_match_torch(activation):
    net = nn.MLP(3, [6, 2], activation=activation, seed=3)
    twin = torch_twin(net)
    X = np.random.default_rng(2).normal(size=(10, 3)) * 3
    out = net(X)
    tout = twin(torch.from_numpy(X))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), atol=1e-12)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    for p, q in zip(net.parameters(), twin.parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), atol=1e-10)


def test_gelu_tanh_approximation_matches_torch():
    x = np.linspace(-5, 5, 41)
    ours = nn.gelu(st.tensor(x), approximate="tanh").data
    theirs = F.gelu(torch.from_numpy(x), approximate="tanh").numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_l2_penalty_gradient_matches_torch():
    net = nn.MLP(3, [4, 1], seed=0)
    twin = torch_twin(net)
    nn.l2_penalty(net, alpha=0.3).backward()
    (0.3 * sum((q * q).sum() for q in twin.parameters())).backward()
    for p, q in zip(net.parameters(), twin.parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), atol=1e-12)


def test_stable_losses_on_extreme_logits_match_torch():
    z = np.array([[-800.0], [-30.0], [0.0], [35.0], [900.0]])
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    zt = torch.from_numpy(z).requires_grad_()
    ours_z = st.tensor(z, requires_grad=True)
    L = nn.binary_cross_entropy_with_logits(ours_z, y)
    TL = F.binary_cross_entropy_with_logits(zt, torch.from_numpy(y).reshape(-1, 1))
    L.backward()
    TL.backward()
    assert np.isfinite(L.item())
    np.testing.assert_allclose(L.item(), TL.item(), rtol=1e-12)
    np.testing.assert_allclose(ours_z.grad.data, zt.grad.numpy(), atol=1e-15)

    logits = np.array([[1000.0, -1000.0, 0.0], [-50.0, 700.0, 699.0]])
    labels = np.array([2, 1])
    lt = torch.from_numpy(logits).requires_grad_()
    ol = st.tensor(logits, requires_grad=True)
    L = nn.cross_entropy(ol, labels)
    TL = F.cross_entropy(lt, torch.from_numpy(labels))
    L.backward()
    TL.backward()
    np.testing.assert_allclose(L.item(), TL.item(), rtol=1e-12)
    np.testing.assert_allclose(ol.grad.data, lt.grad.numpy(), atol=1e-15)


def test_soft_label_cross_entropy_matches_torch():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 4))
    probs = rng.dirichlet(np.ones(4), size=6)
    L = nn.cross_entropy(st.tensor(logits), probs)
    TL = F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(probs))
    np.testing.assert_allclose(L.item(), TL.item(), rtol=1e-12)
