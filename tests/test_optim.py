"""Optimizers in PyTorch style and vector form: options, groups, errors, schedules, line search."""

import math

import numpy as np
import pytest

import steepest as st
from steepest import optim


def quad(x):
    return (x * x).sum()


def test_gd_step_in_place_and_no_graph():
    x = st.tensor([1.0, -2.0], requires_grad=True)
    data = x.data
    opt = optim.GD([x], lr=0.1)
    quad(x).backward()
    opt.step()
    assert x.data is data  # updated in place
    np.testing.assert_allclose(x.data, [0.8, -1.6])
    assert x.is_leaf and x.requires_grad
    opt.zero_grad()
    assert x.grad is None
    quad(x).backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])


def test_params_without_grad_are_skipped_and_groups_have_own_options():
    a = st.tensor([1.0], requires_grad=True)
    b = st.tensor([1.0], requires_grad=True)
    c = st.tensor([1.0], requires_grad=True)
    opt = optim.Momentum([{"params": [a]}, {"params": [b, c], "lr": 0.5, "momentum": 0.0}],
                         lr=0.1, momentum=0.9)
    ((a * a).sum() + (b * b).sum()).backward()
    opt.step()
    np.testing.assert_allclose([a.item(), b.item(), c.item()], [0.8, 0.0, 1.0])
    assert c not in opt.state
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[0]["momentum"] == 0.9


def test_state_dict_round_trip_continues_identically():
    def run(opt, x, n):
        for _ in range(n):
            opt.zero_grad()
            ((x - 3.0) ** 4).sum().backward()
            opt.step()

    x1 = st.tensor([0.0, 1.0], requires_grad=True)
    o1 = optim.Adam([x1], lr=0.1)
    run(o1, x1, 5)
    saved, xs = o1.state_dict(), x1.data.copy()
    run(o1, x1, 5)
    x2 = st.tensor(xs, requires_grad=True)
    o2 = optim.Adam([x2], lr=0.1)
    o2.load_state_dict(saved)
    run(o2, x2, 5)
    np.testing.assert_array_equal(x1.data, x2.data)


