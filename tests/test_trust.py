"""Acceptance (issue 11): divergence, diagnosis and suggested rates on cases with known answers.

Every case here has an answer known independently of the code under test: quadratics whose
stability limits are exact, the lecture's line, logistic regression on raw and standardised
features, user-written tensor functions, classic test functions judged by long detector-free
reference runs, and a network trained at an absurd rate. On all of them: the status is right
(diverged exactly when the run is unstable, except self-stabilising edge-of-stability runs), a
converged run is never called a failure, and every suggested rate, re-run from the same start,
does not diverge. Runs are batched (``stability_map``) wherever the answer allows.
"""

import numpy as np
import pytest

import steepest as st
from steepest import nn, optim
from steepest.descent import certain
from steepest.descent import divergence as dv
from steepest.descent.batch import BOUNDED, CONVERGED, DIVERGED
from steepest.problems import (
    Beale,
    Booth,
    Himmelblau,
    LeastSquares,
    LogisticRegression,
    Matyas,
    Quadratic,
    Rosenbrock,
    SixHumpCamel,
)

FAILURES = {"diverged", "diverging", "stalled", "saddle", "unknown"}
rng = np.random.default_rng(11)


def spectrum_quadratic(dim, kappa):
    Q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    w = np.geomspace(1.0, kappa, dim)
    return Quadratic((Q * w) @ Q.T, Q @ rng.normal(size=dim)), w


OPTIMIZERS = {"GD": lambda lr: optim.GD(lr=lr),
              "Momentum": lambda lr: optim.Momentum(lr=lr, momentum=0.9),
              "Nesterov": lambda lr: optim.Momentum(lr=lr, momentum=0.9, nesterov=True)}
MULTIPLES = (0.3, 0.5, 0.9, 1.1, 3.0, 30.0)


def _rerun_suggestion(d, fun, x0, opt, steps, **rules):
    """A suggested rate, re-run from the same start, does not diverge."""
    assert d.suggested_lr is not None and d.trial is not None
    again = st.minimize(fun, x0, opt.with_lr(d.suggested_lr), max_steps=steps, **rules)
    assert again.status != "diverged", (d.message, again.message)
    return again


# ---- quadratics with chosen spectra, exact limits ----------------------------------------------
@pytest.mark.parametrize("dim, kappa", [(2, 10), (2, 1000), (10, 10), (10, 100), (10, 1000)])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_quadratics_diverge_exactly_above_their_limit(dim, kappa, name):
    P, w = spectrum_quadratic(dim, kappa)
    make = OPTIMIZERS[name]
    limit = make(1.0).lr_limit(w[-1])
    starts = P.solve() + rng.normal(size=(8, dim)) * 2
    lrs = np.array(MULTIPLES) * limit
    m = st.stability_map(P, make(1.0), lrs, starts, max_steps=1500, rtol=1e-8)
    for r, mult in enumerate(MULTIPLES):
        unstable = m.outcome[r] == DIVERGED
        assert unstable.all() if mult > 1 else not unstable.any(), (mult, m.outcome[r])
        done = m.outcome[r] == CONVERGED  # converged means at the solution
        assert np.allclose(m.x[r][done], P.solve(), atol=1e-5 * np.abs(starts).max())
    # one run per rate through minimize + diagnose: same outcome, a true diagnosis
    for r, mult in enumerate(MULTIPLES):
        opt = make(lrs[r])
        res = st.minimize(P, starts[0], opt, max_steps=1500, rtol=1e-8)
        assert (res.status == "diverged") == (mult > 1)
        d = st.diagnose(res, P, verify=mult > 1)
        assert d.lr_max == pytest.approx(limit, rel=1e-9)
        if mult > 1:
            assert d.kind == "diverged" and abs(opt.multiplier(lrs[r], w[-1])) > 1
            _rerun_suggestion(d, P, starts[0], opt, 1500)
        else:
            assert d.kind not in FAILURES, d.message


# ---- certain divergence on a constant Hessian, just above and just below the limit -----------
def _top_growth(P, res, wd=0.0):
    """The gradient's component along the top eigenvector of H + λ_wd·I, step by step, from the
    run's history: the known answer the rule's evidence is checked against."""
    w, V = np.linalg.eigh(P.A + wd * np.eye(P.dim))
    xs = res.history.x
    return ((xs @ P.A - P.b) + wd * xs) @ V[:, -1], w


