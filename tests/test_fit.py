"""nn.fit: it learns the acceptance tasks, records an honest history, and handles bad input,
divergence, early stopping, callbacks, snapshots and interruption."""

import time
import warnings

import numpy as np
import pytest

import steepest as st
from steepest import datasets as ds
from steepest import nn
from steepest.optim import GD, Adam, Momentum
from steepest.optim.schedules import ReduceLROnPlateau, StepDecay


def accuracy(net, X, y):
    with st.no_grad():
        out = net.eval()(X).data
    pred = out.argmax(1) if out.shape[1] > 1 else (out[:, 0] > 0).astype(int)
    return np.mean(pred == y)


# ---- acceptance: it learns --------------------------------------------------------------------
def test_moons_97_percent():
    X, y = ds.moons(1000, noise=0.1, seed=0)
    Xtr, Xte, ytr, yte = ds.train_test_split(X, y, test_size=0.3, seed=0)
    net = nn.MLP(2, [16, 16, 1], seed=0)
    h = nn.fit(net, Xtr, ytr, loss="bce_with_logits", optimizer=Adam(net.parameters(), lr=0.01),
               epochs=40, batch_size=32, seed=0, progress=False)
    assert h.status == "completed"
    assert accuracy(net, Xte, yte) >= 0.97


def test_two_spirals_95_percent_with_a_larger_net():
    X, y = ds.spirals(1000, n_arms=2, noise=0.05, seed=0)
    X = (X - X.mean(0)) / X.std(0)
    Xtr, Xte, ytr, yte = ds.train_test_split(X, y, test_size=0.3, seed=0)
    net = nn.MLP(2, [64, 64, 1], activation="relu", seed=0)
    nn.fit(net, Xtr, ytr, loss="bce_with_logits", optimizer=Adam(net.parameters(), lr=0.01),
           epochs=100, batch_size=64, seed=0, progress=False)
    assert accuracy(net, Xte, yte) >= 0.95


def test_lecture_network_learns_its_three_feature_task():
    X, y = ds.lecture_classifier(1000, seed=0)
    Xtr, Xte, ytr, yte = ds.train_test_split(X, y, test_size=0.25, seed=0)
    net = nn.MLP(3, [4, 4, 1], seed=0)
    nn.fit(net, Xtr, ytr, loss="bce_with_logits", optimizer=Adam(net.parameters(), lr=0.03),
           epochs=100, batch_size=32, seed=0, progress=False)
    assert accuracy(net, Xte, yte) >= 0.95


def test_digits_95_percent_in_under_a_minute():
    sk = pytest.importorskip("sklearn.datasets")
    X, y = sk.load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = ds.train_test_split(X / 16.0, y, test_size=0.25, seed=0, stratify=y)
    net = nn.MLP(64, [64, 10], activation="relu", seed=0)
    t0 = time.perf_counter()
    h = nn.fit(net, Xtr, ytr, loss="cross_entropy", optimizer=Adam(net.parameters(), lr=1e-2),
               epochs=30, batch_size=64, seed=0, progress=False, validation_data=(Xte, yte))
    assert time.perf_counter() - t0 < 60
    assert h.metric_name == "accuracy" and h.val_metric[-1] == accuracy(net, Xte, yte)
    assert accuracy(net, Xte, yte) >= 0.95


# ---- the history is what happened ---------------------------------------------------------------
def test_full_batch_history_equals_a_hand_written_loop():
    X, y = ds.regression(40, n_features=2, seed=0)
    a, b = nn.MLP(2, [5, 1], seed=1), nn.MLP(2, [5, 1], seed=1)
    h = nn.fit(a, X, y, loss="mse", optimizer=GD(a.parameters(), lr=0.05), epochs=6,
               progress=False)
    opt = GD(b.parameters(), lr=0.05)
    losses = []
    for _ in range(6):
        opt.zero_grad()
        L = nn.mse(b(X), y)
        losses.append(L.item())
        L.backward()
        opt.step()
    np.testing.assert_allclose(h.loss, losses, rtol=1e-13)
    np.testing.assert_array_equal(h.step_loss, h.loss)
    np.testing.assert_array_equal(nn.parameters_to_vector(a), nn.parameters_to_vector(b))
    np.testing.assert_array_equal(h.epoch, np.arange(1, 7))
    np.testing.assert_array_equal(h.lr, 0.05)
    assert h.metric_name == "r2" and np.all(np.isnan(h.val_loss))


