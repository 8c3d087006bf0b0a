"""Every optimizer's trajectory equals PyTorch's (float64, 100 steps, 1e-10)."""

import numpy as np
import pytest

import steepest as st
from steepest import optim

torch = pytest.importorskip("torch")

A = np.array([[1.0, 0.3], [0.2, 2.0], [-0.5, 0.7]])
B = np.array([0.5, -1.0, 2.0])
W0 = np.array([1.5, -0.5])
M0 = np.array([[0.3, -0.2], [0.1, 0.4]])


def loss_st(w, m):
    r = (A @ w) - B
    return ((r * r).sum() + ((m @ w) ** 2).sum() * 0.5 + (m * m * m * m).sum()
            + (w * w).sum().exp() * 0.01)


def loss_torch(w, m):
    a, b = torch.tensor(A), torch.tensor(B)
    r = a @ w - b
    return (r * r).sum() + ((m @ w) ** 2).sum() * 0.5 + (m ** 4).sum() + (w * w).sum().exp() * 0.01


CASES = [
    (optim.GD, torch.optim.SGD, {"lr": 0.02}),
    (optim.GD, torch.optim.SGD, {"lr": 0.02, "weight_decay": 0.1}),
    (optim.Momentum, torch.optim.SGD, {"lr": 0.01, "momentum": 0.9}),
    (optim.Momentum, torch.optim.SGD, {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.05}),
    (optim.Nesterov, torch.optim.SGD, {"lr": 0.01, "momentum": 0.9}),
    (optim.Momentum, torch.optim.SGD, {"lr": 0.01, "momentum": 0.8, "nesterov": True,
                                       "weight_decay": 0.05}),
    (optim.Adagrad, torch.optim.Adagrad, {"lr": 0.1}),
    (optim.Adagrad, torch.optim.Adagrad, {"lr": 0.1, "weight_decay": 0.1,
                                              "initial_accumulator_value": 0.5}),
    (optim.RMSprop, torch.optim.RMSprop, {"lr": 0.01}),
    (optim.RMSprop, torch.optim.RMSprop, {"lr": 0.01, "momentum": 0.8, "centered": True,
                                              "weight_decay": 0.01}),
    (optim.Adam, torch.optim.Adam, {"lr": 0.05}),
    (optim.Adam, torch.optim.Adam, {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1,
                                        "amsgrad": True}),
    (optim.AdamW, torch.optim.AdamW, {"lr": 0.05}),
    (optim.AdamW, torch.optim.AdamW, {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True}),
]


def _torch_kwargs(cls, kw):
    kw = dict(kw)
    if cls is optim.Nesterov:
        kw["nesterov"] = True
    return kw


def _run_steepest(cls, kw, steps, schedule=None):
    w, m = st.tensor(W0, requires_grad=True), st.tensor(M0, requires_grad=True)
    if schedule is not None:
        kw = {**kw, "lr": schedule}
    opt = cls([w, m], **kw)
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        loss_st(w, m).backward()
        opt.step()
        traj.append(np.concatenate([w.data, m.data.ravel()]))
    return np.array(traj)


def _run_torch(tcls, kw, steps, scheduler=None):
    w = torch.tensor(W0, requires_grad=True)
    m = torch.tensor(M0, requires_grad=True)
    opt = tcls([w, m], **kw)
    sched = scheduler(opt) if scheduler else None
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        loss_torch(w, m).backward()
        opt.step()
        if sched:
            sched.step()
        traj.append(np.concatenate([w.detach().numpy(), m.detach().numpy().ravel()]))
    return np.array(traj)


@pytest.mark.parametrize("cls,tcls,kw", CASES, ids=[f"{c[0].__name__}-{i}"
                                                   for i, c in enumerate(CASES)])
def test_trajectory_matches_torch(cls, tcls, kw):
    ours = _run_steepest(cls, kw, 100)
    theirs = _run_torch(tcls, _torch_kwargs(cls, kw), 100)
    assert np.all(np.isfinite(ours))
    assert np.abs(ours[-1] - ours[0]).max() > 1e-3  # it actually moved
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


@pytest.mark.parametrize("cls,tcls,kw", CASES[::2], ids=[c[0].__name__ for c in CASES[::2]])
def test_vector_form_equals_parameter_form(cls, tcls, kw):
    """The rule served on one flat vector (as minimize does) gives the same trajectory."""
    opt = cls(**kw)
    f = lambda v: loss_st(v[:2], v[2:].reshape(2, 2))
    x = np.concatenate([W0, M0.ravel()])
    state = opt.init(x)
    traj = []
    for _ in range(100):
        g = st.grad(f)(x)
        x, state = opt.update(g, state, x)
        traj.append(x)
    np.testing.assert_allclose(np.array(traj), _run_steepest(cls, kw, 100), rtol=0, atol=1e-12)


def test_schedules_match_torch_schedulers():
    steps = 40
    cases = [
        (optim.StepDecay(0.05, step_size=7, gamma=0.5),
         lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5)),
        (optim.ExponentialDecay(0.05, gamma=0.95),
         lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.95)),
        (optim.WarmupCosine(0.05, total_steps=30, final_lr=0.001),
         lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=30, eta_min=0.001)),
    ]
    for sched, tsched in cases:
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.05)
        ts = tsched(opt)
        theirs = []
        for _ in range(30 if isinstance(sched, optim.WarmupCosine) else steps):
            theirs.append(opt.param_groups[0]["lr"])
            opt.step()
            ts.step()
        ours = [sched(t) for t in range(len(theirs))]
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, err_msg=repr(sched))


def test_adam_with_schedule_matches_torch():
    sched = optim.ExponentialDecay(0.05, gamma=0.97)
    ours = _run_steepest(optim.Adam, {}, 60, schedule=sched)
    theirs = _run_torch(torch.optim.Adam, {"lr": 0.05}, 60,
                        scheduler=lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.97))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


def test_reduce_on_plateau_matches_torch():
    rng = np.random.default_rng(0)
    losses = np.concatenate([np.linspace(5, 1, 10), 1 + 0.01 * rng.random(30),
                             np.linspace(0.9, 0.5, 5), 0.5 + 0.01 * rng.random(30)])
    ours = optim.ReduceLROnPlateau(0.1, factor=0.5, patience=3, cooldown=2, min_lr=0.004)
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=3, cooldown=2,
                                                        min_lr=0.004)
    a, b = [], []
    for loss in losses:
        ours.observe(loss)
        theirs.step(loss)
        a.append(ours(0))
        b.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(a, b, rtol=1e-12)
    assert len(ours.reductions) >= 3