@pytest.mark.parametrize("dim, kappa", [(2, 10), (10, 100)])
@pytest.mark.parametrize("name", [*OPTIMIZERS, "GD+wd"])
def test_certain_divergence_at_1_01_and_never_at_0_99_the_limit(dim, kappa, name):
    P, _ = spectrum_quadratic(dim, kappa)
    wd = 0.5 if name == "GD+wd" else 0.0
    make = (lambda lr: optim.GD(lr=lr, weight_decay=wd)) if wd else OPTIMIZERS[name]
    w = np.linalg.eigvalsh(P.A + wd * np.eye(dim))
    limit = make(1.0).lr_limit(w[-1])
    x0 = P.solve() + rng.normal(size=dim)
    above = st.minimize(P, x0, make(1.01 * limit), max_steps=3000, rtol=1e-8)
    assert above.status == "diverged" and above.verdict.rule == "certain", above.message
    # the evidence, recomputed: the error recursion along the top eigenvector is
    # e_{k+1} = tr·e_k − det·e_{k−1}, whose roots μ₁ (|μ₁| > 1, negative) and μ₂ are known
    h, b = 1.01 * limit * w[-1], 0.9
    tr, det = {"GD": (1 - h, 0.0), "GD+wd": (1 - h, 0.0), "Momentum": (1 + b - h, b),
               "Nesterov": ((1 + b) * (1 - h), b * (1 - h))}[name]
    mu = (tr - np.sqrt(tr * tr - 4 * det)) / 2
    p, _ = _top_growth(P, above, wd)
    # the modal coordinate z_k = p_k − μ₂p_{k−1} (z₀ = p₀ for GD) obeys z_{k+1} = μ₁ z_k
    z = np.r_[p[0] if det == 0 else np.nan, p[1:] - (det / mu) * p[:-1]]
    k, n = above.diverged_at, certain.STEPS
    np.testing.assert_allclose(z[k - n + 1:k + 1] / z[k - n:k], mu, rtol=1e-6)
    assert mu < -1 and above.verdict.growth == pytest.approx(abs(mu), rel=1e-9)
    assert f"exactly {mu:.4g} per step" in above.message
    below = st.minimize(P, x0, make(0.99 * limit), max_steps=3000, rtol=1e-8)
    if wd:  # ‖∇L‖ does not vanish at the ridge solution (H + λ_wd·I)⁻¹b, where it ends
        assert below.status == "max_steps"
        ridge = np.linalg.solve(P.A + wd * np.eye(dim), P.b)
        np.testing.assert_allclose(below.x, ridge, atol=1e-8 * np.abs(ridge).max())
    else:
        assert below.status == "converged", below.message
        assert st.diagnose(below, P, verify=False).kind in ("converged", "oscillating")
    # the batched runs judge by the same rule, at the same step
    m = st.stability_map(P, make(1.0), [0.99 * limit, 1.01 * limit], x0[None], max_steps=3000,
                         rtol=1e-8)
    assert list(m.outcome[:, 0]) == [BOUNDED if wd else CONVERGED, DIVERGED]
    assert m.steps[1, 0] == above.diverged_at and m.rule[1, 0] == dv.CERTAIN


def test_certain_divergence_applies_only_where_it_is_exact():
    """Not armed for an adaptive rule, a schedule, a line search, an indefinite Hessian, a
    problem that does not declare a constant Hessian, or under on_divergence="ignore"."""
    P = LeastSquares(*st.datasets.lecture_line())
    x = np.array([-8.0, -2.0])
    arm = certain.CertainDivergence.arm
    assert arm(P, optim.GD(lr=0.0065), 0.0065, x) is not None
    assert arm(P, optim.GD(lr=0.0063), 0.0063, x) is None  # below 2/λ_max = 0.006401
    assert arm(P, optim.Adam(lr=0.0065), 0.0065, x) is None
    assert arm(P, optim.GD(lr=optim.schedules.StepDecay(0.0065, 10)), 0.0065, x) is None
    assert arm(P, optim.GD(lr=0.0065, line_search=True), 0.0065, x) is None
    assert arm(Quadratic(np.diag([-1.0, 300.0])), optim.GD(lr=0.01), 0.01, x) is None
    assert arm(Rosenbrock(), optim.GD(lr=0.0022), 0.0022, x) is None
    ignored = st.minimize(P, x, optim.GD(lr=0.0065), max_steps=100, on_divergence="ignore")
    assert ignored.status == "max_steps"