def test_minibatch_loss_is_the_sample_weighted_mean_and_seed_reproduces():
    X, y = ds.moons(50, seed=0)
    runs = []
    for _ in range(2):
        net = nn.MLP(2, [4, 1], seed=0)
        runs.append(nn.fit(net, X, y, loss="bce_with_logits",
                           optimizer=Adam(net.parameters(), lr=0.01), epochs=3, batch_size=16,
                           seed=3, progress=False))
    h = runs[0]
    np.testing.assert_array_equal(h.loss, runs[1].loss)
    assert h.n_steps == 12 and len(h.step_loss) == 12  # ⌈50/16⌉ = 4 steps per epoch
    sizes = np.array([16, 16, 16, 2])
    np.testing.assert_allclose(h.loss[0], np.dot(h.step_loss[:4], sizes) / 50)


def test_schedule_learning_rates_are_recorded_and_plateau_is_observed():
    X, y = ds.regression(30, seed=0)
    net = nn.MLP(1, [4, 1], seed=0)
    h = nn.fit(net, X, y, loss="mse", optimizer=GD(net.parameters(), lr=StepDecay(0.1, 2, 0.5)),
               epochs=5, progress=False)
    np.testing.assert_allclose(h.lr, [0.1, 0.1, 0.05, 0.05, 0.025])
    sched = ReduceLROnPlateau(0.1, factor=0.5, patience=0)
    net = nn.MLP(1, [4, 1], seed=0)
    h = nn.fit(net, X, y, loss="mse", optimizer=GD(net.parameters(), lr=sched), epochs=5,
               progress=False)
    assert sched._seen == 5


def test_parameter_free_optimizer_is_bound_to_the_model():
    X, y = ds.xor(100, seed=0)
    net = nn.MLP(2, [8, 1], seed=0)
    opt = Adam(lr=0.05)
    before = nn.parameters_to_vector(net)
    nn.fit(net, X, y, loss="bce_with_logits", optimizer=opt, epochs=2, progress=False)
    assert not np.array_equal(before, nn.parameters_to_vector(net))
    other = nn.MLP(2, [8, 1], seed=1)
    with pytest.raises(ValueError, match="none of this model's parameters"):
        nn.fit(other, X, y, loss="bce_with_logits", optimizer=opt, epochs=1, progress=False)


def test_snapshots_validation_and_metrics():
    X, y = ds.blobs(120, centers=3, seed=0)
    Xtr, Xv, ytr, yv = ds.train_test_split(X, y, seed=0)
    net = nn.MLP(2, [8, 3], seed=0)
    theta0 = nn.parameters_to_vector(net)
    h = nn.fit(net, Xtr, ytr, loss="cross_entropy", optimizer=Adam(net.parameters(), lr=0.01),
               epochs=7, batch_size=30, snapshot_every=3, validation_data=(Xv, yv),
               progress=False)
    assert h.snapshot_epochs == [0, 3, 6, 7]
    np.testing.assert_array_equal(h.snapshots[0], theta0)
    np.testing.assert_array_equal(h.snapshots[-1], nn.parameters_to_vector(net))
    with st.no_grad():
        vl = nn.cross_entropy(net(Xv), yv).item()
    assert h.val_loss[-1] == pytest.approx(vl, rel=1e-12)
    assert h.val_metric[-1] == accuracy(net, Xv, yv)
    assert np.all((h.metric >= 0) & (h.metric <= 1))


