"""Newton and LBFGS: steps against known answers, scipy's iteration counts, the evaluation count,
the PyTorch form, the registry and the diagnosis."""

import numpy as np
import pytest

import steepest as st
from steepest import optim
from steepest.optim.line_search import StrongWolfe
from steepest.optim.second_order import _add_pair, _no_history, inverse_hessian_times
from steepest.problems import LeastSquares, Quadratic, Rosenbrock


def ill_conditioned(seed, n=1000, p=10, cond=100.0):
    """Least squares whose XᵀX has eigenvalues geometric on [1, cond], ‖∇L(0)‖ = 1 (the
    benchmark's problem)."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.normal(size=(n, p)))
    V, _ = np.linalg.qr(rng.normal(size=(p, p)))
    X = U @ np.diag(np.sqrt(np.geomspace(1.0, cond, p))) @ V.T
    y = X @ rng.normal(size=p) + 0.1 * rng.normal(size=n)
    return X, y / np.linalg.norm(X.T @ y)


def test_newton_solves_a_quadratic_in_one_step():
    A = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 100.0]])
    Q = Quadratic(A, np.array([1.0, -2.0, 3.0]))
    for opt in (optim.Newton(), optim.Newton(hessian="exact", line_search_fn=None)):
        r = st.minimize(Q, [5.0, 5.0, 5.0], opt, max_steps=1)
        np.testing.assert_allclose(r.x, np.linalg.solve(A, Q.b), rtol=1e-13)
        assert r.history.lr[0] == 1.0  # the full step, accepted at once
    # Newton-CG: exact HVPs of a steepest-ops function, CG on a 3-D quadratic
    r = st.minimize(lambda x: 0.5 * (x * (st.tensor(A) @ x)).sum() - (st.tensor(Q.b) * x).sum(),
                    [5.0, 5.0, 5.0], optim.Newton(hessian="cg"), gtol=1e-10, max_steps=20)
    assert r.status == "converged" and r.nit <= 6
    np.testing.assert_allclose(r.x, np.linalg.solve(A, Q.b), rtol=1e-9)


def test_rosenbrock_converges_with_both():
    R = Rosenbrock()
    for opt, most in ((optim.LBFGS(), 45), (optim.LBFGS(line_search_fn="backtracking"), 70),
                      (optim.Newton(), 30), (optim.Newton(hessian="cg"), 90)):
        r = st.minimize(R, [-1.2, 1.0], opt, gtol=1e-8, max_steps=500)
        assert r.status == "converged" and r.nit <= most, (opt, r.nit)
        np.testing.assert_allclose(r.x, [1.0, 1.0], atol=1e-7)


def test_lbfgs_iterations_match_scipy_on_kappa_100_least_squares():
    scipy_optimize = pytest.importorskip("scipy.optimize")
    for seed in range(3):
        X, y = ill_conditioned(seed)
        A, c = X.T @ X, X.T @ y

        def fun(b, A=A, c=c):
            g = A @ b - c
            return 0.5 * b @ (g - c), g
        ref = scipy_optimize.minimize(fun, np.zeros(10), jac=True, method="L-BFGS-B",
                                      options={"gtol": 1e-8 / np.sqrt(10), "ftol": 0.0})
        r = st.minimize(LeastSquares(X, y), np.zeros(10), optim.LBFGS(), gtol=1e-8,
                        max_steps=1000)
        assert r.status == "converged"
        assert np.linalg.norm(A @ r.x - c) <= 1e-8
        assert abs(r.nit - ref.nit) <= 0.1 * ref.nit, (seed, r.nit, ref.nit)


def _two_loops(v, pairs):
    """H̃v by Nocedal & Wright's Algorithm 7.4 as printed, over a list of pairs, oldest first."""
    q, alphas = v.copy(), []
    for s, y in reversed(pairs):
        a = (s @ q) / (s @ y)
        q -= a * y
        alphas.append(a)
    s, y = pairs[-1]
    r = (s @ y) / (y @ y) * q
    for (s, y), a in zip(pairs, reversed(alphas)):
        r += (a - (y @ r) / (s @ y)) * s
    return r


