"""Forward values, gradients and second-order gradients (double backward) equal PyTorch's, in
float64, for every op, with broadcasting."""

from __future__ import annotations

import numpy as np
import pytest

import steepest as st

torch = pytest.importorskip("torch")
F = torch.nn.functional

rng = np.random.default_rng(42)


def vals(*shape, positive=False):
    mag = rng.uniform(0.3, 2.0, shape)
    return mag if positive else mag * rng.choice([-1.0, 1.0], shape)


IDX = np.array([2, 0, 2, 1, 2])
MASK = vals(3, 4) > 0
# name: (steepest fn, torch fn, input arrays)
CASES = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, [vals(3, 1), vals(4)]),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, [vals(2, 3, 1), vals(3, 4)]),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, [vals(3, 1), vals(1, 4)]),
    "div": (lambda a, b: a / b, lambda a, b: a / b, [vals(3, 4), vals(4)]),
    "pow_tensors": (lambda a, b: a ** b, lambda a, b: a ** b, [vals(3, 1, positive=True),
                                                             vals(4)]),
    "pow_scalar": (lambda a: a ** 3, lambda a: a ** 3, [vals(3, 4)]),
    "pow_fraction": (lambda a: a ** 1.5, lambda a: a ** 1.5, [vals(5, positive=True)]),
    "rpow": (lambda a: 2.5 ** a, lambda a: 2.5 ** a, [vals(5)]),
    "rdiv": (lambda a: 10.0 / a, lambda a: 10.0 / a, [vals(5)]),
    "neg": (lambda a: -a, lambda a: -a, [vals(4)]),
    "matmul_2d": (lambda a, b: a @ b, lambda a, b: a @ b, [vals(3, 4), vals(4, 2)]),
    "matmul_batched": (lambda a, b: a @ b, lambda a, b: a @ b, [vals(2, 1, 3, 4), vals(5, 4, 2)]),
    "matmul_vec_mat": (lambda a, b: a @ b, lambda a, b: a @ b, [vals(4), vals(2, 4, 3)]),
    "matmul_mat_vec": (lambda a, b: a @ b, lambda a, b: a @ b, [vals(3, 4), vals(4)]),
    "matmul_vec_vec": (lambda a, b: a @ b, lambda a, b: a @ b, [vals(4), vals(4)]),
    "linear": (st.linear, F.linear, [vals(5, 3), vals(4, 3), vals(4)]),
    "linear_no_bias": (st.linear, F.linear, [vals(3), vals(4, 3)]),
    "linear_batched": (st.linear, F.linear, [vals(2, 5, 3), vals(4, 3), vals(4)]),
    "abs": (st.abs, torch.abs, [vals(6)]),
    "exp": (st.exp, torch.exp, [vals(2, 3)]),
    "log": (st.log, torch.log, [vals(2, 3, positive=True)]),
    "sqrt": (st.sqrt, torch.sqrt, [vals(2, 3, positive=True)]),
    "sin": (st.sin, torch.sin, [vals(2, 3)]),
    "cos": (st.cos, torch.cos, [vals(2, 3)]),
    "tanh": (st.tanh, torch.tanh, [vals(2, 3)]),
    "sigmoid": (st.sigmoid, torch.sigmoid, [vals(2, 3)]),
    "relu": (st.relu, torch.relu, [vals(2, 3)]),
    "leaky_relu": (lambda x: st.leaky_relu(x, 0.1), lambda x: F.leaky_relu(x, 0.1), [vals(6)]),
    "softplus": (st.softplus, F.softplus, [vals(2, 3)]),
    "erf": (st.erf, torch.erf, [vals(2, 3)]),
    "maximum": (st.maximum, torch.maximum, [vals(3, 1), vals(4)]),
    "minimum": (st.minimum, torch.minimum, [vals(3, 1), vals(4)]),
    "clip": (lambda x: st.clip(x, -1.0, 1.5), lambda x: torch.clamp(x, -1.0, 1.5), [vals(8)]),
    "where": (lambda a, b: st.where(MASK, a, b), lambda a, b: torch.where(torch.tensor(MASK), a, b),
              [vals(3, 4), vals(4)]),
    "sum_axis": (lambda x: x.sum(axis=1), lambda x: x.sum(dim=1), [vals(3, 4)]),
    "sum_keepdims": (lambda x: x.sum(axis=(0, 2), keepdims=True),
                     lambda x: x.sum(dim=(0, 2), keepdim=True), [vals(2, 3, 4)]),
    "mean": (lambda x: x.mean(axis=0), lambda x: x.mean(dim=0), [vals(3, 4)]),
    "var": (lambda x: x.var(axis=1, ddof=1), lambda x: x.var(dim=1), [vals(3, 4)]),
    "max": (lambda x: x.max(axis=1), lambda x: x.amax(dim=1), [vals(3, 4)]),
    "min_all": (lambda x: x.min(), lambda x: x.amin(), [vals(3, 4)]),
    "logsumexp": (lambda x: st.logsumexp(x, axis=1), lambda x: torch.logsumexp(x, dim=1),
                  [vals(3, 4)]),
    "softmax": (lambda x: st.softmax(x, axis=0), lambda x: torch.softmax(x, dim=0), [vals(3, 4)]),
    "log_softmax": (st.log_softmax, lambda x: torch.log_softmax(x, dim=-1), [vals(3, 4)]),
    "reshape": (lambda x: x.reshape(4, 3), lambda x: x.reshape(4, 3), [vals(3, 4)]),
    "transpose": (lambda x: x.transpose(2, 0, 1), lambda x: x.permute(2, 0, 1), [vals(2, 3, 4)]),
    "T": (lambda x: x.T, lambda x: x.T, [vals(3, 4)]),
    "broadcast_to": (lambda x: x.broadcast_to((2, 3, 4)), lambda x: x.expand(2, 3, 4),
                     [vals(3, 1)]),
    "concatenate": (lambda a, b: st.concatenate([a, b], axis=1),
                    lambda a, b: torch.cat([a, b], dim=1), [vals(3, 2), vals(3, 4)]),
    "stack": (lambda a, b: st.stack([a, b], axis=1), lambda a, b: torch.stack([a, b], dim=1),
              [vals(3, 2), vals(3, 2)]),
    "index_repeated": (lambda x: x[IDX], lambda x: x[torch.tensor(IDX)], [vals(3, 2)]),
    "index_pairs": (lambda x: x[IDX[:3], [0, 1, 1]],
                    lambda x: x[torch.tensor(IDX[:3]), torch.tensor([0, 1, 1])], [vals(3, 2)]),
    "slice": (lambda x: x[1:, ::2], lambda x: x[1:, ::2], [vals(3, 4)]),
    # composites as used in networks
    "mlp_layer": (lambda x, w, b: (x @ w.T + b).tanh(), lambda x, w, b: torch.tanh(x @ w.T + b),
                  [vals(5, 3), vals(4, 3), vals(4)]),
    "cross_entropy": (lambda z: -st.log_softmax(z)[np.arange(4), [0, 2, 1, 2]].mean(),
                      lambda z: F.cross_entropy(z, torch.tensor([0, 2, 1, 2])), [vals(4, 3)]),
    "bce_with_logits": (lambda z, y: (st.softplus(z) - z * y).mean(),
                        F.binary_cross_entropy_with_logits,
                        [vals(6), (vals(6) > 0).astype(float)]),
}