# ---- the lecture's line, from (−8, −2) ---------------------------------------------------------
@pytest.mark.parametrize("lr, status, kind", [(0.002, "converged", "converged"),
                                              (0.0055, "converged", "oscillating"),
                                              (0.0065, "diverged", "diverged"),
                                              (0.02, "diverged", "diverged")])
def test_the_lecture_line(lr, status, kind):
    P = LeastSquares(*st.datasets.lecture_line())
    r = st.minimize(P, [-8, -2], optim.GD(lr=lr), max_steps=2000, rtol=1e-8)
    d = st.diagnose(r, P)
    assert (r.status, d.kind) == (status, kind)
    lam = P.eigenvalues[-1]
    assert d.lr_max == pytest.approx(2 / lam, rel=1e-12)
    if status == "diverged":
        assert f"1 − ηλ_max = {1 - lr * lam:.4g}" in d.message
        again = _rerun_suggestion(d, P, [-8, -2], r.optimizer, 2000, rtol=1e-8)
        assert again.status == "converged"


def test_a_converged_run_without_a_tolerance_is_not_called_a_stall():
    """GD and momentum on the lecture's line run to max_steps without gtol reach ‖∇L‖ ≈ 1e-14;
    that is convergence, not a plateau."""
    P = LeastSquares(*st.datasets.lecture_line())
    for opt in (optim.GD(lr=0.002), optim.Momentum(lr=0.002, momentum=0.9)):
        r = st.minimize(P, [-8, -2], opt, max_steps=4000)
        assert r.status == "max_steps" and r.history.grad_norm[-1] < 1e-10
        d = st.diagnose(r, P)
        assert d.kind == "converged" and "Stalled" not in d.message


# ---- logistic regression on breast cancer --------------------------------------------------------
@pytest.fixture(scope="module")
def cancer():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_breast_cancer(return_X_y=True)
    Z = (X - X.mean(0)) / X.std(0)
    ones = np.ones((len(X), 1))
    return LogisticRegression(np.hstack([ones, X]), y), LogisticRegression(np.hstack([ones, Z]), y)


@pytest.mark.parametrize("lr", [0.01, 1e-4])
def test_unscaled_features_are_caught_and_explained(cancer, lr):
    raw, _ = cancer
    x0 = np.zeros(raw.dim)
    r = st.minimize(raw, x0, optim.GD(lr=lr), max_steps=500)
    assert r.status == "diverged" and r.diverged_at <= 5
    d = st.diagnose(r, raw)
    lam = np.linalg.eigvalsh(raw.hessian(x0))[-1]
    assert d.kind == "diverged" and d.lam_max == pytest.approx(lam, rel=1e-8)
    assert "different scales" in d.message and "standardize" in d.message
    again = _rerun_suggestion(d, raw, x0, r.optimizer, 500)
    assert again.fun < again.history.loss[0]  # it works: the loss goes down


@pytest.mark.parametrize("mult", [0.5, 0.9])
def test_standardised_features_below_the_limit_converge(cancer, mult):
    """σ′ ≤ ¼, so the Hessian is largest at β = 0: 2/λ_max(0) is a global limit for GD."""
    _, std = cancer
    x0 = np.zeros(std.dim)
    lr = mult * 2 / np.linalg.eigvalsh(std.hessian(x0))[-1]
    r = st.minimize(std, x0, optim.GD(lr=lr), max_steps=3000, rtol=1e-6)
    assert r.status != "diverged"
    assert st.diagnose(r, std, verify=False).kind not in FAILURES


# ---- functions written with steepest ops ---------------------------------------------------------
def issue_function(v):
    return (v[0] - 1) ** 2 + 10 * (v[1] - v[0] ** 2) ** 2 + st.sin(v / 2).sum()


def double_well(v):
    return ((v * v - 1) ** 2).sum() + 0.1 * v[0]