def test_two_loop_recursion_and_secant_equation():
    """H̃ from the triangular form, pairs in a ring buffer, equals the textbook two loops — not
    full yet, full, and wrapped around more than once — and H̃yₖ = sₖ; adding a pair leaves the
    old state as it was."""
    rng = np.random.default_rng(1)
    A = rng.normal(size=(6, 6))
    A = A @ A.T + np.eye(6)
    state, pairs = _no_history(np.zeros(6), 3), []
    for k in range(1, 9):
        s = rng.normal(size=6)
        y = A @ s
        pairs.append((s, y))
        before = {key: np.copy(value) for key, value in state.items()}
        new = _add_pair(state, s, y, float(s @ y), float(y @ y))
        for key, value in state.items():
            np.testing.assert_array_equal(value, before[key])
        state = new
        v = rng.normal(size=6)
        np.testing.assert_allclose(inverse_hessian_times(v, state), _two_loops(v, pairs[-3:]),
                                   rtol=1e-12)
        np.testing.assert_allclose(inverse_hessian_times(y, state), s, rtol=1e-12)
        assert state["pairs"] == k and np.count_nonzero(state["sy"]) == min(k, 3)
    kept = {row.tobytes() for row in state["s"]}
    assert kept == {s.tobytes() for s, _ in pairs[-3:]}  # history_size pairs: the newest


def _textbook_lbfgs(vg, x, gtol, max_steps, m=10):
    """L-BFGS written plainly: a list of pairs, :func:`_two_loops`, the same strong-Wolfe search
    and the same rules (first step scaled to length ≤ 1, pairs kept if sᵀy > 10⁻¹⁰yᵀy, the
    history forgotten on an ascent direction or a failed search); the iterates."""
    f, g = vg(x)
    xs, pairs = [x], []
    while len(xs) <= max_steps and np.linalg.norm(g) > gtol:
        d, t0 = (-_two_loops(g, pairs), 1.0) if pairs else (-g, min(1.0, 1 / np.linalg.norm(g)))
        if not g @ d < 0:
            pairs, d = [], -g
        t, x_new, f_new, g_new, _ = StrongWolfe().search(vg, x, f, g, d, t0)
        if t == 0.0:
            pairs, x_new, f_new, g_new = [], x, f, g
        elif (x_new - x) @ (g_new - g) > 1e-10 * ((g_new - g) @ (g_new - g)):
            pairs = [*pairs, (x_new - x, g_new - g)][-m:]
        x, f, g = x_new, f_new, np.asarray(g_new, dtype=float)
        xs.append(x)
    return np.array(xs)


def test_lbfgs_follows_the_textbook_path():
    """minimize's LBFGS takes the textbook algorithm's steps: the same iterates (to rounding)
    and the same count, on problems where the ring of pairs wraps around many times."""
    def quartic(x):
        return float(np.sum((x - 1) ** 4 + x * x)), 4 * (x - 1) ** 3 + 2 * x
    cases = [(Rosenbrock().value_and_grad, np.array([-1.2, 1.0]), 3, 500),
             (quartic, np.array([3.0, -2.0, 0.5]), 3, 500),
             *((LeastSquares(*ill_conditioned(seed)).value_and_grad, np.zeros(10), 10, 500)
               for seed in range(3)),  # the first 80 of its 236 steps (rounding, later):
             (LeastSquares(*ill_conditioned(5, p=40, cond=1e3)).value_and_grad, np.zeros(40),
              5, 80)]
    with np.errstate(all="ignore"):
        for vg, x0, m, steps in cases:
            ref = _textbook_lbfgs(vg, x0, 1e-8, steps, m)
            r = st.minimize(vg, x0, optim.LBFGS(history_size=m), jac=True, gtol=1e-8,
                            max_steps=steps)
            assert r.nit == len(ref) - 1 > 2 * m, (r.nit, len(ref))
            assert r.status == ("converged" if steps == 500 else "max_steps")
            np.testing.assert_allclose(r.history.x, ref, rtol=1e-7, atol=1e-9)


def test_strong_wolfe_step_satisfies_both_conditions():
    R = Rosenbrock()
    x = np.array([-1.2, 1.0])
    f, g = R.value_and_grad(x)
    for t0 in (1e-4, 1.0, 1e3):  # bracketing from below, zooming from above
        t, x_new, f_new, g_new, _ = StrongWolfe().search(R.value_and_grad, x, f, g, -g, t0)
        assert f_new <= f - 1e-4 * t * (g @ g)
        assert abs(g_new @ g) <= 0.9 * (g @ g)
        np.testing.assert_array_equal(x_new, x - t * g)