def _steepest_derivatives(f, arrays, w, v):
    xs = [st.tensor(a, requires_grad=True) for a in arrays]
    out = f(*xs)
    (out * w).sum().backward(create_graph=True)
    grads = [x.grad for x in xs]
    for x in xs:
        x.grad = None
    s = sum(((g * vi).sum() for g, vi in zip(grads, v)), st.tensor(0.0))
    if s.requires_grad:
        s.backward()
    second = [np.zeros_like(a) if x.grad is None else x.grad.data for x, a in zip(xs, arrays)]
    return out.data, [g.data for g in grads], second


def _torch_derivatives(f, arrays, w, v):
    xs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = f(*xs)
    grads = torch.autograd.grad((out * torch.tensor(w)).sum(), xs, create_graph=True)
    s = sum((g * torch.tensor(vi)).sum() for g, vi in zip(grads, v))
    second = (torch.autograd.grad(s, xs, allow_unused=True) if s.requires_grad
              else [None] * len(xs))
    second = [np.zeros_like(a) if g is None else g.detach().numpy(force=True)
              for g, a in zip(second, arrays)]
    return out.detach().numpy(), [g.detach().numpy() for g in grads], second


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_backward_double_backward_equal_torch(name):
    f, tf, arrays = CASES[name]
    w = rng.normal(size=np.shape(tf(*[torch.tensor(a) for a in arrays])))
    v = [rng.normal(size=a.shape) for a in arrays]
    (out, grads, second) = _steepest_derivatives(f, arrays, w, v)
    (t_out, t_grads, t_second) = _torch_derivatives(tf, arrays, w, v)
    close = {"rtol": 1e-10, "atol": 1e-12}
    np.testing.assert_allclose(out, t_out, **close, err_msg=f"{name}: forward")
    for k in range(len(arrays)):
        np.testing.assert_allclose(grads[k], t_grads[k], **close, err_msg=f"{name}: ∂/∂input {k}")
        np.testing.assert_allclose(second[k], t_second[k], **close,
                                   err_msg=f"{name}: double backward, input {k}")
