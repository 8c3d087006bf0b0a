"""Dense networks as a target, in NumPy, batched over points of parameter space."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...autodiff.ops import _np_tanh
from ...errors import SteepestError
from ...nn.losses import LOSS_INFO, LossInfo, loss_info
from ...nn.metrics import accuracy as _accuracy
from ..params import ParamSpec, _is_torch_module, model_params
from .base import Prepared, Target, _check_data

# ---- the fast NumPy dense network -------------------------------------------------------------

def _activation(name: str | None, slope: float) -> Callable[[np.ndarray], object] | None:
    """The activation as an in-place function of a pre-activation array (None: identity)."""
    if name in (None, "identity", "linear"):
        return None
    if name == "tanh":
        return lambda z: _np_tanh(z, out=z)
    if name == "relu":
        return lambda z: np.maximum(z, 0, out=z)
    if name == "leaky_relu":
        return lambda z: np.multiply(z, np.where(z > 0, 1.0, slope).astype(z.dtype), out=z)
    if name == "sigmoid":
        return _sigmoid_inplace
    if name == "softplus":
        return _softplus_inplace
    if name == "gelu":
        return _gelu_inplace
    raise ValueError(f"unsupported activation {name!r}")


def _sigmoid_inplace(z: np.ndarray) -> None:
    with np.errstate(over="ignore"):
        np.negative(z, out=z)
        np.exp(z, out=z)
        z += 1
        np.reciprocal(z, out=z)


def _softplus_inplace(z: np.ndarray) -> None:
    """ln(1 + eᶻ) without overflow: max(z, 0) + ln(1 + e^{−|z|})."""
    z[...] = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _gelu_inplace(z: np.ndarray) -> None:
    from scipy.special import erf

    z[...] = 0.5 * z * (1 + erf(z / np.sqrt(2.0)))


ACTIVATIONS = ("identity", "tanh", "relu", "leaky_relu", "sigmoid", "softplus", "gelu")


class NotSupported(Exception):
    """The model is not a plain dense network; use a general target."""


class MLPTarget(Target):
    """A dense network evaluated in NumPy on stacks of weight sets.

    Layer l computes z = W_l h + b_l, a = act_l(z), then h ← a, or h ← h + a when ``skip[l]``
    (a residual connection; needs n_in = n_out). ``layers`` lists, per layer, the indices of its
    weight (n_out, n_in) and bias (n_out,) (or None) in ``spec``, its activation (one of
    ``ACTIVATIONS``; the last layer's is the output activation) and whether it skips.
    ``loss``: "mse", "bce" (on probabilities), "bce_logits" or "cross_entropy" (integer labels),
    each a mean over samples like PyTorch's. Computes in ``dtype`` (float64 by default).
    ``block_bytes``: the activations of one batched forward (two buffers of (points,
    1 + widest layer, N)) are kept near this size, so that small nets run in cache."""

    def __init__(self, theta: Any, spec: ParamSpec, layers: Sequence[tuple[int, int | None, str |
                 None, bool]], X: Any, y: Any, *, loss: str = "mse", accuracy: bool = False,
                 negative_slope: float = 0.01, dtype: Any = np.float64,
                 block_bytes: int = 1 << 20) -> None:
        X, y = _check_data(X, y)
        self.theta = np.asarray(theta, dtype=np.float64).reshape(-1)
        spec.check(self.theta, "theta")
        self.spec, self.dtype = spec, np.dtype(dtype)
        self.layers = [(int(w), None if b is None else int(b), act, bool(s))
                       for w, b, act, s in layers]
        if not self.layers:
            raise ValueError("MLPTarget needs at least one layer")
        width = X.shape[1]
        for i, (w, b, act, skip) in enumerate(self.layers):
            shape = spec.shapes[w]
            if len(shape) != 2 or shape[1] != width:
                raise ValueError(f"layer {i}: weight {spec.names[w]} has shape {shape}, expected "
                                 f"(n_out, {width})")
            if b is not None and spec.shapes[b] != (shape[0],):
                raise ValueError(f"layer {i}: bias {spec.names[b]} has shape {spec.shapes[b]}, "
                                 f"expected ({shape[0]},)")
            if act not in ACTIVATIONS and act is not None:
                raise ValueError(f"layer {i}: unsupported activation {act!r}")
            if skip and shape[0] != shape[1]:
                raise ValueError(f"layer {i}: a skip connection needs n_in = n_out, got {shape}")
            width = shape[0]
        info = _grid_loss(loss)
        out_act = self.layers[-1][2]
        if not info.logits and info.classifier and out_act != "sigmoid":
            raise SteepestError(f"MLPTarget: loss {loss!r} takes probabilities but the last layer "
                                f"has activation {out_act!r}, not a sigmoid; for raw scores use "
                                f"'bce_with_logits'")
        self.loss_name, self.slope = info.name, float(negative_slope)
        self.X = np.ascontiguousarray(X, dtype=self.dtype)
        assert info.grid is not None
        self.loss = info.grid(y, width, self.dtype)
        # the predicted class of one output: above 0.5 for a sigmoid, above 0 for raw scores
        self.threshold = 0.5 if out_act == "sigmoid" else info.threshold
        self.metrics = ("loss", "accuracy") if accuracy else ("loss",)
        self.block_bytes = int(block_bytes)
        self._y = np.asarray(y)

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for part in (self.theta.astype(np.float64), self.X, np.asarray(self._y, np.float64)):
            h.update(np.ascontiguousarray(part).tobytes())
        h.update(repr((self.layers, self.loss_name, self.metrics, str(self.dtype))).encode())
        return h.hexdigest()[:16]

    def prepare(self, basis: np.ndarray) -> Prepared:
        basis = np.atleast_2d(np.asarray(basis, dtype=np.float64))
        self.spec.check(basis, "basis")
        return _BatchedForward(self, basis).evaluate

    def tensor_loss(self, theta: Any) -> Any:
        """The loss at θ written with steepest ops (a scalar Tensor), so that gradients and exact
        Hessian-vector products (:func:`steepest.hvp`, :mod:`steepest.curvature`) flow through
        it; the same network and loss as the batched NumPy path, in float64."""
        from ... import autodiff as ad
        from ...nn import get_activation, get_loss

        theta = theta if isinstance(theta, ad.Tensor) else ad.tensor(theta)
        off = self.spec.offsets
        parts = [theta[off[i]:off[i + 1]].reshape(*s) for i, s in enumerate(self.spec.shapes)]
        h = ad.tensor(self.X.astype(np.float64))
        for w, b, act, skip in self.layers:
            z = h @ parts[w].T
            if b is not None:
                z = z + parts[b]
            a = ad.leaky_relu(z, self.slope) if act == "leaky_relu" else get_activation(act)(z)
            h = h + a if skip else a
        target = self._y if self.loss_name == "cross_entropy" else \
            np.asarray(self._y, dtype=np.float64).reshape(h.shape)
        return get_loss(self.loss_name)(h, target)

    # ---- builders ----
    @classmethod
    def from_arrays(cls, weights: Sequence[Any], biases: Sequence[Any | None], X: Any, y: Any, *,
                    activation: str | Sequence[str | None] | None = "tanh",
                    output_activation: str | None = None, skip: bool | Sequence[bool] = False,
                    **kwargs: Any) -> MLPTarget:
        """From lists of weights (n_out, n_in) and biases (or None): hidden layers use
        ``activation`` (one name or one per hidden layer), the last ``output_activation``;
        ``skip`` adds residual connections (True: every square hidden layer)."""
        L = len(weights)
        if len(biases) != L:
            raise ValueError(f"{L} weights but {len(biases)} biases")
        acts = [activation] * (L - 1) if isinstance(activation, str) or activation is None \
            else list(activation)
        if len(acts) != L - 1:
            raise ValueError(f"activation: expected {L - 1} hidden activations, got {len(acts)}")
        acts.append(output_activation)
        if isinstance(skip, bool):
            skips = [skip and i < L - 1 and np.shape(weights[i])[0] == np.shape(weights[i])[1]
                     for i in range(L)]
        else:
            skips = list(skip)
        arrays, names, layers = [], [], []
        for i, (W, b) in enumerate(zip(weights, biases, strict=True)):
            arrays.append(np.asarray(W, dtype=np.float64))
            names.append(f"layers.{i}.weight")
            wi = len(arrays) - 1
            bi = None
            if b is not None:
                arrays.append(np.asarray(b, dtype=np.float64))
                names.append(f"layers.{i}.bias")
                bi = len(arrays) - 1
            layers.append((wi, bi, acts[i], skips[i]))
        spec = ParamSpec.of(arrays, names)
        return cls(spec.join(arrays), spec, layers, X, y, **kwargs)

    @classmethod
    def from_model(cls, model: Any, X: Any, y: Any, *, loss: Any = "mse",
                   **kwargs: Any) -> MLPTarget:
        """From a steepest ``MLP``/``Sequential`` of ``Linear`` layers and activations, or a
        PyTorch ``nn.Sequential`` of ``Linear`` and activation modules, in evaluation mode
        (dropout is the identity). Raises :class:`NotSupported` for anything else
        (convolutions, normalization layers, a custom ``forward``)."""
        theta, spec = model_params(model)
        index = {n: i for i, n in enumerate(spec.names)}
        torch_model = _is_torch_module(model)
        if torch_model:
            p = next(iter(model.parameters()))
            kwargs.setdefault("dtype", {"torch.float32": np.float32}.get(str(p.dtype), np.float64))
        layers: list[list[Any]] = []
        slope: list[float] = []
        for name, mod in _leaves(model):
            cls_name = type(mod).__name__
            if cls_name == "Linear":
                wi = index.get(f"{name}.weight")
                bi = index.get(f"{name}.bias")
                if wi is None:
                    raise NotSupported(f"{name}: weight not found among the parameters")
                act = getattr(mod, "activation", None) if not torch_model else None
                layers.append([wi, bi, act, False, act is None])
            elif cls_name in _ACT_MODULES:
                if not layers or not layers[-1][4]:
                    raise NotSupported(f"{name}: activation {cls_name} not right after a Linear")
                layers[-1][2], layers[-1][4] = _activation_of(mod, slope), False
            elif cls_name == "Dropout" or (cls_name == "Flatten" and not layers):
                continue  # identity in evaluation mode; X is already (N, features)
            else:
                raise NotSupported(f"{name}: {cls_name} is not a Linear layer or an activation")
        if not layers:
            raise NotSupported("no Linear layers")
        if len(spec.names) != sum(1 + (b is not None) for _, b, *_ in layers):
            raise NotSupported("the model has parameters outside its Linear layers")
        info = loss_info(loss)
        if info is None or info.grid is None:
            raise NotSupported(f"loss {loss!r} has no batched NumPy form")
        return cls(theta, spec, [tuple(lay[:4]) for lay in layers], X, y, loss=info.name,
                   negative_slope=slope[0] if slope else 0.01, **kwargs)


_ACT_MODULES = {"Identity": "identity", "Tanh": "tanh", "ReLU": "relu", "LeakyReLU": "leaky_relu",
                "Sigmoid": "sigmoid", "Softplus": "softplus", "GELU": "gelu"}


def _activation_of(mod: Any, slope: list[float]) -> str:
    """The activation name of an activation module; a LeakyReLU's slope is noted in ``slope``
    (one slope for the whole net)."""
    cls_name = type(mod).__name__
    act = _ACT_MODULES[cls_name]
    if act == "leaky_relu":
        if slope and slope[0] != float(mod.negative_slope):
            raise NotSupported("LeakyReLUs with different slopes")
        slope[:] = [float(mod.negative_slope)]
    if act == "gelu" and getattr(mod, "approximate", "none") != "none":
        raise NotSupported("tanh-approximate GELU")
    if cls_name == "Softplus" and (getattr(mod, "beta", 1) != 1):
        raise NotSupported("Softplus with beta ≠ 1")
    return act


def _leaves(model: Any) -> list[tuple[str, Any]]:
    """(dotted name, module) of the modules without children, in forward order — valid only for
    containers whose forward runs the children in order (Sequential, MLP, ModuleList)."""
    kind = type(model).__name__
    if kind not in ("Sequential", "MLP", "ModuleList"):
        raise NotSupported(f"{kind} has its own forward; not a plain stack of layers")
    children = list(model.named_children()) if hasattr(model, "named_children") else []
    if not children and hasattr(model, "_modules"):
        children = list(model._modules.items())
    out = []
    for name, child in children:
        sub = list(child.named_children()) if hasattr(child, "named_children") else []
        if type(child).__name__ in ("Sequential", "ModuleList"):
            out += [(f"{name}.{n}", m) for n, m in _leaves(child)]
        elif sub and type(child).__name__ != "Linear":
            raise NotSupported(f"{name}: {type(child).__name__} has sub-modules")
        else:
            out.append((name, child))
    return out


def _grid_loss(loss: Any) -> LossInfo:
    info = loss_info(loss)
    if info is None or info.grid is None:
        with_grid = sorted(n for n, i in LOSS_INFO.items() if i.grid is not None)
        raise SteepestError(f"MLPTarget: unsupported loss {loss!r}; use one of {with_grid} (or "
                            f"a general target)")
    return info



class _BatchedForward:
    """The network at many points of one basis, in named steps.

    Activations are kept as (p, 1 + width, N): samples last (contiguous), after a row of ones so
    that each later layer's bias rides in its matmul, [b | W] @ [1; h].

    1. :meth:`_first_layer` (once per basis): M_m = W_m Xᵀ + b_m flattened to (m, h0·N), so a
       block's first pre-activations are one GEMM, C (p, m) @ M → (p, h0·N).
    2. :meth:`_later_layers` (once per basis): every later layer's [b | W] per basis vector, side
       by side, so a group of points gets all its weights in one product C @ bW_all.
    3. :meth:`_sizes`: points per block (its two activation buffers stay in cache for small nets)
       and per group (its weights and outputs within 8 MiB).
    4. :meth:`evaluate` (per call): per group, the weights; per block, :meth:`forward`; then the
       registry's batched loss and accuracy on the group's outputs.
    """

    def __init__(self, target: MLPTarget, basis: np.ndarray) -> None:
        self.target, self.dtype = target, target.dtype
        self.parts = [p.astype(self.dtype) for p in target.spec.split(basis)]  # each (m, *shape)
        self.m, self.n = len(basis), len(target.X)
        self.XT = np.ascontiguousarray(target.X.T)
        self._first_layer()
        self._later_layers()
        self._sizes()
        self.local = threading.local()  # buffers and their views, per thread

    def _first_layer(self) -> None:
        t = self.target
        w0, b0, act0, self.skip0 = t.layers[0]
        self.h0 = t.spec.shapes[w0][0]
        first = self.parts[w0] @ t.X.T
        if b0 is not None:
            first += self.parts[b0][:, :, None]
        self.first = first.reshape(self.m, self.h0 * self.n)
        self.act0 = _activation(act0, t.slope)

    def _later_layers(self) -> None:
        t, parts = self.target, self.parts
        self.later: list[tuple[slice, tuple[int, ...], Any, bool]] = []
        bWs, col = [], 0
        for w, b, act, skip in t.layers[1:]:
            W = parts[w]                                        # (m, out, in)
            B = parts[b] if b is not None else np.zeros(W.shape[:2], self.dtype)
            bW = np.concatenate([B[:, :, None], W], axis=2)     # (m, out, 1 + in)
            self.later.append((slice(col, col + bW[0].size), bW.shape[1:],
                               _activation(act, t.slope), skip))
            bWs.append(bW.reshape(self.m, -1))
            col += bW[0].size
        self.bW_all = (np.concatenate(bWs, axis=1) if bWs
                       else np.zeros((self.m, 0), self.dtype))
        self.widths = [self.h0] + [shape[0] for _, shape, _, _ in self.later]
        self.nout = self.widths[-1]

    def _sizes(self) -> None:
        # big nets take at least 8 points per block so the first layer's (m, h·N) products are
        # read once per 8, within a 64 MiB cap on the block's activations
        item = self.dtype.itemsize
        per_point = self.n * (max(self.widths) + 1) * item * 2
        self.block = max(1, min(max(8, self.target.block_bytes // per_point),
                                (64 << 20) // per_point))
        group_point = (self.bW_all.shape[1] + self.nout * self.n) * item
        self.group = self.block * max(1, (8 << 20) // (self.block * group_point))

    def _buffers(self) -> tuple[list[np.ndarray], np.ndarray]:
        """Two buffers (block, 1 + max width, N) per thread that the hidden layers use in turn
        (layer l reads buffer l % 2 and writes rows 1… of the other; row 0 stays 1), and the
        first layer's rows as one (block, h0·N) matrix (a strided view, so its GEMM writes in
        place)."""
        bufs = [np.empty((self.block, max(self.widths) + 1, self.n), self.dtype)
                for _ in range(min(2, len(self.widths)))]
        for buf in bufs:
            buf[:, 0] = 1
        rows = np.lib.stride_tricks.as_strided(
            bufs[0][:, 1:], (self.block, self.h0 * self.n), (bufs[0].strides[0],
                                                               bufs[0].itemsize))
        return bufs, rows

    def _views(self, p: int) -> tuple[Any, ...]:
        """Views for a block of p points: the first layer's rows, its activations, and each
        later layer's input and (hidden) output."""
        local = self.local
        cache = getattr(local, "views", None)
        if cache is None:
            local.bufs = self._buffers()
            cache = local.views = {}
        v = cache.get(p)
        if v is None:
            bufs, rows = local.bufs
            w = self.widths
            inputs = [bufs[i % 2][:p, :1 + k] for i, k in enumerate(w[:-1])]
            outputs = [bufs[(i + 1) % 2][:p, 1:1 + k] for i, k in enumerate(w[1:-1])]
            v = cache[p] = (rows[:p], bufs[0][:p, 1:1 + self.h0], inputs, outputs)
        return v

    def _outputs(self, p: int) -> tuple[np.ndarray, np.ndarray]:
        """The network's outputs (p, n_out, N) for a group of points and the loss's scratch
        (p, N), grown as needed and kept per thread."""
        have = getattr(self.local, "out", None)
        if have is None or len(have[0]) < p:
            have = self.local.out = (np.empty((p, self.nout, self.n), self.dtype),
                                     np.empty((p, self.n), self.dtype))
        return have[0][:p], have[1][:p]

    def forward(self, C: np.ndarray, Ws: list[np.ndarray], Z: np.ndarray) -> None:
        """The outputs Z (p, n_out, N) of the points C (p, m); Ws: their later layers' [b | W],
        (p, out, 1 + in) each."""
        rows, pre, inputs, hidden = self._views(len(C))
        np.matmul(C, self.first, out=rows)
        if self.act0 is not None:
            self.act0(pre)
        if self.skip0:
            pre += self.XT
        if not self.later:
            Z[...] = pre
            return
        for (_, _, act_fn, skip), bW, H, out in zip(self.later, Ws, inputs, [*hidden, Z],
                                                    strict=True):
            np.matmul(bW, H, out=out)
            if act_fn is not None:
                act_fn(out)
            if skip:
                np.add(out, H[:, 1:], out=out)

    def evaluate(self, C: np.ndarray) -> dict[str, np.ndarray]:
        """{metric: (p,)} at the coefficient rows C (p, m)."""
        C = np.atleast_2d(np.asarray(C)).astype(self.dtype)
        if C.shape[1] != self.m:
            raise SteepestError(f"coefficients have {C.shape[1]} columns for a basis of {self.m}")
        t, group, block = self.target, self.group, self.block
        out = {k: np.empty(len(C)) for k in t.metrics}
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for g in range(0, len(C), group):
                Cg = C[g:g + group]
                CW = Cg @ self.bW_all
                Ws = [CW[:, cols].reshape(len(Cg), *shape) for cols, shape, _, _ in self.later]
                Z, work = self._outputs(len(Cg))
                for s in range(0, len(Cg), block):
                    self.forward(Cg[s:s + block], [W[s:s + block] for W in Ws], Z[s:s + block])
                out["loss"][g:g + len(Cg)] = t.loss(Z, work)
                if "accuracy" in out:
                    out["accuracy"][g:g + len(Cg)] = _accuracy(Z, t._y, t.threshold, 1)
        return out
