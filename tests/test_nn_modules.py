"""Modules, parameters, layers, initializers, losses (closed forms), vectors and save/load."""

import math

import numpy as np
import pytest

import steepest as st
from steepest import nn


# ---- Module bookkeeping ----------------------------------------------------------------------
class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 3, "tanh", seed=0)
        self.scale = nn.Parameter(np.array(2.0))
        self.blocks = [nn.Linear(3, 3, seed=1), nn.Linear(3, 1, seed=2)]
        self.note = "not registered"

    def forward(self, x):
        h = self.hidden(x)
        for b in self.blocks:
            h = b(h)
        return h * self.scale


def test_attributes_register_parameters_and_modules_with_dotted_names():
    m = TwoLayer()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["scale", "hidden.weight", "hidden.bias", "blocks.0.weight", "blocks.0.bias",
                     "blocks.1.weight", "blocks.1.bias"]
    assert m.num_parameters() == 1 + 6 + 3 + 9 + 3 + 3 + 1
    assert all(isinstance(p, st.Tensor) and p.requires_grad for p in m.parameters())
    assert isinstance(m.blocks, nn.ModuleList) and len(m.blocks) == 2
    # reassigning a plain value unregisters
    m.scale = 3.0
    assert "scale" not in dict(m.named_parameters())


def test_shared_parameter_is_listed_once():
    m = nn.Sequential(nn.Linear(2, 2, seed=0), nn.Linear(2, 2, seed=1))
    m[1].weight = m[0].weight
    assert m.num_parameters() == 4 + 2 + 2


def test_zero_grad_train_eval_and_state_dict_round_trip():
    m = TwoLayer()
    out = m(np.ones((4, 2)))
    out.sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    assert m.eval() is m and not any(sub.training for sub in m.modules())
    m.train()
    assert all(sub.training for sub in m.modules())

    state = m.state_dict()
    other = TwoLayer()
    for p in other.parameters():
        p.data = p.data + 1.0
    other.load_state_dict(state)
    np.testing.assert_array_equal(other(np.ones((1, 2))).data, m(np.ones((1, 2))).data)
    state["hidden.weight"][0, 0] = 99.0  # a copy: the model is untouched
    assert m.hidden.weight.data[0, 0] != 99.0
    with pytest.raises(KeyError, match="missing keys"):
        other.load_state_dict({"scale": np.array(1.0)})
    bad = m.state_dict()
    bad["hidden.bias"] = np.zeros(5)
    with pytest.raises(ValueError, match=r"hidden.bias.*\(5,\).*\(3,\)"):
        other.load_state_dict(bad)


def test_setattr_before_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter([1.0])

    with pytest.raises(AttributeError, match=r"super\(\)\.__init__"):
        Broken()


def test_repr_shows_the_architecture():
    net = nn.MLP(3, [4, 4, 1])
    text = repr(net)
    assert text.startswith("MLP(3 → 4 → 4 → 1, 41 parameters")
    assert "(0): Linear(nin=3, nout=4, activation=tanh)" in text
    assert "(2): Linear(nin=4, nout=1)" in text
    assert "total" in net.summary() and "41" in net.summary()


# ---- neurons and layers ----------------------------------------------------------------------
def test_neuron_is_tanh_of_weighted_sum_plus_bias():
    n = nn.Neuron(3, seed=0)
    x = np.array([2.0, 3.0, -1.0])
    expected = math.tanh(float(n.w.data @ x + n.b.data))
    assert n(x).item() == pytest.approx(expected, abs=1e-15)
    assert np.all(np.abs(n.w.data) <= 1) and n.b.data == 0  # micrograd's init
    batch = np.stack([x, -x])
    np.testing.assert_allclose(n(batch).data, np.tanh(batch @ n.w.data + n.b.data))


def test_linear_is_its_neurons_side_by_side():
    layer = nn.Linear(3, 4, "tanh", seed=0)
    X = np.random.default_rng(0).normal(size=(5, 3))
    out = layer(X).data
    np.testing.assert_allclose(out, np.tanh(X @ layer.weight.data.T + layer.bias.data))
    for i, neuron in enumerate(layer.neurons):
        np.testing.assert_allclose(neuron(X).data, out[:, i], atol=1e-15)
    with pytest.raises(IndexError):
        layer.neuron(4)