@pytest.mark.parametrize("fun, x0, opt", [
    (issue_function, [2.0, -1.0], optim.Momentum(lr=0.01, momentum=0.9)),
    (issue_function, [2.0, -1.0], optim.Momentum(lr=0.05, momentum=0.9)),
    (issue_function, [2.0, -1.0], optim.GD(lr=0.2)),
    (double_well, [2.0, -1.5], optim.GD(lr=0.3)),
    (double_well, [2.0, -1.5], optim.Adam(lr=50.0)),
], ids=["momentum-0.01", "momentum-0.05", "gd-0.2", "well-gd", "well-adam"])
def test_user_functions_diverge_and_get_a_rate_that_works(fun, x0, opt):
    r = st.minimize(fun, x0, opt, max_steps=1000)
    assert r.status == "diverged"
    d = st.diagnose(r, fun)
    assert d.kind == "diverged" and d.suggested_lr < opt.lr_at(0)
    _rerun_suggestion(d, fun, x0, opt, 1000)


def test_a_user_function_in_a_stability_map_matches_the_problem():
    """A plain steepest-ops function is evaluated point by point; same outcomes as the batched
    problem."""
    R = Rosenbrock()
    starts = np.array([(-2.0, 3.0), (0.0, 0.0), (1.2, 1.2), (-1.0, -0.5)])
    lrs = [0.001, 0.0022, 0.004]
    a = st.stability_map(R, optim.GD(), lrs, starts, max_steps=300)
    b = st.stability_map(R.f, optim.GD(), lrs, starts, max_steps=300)  # a plain function
    assert a.batched and not b.batched
    np.testing.assert_array_equal(a.outcome, b.outcome)
    np.testing.assert_array_equal(a.steps, b.steps)


# ---- classic test functions, judged by long reference runs ---------------------------------------
def _reference(P, opt, lr, starts, steps):
    """The step each run blows up at — a non-finite value, or an iterate 10⁵⁰ away, which no
    bounded run of these O(1)-scaled functions reaches (−1: never) — with no detector at all."""
    rule = opt.vector_rule()
    X = np.array(starts, dtype=float)
    died = np.full(len(X), -1)
    with np.errstate(all="ignore"):
        f, G = P.value_and_grad_batch(X)
        state = opt.init(X)
        for k in range(1, steps + 1):
            X, state = rule(G, state, X, lr)
            f, G = P.value_and_grad_batch(X)
            bad = ~(np.isfinite(f) & np.isfinite(G).all(1) & (np.abs(X) < 1e50).all(1))
            died[bad & (died < 0)] = k
            X[died >= 0], G[died >= 0] = 0.0, 0.0
    return died


@pytest.mark.parametrize("P", [Rosenbrock(), Himmelblau(), Beale(), SixHumpCamel(), Booth(),
                               Matyas()], ids=lambda p: type(p).__name__)
def test_test_functions_from_many_starts(P):
    lam = np.linalg.eigvalsh(P.hessian(P.minima[0]))[-1]
    lo, hi = np.array(P.domain).T
    starts = lo + (hi - lo) * np.random.default_rng(3).random((30, 2))
    lrs = np.array([0.5, 1.05, 2.0]) * 2 / lam
    m = st.stability_map(P, optim.GD(), lrs, starts, max_steps=600)
    for r, lr in enumerate(lrs):
        died = _reference(P, optim.GD(lr=lr), lr, starts, 2500)
        must = (died > 0) & (died <= 600)
        bounded = died < 0
        assert (m.outcome[r][must] == DIVERGED).all()
        assert (m.outcome[r][bounded] != DIVERGED).all(), starts[bounded & (m.outcome[r] == 2)]


def test_rosenbrock_at_0_0022_the_three_lessons():
    """(−2, 3), (−1.5, 2) diverge within 10 steps; (−0.5, 0.5), (1.2, 1.2), (0, 0) never
    converge — 2/λ_max(x*) ≈ 0.0020 < η — and end on the same period-2 orbit near (0.94, 0.885),
    loss ≈ 0.075, where ηλ_max ≈ 2: the edge of stability."""
    R = Rosenbrock()
    named = np.array([(-2.0, 3.0), (-1.5, 2.0), (-0.5, 0.5), (1.2, 1.2), (0.0, 0.0)])
    m = st.stability_map(R, optim.GD(), [0.0022], named, max_steps=8000)
    assert list(m.outcome[0]) == [DIVERGED, DIVERGED, BOUNDED, BOUNDED, BOUNDED]
    assert (m.steps[0, :2] <= 10).all()
    assert m.lam_max == pytest.approx(1001.6, abs=0.1) and m.limit < 0.0022
    ends = m.x[0, 2:]
    np.testing.assert_allclose(ends.mean(0), [0.94, 0.885], atol=0.015)
    np.testing.assert_allclose(m.loss[0, 2:], 0.077, atol=0.006)
    for x0 in named[2:]:
        r = st.minimize(R, x0, optim.GD(lr=0.0022), max_steps=8000)
        d = st.diagnose(r, R)
        assert r.status == "max_steps" and d.kind == "edge_of_stability"
        assert "cannot converge" in d.message and "period-2" in d.message
        assert 1.9 < 0.0022 * d.details["hover_lam_max"] < 2.1
        _rerun_suggestion(d, R, x0, r.optimizer, 8000)


