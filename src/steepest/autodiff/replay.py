"""A replayed step: the graph of a repeated computation recorded once, then run as a flat list
of NumPy calls — no Tensors built, no graph ordered, no Python checks per op.

A training step builds the same graph every time: the same ops on arrays of the same shapes.
The eager engine (:mod:`steepest.autodiff.tensor`) pays for that generality on every step —
each op wraps its result in a Tensor, checks and converts its operands and stores closures;
``backward`` then collects the graph, sorts it and walks it through dictionaries. Below about
0.2 ms per step (the lecture's 3 → 4 → 4 → 1 net) that bookkeeping costs as much as the
arithmetic. :class:`Replay` keeps the arithmetic and drops the bookkeeping:

>>> import numpy as np, steepest as st
>>> w = st.tensor([[0.5], [-1.0]], requires_grad=True)
>>> step = Replay(lambda x: ((x @ w).tanh() ** 2).mean())
>>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> for _ in range(3):
...     w.grad = None
...     loss = step(x)          # forward and backward; fills w.grad as loss.backward() does
>>> step.status
'replaying'

How it maps to the eager engine:

- **Recording** (the first call, and any call whose argument shapes or dtypes are new) runs
  ``fn(*args)`` and ``backward`` eagerly — that call's results *are* the eager results — while
  noting each op called (:data:`KERNELS`: its static arguments, its operands: earlier results,
  parameters — leaves that require grad — or the step's arguments) and the ``vjps`` the eager
  op stored.
- **Replaying**: each op's forward runs as the NumPy call that eager op makes, writing into a
  buffer allocated once (``out=``); views (reshape, transpose, basic indexing) are taken afresh
  from the current inputs. Backward calls the *same* vjp functions the eager engine calls, in
  the same order (the reverse of the forward), adding gradients of an operand used twice in the
  same order. So a replayed step equals the eager step to the bit — which is checked once per
  recording, by replaying the recorded call and comparing every gradient.
- **Guards**: before each replay the arguments' kinds, shapes and dtypes and the parameters'
  shapes and dtypes are compared with the recording's; a difference records anew (up to
  ``cache`` graphs are kept, e.g. full batches and the smaller last one).
- **Run eagerly instead** (``status`` says why) when the recording shows something a replay
  could not reproduce: an op without a replay kernel (dropout's fresh random mask, ``where``
  on a computed mask, …), an operand that is neither an argument, a parameter, an earlier
  result nor a Python number (an array built inside the step: it may differ next time), or
  the step reading a Tensor's *values* into Python (``.item()``, ``float()``, ``if t > 0``,
  ``.data``, ``np.asarray``) — a branch on a value that a replay would freeze. Shapes and
  dtypes may be read freely. ``Replay(fn, enabled=False)`` always runs eagerly; so does a step
  not yet recorded while a profiler (``cProfile``) holds ``sys.setprofile``, which recording
  needs — it records on the first call after the profiler stops.

The contract, as for ``jax.jit``: Python numbers inside ``fn`` are baked into the recording,
and everything that changes from step to step is an argument or a parameter's ``.data``
(updated in place or rebound — both are read at every replay). What is not seen: a branch on
the *values* of a plain NumPy argument (``if y.max() > 1``); keep such logic outside ``fn``.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import ops
from .tensor import Tensor, _unshared, backprop, is_grad_enabled

__all__ = ["KERNELS", "Replay", "replayed_value_and_grad"]

Array = np.ndarray


# ---- forward kernels: the NumPy call each eager op makes, into a buffer -----------------------
def _binary(ufunc: Any) -> Callable[..., Array]:
    def forward(out: Array, a: Array, b: Array) -> Array:
        return ufunc(a, b, out=out)
    return forward


def _unary(ufunc: Any) -> Callable[..., Array]:
    def forward(out: Array, x: Array) -> Array:
        return ufunc(x, out=out)
    return forward


def _pow(p: Any) -> Callable[..., Array]:
    """``a ** p`` as NumPy computes it for a Python number p (square, sqrt, … fast paths)."""
    fast = {2: np.square, 0.5: np.sqrt, 1: np.positive, -1: np.reciprocal}
    if p == 0:
        def ones(out: Array, a: Array) -> Array:
            out[...] = 1
            return out
        return ones
    if p in fast:
        return _unary(fast[p])
    return lambda out, a: np.power(a, p, out=out)


def _linear(out: Array, x: Array, w: Array, b: Array | None = None) -> Array:
    _mm(out, x, w.T)  # the eager op's product
    if b is not None:
        ops._np_add_rows(out, b)  # the eager op's in-place bias add
    return out


def _reduce(mean: bool, axis: Any, keepdims: bool, n: int) -> Callable[..., Array]:
    def forward(out: Array, x: Array) -> Array:
        np.add.reduce(x, axis=axis, keepdims=keepdims, out=out)  # x.sum(…), its wrapper skipped
        return np.divide(out, n, out=out) if mean else out
    return forward


def _sigmoid(out: Array, x: Array) -> Array:
    np.copyto(out, ops._np_sigmoid(x))
    return out


def _tanh(out: Array, x: Array) -> Array:
    return ops._np_tanh(x, out=out)  # the eager op's tanh, whichever route it takes


def _softplus(out: Array, x: Array) -> Array:
    return np.logaddexp(0, x, out=out)


def _view(fn: Callable[[Array], Array]) -> Callable[..., Array]:
    """An op whose result is a view of its input: taken afresh each replay, nothing stored."""
    def forward(out: Array | None, x: Array) -> Array:
        return fn(x)
    forward.view = True  # type: ignore[attr-defined]
    return forward


@dataclass(frozen=True)
class Kernel:
    """How to replay one eager op: ``operands`` names its parameters that become the result's
    parents (in order), ``make(args, result)`` returns the forward kernel for the static
    arguments of this call (None: this call cannot be replayed)."""

    operands: tuple[str, ...]
    make: Callable[[dict[str, Any], Tensor], Callable[..., Array] | None]


def _static(fn: Callable[..., Array]) -> Callable[[dict[str, Any], Tensor], Callable[..., Array]]:
    return lambda args, result: fn


def _pow_kernel(args: dict[str, Any], result: Tensor) -> Callable[..., Array] | None:
    b = args["b"]
    return _pow(b) if isinstance(b, (int, float)) and not isinstance(b, bool) else None


def _mm(out: Array, a: Array, b: Array) -> Array:
    """:func:`ops._mm` into ``out``: ``np.dot`` for matrices, ``np.matmul`` for batches."""
    if a.ndim == 2 and b.ndim == 2:
        return np.dot(a, b, out=out)
    return np.matmul(a, b, out=out)


def _matmul_kernel(args: dict[str, Any], result: Tensor) -> Callable[..., Array] | None:
    shapes = [np.shape(getattr(args[k], "data", args[k])) for k in ("a", "b")]
    return _mm if min(len(s) for s in shapes) >= 2 else None  # 1-D: composite


def _reduce_kernel(mean: bool) -> Callable[[dict[str, Any], Tensor], Callable[..., Array]]:
    def make(args: dict[str, Any], result: Tensor) -> Callable[..., Array]:
        x = result.parents[0]
        return _reduce(mean, args["axis"], args["keepdims"],
                       ops._count(x.shape, args["axis"]) if mean else 1)
    return make


def _reshape_kernel(args: dict[str, Any], result: Tensor) -> Callable[..., Array]:
    shape = result.shape
    return _view(lambda x: x.reshape(shape))


def _transpose_kernel(args: dict[str, Any], result: Tensor) -> Callable[..., Array]:
    axes = args["axes"]
    axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
    axes = tuple(axes) if axes else tuple(reversed(range(result.ndim)))
    return _view(lambda x: x.transpose(axes))


def _getitem_kernel(args: dict[str, Any], result: Tensor) -> Callable[..., Array] | None:
    index = args["index"]
    if not ops._is_basic(index):  # an index array may be built inside the step
        return None
    return _view(lambda x: x[index])


def _log_softmax_kernel(args: dict[str, Any], result: Tensor) -> Callable[..., Array]:
    """x − m − ln Σ e^(x−m) along the axis, the eager op's arithmetic (a fresh array)."""
    (axis,) = ops._axes("log_softmax", result.ndim, args["axis"])

    def forward(out: Array | None, x: Array) -> Array:
        shifted, _ = ops._np_shifted(x, axis)
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    forward.view = True  # type: ignore[attr-defined]  # (nothing preallocated)
    return forward