def test_mlp_layers_and_shapes():
    net = nn.MLP(3, [4, 4, 1], seed=0)
    assert [(layer.nin, layer.nout) for layer in net.layers] == [(3, 4), (4, 4), (4, 1)]
    assert net(np.zeros((7, 3))).shape == (7, 1)
    assert net(st.tensor(np.zeros(3))).shape == (1,)
    with pytest.raises(ValueError, match=r"expected inputs with 3 features.*\(7, 2\)"):
        net(np.zeros((7, 2)))
    with pytest.raises(ValueError, match="nouts"):
        nn.MLP(3, 4)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.MLP(3, [4], activation="swish")


def test_mlp_gradients_match_finite_differences():
    net = nn.MLP(2, [3, 2], activation="tanh", seed=0)
    X = np.random.default_rng(1).normal(size=(4, 2))
    theta0 = nn.parameters_to_vector(net)

    def loss_at(theta):
        nn.vector_to_parameters(theta, net)
        return float((net(X) ** 2).sum().item())

    nn.vector_to_parameters(theta0, net)
    net.zero_grad()
    (net(X) ** 2).sum().backward()
    analytic = np.concatenate([p.grad.data.ravel() for p in net.parameters()])
    numeric = np.zeros_like(theta0)
    h = 1e-6
    for i in range(len(theta0)):
        e = np.zeros_like(theta0)
        e[i] = h
        numeric[i] = (loss_at(theta0 + e) - loss_at(theta0 - e)) / (2 * h)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_dropout_scales_in_training_and_is_identity_in_eval():
    d = nn.Dropout(0.25, seed=0)
    x = np.ones((200, 50))
    out = d(x).data
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(out[kept], 1 / 0.75)
    d.eval()
    np.testing.assert_array_equal(d(x).data, x)
    with pytest.raises(ValueError, match=r"p must be a number in \[0, 1\)"):
        nn.Dropout(1.0)


def test_activation_modules_and_functions_agree():
    x = st.tensor(np.linspace(-3, 3, 13))
    pairs = [(nn.Identity(), nn.identity), (nn.Tanh(), nn.tanh), (nn.Sigmoid(), nn.sigmoid),
             (nn.ReLU(), nn.relu), (nn.Softplus(), nn.softplus), (nn.GELU(), nn.gelu)]
    for module, fn in pairs:
        np.testing.assert_array_equal(module(x).data, fn(x).data)
    np.testing.assert_allclose(nn.LeakyReLU(0.2)(x).data, np.where(x.data > 0, x.data,
                                                                    0.2 * x.data))
    from scipy.stats import norm
    np.testing.assert_allclose(nn.gelu(x).data, x.data * norm.cdf(x.data), atol=1e-15)


# ---- initialization --------------------------------------------------------------------------
def test_initializers_have_their_variances_and_reproduce():
    init = nn.init
    shape = (400, 600)
    assert np.var(init.glorot_uniform(shape, 0)) == pytest.approx(2 / 1000, rel=0.02)
    assert np.var(init.glorot_normal(shape, 0)) == pytest.approx(2 / 1000, rel=0.02)
    assert np.var(init.he_normal(shape, 0)) == pytest.approx(2 / 600, rel=0.02)
    assert np.var(init.he_uniform(shape, 0)) == pytest.approx(2 / 600, rel=0.02)
    assert np.abs(init.micrograd_uniform(shape, 0)).max() <= 1
    assert np.abs(init.pytorch_uniform(shape, 0)).max() <= 1 / math.sqrt(600)
    np.testing.assert_array_equal(init.he_normal((3, 2), 5), init.he_normal((3, 2), 5))
    gen = np.random.default_rng(5)
    a, b = init.he_normal((3, 2), gen), init.he_normal((3, 2), gen)
    assert not np.array_equal(a, b)  # a Generator advances


