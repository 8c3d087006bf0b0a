"""Reverse-mode automatic differentiation over NumPy arrays.

``tensor.py`` holds the Tensor and ``backward`` (the chain rule), ``ops.py`` every op beside its
local derivative, ``functional.py`` the transforms (grad, hvp, …), ``check.py`` finite-difference
checks and ``graph.py`` the graph listing for teaching.

Listing the graph in backward order. Every result remembers ``op`` (its op's name) and
``parents``; :func:`backward_nodes` walks them in the order ``backward`` visits them, output
first, and gives each node's ``op``, ``shape``, ``value`` and ``grad``. Ask backward to keep the
gradients of intermediate results with ``retain_grads=True`` (otherwise only leaves have one)::

    >>> import steepest as st
    >>> from steepest.autodiff import backward_nodes, format_backward
    >>> w = st.tensor([0.5, -1.0], requires_grad=True)
    >>> loss = (w * 2.0).tanh().sum()
    >>> loss.backward(retain_grads=True)
    >>> [(n.op or "input", n.shape) for n in backward_nodes(loss)]
    [('sum', ()), ('tanh', (2,)), ('mul', (2,)), ('input', (2,))]
    >>> print(format_backward(loss))  # the same as a table: op, shape, value, gradient
      0  sum          ()       value=-0.2024            grad=1
      1  tanh         (2,)     value=[0.7616, -0.964]   grad=[1, 1]
      2  mul          (2,)     value=[1, -2]            grad=[0.42, 0.07065]
      3  input        (2,)     value=[0.5, -1]          grad=[0.8399, 0.1413]

``backward_nodes(loss, order="forward")`` lists the same nodes inputs first. Each node's
``parents`` gives the positions of its inputs in the same list (for drawing the graph).

A new op is its forward value plus one vector-Jacobian product per input, handed to
``make``; write the vjp with operators so that it works on arrays and, under
``create_graph=True``, on Tensors::

    >>> from steepest.autodiff import make
    >>> def cube(x):  # x³;  d/dx = 3x²
    ...     return make(x.data ** 3, "cube", (x,), (lambda g, out, x: g * 3 * x * x,))
    >>> st.gradcheck(cube, [0.5, -2.0])
    True
    >>> st.hvp(lambda x: cube(x).sum(), [0.5, -2.0], [1.0, 1.0])  # 6x, through the same vjp
    array([  3., -12.])
"""

from __future__ import annotations

from .check import GradcheckError, gradcheck, numerical_grad
from .functional import grad, hessian, hvp, jacobian, value_and_grad
from .graph import Node, backward_nodes, format_backward
from .ops import (
    abs,
    add,
    broadcast_to,
    clip,
    concatenate,
    cos,
    div,
    erf,
    exp,
    getitem,
    leaky_relu,
    linear,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    pow,
    relu,
    reshape,
    sigmoid,
    sin,
    softmax,
    softplus,
    sqrt,
    stack,
    sub,
    sum,
    sum_to,
    swapaxes,
    tanh,
    transpose,
    var,
    where,
)
from .tensor import (
    Tensor,
    as_tensor,
    backprop,
    enable_grad,
    is_grad_enabled,
    make,  # noqa: F401  (the hook for writing a new op; see the module docstring)
    no_grad,
    tensor,
)

__all__ = [
    "GradcheckError", "Node", "Tensor", "abs", "add", "as_tensor", "backprop", "backward_nodes",
    "broadcast_to", "clip", "concatenate", "cos", "div", "enable_grad", "erf", "exp",
    "format_backward", "getitem", "grad", "gradcheck", "hessian", "hvp", "is_grad_enabled",
    "jacobian", "leaky_relu", "linear", "log", "log_softmax", "logsumexp", "matmul", "max",
    "maximum", "mean",
    "min", "minimum", "mul", "neg", "no_grad", "numerical_grad", "pow", "relu", "reshape",
    "sigmoid", "sin", "softmax", "softplus", "sqrt", "stack", "sub", "sum", "sum_to", "swapaxes",
    "tanh", "tensor", "transpose", "value_and_grad", "var", "where",
]
