"""Derivatives as functions: grad, value_and_grad, hvp, hessian, jacobian.

Each transform takes a function written with steepest ops and returns a function that accepts NumPy
arrays or Tensors and returns NumPy arrays. Hessian-vector products are exact: the gradient is
computed with ``create_graph=True`` and differentiated again, ``Hv = ∇(∇f · v)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .tensor import Tensor, _as_array, _graph, _unshared, backprop, enable_grad

Argnums = int | Sequence[int]


def _leaf(x: Any) -> Tensor:
    """A fresh leaf requiring grad, holding float data (copied from Tensors too)."""
    return Tensor(np.array(_as_array(x)), requires_grad=True)


def _scalar_output(out: Any, fname: str) -> Tensor:
    if not isinstance(out, Tensor):
        raise TypeError(f"{fname}: the function must return a steepest Tensor computed from its "
                        f"inputs, got {type(out).__name__}")
    if out.size != 1:
        raise ValueError(f"{fname}: the function must return a scalar, got shape {out.shape}")
    return out


def _gradients(out: Tensor, inputs: Sequence[Tensor], create_graph: bool = False) -> list[Any]:
    """∂out/∂input for each input (zeros where out does not depend on it)."""
    seed = np.ones_like(out.data)
    grads = backprop(out, seed, create_graph=create_graph, wrt=inputs) if out.requires_grad else {}
    found = [grads.get(x) for x in inputs]
    result = [np.zeros_like(x.data) if g is None else g for g, x in zip(found, inputs)]
    if create_graph:
        return [g if isinstance(g, Tensor) else Tensor._wrap(g) for g in result]
    return _unshared(result, seed)


def value_and_grad(f: Callable[..., Tensor], argnums: Argnums = 0
                   ) -> Callable[..., tuple[float, Any]]:
    """``(f(*args), ∇f)`` with the gradient taken w.r.t. ``args[argnums]`` (a tuple of arrays if
    ``argnums`` is a sequence). ``f`` must return a scalar Tensor."""
    many = not isinstance(argnums, int)
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def wrapped(*args: Any) -> tuple[float, Any]:
        inputs = list(args)
        for i in nums:
            inputs[i] = _leaf(inputs[i])
        with enable_grad():
            out = _scalar_output(f(*inputs), "grad")
        grads = _gradients(out, [inputs[i] for i in nums])
        return out.item(), (tuple(grads) if many else grads[0])
    return wrapped


def grad(f: Callable[..., Tensor], argnums: Argnums = 0) -> Callable[..., Any]:
    """∇f as a function: ``grad(f)(x)`` is ∂f/∂x as a NumPy array."""
    vg = value_and_grad(f, argnums)
    return lambda *args: vg(*args)[1]


def hvp(f: Callable[[Tensor], Tensor], x: Any, v: Any) -> np.ndarray:
    """The exact Hessian-vector product H(x)·v = ∇ₓ(∇f(x) · v), by double backpropagation."""
    return hvp_operator(f, x)(v)


def hvp_operator(f: Callable[[Tensor], Tensor], x: Any) -> Callable[[Any], np.ndarray]:
    """``v ↦ H(x)·v`` at a fixed ``x``: g = ∇f(x) is computed once with ``create_graph=True``
    (on the first product), and each product is one backward pass through g's recorded graph
    with v as g's gradient — vᵀ ∂g/∂x = vᵀH = (Hv)ᵀ, H being symmetric — in the graph's order,
    found once: no forward pass, no second backward, no graph search per product."""
    xt = _leaf(x)
    recorded: list[tuple[Tensor, list[Tensor]]] = []  # (g, the ops g depends on, in order)

    def product(v: Any) -> np.ndarray:
        v = _as_array(v)
        if v.shape != xt.shape:
            raise ValueError(f"hvp: v has shape {v.shape} but x has shape {xt.shape}")
        if not recorded:
            with enable_grad():
                (g,) = _gradients(_scalar_output(f(xt), "hvp"), [xt], create_graph=True)
            recorded.append((g, _graph(g)[1]))
        g, order = recorded[0]
        if not g.requires_grad:  # ∇f does not depend on x: f is linear
            return np.zeros_like(xt.data)
        seed = v.astype(g.dtype, copy=False)
        hv = backprop(g, seed, wrt=[xt], order=order).get(xt)
        return np.zeros_like(xt.data) if hv is None else _unshared([hv], seed)[0]
    return product


def hessian(f: Callable[[Tensor], Tensor]) -> Callable[[Any], np.ndarray]:
    """∇²f as a function: ``hessian(f)(x)`` has shape x.shape + x.shape, one exact HVP per
    column."""
    def wrapped(x: Any) -> np.ndarray:
        x = _as_array(x)
        eye = np.eye(x.size, dtype=x.dtype)
        product = hvp_operator(f, x)
        cols = [product(e.reshape(x.shape)) for e in eye]
        return np.stack(cols, axis=-1).reshape(x.shape + x.shape)
    return wrapped


def jacobian(f: Callable[[Tensor], Tensor]) -> Callable[[Any], np.ndarray]:
    """∂f/∂x as a function: shape f(x).shape + x.shape, one backward pass per output element."""
    def wrapped(x: Any) -> np.ndarray:
        xt = _leaf(x)
        with enable_grad():
            out = f(xt)
        if not isinstance(out, Tensor):
            raise TypeError("jacobian: the function must return a steepest Tensor")
        rows = []
        for k in range(out.size):
            seed = np.zeros(out.size, dtype=out.dtype)
            seed[k] = 1
            grads = (backprop(out, seed.reshape(out.shape), wrt=[xt]) if out.requires_grad
                     else {})
            rows.append(np.array(grads.get(xt, np.zeros_like(xt.data))))
        return np.stack(rows).reshape(out.shape + xt.shape)
    return wrapped
