"""Watching a network train (issue 12): sharpness tracked during fit against the dense Hessian,
per-layer gradients and block sharpness, the spectral density, the learning-rate finder, the
edge of stability and the trainability map."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import steepest as st
from steepest import datasets as ds
from steepest import nn
from steepest.autodiff import hessian
from steepest.curvature.tracking import SharpnessTracker, flat_state, layer_slices
from steepest.optim import GD, Adam, Momentum
from steepest.optim.schedules import StepDecay


@pytest.fixture(scope="module")
def moons():
    return ds.moons(64, noise=0.2, seed=0)


def dense_hessian(net, X, y, loss, l2=0.0):
    """The Hessian of fit's loss at the net's current parameters, one exact HVP per column."""
    f = SharpnessTracker(net, X, y, loss, GD(lr=1.0), 1, l2=l2).loss_of()
    return hessian(f)(nn.parameters_to_vector(net))


# ---- 1. sharpness tracking -------------------------------------------------------------------
def test_tracked_sharpness_is_the_dense_top_eigenvalue(moons):
    X, y = moons
    net = nn.MLP(2, [12, 12, 1], seed=0)                       # 205 parameters
    start = nn.MLP(2, [12, 12, 1], seed=0)
    h = nn.fit(net, X, y, loss="bce_with_logits", optimizer=GD(lr=0.5), epochs=30, l2=1e-3,
               track_sharpness=10, progress=False)
    assert h.sharpness_steps.tolist() == [0, 10, 20, 30]
    for model, value in ((start, h.sharpness[0]), (net, h.sharpness[-1])):
        top = np.linalg.eigvalsh(dense_hessian(model, X, y, "bce_with_logits", l2=1e-3))[-1]
        assert value == pytest.approx(top, rel=1e-6)
    assert np.allclose(h.sharpness_threshold, 2 / 0.5)
    assert h.preconditioned_sharpness is None


def test_sharpness_on_a_fixed_evaluation_batch(moons):
    X, y = moons
    net = nn.MLP(2, [8, 1], seed=1)
    h = nn.fit(net, X, y, loss="mse", optimizer=GD(lr=0.1), epochs=5, track_sharpness=5,
               sharpness_batch=20, progress=False)
    idx = np.sort(np.random.default_rng(0).choice(len(X), 20, replace=False))  # documented
    sub = np.linalg.eigvalsh(dense_hessian(net, X[idx], y[idx], "mse"))[-1]
    full = np.linalg.eigvalsh(dense_hessian(net, X, y, "mse"))[-1]
    assert h.sharpness[-1] == pytest.approx(sub, rel=1e-6)
    assert abs(sub - full) > 1e-3 * full                  # it is the batch's, not the data's


def test_threshold_follows_the_schedule_and_the_momentum(moons):
    X, y = moons
    net = nn.MLP(2, [8, 1], seed=0)
    h = nn.fit(net, X, y, loss="mse", optimizer=GD(lr=StepDecay(0.2, 10, 0.5)), epochs=30,
               track_sharpness=5, progress=False)
    lrs = np.array([StepDecay(0.2, 10, 0.5)(s) for s in h.sharpness_steps])
    assert np.allclose(h.sharpness_lr, lrs)
    assert np.allclose(h.sharpness_threshold, 2 / lrs)
    net = nn.MLP(2, [8, 1], seed=0)
    h = nn.fit(net, X, y, loss="mse", optimizer=Momentum(lr=0.05, momentum=0.9), epochs=4,
               track_sharpness=2, progress=False)
    assert np.allclose(h.sharpness_threshold, (2 + 2 * 0.9) / 0.05)


def test_adam_tracks_the_preconditioned_sharpness(moons):
    X, y = moons
    net = nn.MLP(2, [6, 1], seed=0)
    opt = Adam(lr=0.01)
    h = nn.fit(net, X, y, loss="bce_with_logits", optimizer=opt, epochs=6, track_sharpness=3,
               progress=False)
    assert np.isnan(h.preconditioned_sharpness[0])        # no preconditioner before a step
    P = opt.preconditioner(flat_state(opt, net))
    H = dense_hessian(net, X, y, "bce_with_logits")
    r = 1 / np.sqrt(P)
    expect = np.linalg.eigvalsh(r[:, None] * H * r[None, :])[-1]
    assert h.preconditioned_sharpness[-1] == pytest.approx(expect, rel=1e-6)
    assert h.sharpness[-1] == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-6)
    assert h.sharpness_threshold[-1] == pytest.approx(opt.lr_limit(1.0, flat_state(opt, net))
                                                      / 0.01)


def test_bad_tracking_arguments(moons):
    X, y = moons
    with pytest.raises(ValueError, match="track_sharpness"):
        nn.fit(nn.MLP(2, [4, 1]), X, y, loss="mse", optimizer=GD(lr=0.1), epochs=1,
               track_sharpness=0, progress=False)
    with pytest.raises(ValueError, match=r"plot.sharpness.*track_sharpness"):
        h = nn.fit(nn.MLP(2, [4, 1]), X, y, loss="mse", optimizer=GD(lr=0.1), epochs=1,
                   progress=False)
        st.plot.sharpness(h)


def test_plot_sharpness_draws_the_threshold_per_run(moons):
    X, y = moons
    runs = {}
    for lr in (0.2, StepDecay(0.4, 10, 0.5)):
        net = nn.MLP(2, [8, 1], seed=0)
        runs[str(lr)] = nn.fit(net, X, y, loss="mse", optimizer=GD(lr=lr), epochs=20,
                               track_sharpness=5, progress=False)
    d = st.plot.sharpness(runs)
    assert set(d.threshold) == set(runs)
    assert np.allclose(d.threshold["0.2"], 10.0)
    scheduled = list(runs)[1]
    assert d.threshold[scheduled][-1] == pytest.approx(2 / 0.1)
    labels = d.ax.get_legend_handles_labels()[1]
    assert any("η(t)" in t for t in labels) and any("2/η (η = 0.2)" in t for t in labels)
    assert len(d.loss_ax.lines) == 2


# ---- 2. per-layer gradients and sharpness ----------------------------------------------------
def test_layer_gradient_norms_are_each_layers_gradient(moons):
    X, y = moons
    net = nn.MLP(2, [5, 4, 1], seed=3)
    twin = nn.MLP(2, [5, 4, 1], seed=3)
    h = nn.fit(net, X, y, loss="mse", optimizer=GD(lr=0.1), epochs=3, progress=False)
    assert h.layer_names == ["layers.0", "layers.1", "layers.2"]
    assert h.layer_grad_norms.shape == (3, 3)
    nn.mse(twin(X), y).backward()
    expect = [np.sqrt(np.sum(layer.weight.grad.data ** 2) + np.sum(layer.bias.grad.data ** 2))
              for layer in twin.layers]
    assert np.allclose(h.layer_grad_norms[0], expect, rtol=1e-12)


def test_layer_sharpness_is_the_top_eigenvalue_of_each_diagonal_block(moons):
    X, y = moons
    net = nn.MLP(2, [10, 10, 1], seed=0)
    h = nn.fit(net, X, y, loss="bce_with_logits", optimizer=GD(lr=0.5), epochs=10,
               track_sharpness=5, layer_sharpness=True, progress=False)
    H = dense_hessian(net, X, y, "bce_with_logits")
    _, slices = layer_slices(net)
    blocks = [np.linalg.eigvalsh(H[s, s])[-1] for s in slices]
    assert h.layer_sharpness.shape == (3, 3)
    assert np.allclose(h.layer_sharpness[-1], blocks, rtol=1e-6)
    assert h.sharpness[-1] >= max(blocks) - 1e-9          # a block's λ_max never exceeds H's


def test_plot_layer_gradients(moons):
    X, y = moons
    net = nn.MLP(2, [6, 6, 1], seed=0)
    h = nn.fit(net, X, y, loss="mse", optimizer=GD(lr=0.1), epochs=8, track_sharpness=4,
               layer_sharpness=True, progress=False)
    d = st.plot.layer_gradients(h)
    assert [ln.get_label() for ln in d.ax.lines] == h.layer_names
    assert np.allclose(d.ax.lines[0].get_ydata(), h.layer_grad_norms[:, 0])
    assert len(d.sharpness_ax.lines) == 1 + 3 + 1         # network, 3 blocks, threshold
    plain = nn.fit(nn.MLP(2, [6, 1], seed=0), X, y, loss="mse", optimizer=GD(lr=0.1), epochs=2,
                   progress=False)
    assert st.plot.layer_gradients(plain).sharpness_ax is None


# ---- 3. spectral density ---------------------------------------------------------------------
def wasserstein_to(sd, eigenvalues):
    """W₁ = ∫ |F_density − F_eigenvalues| between the smoothed density and the dense spectrum."""
    t = np.sort(np.r_[sd.grid, eigenvalues])
    empirical = np.searchsorted(np.sort(eigenvalues), t, side="right") / eigenvalues.size
    return np.trapezoid(np.abs(sd.cdf(t) - empirical), t)


@pytest.fixture(scope="module")
def trained_net(moons):
    X, y = moons
    net = nn.MLP(2, [8, 8, 1], seed=0)                         # 105 parameters
    nn.fit(net, X, y, loss="bce_with_logits", optimizer=Adam(lr=0.02), epochs=100,
           progress=False)
    f = nn.loss_of_parameters(net, X, y, "bce_with_logits")
    return net, np.linalg.eigvalsh(hessian(f)(nn.parameters_to_vector(net)))


@pytest.mark.parametrize("seed", [0, 1])
def test_spectral_density_matches_the_dense_spectrum(moons, trained_net, seed):
    X, y = moons
    net, w = trained_net
    sd = st.curvature.spectral_density(net, X, y, loss="bce_with_logits", n_vectors=10,
                                       n_lanczos=25, trace_samples=20, seed=seed)
    assert np.trapezoid(sd.density, sd.grid) == pytest.approx(1.0, abs=1e-9)
    assert sd.weights.sum() == pytest.approx(1.0)
    assert sd.moment(1) == pytest.approx(w.mean(), rel=0.03)            # tr H / n
    assert sd.moment(2) == pytest.approx(np.mean(w ** 2), rel=0.03)     # tr H² / n
    assert sd.lam_max == pytest.approx(w[-1], rel=1e-8)
    assert wasserstein_to(sd, w) < 0.02 * (w[-1] - w[0])
    assert sd.trace.trace == pytest.approx(w.sum(), abs=4 * sd.trace.stderr)


def test_spectral_density_of_a_function_with_a_known_spectrum():
    lam = np.r_[np.linspace(0.0, 1.0, 50), 10.0, 25.0]       # a bulk and two outliers
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((52, 52)))[0]
    A = st.tensor((Q * lam) @ Q.T)
    sd = st.curvature.spectral_density(lambda x: 0.5 * (x @ (A @ x)), np.zeros(52),
                                       n_vectors=8, n_lanczos=20, sigma=0.05)
    assert sd.lam_max == pytest.approx(25.0) and sd.n_exact >= 2
    assert sd.moment(1) == pytest.approx(lam.mean(), rel=0.03)
    mass_near_outliers = sd.cdf(26.0) - sd.cdf(9.0)
    assert mass_near_outliers == pytest.approx(2 / 52, abs=1e-6)
    assert wasserstein_to(sd, lam) < 0.05


def test_spectral_density_plot_and_errors(moons, trained_net):
    X, y = moons
    net, _ = trained_net
    sd = st.curvature.spectral_density(net, X, y, loss="bce_with_logits", n_vectors=2,
                                       n_lanczos=10, trace_samples=4)
    d = sd.plot()
    assert d.ax.get_yscale() == "log"
    assert any("Hutchinson" in t for t in d.ax.get_legend_handles_labels()[1])
    with pytest.raises(ValueError, match="needs data and a loss"):
        st.curvature.spectral_density(net, X)


# ---- 4. learning-rate finder -----------------------------------------------------------------
def test_lr_find_leaves_the_model_alone_and_its_suggestion_trains_on_moons():
    X, y = ds.moons(300, noise=0.2, seed=0)
    net = nn.MLP(2, [16, 16, 1], seed=0)
    before = nn.parameters_to_vector(net)
    opt = GD(lr=0.1)
    r = nn.lr_find(net, X, y, loss="bce_with_logits", optimizer=opt)
    assert np.array_equal(nn.parameters_to_vector(net), before)
    assert opt.state == {} and opt.param_groups == [] and opt.lr == 0.1
    assert np.allclose(np.diff(np.log(r.lrs)), np.log(1e7) / 199)    # geometric sweep
    assert r.lrs[0] == pytest.approx(1e-6)
    assert r.blowup_lr is not None and r.suggested_lr < r.min_lr < r.blowup_lr
    assert r.smoothed[-1] > 4 * np.min(r.smoothed[:-1])                # stopped at the blow-up
    f = nn.loss_of_parameters(net, X, y, "bce_with_logits")
    lam = np.linalg.eigvalsh(hessian(f)(before))[-1]
    assert r.lr_limit == pytest.approx(2 / lam, rel=1e-4)
    h = nn.fit(net, X, y, loss="bce_with_logits", optimizer=GD(lr=r.suggested_lr), epochs=10,
               batch_size=64, seed=0, progress=False)
    assert h.status == "completed" and h.loss[-1] < 0.7 * h.loss[0]
    assert "blows up" in " ".join(r.plot().ax.get_legend_handles_labels()[1])


def test_lr_find_suggestion_trains_on_digits():
    datasets = pytest.importorskip("sklearn.datasets")
    digits = datasets.load_digits()
    X, y = digits.data[:600] / 16.0, digits.target[:600]
    net = nn.MLP(64, [16, 10], seed=0)
    r = nn.lr_find(net, X, y, loss="cross_entropy", optimizer=Adam(lr=1e-3), num_steps=120,
                   measure_limit=False)
    assert r.lr_limit is None and r.optimizer == "Adam"
    h = nn.fit(net, X, y, loss="cross_entropy", optimizer=Adam(lr=r.suggested_lr), epochs=5,
               batch_size=64, seed=0, progress=False)
    assert h.status == "completed" and h.loss[-1] < 0.5 * h.loss[0] and h.metric[-1] > 0.85


def test_lr_find_marks_a_loss_that_overflows_as_the_blow_up():
    X, y = ds.moons(100, noise=0.2, seed=0)
    r = nn.lr_find(nn.MLP(2, [8, 1], seed=0), X, y, loss="mse", start_lr=1e-3, end_lr=1e6,
                   num_steps=100, diverge=1e30, measure_limit=False)
    assert r.blowup_lr is not None and not np.isfinite(r.smoothed[-1])


# ---- 5. the edge of stability ----------------------------------------------------------------
@pytest.mark.parametrize("lr", [0.1, 0.15])
def test_full_batch_gd_sharpens_to_two_over_eta_and_hovers(lr):
    """Cohen et al. (2021) on a laptop: a tanh MLP, full-batch GD on MSE, two-spirals data."""
    X, y = ds.spirals(100, n_arms=2, noise=0.05, seed=0)
    X = (X - X.mean(0)) / X.std(0)
    net = nn.MLP(2, [16, 16, 1], seed=0)
    h = nn.fit(net, X, y.astype(float), loss="mse", optimizer=GD(lr=lr), epochs=1200,
               track_sharpness=25, progress=False)
    ratio = h.sharpness / (2 / lr)
    last = ratio[h.sharpness_steps >= 800]                   # the last third of training
    assert h.status == "completed"
    assert ratio[0] < 0.7                                    # it starts well inside
    assert np.all((last > 0.8) & (last < 1.2))               # ... and ends at 2/η (± 20 %)
    assert h.step_loss[-1] < 0.5 * h.step_loss[0]            # while the loss still falls
    assert np.sum(np.diff(h.step_loss[800:]) > 0) > 10       # non-monotonically


# ---- 6. trainability map ---------------------------------------------------------------------
def fit_losses(X, y, lr1, lr2, steps, scale=1.0):
    """The same network trained by nn.fit, per-layer rates as parameter groups."""
    net = nn.MLP(2, [4, 4, 1], activation="tanh", seed=0)
    for name, p in net.named_parameters():
        if name.endswith("weight"):
            p.data = p.data * scale
    ps = net.parameters()
    opt = GD([{"params": ps[:2], "lr": lr1}, {"params": ps[2:], "lr": lr2}], lr=lr1)
    return nn.fit(net, X, y, loss="mse", optimizer=opt, epochs=steps, progress=False).step_loss


@pytest.mark.parametrize("axes", [("lr1", "lr2"), ("lr", "init_scale")])
def test_every_grid_point_is_the_network_fit_would_train(axes):
    X, y = ds.moons(24, noise=0.1, seed=0)
    y = y.astype(float)
    m = st.curvature.trainability_map(X, y, axes=axes, xlim=(0.05, 0.3), ylim=(0.1, 0.3),
                                      resolution=2, steps=40, dtype=np.float64, progress=False)
    assert m.outcome.shape == (2, 2) and np.all(m.trainable)
    for i, yv in enumerate(m.y):
        for j, xv in enumerate(m.x):
            lr1, lr2, scale = (xv, yv, 1.0) if axes == ("lr1", "lr2") else (xv, xv, yv)
            losses = fit_losses(X, y, lr1, lr2, 40, scale)
            assert m.final_loss[i, j] == pytest.approx(losses[-1] / losses[0], rel=1e-9)
            assert m.mean_loss[i, j] == pytest.approx(np.mean(losses) / losses[0], rel=1e-9)


def test_trainability_map_small_rates_train_large_ones_diverge_and_zoom():
    X, y = ds.moons(24, noise=0.1, seed=0)
    m = st.curvature.trainability_map(X, y, xlim=(1e-3, 1e3), ylim=(1e-3, 1e3), resolution=24,
                                      steps=100, progress=False)
    assert m.outcome.shape == (24, 24)
    assert np.all(m.trainable[:4, :4])                       # tiny rates everywhere train
    assert not np.any(m.trainable[-4:, -4:])                 # huge ones diverge ...
    assert np.all(m.diverged_at[-4:, -4:] < 5)               # ... at once
    assert np.all(m.diverged_at[m.trainable] == -1)
    z = m.zoom((1.0, 1.0), factor=10)
    assert z.outcome.shape == (24, 24)
    assert z.x[0] == pytest.approx(10 ** -0.3) and z.y[-1] == pytest.approx(10 ** 0.3)
    d = m.plot()
    assert d.image.shape == (24, 24, 3) and "train" in d.ax.get_title()
    with pytest.raises(ValueError, match="axes"):
        st.curvature.trainability_map(X, y, axes=("lr1", "init_scale"))