def _pick_kernel(args: dict[str, Any], result: Tensor) -> Callable[..., Array]:
    rows = np.arange(result.shape[0])

    def forward(out: Array | None, x: Array, index: Array) -> Array:
        return x[rows, index]
    forward.view = True  # type: ignore[attr-defined]
    return forward


#: The eager ops a recording can replay, keyed by their code: each one's operands and how its
#: forward runs. Any other op in a step makes it run eagerly.
KERNELS: dict[Any, Kernel] = {fn.__code__: k for fn, k in {
    ops.add: Kernel(("a", "b"), _static(_binary(np.add))),
    ops.sub: Kernel(("a", "b"), _static(_binary(np.subtract))),
    ops.mul: Kernel(("a", "b"), _static(_binary(np.multiply))),
    ops.div: Kernel(("a", "b"), _static(_binary(np.divide))),
    ops.neg: Kernel(("a",), _static(_unary(np.negative))),
    ops.pow: Kernel(("a",), _pow_kernel),
    ops.matmul: Kernel(("a", "b"), _matmul_kernel),
    ops.linear: Kernel(("x", "weight", "bias"), _static(_linear)),
    ops.exp: Kernel(("x",), _static(_unary(np.exp))),
    ops.log: Kernel(("x",), _static(_unary(np.log))),
    ops.sqrt: Kernel(("x",), _static(_unary(np.sqrt))),
    ops.sin: Kernel(("x",), _static(_unary(np.sin))),
    ops.cos: Kernel(("x",), _static(_unary(np.cos))),
    ops.abs: Kernel(("x",), _static(_unary(np.abs))),
    ops.tanh: Kernel(("x",), _static(_tanh)),
    ops.sigmoid: Kernel(("x",), _static(_sigmoid)),
    ops.relu: Kernel(("x",), _static(lambda out, x: np.maximum(x, 0, out=out))),
    ops.softplus: Kernel(("x",), _static(_softplus)),
    ops.sum: Kernel(("x",), _reduce_kernel(False)),
    ops.mean: Kernel(("x",), _reduce_kernel(True)),
    ops.reshape: Kernel(("x",), _reshape_kernel),
    ops.transpose: Kernel(("x",), _transpose_kernel),
    ops.getitem: Kernel(("x",), _getitem_kernel),
    ops.log_softmax: Kernel(("x",), _log_softmax_kernel),
    ops.pick: Kernel(("x", "index"), _pick_kernel),
}.items()}