def test_nfev_counts_every_evaluation_and_none_twice():
    calls = []

    def fun(x):
        calls.append(x.copy())
        return float(np.sum((x - 1) ** 4 + x * x)), 4 * (x - 1) ** 3 + 2 * x
    for opt in (optim.LBFGS(), optim.LBFGS(line_search_fn="backtracking"),
                optim.Newton(), optim.Newton(line_search_fn=None)):
        calls.clear()
        r = st.minimize(fun, [3.0, -2.0], opt, jac=True, gtol=1e-9, max_steps=100)
        assert r.status == "converged"
        newton = isinstance(opt, optim.Newton)  # + 4 gradients per Hessian (differences)
        assert len(calls) == r.nfev + (4 * r.nit if newton else 0), opt
        if not newton:  # the accepted point is not evaluated again
            assert len({c.tobytes() for c in calls}) == len(calls)


def test_newton_damping_escapes_a_saddle():
    """f = x² − y² + y⁴ has a saddle at 0 and minima at y = ±1/√2. At (0.5, 0.1) the Hessian
    diag(2, −2 + 12y²) is indefinite and the plain Newton step −H⁻¹g jumps next to the saddle;
    the damped step (H + μI positive definite) descends to a minimum, the loss falling at every
    step."""
    def f(v):
        x, y = v[0], v[1]
        return x * x - y * y + y ** 4
    x0 = np.array([0.5, 0.1])
    H = np.diag([2.0, -2 + 12 * x0[1] ** 2])
    g = np.array([2 * x0[0], -2 * x0[1] + 4 * x0[1] ** 3])
    assert np.abs(x0 - np.linalg.solve(H, g)).max() < 0.005  # plain Newton: at the saddle
    r = st.minimize(f, x0, optim.Newton(), max_steps=50, gtol=1e-10)
    assert r.status == "converged" and np.all(np.diff(r.history.loss) < 0)
    np.testing.assert_allclose(np.abs(r.x), [0.0, 1 / np.sqrt(2)], atol=1e-8)
    assert r.state["damping"] == 0.0  # no damping left once H is positive definite


def test_lbfgs_closure_step_equals_the_vector_step():
    X, y = ill_conditioned(0, n=50, p=3)
    w = st.tensor(np.zeros(3), requires_grad=True)
    opt = optim.LBFGS([w])

    def closure():
        opt.zero_grad()
        loss = 0.5 * ((st.tensor(X) @ w - st.tensor(y)) ** 2).sum()
        loss.backward()
        return loss
    for _ in range(3):
        opt.step(closure)
    r = st.minimize(LeastSquares(X, y), np.zeros(3), optim.LBFGS(), max_steps=3)
    np.testing.assert_allclose(w.data, r.x, rtol=1e-12)
    with pytest.raises(ValueError, match="needs a closure"):
        opt.step()
    with pytest.raises(ValueError, match="Hessian-vector products"):
        optim.Newton([w]).step(closure)


def test_registry_cli_names_and_bad_options():
    assert optim.OPTIMIZERS["lbfgs"] is optim.LBFGS and optim.OPTIMIZERS["newton"] is optim.Newton
    assert isinstance(optim.get_optimizer("LBFGS", lr=0.5), optim.LBFGS)
    with pytest.raises(ValueError, match="history_size"):
        optim.LBFGS(history_size=0)
    with pytest.raises(ValueError, match="line_search_fn"):
        optim.LBFGS(line_search_fn="wolfe")
    with pytest.raises(ValueError, match="hessian"):
        optim.Newton(hessian="dense")
    with pytest.raises(st.SteepestError, match="line search"):
        st.stability_map(Rosenbrock(), optim.LBFGS(), [0.1, 0.2], [(0.0, 0.0)])


def test_diagnosis_says_there_is_no_step_size_limit():
    R = Rosenbrock()
    r = st.minimize(R, [-1.2, 1.0], optim.LBFGS(), gtol=1e-8)
    d = st.diagnose(r, R)
    assert d.kind == "converged" and d.lr_max is None
    assert "LBFGS: no step-size limit on λ_max" in d.message and "line search" in d.message
    Q = Quadratic(np.diag([1.0, 100.0]), np.array([1.0, 2.0]))
    r = st.minimize(Q, [3.0, 4.0], optim.Newton(lr=2.5, line_search_fn=None), max_steps=50,
                    gtol=1e-10)
    d = st.diagnose(r, Q)
    assert d.kind == "diverged" and d.lr_max == 2.0  # η < 2 whatever λ_max is
    assert d.multiplier == pytest.approx(-1.5)  # 1 − η on every eigenvector
    assert d.suggested_lr == 1.0 and d.trial.status == "converged" and d.trial.steps == 1