def test_same_seed_same_network_and_auto_init_follows_activation():
    a, b = nn.MLP(3, [8, 1], seed=4), nn.MLP(3, [8, 1], seed=4)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert not np.array_equal(nn.MLP(3, [8, 1], seed=5).layers[0].weight.data,
                              a.layers[0].weight.data)
    relu = nn.Linear(1000, 500, "relu", seed=0)
    tanh = nn.Linear(1000, 500, "tanh", seed=0)
    assert np.var(relu.weight.data) == pytest.approx(2 / 1000, rel=0.03)  # He
    assert np.var(tanh.weight.data) == pytest.approx(2 / 1500, rel=0.03)  # Glorot
    with pytest.raises(ValueError, match="unknown init"):
        nn.Linear(2, 2, init="orthogonal")
    with pytest.raises(TypeError, match="Generator"):
        nn.Linear(2, 2, seed="abc")


# ---- losses against closed forms ---------------------------------------------------------------
def test_losses_match_their_formulas():
    rng = np.random.default_rng(0)
    p, t = rng.normal(size=20), rng.normal(size=20)
    assert nn.mse(st.tensor(p), t).item() == pytest.approx(np.mean((p - t) ** 2))
    assert nn.mae(st.tensor(p), t).item() == pytest.approx(np.mean(np.abs(p - t)))
    d = np.abs(p - t)
    huber = np.where(d <= 0.5, 0.5 * d ** 2, 0.5 * (d - 0.25))
    assert nn.huber(st.tensor(p), t, delta=0.5).item() == pytest.approx(huber.mean())
    assert nn.mse(st.tensor(p), t, reduction="sum").item() == pytest.approx(np.sum((p - t) ** 2))
    assert nn.mse(st.tensor(p), t, reduction="none").shape == (20,)
    labels = rng.integers(0, 2, 20)
    z = rng.normal(size=20) * 5
    sig = 1 / (1 + np.exp(-z))
    bce = -np.mean(labels * np.log(sig) + (1 - labels) * np.log(1 - sig))
    assert nn.binary_cross_entropy_with_logits(st.tensor(z), labels).item() == pytest.approx(bce)
    assert nn.binary_cross_entropy(st.tensor(sig), labels).item() == pytest.approx(bce)
    assert nn.hinge(st.tensor(z), labels).item() == pytest.approx(
        np.mean(np.maximum(0, 1 - (2 * labels - 1) * z)))
    logits = rng.normal(size=(20, 3))
    cls = rng.integers(0, 3, 20)
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    assert nn.cross_entropy(st.tensor(logits), cls).item() == pytest.approx(
        -logp[np.arange(20), cls].mean())


def test_column_predictions_never_broadcast_against_flat_targets():
    pred = st.tensor(np.arange(4.0).reshape(4, 1))
    assert nn.mse(pred, np.arange(4.0)).item() == 0.0
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(3,\)"):
        nn.mse(pred, np.arange(3.0))


def test_loss_input_errors():
    with pytest.raises(ValueError, match=r"labels must lie in 0 … 2.*\[3\]"):
        nn.cross_entropy(st.tensor(np.zeros((2, 3))), [0, 3])
    with pytest.raises(ValueError, match="probabilities"):
        nn.binary_cross_entropy(st.tensor([1.5]), [1.0])
    with pytest.raises(ValueError, match="−1/\\+1"):
        nn.hinge(st.tensor([1.0, 2.0]), [2.0, 1.0])
    with pytest.raises(ValueError, match="reduction"):
        nn.mse(st.tensor([1.0]), [1.0], reduction="avg")
    with pytest.raises(ValueError, match="unknown loss"):
        nn.get_loss("cross-entropy")


def test_bce_on_saturated_probabilities_is_finite():
    L = nn.binary_cross_entropy(st.tensor([0.0, 1.0]), [1.0, 0.0])
    assert L.item() == pytest.approx(100.0)