# ---- recording --------------------------------------------------------------------------------
class _Refused(Exception):
    """The recorded step cannot be replayed; the message says why."""


_METADATA = ("shape", "ndim", "dtype", "size")


class _Recorder:
    """Runs a step eagerly, noting each outermost call of a :data:`KERNELS` op (its arguments
    and result) and every read of a Tensor's values outside those ops."""

    def __init__(self) -> None:
        self.calls: list[tuple[Kernel, dict[str, Any], Any]] = []
        self.reads: list[str] = []
        self.unknown: list[str] = []  # ops (of the ops module) without a kernel
        self._outer: Any = None  # the frame of the kernel op being run, if any
        self._pending: tuple[Kernel, dict[str, Any]] | None = None
        self._thread = threading.get_ident()

    def _profile(self, frame: Any, event: str, arg: Any) -> None:
        if event == "call" and self._outer is None:
            kernel = KERNELS.get(frame.f_code)
            if kernel is not None:
                self._outer, self._pending = frame, (kernel, dict(frame.f_locals))
            elif (frame.f_globals.get("__name__") == ops.__name__
                  and not frame.f_code.co_name.startswith("_")):
                self.unknown.append(frame.f_code.co_name)
        elif event == "return" and frame is self._outer:
            assert self._pending is not None
            self.calls.append((*self._pending, arg))
            self._outer = self._pending = None

    def run(self, fn: Callable[..., Any], args: Sequence[Any]) -> Any:
        """``fn(*args)``, recorded. While it runs, ``Tensor.data`` is a property that notes reads
        made outside kernel ops (``shape``, ``dtype``, … read the data unseen)."""
        member = Tensor.__dict__["data"]
        saved = {k: Tensor.__dict__[k] for k in (*_METADATA, "__len__") if k in Tensor.__dict__}
        recorder = self

        def read(t: Tensor) -> Array:
            if recorder._outer is None and threading.get_ident() == recorder._thread:
                caller = sys._getframe(1)
                recorder.reads.append(f"{caller.f_code.co_name} "
                                      f"({caller.f_code.co_filename}:{caller.f_lineno})")
            return member.__get__(t, Tensor)

        setattr(Tensor, "data", property(read, member.__set__))  # noqa: B010 (a slot)
        for k in _METADATA:
            if k in saved:
                setattr(Tensor, k, property(_metadata_getter(member, k)))
        if "__len__" in saved:
            Tensor.__len__ = lambda t: len(member.__get__(t, Tensor))  # type: ignore[method-assign]
        previous = sys.getprofile()
        sys.setprofile(self._profile)
        try:
            return fn(*args)
        finally:
            sys.setprofile(previous)
            setattr(Tensor, "data", member)  # noqa: B010
            for k, v in saved.items():
                setattr(Tensor, k, v)


def _metadata_getter(member: Any, name: str) -> Callable[[Tensor], Any]:
    """``t.shape`` (…) read through the slot itself, so that it does not count as a value read."""
    def get(t: Tensor) -> Any:
        return getattr(member.__get__(t, Tensor), name)
    return get


# ---- the plan: what a replay runs -------------------------------------------------------------
@dataclass
class _Node:
    forward: Callable[..., Array]
    inputs: tuple[int, ...]          # value slots of the operands
    output: int
    buffer: Array | None             # None for views
    vjps: tuple[Any, ...] | None     # the eager op's vjps (None: no gradient flows through it)
    grad_inputs: tuple[bool, ...]    # which operands need a gradient
    inline: tuple[str | None, ...] = ()   # a vjp written out (see _inline_vjps), else None
    names: dict[str, Any] = field(default_factory=dict)  # the constants those expressions use


