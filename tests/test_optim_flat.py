"""Optimizer.step over a group's parameters laid end to end (one rule call per group) equals
the rule applied parameter by parameter, to the bit, with the same per-parameter state."""

import numpy as np
import pytest

import steepest as st
from steepest import optim

SHAPES = [(4, 3), (4,), (2, 4), (2,)]
RULES = [
    (optim.GD, {"lr": 0.1}), (optim.GD, {"lr": 0.1, "weight_decay": 0.01}),
    (optim.Momentum, {"lr": 0.05, "momentum": 0.9}),
    (optim.Nesterov, {"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-3}),
    (optim.Adagrad, {"lr": 0.1}), (optim.RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.5}),
    (optim.Adam, {"lr": 0.01}), (optim.Adam, {"lr": 0.01, "amsgrad": True}),
    (optim.AdamW, {"lr": 0.01}),
]


def _params(seed=0):
    rng = np.random.default_rng(seed)
    return [st.tensor(rng.normal(size=s), requires_grad=True) for s in SHAPES]


def _grads(params, k):
    rng = np.random.default_rng(100 + k)
    for p in params:
        p.grad = st.tensor(rng.normal(size=p.shape))


def _states(opt, params):
    return [{k: np.array(v) for k, v in opt.state[p].items()} for p in params]


@pytest.mark.parametrize(("cls", "options"), RULES, ids=lambda v: getattr(v, "__name__", ""))
def test_one_rule_call_per_group_equals_the_rule_per_parameter(cls, options):
    fused, single = _params(), _params()
    opt = cls(fused, **options)                          # one group: laid end to end
    ref = cls([{"params": [p]} for p in single], **options)  # one parameter per group
    for k in range(6):
        _grads(fused, k)
        _grads(single, k)
        opt.step()
        ref.step()
    assert len(opt._flat) == 1 and not ref._flat
    for a, b in zip(fused, single):
        np.testing.assert_array_equal(a.data, b.data)
    for sa, sb in zip(_states(opt, fused), _states(ref, single)):
        assert sa.keys() == sb.keys()
        for key in sa:
            np.testing.assert_array_equal(sa[key], sb[key])


def test_updates_in_place_and_state_dict_round_trips():
    params = _params()
    before = [p.data for p in params]
    opt = optim.Adam(params, lr=0.01)
    for k in range(3):
        _grads(params, k)
        opt.step()
    assert all(p.data is d for p, d in zip(params, before))
    saved = opt.state_dict()
    copy = _params()
    for p, q in zip(copy, params):
        p.data[...] = q.data
    other = optim.Adam(copy, lr=0.01)
    other.load_state_dict(saved)           # per-parameter states, joined again on the next step
    _grads(params, 3)
    _grads(copy, 3)
    opt.step()
    other.step()
    for p, q in zip(params, copy):
        np.testing.assert_array_equal(p.data, q.data)
    assert opt.state[params[0]]["step"] == other.state[copy[0]]["step"] == 4
    assert opt.state[params[0]]["t"] == 4


def test_a_missing_gradient_steps_the_others_one_by_one():
    params, ref = _params(), _params()
    opt = optim.Momentum(params, lr=0.1, momentum=0.9)
    other = optim.Momentum([{"params": [p]} for p in ref], lr=0.1, momentum=0.9)
    for k in range(4):
        _grads(params, k)
        _grads(ref, k)
        if k == 1:  # no gradient reaches the last parameter: it is skipped, its state behind
            params[-1].grad = ref[-1].grad = None
        opt.step()
        other.step()
    for p, q in zip(params, ref):
        np.testing.assert_array_equal(p.data, q.data)
    assert opt.state[params[-1]]["step"] == 3 and opt.state[params[0]]["step"] == 4


def test_mixed_dtypes_are_stepped_one_by_one():
    a = st.tensor(np.ones(3, np.float32), requires_grad=True)
    b = st.tensor(np.ones(2), requires_grad=True)
    opt = optim.GD([a, b], lr=0.5)
    a.grad, b.grad = st.tensor(np.ones(3, np.float32)), st.tensor(np.ones(2))
    opt.step()
    assert not opt._flat and a.data.dtype == np.float32
    np.testing.assert_array_equal(a.data, 0.5)
    np.testing.assert_array_equal(b.data, 0.5)


def test_large_parameters_are_stepped_one_by_one_in_place():
    from steepest.optim.optimizer import FLAT_SIZE
    rng = np.random.default_rng(0)
    big = [st.tensor(rng.normal(size=(FLAT_SIZE + 1,)), requires_grad=True) for _ in range(2)]
    before = [p.data.copy() for p in big]
    data = [p.data for p in big]
    opt = optim.Momentum(big, lr=0.1, momentum=0.5)
    for p in big:
        p.grad = st.tensor(np.ones(FLAT_SIZE + 1))
    opt.step()
    assert not opt._flat and all(p.data is d for p, d in zip(big, data))
    for p, b in zip(big, before):
        np.testing.assert_array_equal(p.data, b - 0.1 * np.ones(FLAT_SIZE + 1))