@pytest.mark.parametrize("bad,match", [
    ({"lr": -0.1}, "lr must be a non-negative"),
    ({"lr": float("nan")}, "lr must be a non-negative"),
    ({"lr": "fast"}, "lr must be a number or a schedule"),
    ({"weight_decay": -1.0}, "weight_decay must be a non-negative"),
])
def test_bad_hyperparameters(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        optim.GD(**bad)


def test_bad_params_and_betas():
    with pytest.raises(TypeError, match=r"GD\(lr=0.002\)"):
        optim.GD(0.002)
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([])
    with pytest.raises(ValueError, match=r"betas\[1\] must be in \[0, 1\)"):
        optim.Adam(betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="momentum must be positive"):
        optim.Nesterov(momentum=0.0)
    with pytest.raises(ValueError, match="unknown option"):
        optim.GD([{"params": [st.tensor([1.0], requires_grad=True)], "momentum": 0.9}])
    with pytest.raises(RuntimeError, match="built without parameters"):
        optim.GD(lr=0.1).step()


def test_schedule_returning_negative_lr_is_caught():
    opt = optim.GD(lr=lambda t: 0.1 - 0.05 * t)
    state = opt.init(np.zeros(1))
    x = np.ones(1)
    for _ in range(3):
        x, state = opt.update(2 * x, state, x)
    with pytest.raises(ValueError, match="at step 3"):
        opt.update(2 * x, state, x)


def test_schedule_closed_forms():
    assert optim.Constant(0.3)(100) == 0.3
    s = optim.StepDecay(1.0, step_size=10, gamma=0.5)
    assert [s(t) for t in (0, 9, 10, 25)] == [1.0, 1.0, 0.5, 0.25]
    assert optim.ExponentialDecay(2.0, 0.9)(3) == pytest.approx(2.0 * 0.729)
    inv = optim.InverseTimeDecay(1.0, decay_rate=0.5, decay_steps=10)
    assert inv(20) == pytest.approx(0.5)
    assert optim.InverseTimeDecay(1.0, 0.5, 10, staircase=True)(19) == pytest.approx(1 / 1.5)
    w = optim.WarmupCosine(1.0, total_steps=110, warmup_steps=10, final_lr=0.1)
    assert [w(t) for t in (0, 4, 9)] == pytest.approx([0.1, 0.5, 1.0])
    assert w(10) == pytest.approx(1.0) and w(60) == pytest.approx(0.55)
    assert w(110) == pytest.approx(0.1) and w(500) == 0.1
    assert all(w(t) >= w(t + 1) for t in range(10, 200))
    with pytest.raises(ValueError, match="warmup_steps < total_steps"):
        optim.WarmupCosine(1.0, total_steps=5, warmup_steps=5)


def test_armijo_line_search_vector_form():
    """On f = ½ xᵀ diag(1, 100) x, a start step of 1 diverges; the search shrinks it until the
    sufficient-decrease condition holds, so the loss decreases every step."""
    d = np.array([1.0, 100.0])
    f = lambda x: 0.5 * float(x @ (d * x))
    opt = optim.GD(lr=1.0, line_search=True)
    x = np.array([1.0, 1.0])
    state = opt.init(x)
    losses = [f(x)]
    for _ in range(50):
        g = d * x
        x_new, state = opt.update(g, state, x, loss=f(x), loss_fn=f)
        t = state["step_size"]
        assert f(x_new) <= f(x) - 1e-4 * t * g @ g
        assert t == 1.0 or f(x - 2 * t * g) > f(x) - 1e-4 * 2 * t * g @ g  # largest such 2^-k
        x = x_new
        losses.append(f(x))
    assert np.all(np.diff(losses) < 0) and losses[-1] < 1e-2 * losses[0]
    with pytest.raises(ValueError, match="needs the loss"):
        opt.update(d * x, state, x)


def test_armijo_line_search_parameter_form_matches_vector_form():
    d = np.array([1.0, 100.0])
    w = st.tensor([1.0, 1.0], requires_grad=True)
    opt = optim.GD([w], lr=1.0, line_search=optim.Armijo(c=0.3, shrink=0.7))

    def closure():
        opt.zero_grad()
        loss = 0.5 * (w * w * d).sum()
        loss.backward()
        return loss

    vec = optim.GD(lr=1.0, line_search=optim.Armijo(c=0.3, shrink=0.7))
    x = np.array([1.0, 1.0])
    state = vec.init(x)
    f = lambda x: 0.5 * float(x @ (d * x))
    for _ in range(10):
        opt.step(closure)
        x, state = vec.update(d * x, state, x, loss=f(x), loss_fn=f)
        np.testing.assert_allclose(w.data, x, rtol=1e-14)
    with pytest.raises(ValueError, match="needs a closure"):
        opt.step()


def test_momentum_is_heavy_ball():
    """x_{t+1} = x_t − η g_t + μ (x_t − x_{t−1}) for constant η."""
    g = lambda x: np.array([3.0, 0.5]) * x
    opt = optim.Momentum(lr=0.1, momentum=0.7)
    x, state = np.array([1.0, 2.0]), None
    state = opt.init(x)
    prev, ref = x.copy(), x.copy()
    for _ in range(30):
        x, state = opt.update(g(x), state, x)
        ref, prev = ref - 0.1 * g(ref) + 0.7 * (ref - prev), ref
        np.testing.assert_allclose(x, ref, rtol=1e-12)


def test_repr_mentions_options():
    assert "lr=0.002" in repr(optim.GD(lr=0.002))
    assert "ExponentialDecay" in repr(optim.Adam(lr=optim.ExponentialDecay(0.1, 0.9)))
    assert math.isclose(optim.Adam(lr=optim.ExponentialDecay(0.1, 0.5)).lr_at(2), 0.025)