@dataclass
class _Plan:
    """Value slots: 0 … len(args) − 1 are the arguments' arrays, then the parameters' (read
    live), the baked constants, then one per op result. ``run`` is generated Python: the
    forward kernels and the vjps called one after the other on named locals (no loop, no
    dictionary), the gradient flow fixed when the plan is built."""

    n_args: int
    tensor_args: tuple[bool, ...]    # which arguments are Tensors (their .data is used)
    params: list[Tensor]
    constants: list[Array]
    nodes: list[_Node]
    root: int
    leaves: dict[int, Tensor]        # slot → the leaf whose .grad is filled (an argument's
                                     # slot: that argument of each call)
    seed: Array                      # ∂loss/∂loss, ones of the loss's shape
    aux: int | None = None           # the slot of the auxiliary output (has_aux), if any
    param_specs: list[tuple[Tensor, tuple[int, ...], np.dtype]] = field(default_factory=list)
    run: Callable[[Sequence[Any]], tuple[Array, tuple[Array | None, ...], Array | None]] = \
        field(init=False)
    leaf_tensors: tuple[Tensor, ...] = field(init=False)
    fresh: bool = False  # every gradient given out is a new array of its own (see _fresh)
    arg_leaves: bool = field(init=False)     # some leaf is an argument (then: that call's)
    source: str = field(init=False)

    def __post_init__(self) -> None:
        self.param_specs = [(p, p.data.shape, p.data.dtype) for p in self.params]
        self.leaf_tensors = tuple(self.leaves.values())
        self.arg_leaves = any(s < self.n_args for s in self.leaves)
        self.source, namespace = self._generate()
        exec(_compiled(self.source), namespace)
        self.run = namespace["run"]

    def _generate(self) -> tuple[str, dict[str, Any]]:
        base_p = self.n_args
        base_c = base_p + len(self.params)
        ns: dict[str, Any] = {"params": self.params}
        lines = ["def run(args):"]
        lines += [f"    v{i} = args[{i}].data" if t else f"    v{i} = args[{i}]"
                  for i, t in enumerate(self.tensor_args)]
        lines += [f"    v{base_p + i} = params[{i}].data" for i in range(len(self.params))]
        for i, c in enumerate(self.constants):
            ns[f"v{base_c + i}"] = c
        for n in self.nodes:  # forward
            ns[f"F{n.output}"], ns[f"B{n.output}"] = n.forward, n.buffer
            ins = ", ".join(f"v{i}" for i in n.inputs)
            lines.append(f"    v{n.output} = F{n.output}(B{n.output}, {ins})")
        self.seed.flags.writeable = False  # vjps may pass it on; nothing may write into it
        ns["SEED"] = self.seed
        has = {self.root}
        lines.append(f"    g{self.root} = SEED")
        for n in reversed(self.nodes):  # backward: backprop's order and sums
            if n.output not in has or n.vjps is None:
                continue
            ins = ", ".join(f"v{i}" for i in n.inputs)
            names = {"g": f"g{n.output}", "out": f"v{n.output}", "k": n.output,
                     **{f"a{i}": f"v{slot}" for i, slot in enumerate(n.inputs)}}
            ns.update({f"{k}{n.output}": v for k, v in n.names.items()})
            for j, (slot, vjp, needed) in enumerate(zip(n.inputs, n.vjps, n.grad_inputs)):
                if not needed:
                    continue
                inline = n.inline[j] if j < len(n.inline) else None
                if inline is not None and n.output == self.root and _seed_only(inline):
                    call = f"C{n.output}_{j}"  # the same every replay: computed once, here
                    seeded = {**ns, f"g{n.output}": self.seed}
                    ns[call] = _frozen(eval(_compiled(inline.format(**names), "eval"), seeded))
                elif inline is not None:
                    call = inline.format(**names)
                else:
                    ns[f"J{n.output}_{j}"] = vjp
                    call = f"J{n.output}_{j}(g{n.output}, v{n.output}, {ins})"
                lines.append(f"    g{slot} = g{slot} + {call}" if slot in has
                             else f"    g{slot} = {call}")
                has.add(slot)
        grads = ", ".join(f"g{s}" if s in has else "None" for s in self.leaves)
        aux = "None" if self.aux is None else f"v{self.aux}"
        lines.append(f"    return v{self.root}, ({grads}{',' if self.leaves else ''}), {aux}")
        return "\n".join(lines) + "\n", ns

    def guards_hold(self) -> bool:
        return all(p.requires_grad and p.data.shape == s and p.data.dtype == d
                   for p, s, d in self.param_specs)


def _seed_only(inline: str) -> bool:
    """Whether a written-out vjp reads nothing but its gradient (a full sum or mean): for the
    loss itself, whose gradient is the seed, its value is then the same at every replay."""
    return "{out}" not in inline and "{a" not in inline