def test_early_stopping_restores_the_best_parameters():
    X, y = ds.moons(200, noise=0.3, seed=0)
    Xtr, Xv, ytr, yv = ds.train_test_split(X, y, seed=0)
    net = nn.MLP(2, [64, 64, 1], activation="relu", seed=0)
    h = nn.fit(net, Xtr, ytr, loss="bce_with_logits", optimizer=Adam(net.parameters(), lr=0.05),
               epochs=300, batch_size=16, validation_data=(Xv, yv),
               early_stopping=nn.EarlyStopping(patience=5), seed=0, progress=False)
    assert h.status == "early_stopped" and len(h.epoch) < 300
    assert h.best_epoch == int(np.argmin(h.val_loss)) + 1 == len(h.epoch) - 5
    assert f"best epoch, {h.best_epoch}, restored" in h.message
    with st.no_grad():
        vl = nn.binary_cross_entropy_with_logits(net(Xv), yv).item()
    assert vl == pytest.approx(h.val_loss.min(), rel=1e-12)


def test_callbacks_see_logs_and_can_stop():
    X, y = ds.xor(64, seed=0)
    net = nn.MLP(2, [4, 1], seed=0)
    seen = []

    def cb(epoch, logs):
        seen.append((epoch, logs["loss"]))
        return epoch == 3

    h = nn.fit(net, X, y, loss="bce_with_logits", optimizer=Adam(net.parameters(), lr=0.01),
               epochs=10, callbacks=[cb], progress=False)
    assert h.status == "callback_stopped" and len(h.epoch) == 3
    assert [e for e, _ in seen] == [1, 2, 3]
    np.testing.assert_array_equal([v for _, v in seen], h.loss)


def test_interruption_keeps_the_history():
    X, y = ds.xor(64, seed=0)
    net = nn.MLP(2, [4, 1], seed=0)

    def cb(epoch, logs):
        if epoch == 2:
            raise KeyboardInterrupt

    h = nn.fit(net, X, y, loss="bce_with_logits", optimizer=Adam(net.parameters(), lr=0.01),
               epochs=10, callbacks=[cb], snapshot_every=1, progress=False)
    assert h.status == "interrupted" and not h.success
    assert len(h.loss) == 2 and h.snapshot_epochs == [0, 1, 2]