# ---- vectors and files -----------------------------------------------------------------------
def test_parameter_vector_round_trip():
    net = nn.MLP(3, [4, 2], seed=0)
    theta = nn.parameters_to_vector(net)
    assert theta.shape == (net.num_parameters(),)
    np.testing.assert_array_equal(theta[:12], net.layers[0].weight.data.ravel())
    nn.vector_to_parameters(2 * theta, net)
    np.testing.assert_array_equal(nn.parameters_to_vector(net), 2 * theta)
    with pytest.raises(ValueError, match=r"26 parameters.*\(25,\)"):
        nn.vector_to_parameters(theta[:-1], net)


@pytest.mark.parametrize("make", [
    lambda: nn.MLP(3, [4, 4, 1], seed=0),
    lambda: nn.MLP(2, [8, 3], activation="relu", output_activation="sigmoid", dropout=0.1,
                   seed=1),
    lambda: nn.Sequential(nn.Linear(2, 5, seed=0), nn.GELU(approximate="tanh"),
                          nn.LeakyReLU(0.1), nn.Dropout(0.2), nn.Linear(5, 1, "tanh", seed=1)),
    lambda: nn.Neuron(3, "sigmoid", seed=2),
])
def test_save_load_gives_identical_predictions(tmp_path, make):
    model = make().eval()
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = nn.load(path).eval()
    assert type(loaded) is type(model) and repr(loaded) == repr(model)
    X = np.random.default_rng(0).normal(size=(6, model.in_features))
    np.testing.assert_array_equal(loaded(X).data, model(X).data)


def test_load_refuses_pickled_objects(tmp_path):
    path = tmp_path / "evil.npz"
    net = nn.MLP(2, [2], seed=0)
    net.save(path)
    with np.load(path) as f:
        arrays = dict(f)
    arrays["layers.0.bias"] = np.array([{"x": 1}, None], dtype=object)
    np.savez(path, **arrays)
    with pytest.raises(nn.UnsafeFileError, match="pickled object array"):
        nn.load(path)
    np.savez(tmp_path / "plain.npz", w=np.ones(3))
    with pytest.raises(ValueError, match="not a steepest model file"):
        nn.load(tmp_path / "plain.npz")


def test_custom_module_without_config_cannot_be_saved(tmp_path):
    with pytest.raises(NotImplementedError, match="get_config"):
        TwoLayer().save(tmp_path / "m.npz")


# ---- the network as a function of θ ------------------------------------------------------------
def test_functional_call_uses_theta_and_leaves_the_model_alone():
    net = nn.Sequential(nn.Linear(2, 3, "tanh", seed=0), nn.GELU(), nn.Linear(3, 1, seed=1))
    X = np.random.default_rng(0).normal(size=(5, 2))
    theta = nn.parameters_to_vector(net)
    np.testing.assert_array_equal(nn.functional_call(net, theta, X).data, net(X).data)
    other = nn.parameters_to_vector(nn.Sequential(nn.Linear(2, 3, "tanh", seed=5), nn.GELU(),
                                                  nn.Linear(3, 1, seed=6)))
    out = nn.functional_call(net, other, X).data
    np.testing.assert_array_equal(nn.parameters_to_vector(net), theta)
    nn.vector_to_parameters(other, net)
    np.testing.assert_array_equal(out, net(X).data)
    with pytest.raises(ValueError, match="13 parameters"):
        nn.functional_call(net, theta[:3], X)


def test_loss_of_parameters_gives_exact_gradients_and_hessians():
    net = nn.MLP(2, [3, 1], seed=0)
    X, y = np.random.default_rng(1).normal(size=(6, 2)), np.arange(6) % 2
    f = nn.loss_of_parameters(net, X, y, "bce_with_logits")
    theta = nn.parameters_to_vector(net)
    nn.binary_cross_entropy_with_logits(net(X), y).backward()
    expected = np.concatenate([p.grad.data.ravel() for p in net.parameters()])
    np.testing.assert_allclose(st.grad(f)(theta), expected, atol=1e-14)
    H = st.hessian(f)(theta)
    eps = 1e-5
    g = st.grad(f)
    numeric = np.stack([(g(theta + eps * e) - g(theta - eps * e)) / (2 * eps)
                        for e in np.eye(len(theta))], axis=1)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    np.testing.assert_allclose(H, numeric, atol=1e-7)