def _frozen(a: Array) -> Array:
    """``a``, read-only (a vjp may pass it on; nothing may write into it)."""
    a = np.asarray(a)
    if a.flags.writeable:
        a.flags.writeable = False
    return a


@functools.lru_cache(maxsize=128)
def _compiled(source: str, mode: str = "exec") -> Any:
    """The code object of a generated ``run`` or expression (a pure function of its text, so
    the same step recorded again — each ``fit`` call records its own — is not compiled
    again)."""
    return compile(source, "<steepest replay>", mode)


def _build(calls: list[tuple[Kernel, dict[str, Any], Any]], root: Tensor,
           args: Sequence[Any], aux: Tensor | None = None) -> _Plan:
    """The plan for a recording, or _Refused naming what cannot be replayed."""
    slot_of: dict[int, int] = {}      # id(Tensor) of a recorded result → its slot
    params: list[Tensor] = []
    param_slot: dict[int, int] = {}
    constants: list[Array] = []
    pending: list[tuple[Callable[..., Array], list[Any], Tensor]] = []
    arg_ids = {}
    for i, a in enumerate(args):
        arg_ids[id(a)] = i
        if isinstance(a, Tensor):
            arg_ids[id(a.data)] = i
    for kernel, call_args, result in calls:
        if not isinstance(result, Tensor):
            raise _Refused(f"an op returned {type(result).__name__}")
        forward = kernel.make(call_args, result)
        if forward is None:
            raise _Refused(f"{result.op or 'an op'} with these arguments has no replay kernel")
        operands: list[Any] = []
        parents = _operands(kernel, call_args, result)
        for name, parent in zip(kernel.operands, parents):
            given = call_args.get(name)
            operands.append(_classify(parent, given, slot_of, arg_ids, params, param_slot,
                                      constants))
        pending.append((forward, operands, result))
        slot_of[id(result)] = -len(pending)  # placeholder until the slots are numbered
    base_params = len(args)
    base_consts = base_params + len(params)
    base_nodes = base_consts + len(constants)

    def slot(ref: tuple[str, int]) -> int:
        kind, i = ref
        return {"arg": i, "param": base_params + i, "const": base_consts + i,
                "node": base_nodes + i}[kind]

    nodes: list[_Node] = []
    needs: dict[int, bool] = {}
    for k, (forward, operands, result) in enumerate(pending):
        inputs = tuple(slot(r) for r in operands)
        grad_in = tuple(_needs_grad(r, args, params, needs, base_nodes) for r in operands)
        vjps = result._vjps if result.requires_grad else None
        buffer = None if getattr(forward, "view", False) else np.empty(result.shape, result.dtype)
        inline, names = _inline_vjps(result, calls[k][1]) if vjps is not None else ((), {})
        nodes.append(_Node(forward, inputs, base_nodes + k, buffer, vjps, grad_in, inline,
                           names))
        needs[base_nodes + k] = result.requires_grad
    root_ref = slot_of.get(id(root))
    if root_ref is None:
        raise _Refused("the loss was not computed by a replayable op")
    aux_slot = None
    if aux is not None:
        aux_ref = slot_of.get(id(aux))
        if aux_ref is None:
            raise _Refused("the auxiliary output was not computed by a replayable op")
        aux_slot = base_nodes + (-aux_ref - 1)
    leaves = {base_params + i: p for i, p in enumerate(params)}
    leaves.update({i: a for i, a in enumerate(args)
                   if isinstance(a, Tensor) and a.requires_grad and a.is_leaf})
    return _Plan(len(args), tuple(isinstance(a, Tensor) for a in args), params, constants,
                 nodes, base_nodes + (-root_ref - 1), leaves, np.ones_like(root.data),
                 aux_slot)


def _inline_vjps(result: Tensor, call_args: dict[str, Any]
                 ) -> tuple[tuple[str | None, ...], dict[str, Any]]:
    """The vjps of the commonest ops written out as the NumPy expressions the eager vjps
    evaluate for these shapes (so the generated backward calls no closure and checks no shape):
    {g} is the result's gradient, {out} its value, {a0}, {a1}, … the operands' values, {k} the
    node. Each is the eager vjp's arithmetic, operation for operation — and the recording's
    bit-for-bit check of the replay against the eager step would refuse the plan otherwise.
    An op not listed here, or other shapes, keeps the eager vjp (None)."""
    op, shape = result.op, result.shape
    shapes = [getattr(q, "shape", None) for q in result.parents]
    same = bool(shapes) and all(q == shape for q in shapes)
    if op == "tanh":
        return ("DTANH{k}({g}, {out})",), {"DTANH": _dtanh}
    if op in ("sigmoid", "relu"):
        return ({"sigmoid": "{g} * {out} * (1 - {out})", "relu": "{g} * ({a0} > 0)"}[op],), {}
    if op in ("add", "sub", "mul") and same:
        return {"add": ("{g}", "{g}"), "sub": ("{g}", "-{g}"),
                "mul": ("{g} * {a1}", "{g} * {a0}")}[op], {}
    if op == "pow" and call_args.get("b") == 2 and not isinstance(call_args.get("b"), bool):
        return (f"{{g}} * ({call_args['b']!r} * {{a0}})",), {}
    if op in ("mean", "sum") and call_args.get("axis") is None and len(shapes) == 1:
        return _inline_reduction(op == "mean", tuple(shapes[0] or ()))
    if op == "linear" and len(shape) == 2 and len(shapes[0] or ()) == 2:
        return _inline_linear(result)
    if op == "pick":  # the eager vjp, with this call's labels: zeros, g added at (i, label_i)
        return (("SCATTER{k}({g}, (ROWS{k}, {a1}), SHAPE{k})", None),
                {"SCATTER": ops._np_scatter, "ROWS": np.arange(shape[0]),
                 "SHAPE": tuple(shapes[0] or ())})
    return (), {}