# ---- nn.fit at an absurd rate ------------------------------------------------------------------
@pytest.mark.parametrize("name", ["gd", "adam"])
def test_fit_at_lr_1e3_diverges_at_once_and_gets_a_rate_that_trains(name):
    X, y = st.datasets.moons(400, noise=0.1, seed=0)
    net = nn.MLP(2, [16, 16, 1], seed=0)
    theta0 = nn.parameters_to_vector(net)
    h = nn.fit(net, X, y, loss="bce_with_logits", optimizer=optim.get_optimizer(name, lr=1e3),
               epochs=30, batch_size=32, seed=0, progress=False)
    d = h.diagnosis
    assert h.status == "diverged" and h.diverged_at == 1 and d.step <= 5
    f = nn.loss_of_parameters(net, X, y, "bce_with_logits")
    if name == "gd":
        assert d.lam_max == pytest.approx(np.linalg.eigvalsh(st.hessian(f)(theta0))[-1],
                                          rel=1e-7)
    assert d.lr_max < 1e3 and d.suggested_lr <= 0.5 * d.lr_max
    nn.vector_to_parameters(theta0, net)
    ok = nn.fit(net, X, y, loss="bce_with_logits",
                optimizer=optim.get_optimizer(name, lr=d.suggested_lr), epochs=30,
                batch_size=32, seed=0, progress=False)
    assert ok.status == "completed" and ok.metric[-1] > 0.9


# ---- numbers are overflow-safe -----------------------------------------------------------------
@pytest.mark.parametrize("lr", [1e200, 1e300, 1.7e308])
def test_diagnose_survives_absurd_rates(lr):
    P = LeastSquares(*st.datasets.lecture_line())
    r = st.minimize(P, [-8, -2], optim.GD(lr=lr), max_steps=10)
    d = st.diagnose(r, P)
    assert d.kind == "diverged" and d.trial.status != "diverged"
    # the words carry the real size of ηλ_max (as 10^k past a float's range), never "−inf"
    lam = 2 / d.lr_max
    shown = f"10^{np.log10(lr) + np.log10(lam):.1f}" if lr * lam == np.inf else f"{lr * lam:.4g}"
    assert f"−ηλ_max = −{shown} per step" in d.message, d.message
    assert "-inf" not in d.message and "= inf" not in d.message


# ---- the detector: one implementation, two entry points ------------------------------------------
def _sequences():
    t = np.arange(200)
    zig = np.where(t % 2, 1.0, 30.0) * 1.08 ** t  # zigzagging geometric growth
    eos = 1.0 - 0.9 * (1 - np.exp(-t / 20)) + 1.7 * np.exp(-((t - 120) / 8) ** 2)  # a bump
    jump = np.r_[394.0, 1.4e8 * (1 + 0.5 * np.sin(t[1:]))]  # 394 → 1e8, bouncing
    slow = 1.0 + 1.04 ** t  # a quadratic just above its limit
    calm = np.exp(-t / 30)
    return {"zigzag": zig, "eos": eos, "jump": jump, "slow": slow, "calm": calm}


def test_batched_and_single_detectors_agree():
    seqs = _sequences()
    L = np.stack(list(seqs.values()), axis=1)  # (T, N)
    batch = dv.BatchDetector(L[0])
    fired_at = np.full(L.shape[1], -1)
    for k in range(1, len(L)):
        fired = batch.update(k, L[k], np.isfinite(L[k])) & (fired_at < 0)
        fired_at[fired] = k
    for j, (name, seq) in enumerate(seqs.items()):
        det, verdict = dv.Detector(seq[0]), None
        for k in range(1, len(seq)):
            verdict = det.update(k, seq[k], lambda k=k, s=seq: s[max(0, k - dv.MEMORY + 1):k + 1])
            if verdict is not None:
                break
        assert (verdict.step if verdict else -1) == fired_at[j], name
    assert fired_at[list(seqs).index("eos")] == -1 and fired_at[list(seqs).index("calm")] == -1
    assert fired_at[list(seqs).index("jump")] == 3  # 3 of 5 steps far above: at step 3
    assert 0 < fired_at[list(seqs).index("zigzag")] < 120