# ---- divergence is a status, not a crash --------------------------------------------------------
def test_divergence_is_reported_with_a_diagnosis_and_no_warnings():
    X, y = ds.regression(50, kind="linear", seed=0)
    X = X * 1000  # unscaled inputs: huge curvature
    net = nn.MLP(1, [8, 1], activation="relu", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = nn.fit(net, X, y, loss="mse", optimizer=GD(net.parameters(), lr=0.1), epochs=50,
                   snapshot_every=1, progress=False)
    assert h.status == "diverged" and not h.success
    assert h.diverged_at == len(h.epoch) + 1
    assert isinstance(h.diagnosis, nn.Diagnosis)
    assert "diverged at epoch" in h.diagnosis.message and "standardize" in h.diagnosis.message
    assert h.diagnosis.lr_max < 1e-6 and "× the limit" in h.diagnosis.message
    theta = nn.parameters_to_vector(net)
    assert np.all(np.isfinite(theta))
    np.testing.assert_array_equal(theta, h.snapshots[-1])


def test_divergence_diagnosis_measures_the_stability_limit_and_its_advice_works():
    X, y = ds.regression(50, kind="linear", seed=0)
    net = nn.MLP(1, [8, 1], activation="tanh", seed=0)
    theta0 = nn.parameters_to_vector(net)
    h = nn.fit(net, X, y, loss="mse", optimizer=Momentum(net.parameters(), lr=1.5, momentum=0.9),
               epochs=100, progress=False)
    assert h.status == "diverged"
    H = st.hessian(nn.loss_of_parameters(net, X, y, "mse"))(theta0)
    lam = np.linalg.eigvalsh(H)[-1]
    d = h.diagnosis
    assert d.lam_max == pytest.approx(lam, rel=1e-8)
    assert d.lr_max == pytest.approx(3.8 / lam, rel=1e-8)  # (2 + 2β)/λ_max, β = 0.9
    assert f"{d.lr_max:.3g}" in d.message and "half the limit" in d.message
    nn.vector_to_parameters(theta0, net)
    h = nn.fit(net, X, y, loss="mse",
               optimizer=Momentum(net.parameters(), lr=0.5 * d.lr_max, momentum=0.9),
               epochs=100, progress=False)
    assert h.status == "completed" and h.loss[-1] < 0.05


def test_adaptive_optimizers_get_the_preconditioned_threshold():
    """Adam's limit is (2 + 2β₁)/((1 − β₁) λ_max(P⁻¹H)) with Adam's first-step preconditioner
    P = |∇L(θ₀)| + ε (Cohen et al. 2022), and the suggested half of it trains."""
    X, y = ds.regression(50, kind="linear", seed=0)
    net = nn.MLP(1, [8, 1], activation="tanh", seed=0)
    theta0 = nn.parameters_to_vector(net)
    h = nn.fit(net, X, y, loss="mse", optimizer=Adam(net.parameters(), lr=1e3), epochs=30,
               progress=False)
    d = h.diagnosis
    assert h.status == "diverged" and d.sharpness == "λ_max(P⁻¹H)"
    f = nn.loss_of_parameters(net, X, y, "mse")
    H = st.hessian(f)(theta0)
    r = 1 / np.sqrt(np.abs(st.grad(f)(theta0)) + 1e-8)
    lam = np.linalg.eigvalsh(r[:, None] * H * r[None, :])[-1]
    assert d.lam_max == pytest.approx(lam, rel=1e-8)
    assert d.lr_max == pytest.approx(38 / lam, rel=1e-8)  # (2 + 2·0.9)/(1 − 0.9)
    assert d.trial.status == "completed" and d.trial.loss_end < d.trial.loss_start
    nn.vector_to_parameters(theta0, net)
    ok = nn.fit(net, X, y, loss="mse", optimizer=Adam(net.parameters(), lr=d.suggested_lr),
                epochs=30, progress=False)
    assert ok.status == "completed" and ok.loss[-1] < ok.loss[0]


def test_a_bounded_loss_far_above_its_start_is_divergence():
    """Issue 13: a small regression net with Adam at lr = 1e3 (loss 6.5 → 1e6, bouncing between
    1e5 and 3e7 because tanh bounds the hidden units) used to report success."""
    X, y = ds.regression(50, kind="linear", seed=0)
    net = nn.MLP(1, [8, 1], activation="tanh", seed=0)
    h = nn.fit(net, X, y, loss="mse", optimizer=Adam(net.parameters(), lr=1e3), epochs=100,
               progress=False)
    assert h.status == "diverged" and h.diagnosis.rule == "far" and h.diagnosis.step <= 4
    assert np.all(np.isfinite(h.step_loss)) and h.step_loss.max() > 1e4 * h.step_loss[0]
    assert "stayed more than 100× its start" in h.diagnosis.message


def test_observers_see_every_step_with_its_gradients_and_can_stop():
    X, y = ds.xor(64, seed=0)
    net = nn.MLP(2, [4, 1], seed=0)
    seen = []

    def observe(state):
        norms = [float(np.linalg.norm(p.grad.data)) for p in net.parameters()]
        seen.append((state.step, state.loss, state.logs["epoch"], state.logs["batch"], norms))
        return state.step == 9  # stop after the tenth step

    h = nn.fit(net, X, y, loss="bce_with_logits", optimizer=Adam(net.parameters(), lr=0.01),
               epochs=5, batch_size=16, observers=[observe], progress=False, seed=0)
    assert h.status == "callback_stopped" and "observer" in h.message
    assert [s[0] for s in seen] == list(range(10)) and h.n_steps == 10
    np.testing.assert_array_equal([s[1] for s in seen], h.step_loss)
    assert [s[2:4] for s in seen[:5]] == [(1, 0), (1, 1), (1, 2), (1, 3), (2, 0)]
    assert all(n > 0 for s in seen for n in s[4])


# ---- bad input gets a clear error ----------------------------------------------------------------
@pytest.mark.parametrize("X, y, loss, match", [
    (np.zeros((10, 2)), np.zeros(9), "bce_with_logits", "X has 10 samples but y has 9"),
    (np.zeros((10, 3)), np.zeros(10), "bce_with_logits", "3 features but the model expects 2"),
    (np.zeros((4, 2)), [0, 1, 2, 1], "bce_with_logits", r"outside the classes \{0, 1\}: \[2"),
    (np.zeros((4, 2)), [0, 1, -1, 1], "hinge", r"outside the classes"),
    (np.array([[0.0, 1.0], [np.nan, 2.0]]), [0, 1], "bce_with_logits",
     "X contains NaN.*rows \\[1\\]"),
    (np.zeros(4), [0, 1, 0, 1], "bce_with_logits", "must be 2-D"),
    (np.zeros((2, 2)), [0.0, np.nan], "mse", "y contains NaN"),
])
def test_bad_input_errors(X, y, loss, match):
    net = nn.MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match=match):
        nn.fit(net, X, y, loss=loss, optimizer=Adam(net.parameters()), epochs=1,
               progress=False)