def _inline_reduction(mean: bool, x_shape: tuple[int, ...]
                      ) -> tuple[tuple[str | None, ...], dict[str, Any]]:
    """sum/mean over all axes: the gradient broadcast back (÷ n for the mean)."""
    names: dict[str, Any] = {"BCAST": ops._broadcast_to, "KEPT": (1,) * len(x_shape),
                             "SHAPE": x_shape}
    if mean:
        names["N"] = ops._count(x_shape, None)
        return ("BCAST{k}({g}.reshape(KEPT{k}) / N{k}, SHAPE{k})",), names
    return ("BCAST{k}({g}.reshape(KEPT{k}), SHAPE{k})",), names


def _inline_linear(result: Tensor) -> tuple[tuple[str | None, ...], dict[str, Any]]:
    """x @ Wᵀ + b on a matrix x: gW, gᵀx and the bias's row sum as ones @ g (eager's BLAS
    sum)."""
    vjps: tuple[str | None, ...] = ("DOT{k}({g}, {a1})", "DOT{k}({g}.T, {a0})")
    if len(result.parents) < 3:
        return vjps, {"DOT": np.dot}
    if result.parents[2].dtype != result.dtype:
        return (), {}
    return (*vjps, "DOT{k}(ONES{k}, {g})"), {"DOT": np.dot,
                                              "ONES": ops._ones(result.shape[0], result.dtype)}


def _dtanh(g: Array, out: Array) -> Array:
    """g · (1 − out²), the eager tanh vjp's three operations in one new array."""
    t = np.multiply(out, out)
    np.subtract(1, t, out=t)
    return np.multiply(g, t, out=t) if g.dtype == t.dtype and g.shape == t.shape else g * t


def _constant_parents(kernel: Kernel, call_args: dict[str, Any]) -> tuple[Any, ...]:
    """Operands of an op whose result needs no gradient (make records no parents for it)."""
    return tuple(call_args.get(name) for name in kernel.operands)


def _operands(kernel: Kernel, call_args: dict[str, Any], result: Tensor) -> tuple[Any, ...]:
    """The result's parents, then the kernel's operands that are not parents (pick's labels);
    an optional operand not given (linear's bias=None) is left out."""
    given = _constant_parents(kernel, call_args)
    if not result.parents:
        return given
    return (*result.parents, *(q for q in given[len(result.parents):] if q is not None))


def _classify(parent: Any, given: Any, slot_of: dict[int, int], arg_ids: dict[int, int],
              params: list[Tensor], param_slot: dict[int, int], constants: list[Array]
              ) -> tuple[str, int]:
    """Where an operand comes from at replay: an earlier result, a parameter, an argument or a
    constant baked from a Python number; anything else refuses."""
    if parent is None:
        raise _Refused("an op's operand is missing")
    if isinstance(parent, Tensor) and id(parent) in slot_of:
        return "node", -slot_of[id(parent)] - 1
    data = parent.data if isinstance(parent, Tensor) else parent
    for candidate in (parent, data, given, getattr(given, "data", None)):
        if candidate is not None and id(candidate) in arg_ids and (
                candidate is data or candidate is parent):
            return "arg", arg_ids[id(candidate)]
    if isinstance(parent, Tensor) and parent.requires_grad and parent.is_leaf:
        if id(parent) not in param_slot:
            param_slot[id(parent)] = len(params)
            params.append(parent)
        return "param", param_slot[id(parent)]
    if isinstance(given, (int, float)) and not isinstance(given, bool):
        constants.append(np.asarray(data))
        return "const", len(constants) - 1
    shape = getattr(data, "shape", None)
    raise _Refused(f"an operand of shape {shape} is neither an argument of the step, a "
                   f"parameter, an earlier result nor a Python number (an array made inside "
                   f"the step may differ next time: pass it as an argument)")