def test_momentum_nesterov_flag_is_the_nesterov_optimizer():
    a, b = optim.Momentum(lr=0.1, momentum=0.8, nesterov=True), optim.Nesterov(lr=0.1, momentum=0.8)
    x, g = np.array([1.0, -2.0]), np.array([0.3, 0.1])
    sa, sb = a.init(x), b.init(x)
    for _ in range(5):
        (x1, sa), (x2, sb) = a.update(g, sa, x), b.update(g, sb, x)
        np.testing.assert_array_equal(x1, x2)
    assert a.lr_limit(10.0) == b.lr_limit(10.0) == pytest.approx(3.6 / 2.6 / 10.0)
    with pytest.raises(ValueError, match="Nesterov momentum must be positive"):
        optim.Momentum(momentum=0.0, nesterov=True)


@pytest.mark.parametrize("name, kw", [("gd", {"weight_decay": 0.1}), ("momentum", {}),
                                      ("nesterov", {}), ("adagrad", {}), ("rmsprop",
                                      {"momentum": 0.5, "centered": True}), ("adam",
                                      {"amsgrad": True}), ("adamw", {})])
def test_the_fast_path_is_the_rule(name, kw):
    """vector_rule (the rule specialised to its hyperparameters) equals rule_update, also on a
    stack of vectors (what stability_map uses)."""
    opt = optim.get_optimizer(name, lr=0.05, **kw)
    fast = opt.vector_rule()
    X = np.random.default_rng(0).normal(size=(4, 3))
    s1, s2 = opt.init(X), opt.init(X)
    x1 = x2 = X
    for _ in range(6):
        G = 2 * x1 + np.sin(x1)
        x1, s1 = fast(G, s1, x1, 0.05)
        x2, s2 = opt.rule_update(2 * x2 + np.sin(x2), s2, x2, 0.05, opt.defaults)
    np.testing.assert_allclose(x1, x2, rtol=1e-15, atol=1e-15)


def test_adam_threshold_is_cohen_et_al():
    """Adam with P frozen: stable iff λ_max(P⁻¹H) < (2 + 2β₁)/((1 − β₁)η); the multiplier
    crosses 1 exactly there."""
    for b1 in (0.0, 0.5, 0.9):
        opt = optim.Adam(lr=0.01, betas=(b1, 0.999))
        lam = (2 + 2 * b1) / ((1 - b1) * 0.01)
        assert opt.lr_limit(lam) == pytest.approx(0.01)
        assert abs(opt.multiplier(0.01, lam * 0.999)) < 1 < abs(opt.multiplier(0.01, lam * 1.001))


def test_optimizer_registry_is_one_map():
    assert set(optim.OPTIMIZERS) == {"gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop",
                                     "adam", "adamw", "newton", "lbfgs"}
    assert optim.OPTIMIZERS["sgd"] is optim.GD
    for name in optim.OPTIMIZERS:
        assert isinstance(optim.get_optimizer(name.upper(), lr=0.1), optim.Optimizer)
    with pytest.raises(st.SteepestError, match="name must be one of"):
        optim.get_optimizer("bfgs")


def test_bad_inputs_are_refused():
    with pytest.raises(st.SteepestError, match="x0 is empty"):
        st.minimize(lambda x: (x * x).sum(), [])
    with pytest.raises(st.SteepestError, match="lrs must be positive"):
        st.stability_map(Rosenbrock(), optim.GD(), [0.0, 0.1], [(0.0, 0.0)])
    with pytest.raises(st.SteepestError, match="starts has 3 columns"):
        st.stability_map(Rosenbrock(), optim.GD(), [0.1], [(0.0, 0.0, 1.0)])
    with pytest.raises(st.SteepestError, match="line search"):
        st.stability_map(Rosenbrock(), optim.GD(line_search=True), [0.1], [(0.0, 0.0)])