def test_class_labels_outside_the_outputs_and_other_errors():
    net = nn.MLP(2, [3, 3], seed=0)
    X = np.zeros((4, 2))
    opt = Adam(net.parameters())
    with pytest.raises(ValueError, match=r"labels outside the classes 0 … 2.*\[3\]"):
        nn.fit(net, X, [0, 1, 3, 2], loss="cross_entropy", optimizer=opt, epochs=1,
               progress=False)
    with pytest.raises(ValueError, match="1 output, this one has 3; for 3 classes use "
                                         "cross_entropy"):
        nn.fit(net, X, [0, 1, 1, 0], loss="bce_with_logits", optimizer=opt, epochs=1,
               progress=False)
    with pytest.raises(ValueError, match="X_val has 1 features"):
        nn.fit(net, X, [0, 1, 1, 0], loss="cross_entropy", optimizer=opt, epochs=1,
               validation_data=(np.zeros((2, 1)), [0, 1]), progress=False)
    with pytest.raises(ValueError, match="epochs"):
        nn.fit(net, X, [0, 1, 1, 0], loss="cross_entropy", optimizer=opt, epochs=0)
    with pytest.raises(ValueError, match="batch_size"):
        nn.fit(net, X, [0, 1, 1, 0], loss="cross_entropy", optimizer=opt, epochs=1,
               batch_size=0)
    with pytest.raises(TypeError, match=r"steepest\.optim optimizer"):
        nn.fit(net, X, [0, 1, 1, 0], loss="cross_entropy", optimizer="adam", epochs=1)
    with pytest.raises(ValueError, match="needs validation_data"):
        nn.fit(net, X, [0, 1, 1, 0], loss="cross_entropy", optimizer=opt, epochs=1,
               early_stopping=nn.EarlyStopping(monitor="val_loss"), progress=False)


def test_progress_bar_is_shown_or_silent(capsys):
    X, y = ds.xor(32, seed=0)
    net = nn.MLP(2, [4, 1], seed=0)
    nn.fit(net, X, y, loss="bce_with_logits", optimizer=Adam(net.parameters()), epochs=3,
           progress=False)
    assert capsys.readouterr().err == ""
    nn.fit(net, X, y, loss="bce_with_logits", optimizer=Adam(net.parameters()), epochs=3,
           progress=True)
    err = capsys.readouterr().err
    assert "fit" in err and "3/3" in err and "loss=" in err