def _needs_grad(ref: tuple[str, int], args: Sequence[Any], params: list[Tensor],
                needs: dict[int, bool], base_nodes: int) -> bool:
    kind, i = ref
    if kind == "param":
        return True
    if kind == "arg":
        return isinstance(args[i], Tensor) and args[i].requires_grad
    if kind == "node":
        return needs[base_nodes + i]
    return False


# ---- the step ---------------------------------------------------------------------------------
def _signature(args: Sequence[Any]) -> tuple[Any, ...]:
    """What a recording is specific to: each argument's shape and dtype (and, for a Tensor,
    whether it requires grad; a Python number by value, as it is baked in)."""
    return tuple((a.shape, a.dtype) if type(a) is np.ndarray
                 else (a.data.shape, a.data.dtype, a.requires_grad) if isinstance(a, Tensor)
                 else (type(a), a) for a in args)


def _assign(leaves: Sequence[Tensor], grads: Sequence[Array | None], seed: Array) -> None:
    """Add each gradient to its leaf's ``.grad`` as ``Tensor.backward`` does: the arrays given
    out never alias each other, the seed or a replay's buffers (copied where they would).
    A leaf whose gradient is None (none flows to it) is left alone."""
    pairs = [(t, g) for t, g in zip(leaves, grads) if g is not None]
    for (leaf, _), g in zip(pairs, _unshared([g for _, g in pairs], seed)):
        leaf.grad = Tensor._wrap(g) if leaf.grad is None else Tensor._wrap(leaf.grad.data + g)


class Replay:
    """``fn(*args) -> scalar Tensor`` as a step: calling it runs the forward pass and
    ``backward()`` — filling ``.grad`` of every leaf that requires grad, as
    ``fn(*args).backward()`` does — and returns the loss (a Tensor without a graph).

    The first call with given argument shapes and dtypes records the graph (eagerly); later
    calls replay it (see the module docstring: what is checked, and when it runs eagerly).
    ``enabled=False`` always runs eagerly. ``cache`` recordings are kept (least recent dropped).
    ``has_aux=True``: ``fn`` returns ``(loss, aux)`` with ``aux`` a Tensor computed in the step
    (e.g. the model's outputs), and a call returns ``(loss, aux)``, both without a graph.
    ``status`` is "replaying", "recording" (nothing replayed yet) or "eager: <why>";
    ``recordings`` and ``replays`` count the calls of each kind."""

    def __init__(self, fn: Callable[..., Any], *, enabled: bool = True, cache: int = 4,
                 has_aux: bool = False):
        self.fn = fn
        self.has_aux = bool(has_aux)
        self.enabled = bool(enabled)
        self.cache = int(cache)
        self.recordings = 0
        self.replays = 0
        self.status = "recording" if enabled else "eager: replay disabled (enabled=False)"
        self._plans: dict[tuple[Any, ...], _Plan | str] = {}

    @property
    def source(self) -> str | None:
        """The generated code of the most recent recording that replays (None if none does):
        the forward kernels and the eager vjps, in the order a replay calls them."""
        plans = [p for p in self._plans.values() if isinstance(p, _Plan)]
        return plans[-1].source if plans else None

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", type(self.fn).__name__)
        return (f"<Replay of {name}: {self.status}; {self.recordings} recorded, "
                f"{self.replays} replayed>")

    def __call__(self, *args: Any) -> Any:
        if not (self.enabled and is_grad_enabled()):
            return self._eager(args)
        key = _signature(args)
        plan = self._plans.get(key)
        if isinstance(plan, _Plan) and plan.guards_hold():
            loss, grads, aux = plan.run(args)
            leaves = plan.leaf_tensors if not plan.arg_leaves else [
                args[s] if s < plan.n_args else t for s, t in plan.leaves.items()]
            if plan.fresh:  # nothing to copy: wrap each gradient (or add it to .grad)
                for leaf, g in zip(leaves, grads):
                    assert g is not None
                    leaf.grad = Tensor._wrap(g if leaf.grad is None else leaf.grad.data + g)
            else:
                _assign(leaves, grads, plan.seed)
            self.replays += 1
            self.status = "replaying"
            out = Tensor._wrap(np.array(loss, copy=True))
            return (out, Tensor._wrap(np.array(aux, copy=True))) if self.has_aux else out
        if isinstance(plan, str):
            return self._eager(args)
        if sys.getprofile() is not None:  # recording needs sys.setprofile: not while profiled
            self.status = ("eager: a profiler (sys.setprofile) is running; the step records "
                           "once it stops")
            return self._eager(args)
        return self._record(key, args)

    def _split(self, result: Any) -> tuple[Any, Tensor | None]:
        """(loss, aux) of what ``fn`` returned (aux None without ``has_aux``)."""
        if not self.has_aux:
            return result, None
        if not (isinstance(result, tuple) and len(result) == 2
                and isinstance(result[1], Tensor)):
            raise TypeError("Replay(has_aux=True): fn must return (loss, aux) with aux a Tensor")
        return result

    def _eager(self, args: Sequence[Any]) -> Any:
        out, aux = self._split(self.fn(*args))
        out.backward()
        return (out.detach(), aux.detach()) if aux is not None else out.detach()

    def _record(self, key: tuple[Any, ...], args: Sequence[Any]) -> Any:
        """Run the step eagerly while recording it; keep a plan if it replays to the bit."""
        recorder = _Recorder()
        out, aux = self._split(recorder.run(self.fn, args))
        self.recordings += 1
        if not isinstance(out, Tensor) or not out.requires_grad:
            out.backward()  # eager's own error (no grad, or not a Tensor)
        seed = np.ones_like(out.data)
        grads = backprop(out, seed) if out.data.size == 1 else None
        if grads is None:
            out.backward()  # eager's own error: a non-scalar output
            raise AssertionError("unreachable")
        try:
            if recorder.unknown:
                raise _Refused(f"{recorder.unknown[0]} has no replay kernel")
            if recorder.reads:
                raise _Refused(f"the step reads a Tensor's values in {recorder.reads[0]}; "
                               f"a replay would freeze what it decided")
            plan = _build(recorder.calls, out, args, aux)
            loss, again, aux_again = plan.run(args)
            _check_same(plan, out, loss, again, grads)
            plan.fresh = _fresh(plan, again, args)
            if aux is not None and not (aux_again is not None
                                        and np.array_equal(aux_again, aux.data)):
                raise _Refused("the replayed auxiliary output differs from the eager one")
            entry: _Plan | str = plan
        except _Refused as why:
            entry = f"eager: {why}"
            self.status = entry
        if len(self._plans) >= self.cache:
            self._plans.pop(next(iter(self._plans)))
        self._plans[key] = entry
        leaves = [t for t in grads if t.requires_grad and t.is_leaf]
        _assign(leaves, [grads[t] for t in leaves], seed)
        return (out.detach(), aux.detach()) if aux is not None else out.detach()


def _check_same(plan: _Plan, out: Tensor, loss: Array, again: tuple[Array | None, ...],
                grads: dict[Tensor, Any]) -> None:
    """The replay of the recorded call must give the eager loss and gradients, bit for bit."""
    if not np.array_equal(loss, out.data):
        raise _Refused(f"the replayed loss {loss} differs from the eager {out.data}")
    for leaf, replayed in zip(plan.leaves.values(), again):
        eager = grads.get(leaf)
        if eager is None or replayed is None:
            if eager is None and replayed is None:
                continue
            raise _Refused(f"the replay gives a leaf of shape {leaf.shape} a gradient where "
                           f"the eager step does not, or the other way round")
        if not np.array_equal(eager, replayed):
            raise _Refused(f"the replayed gradient of a leaf of shape {leaf.shape} differs "
                           f"from the eager one")


def _fresh(plan: _Plan, grads: tuple[Array | None, ...], args: Sequence[Any]) -> bool:
    """True when every gradient of the check run is a new array owning its memory, none the
    same as another, the seed, a buffer, a constant, an argument or a parameter. The generated
    code is the same at every replay, so what it returns aliases the same way each time: then
    a replay hands the gradients out without :func:`_assign`'s copies and checks."""
    taken = {id(plan.seed), *(id(c) for c in plan.constants),
             *(id(n.buffer) for n in plan.nodes if n.buffer is not None),
             *(id(p.data) for p in plan.params),
             *(id(getattr(a, "data", a)) for a in args)}
    given = [g for g in grads if g is not None]
    return (len(given) == len(grads) and len({id(g) for g in given}) == len(given)
            and all(type(g) is np.ndarray and g.base is None and g.flags.writeable
                    and id(g) not in taken for g in given))


def replayed_value_and_grad(fn: Callable[[Tensor], Tensor], *, enabled: bool = True
                            ) -> Callable[[Any], tuple[float, Array]]:
    """``steepest.autodiff.value_and_grad(fn)`` — x ↦ (fn(x), ∇fn(x)) on NumPy arrays — with the
    step replayed (what ``minimize`` uses on a function written with steepest ops). The first
    call is eager through ``value_and_grad`` itself, so a function that does not fit fails with
    its errors; later calls go through a :class:`Replay` (``enabled=False``: all eager)."""
    from .functional import value_and_grad
    eager = value_and_grad(fn)
    step = Replay(fn, enabled=enabled)
    calls = [0]

    def vg(x: Any) -> tuple[float, Array]:
        calls[0] += 1
        if calls[0] == 1 or not enabled:
            return eager(x)
        xt = Tensor(np.array(x), requires_grad=True)
        loss = step(xt)
        g = xt.grad
        return loss.item(), (np.zeros_like(xt.data) if g is None else g.data)
    vg.replay = step  # type: ignore[attr-defined]
    return vg
