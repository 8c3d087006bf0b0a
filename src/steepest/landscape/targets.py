"""What a landscape evaluates: a *target* maps points θ = Σ_m c_m b_m of parameter space to loss
(and accuracy) values, many points per call.

A surface is the span of a small *basis* B (m, n) — for a plane B = [θ*, δ, η] and each grid point
has coefficients c = (1, α, β). Targets are prepared once per basis (``target.prepare(B)``) and
then evaluate blocks of coefficient rows C (p, m):

- :class:`MLPTarget` — dense nets (steepest ``MLP``/``Sequential``, PyTorch ``nn.Sequential`` of
  ``Linear`` + activations, optional skip connections) in pure NumPy, batched over points. The
  first layer is linear in the coefficients, X·W(c)ᵀ = Σ_m c_m·X·W_mᵀ, so its m products with
  the data are computed once per basis; each later layer is one batched matmul over the block.
- :class:`TorchTarget` — any PyTorch module, ``torch.func.functional_call`` vmapped over points.
- :class:`ModuleTarget` — any steepest module, one forward per point (slow, general).
- :class:`FunctionTarget` — any ``f(theta_vector) -> float``.

Every target gives the same values for the same weights (the tests hold them to 1e-6).
"""

from __future__ import annotations

import copy
import hashlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._validate import first_nonfinite
from ..errors import SteepestError
from .params import ParamSpec, _is_torch_module, model_params, vector_hash

Prepared = Callable[[np.ndarray], dict[str, np.ndarray]]


class Target(ABC):
    """Points of parameter space → metric values. Subclasses set ``theta`` (float64, flat),
    ``spec`` and ``metrics`` (names of the values returned, "loss" first)."""

    theta: np.ndarray
    spec: ParamSpec
    metrics: tuple[str, ...] = ("loss",)

    @abstractmethod
    def prepare(self, basis: np.ndarray) -> Prepared:
        """Precompute what depends only on the basis (m, n); return ``evaluate(C) -> {metric:
        (p,)}`` for coefficient rows C (p, m)."""

    def fingerprint(self) -> str:
        """Identifies the model, data and loss (for checkpoints)."""
        return vector_hash(self.theta)

    def evaluate(self, thetas: np.ndarray) -> dict[str, np.ndarray]:
        """Metric values at parameter vectors (T, n) (e.g. a training trajectory)."""
        thetas = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
        self.spec.check(thetas, "thetas")
        return self.prepare(thetas)(np.eye(len(thetas)))


class FunctionTarget(Target):
    """Any ``f(theta) -> float`` (the loss) around θ. ``shapes`` (a list of parameter shapes,
    packed in order) lets filter normalization see layers; without it θ is one flat vector."""

    def __init__(self, f: Callable[[np.ndarray], float], theta: Any, *,
                 shapes: Sequence[tuple[int, ...]] | None = None,
                 names: Sequence[str] | None = None) -> None:
        if not callable(f):
            raise TypeError(f"f must be callable, got {type(f).__name__}")
        self.f = f
        self.theta = np.asarray(theta, dtype=np.float64).reshape(-1)
        if self.theta.size == 0:
            raise ValueError("theta is empty")
        if shapes is None:
            self.spec = ParamSpec.flat(self.theta.size)
        else:
            shapes = tuple(tuple(int(d) for d in s) for s in shapes)
            self.spec = ParamSpec(tuple(names or (f"p{i}" for i in range(len(shapes)))), shapes)
            self.spec.check(self.theta, "theta")

    def prepare(self, basis: np.ndarray) -> Prepared:
        def evaluate(C: np.ndarray) -> dict[str, np.ndarray]:
            return {"loss": np.array([_scalar(self.f(c @ basis)) for c in C])}
        return evaluate


def _scalar(out: Any) -> float:
    """A float from what a loss function returns (a number, a 0-d array, a steepest Tensor)."""
    value = np.asarray(getattr(out, "data", out), dtype=np.float64)
    if value.size != 1:
        raise ValueError(f"the function must return one number, got shape {value.shape}")
    return float(value.reshape(()))


# ---- data and losses shared by the model targets ---------------------------------------------

def _check_data(X: Any, y: Any, matrix: bool = True) -> tuple[np.ndarray, np.ndarray]:
    if X is None or y is None:
        raise ValueError("a model's landscape needs data: pass X and y")
    X, y = _numpy(X), _numpy(y)
    if matrix and X.ndim != 2 or X.ndim == 0:
        raise ValueError(f"X must have shape (n_samples, n_features), got {X.shape}")
    if len(X) == 0:
        raise ValueError("the data set is empty (X has 0 samples): a loss needs at least one")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    for name, a in (("X", X), ("y", y)):
        where = first_nonfinite(a) if a.dtype.kind == "f" else None
        if where is not None:  # one NaN makes the loss NaN at every point of the grid
            raise SteepestError(f"{name} contains {where}; impute or drop them first")
    return X, y


def _numpy(a: Any) -> np.ndarray:
    """An ndarray from an array, a steepest Tensor or a PyTorch tensor."""
    if type(a).__module__.startswith("torch"):
        return a.detach().cpu().numpy()
    return np.asarray(getattr(a, "data", a))


_LOSS_ALIASES = {
    "mse": "mse", "bce": "bce", "binary_cross_entropy": "bce",
    "bce_with_logits": "bce_logits", "bce_logits": "bce_logits",
    "binary_cross_entropy_with_logits": "bce_logits", "cross_entropy": "cross_entropy",
    # PyTorch loss modules, by class name
    "MSELoss": "mse", "BCELoss": "bce", "BCEWithLogitsLoss": "bce_logits",
    "CrossEntropyLoss": "cross_entropy",
}


def loss_name(loss: Any) -> str | None:
    """The NumPy loss matching ``loss`` (a name, a steepest loss function or a PyTorch loss
    module with default options), or None when there is none."""
    if isinstance(loss, str):
        return _LOSS_ALIASES.get(loss)
    cls = type(loss).__name__
    if _is_torch_module(loss):
        plain = (getattr(loss, "reduction", "mean") == "mean"
                 and getattr(loss, "weight", None) is None
                 and getattr(loss, "pos_weight", None) is None
                 and getattr(loss, "label_smoothing", 0.0) == 0.0
                 and getattr(loss, "ignore_index", -100) == -100)
        return _LOSS_ALIASES.get(cls) if plain else None
    if getattr(loss, "__module__", "") == "steepest.nn.losses":
        return _LOSS_ALIASES.get(getattr(loss, "__name__", ""))
    return None


def _softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + eᶻ) without overflow: max(z, 0) + log1p(e^{−|z|})."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


class _NumpyLoss:
    """Batched losses on outputs Z (p, nout, N) against fixed targets; one value per point.
    ``work`` is a scratch array (p, N) the loss may overwrite (no temporaries per block)."""

    def __init__(self, name: str, y: np.ndarray, nout: int, dtype: np.dtype,
                 output_activation: str | None) -> None:
        n = len(y)
        self.name, self.n, self.nout = name, n, nout
        if name == "cross_entropy":
            labels = np.asarray(y).reshape(-1)
            if labels.size != n or np.any(labels != np.round(labels)) or labels.min() < 0 \
                    or labels.max() >= nout:
                raise ValueError(f"cross_entropy needs integer labels 0 … {nout - 1}, one per "
                                 f"sample; got y of shape {np.shape(y)}")
            self.labels = labels.astype(np.intp)
        else:
            yy = np.asarray(y, dtype=dtype).reshape(n, -1)
            if yy.shape[1] != nout:
                raise ValueError(f"y has {yy.shape[1]} columns but the model has {nout} outputs")
            self.Y = np.ascontiguousarray(yy.T)  # (nout, N)
            if name in ("bce", "bce_logits") and np.any((self.Y < 0) | (self.Y > 1)):
                raise ValueError(f"{name} needs targets in [0, 1]")
            # the mean's 1/N rides in the weights of the matrix-vector products
            self.w_mean = np.full(n, 1 / n, dtype)
            self.w_abs = np.full(n, 0.5 / n, dtype)
            self.w_lin = ((0.5 - self.Y[0]) / n).astype(dtype)
        self.threshold = 0.5 if output_activation == "sigmoid" else 0.0
        self._loss = getattr(self, f"_{name}")

    def __call__(self, Z: np.ndarray, work: np.ndarray) -> np.ndarray:
        return self._loss(Z, work)  # type: ignore[no-any-return]

    def _mse(self, Z: np.ndarray, work: np.ndarray) -> np.ndarray:
        d = Z - self.Y
        return np.einsum("pkn,pkn->p", d, d) / d[0].size

    def _bce_logits(self, Z: np.ndarray, work: np.ndarray) -> np.ndarray:
        # mean of softplus(z) − y·z = ½|z| + (½ − y)·z + log1p(e^{−|z|}): three
        # matrix-vector products and two transcendental passes, in place in `work`
        # (log 2 + log cosh(z/2) needs one pass less but measured ~10% slower end to end)
        z = Z[:, 0, :]
        a = np.abs(z, out=work)
        total = a @ self.w_abs + z @ self.w_lin
        np.negative(a, out=a)
        np.exp(a, out=a)
        np.log1p(a, out=a)
        total += a @ self.w_mean
        return total

    def _bce(self, Z: np.ndarray, work: np.ndarray) -> np.ndarray:
        z = Z[:, 0, :]
        with np.errstate(divide="ignore"):
            lp = np.maximum(np.log(z), -100.0)
            lq = np.maximum(np.log1p(-z), -100.0)
        return -(lp @ self.Y[0] + lq @ (1 - self.Y[0])) / self.n

    def _cross_entropy(self, Z: np.ndarray, work: np.ndarray) -> np.ndarray:
        # logsumexp over classes − score of the true class
        m = Z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(Z - m).sum(axis=1)) + m[:, 0, :]
        picked = Z[:, self.labels, np.arange(self.n)]
        return (lse - picked).mean(axis=1)

    def accuracy(self, Z: np.ndarray) -> np.ndarray:
        if self.nout > 1:
            truth = self.labels if self.name == "cross_entropy" else self.Y.argmax(axis=0)
            return (Z.argmax(axis=1) == truth).mean(axis=1)
        y = self.Y[0]
        truth = y > (0.5 if y.min() >= 0 else 0.0)
        return ((Z[:, 0, :] > self.threshold) == truth).mean(axis=1)


# ---- the fast NumPy dense network -------------------------------------------------------------

def _activation(name: str | None, slope: float) -> Callable[[np.ndarray], None] | None:
    """The activation as an in-place function of a pre-activation array (None: identity)."""
    if name in (None, "identity", "linear"):
        return None
    if name == "tanh":
        return lambda z: np.tanh(z, out=z)
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
    z[...] = _softplus(z)


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
        name = loss_name(loss)
        if name is None:
            raise ValueError(f"MLPTarget: unsupported loss {loss!r}; use 'mse', 'bce', "
                             "'bce_logits' or 'cross_entropy' (or a general target)")
        self.loss_name, self.slope = name, float(negative_slope)
        self.X = np.ascontiguousarray(X, dtype=self.dtype)
        self.loss = _NumpyLoss(name, y, width, self.dtype, self.layers[-1][2])
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
        parts = [p.astype(self.dtype) for p in self.spec.split(basis)]  # each (m, *shape)
        m, n_samples = len(basis), len(self.X)
        w0, b0, act0, skip0 = self.layers[0]
        # Activations are kept as (p, 1 + width, N): samples last (contiguous), after a row of
        # ones so that each later layer's bias rides in its matmul, [b | W] @ [1; h].
        # First layer, once per basis: M_m = W_m Xᵀ + b_m, flattened to (m, h0·N); a block's
        # pre-activations are then one GEMM, C (p, m) @ M → (p, h0·N).
        h0 = self.spec.shapes[w0][0]
        first = parts[w0] @ self.X.T
        if b0 is not None:
            first += parts[b0][:, :, None]
        first = first.reshape(m, h0 * n_samples)
        act0_fn = _activation(act0, self.slope)
        # each later layer's [b | W] for a point is C @ bWs[:, its columns], for a whole chunk
        # of points in one product
        later, bWs, col = [], [], 0
        for w, b, act, skip in self.layers[1:]:
            W = parts[w]                                        # (m, out, in)
            B = parts[b] if b is not None else np.zeros(W.shape[:2], self.dtype)
            bW = np.concatenate([B[:, :, None], W], axis=2)     # (m, out, 1 + in)
            later.append((slice(col, col + bW[0].size), bW.shape[1:],
                          _activation(act, self.slope), skip))
            bWs.append(bW.reshape(m, -1))
            col += bW[0].size
        bW_all = np.concatenate(bWs, axis=1) if bWs else np.zeros((m, 0), self.dtype)
        widths = [h0] + [shape[0] for _, shape, _, _ in later]
        nout = widths[-1]
        # points per batched forward: the two activation buffers of a block stay in cache for
        # small nets; big nets take at least 8 points so the first layer's (m, h·N) products
        # are read once per 8, within a 64 MiB cap on the block's activations
        per_point = n_samples * (max(widths) + 1) * self.dtype.itemsize * 2
        block = max(1, min(max(8, self.block_bytes // per_point), (64 << 20) // per_point))
        # the later layers' weights and the loss are taken per group of blocks (fewer, longer
        # passes), with the group's weights and outputs within 8 MiB
        group_point = (bW_all.shape[1] + nout * n_samples) * self.dtype.itemsize
        group = block * max(1, (8 << 20) // (block * group_point))
        XT = np.ascontiguousarray(self.X.T)
        loss = self.loss
        local = threading.local()  # buffers and their views, per thread

        def views(p: int) -> tuple[Any, ...]:
            """Views for a block of p points into two buffers (block, 1 + max width, N),
            allocated once per thread, that the hidden layers use in turn (layer l reads
            buffer l % 2 and writes rows 1… of the other; row 0 stays 1): the first layer's
            rows as one (p, h0·N) matrix (a strided view, so its GEMM writes in place), its
            activations, and each later layer's input."""
            cache = getattr(local, "views", None)
            if cache is None:
                bufs = [np.empty((block, max(widths) + 1, n_samples), self.dtype)
                        for _ in range(min(2, len(widths)))]
                for buf in bufs:
                    buf[:, 0] = 1
                rows = np.lib.stride_tricks.as_strided(
                    bufs[0][:, 1:], (block, h0 * n_samples), (bufs[0].strides[0], bufs[0].itemsize))
                local.bufs = (bufs, rows)
                cache = local.views = {}
            v = cache.get(p)
            if v is None:
                bufs, rows = local.bufs
                inputs = [bufs[i % 2][:p, :1 + k] for i, k in enumerate(widths[:-1])]
                outputs = [bufs[(i + 1) % 2][:p, 1:1 + k] for i, k in enumerate(widths[1:-1])]
                v = cache[p] = (rows[:p], bufs[0][:p, 1:1 + h0], inputs, outputs)
            return v

        def outputs(p: int) -> tuple[np.ndarray, np.ndarray]:
            """The network's outputs (p, n_out, N) for a group of points and the loss's
            scratch (p, N), grown as needed and kept per thread."""
            have = getattr(local, "out", None)
            if have is None or len(have[0]) < p:
                have = local.out = (np.empty((p, nout, n_samples), self.dtype),
                                    np.empty((p, n_samples), self.dtype))
            return have[0][:p], have[1][:p]

        def forward(C: np.ndarray, Ws: list[np.ndarray], Z: np.ndarray) -> None:
            """The outputs Z (p, n_out, N) of the points C (p, m); Ws: their later layers'
            [b | W], (p, out, 1 + in) each."""
            p = len(C)
            rows, pre, inputs, hidden = views(p)
            np.matmul(C, first, out=rows)
            if act0_fn is not None:
                act0_fn(pre)
            if skip0:
                pre += XT
            if not later:
                Z[...] = pre
                return
            for (_, _, act_fn, skip), bW, H, out in zip(later, Ws, inputs, [*hidden, Z],
                                                        strict=True):
                np.matmul(bW, H, out=out)
                if act_fn is not None:
                    act_fn(out)
                if skip:
                    out += H[:, 1:]

        metrics = self.metrics

        def evaluate(C: np.ndarray) -> dict[str, np.ndarray]:
            C = np.atleast_2d(np.asarray(C)).astype(self.dtype)
            if C.shape[1] != m:
                raise ValueError(f"coefficients have {C.shape[1]} columns for a basis of {m}")
            out = {k: np.empty(len(C)) for k in metrics}
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for g in range(0, len(C), group):
                    Cg = C[g:g + group]
                    CW = Cg @ bW_all
                    Ws = [CW[:, cols].reshape(len(Cg), *shape) for cols, shape, _, _ in later]
                    Z, work = outputs(len(Cg))
                    for s in range(0, len(Cg), block):
                        forward(Cg[s:s + block], [W[s:s + block] for W in Ws], Z[s:s + block])
                    out["loss"][g:g + len(Cg)] = loss(Z, work)
                    if "accuracy" in out:
                        out["accuracy"][g:g + len(Cg)] = loss.accuracy(Z)
            return out

        return evaluate

    def tensor_loss(self, theta: Any) -> Any:
        """The loss at θ written with steepest ops (a scalar Tensor), so that gradients and exact
        Hessian-vector products (:func:`steepest.hvp`, :mod:`steepest.curvature`) flow through
        it; the same network and loss as the batched NumPy path, in float64."""
        from .. import autodiff as ad
        from ..nn import get_activation, get_loss

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
        loss = {"mse": "mse", "bce": "bce", "bce_logits": "bce_with_logits",
                "cross_entropy": "cross_entropy"}[self.loss_name]
        target = self._y if self.loss_name == "cross_entropy" else \
            np.asarray(self._y, dtype=np.float64).reshape(h.shape)
        return get_loss(loss)(h, target)

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
                act = _ACT_MODULES[cls_name]
                if act == "leaky_relu":
                    if slope and slope[0] != float(mod.negative_slope):
                        raise NotSupported("LeakyReLUs with different slopes")
                    slope[:] = [float(mod.negative_slope)]
                if act == "gelu" and getattr(mod, "approximate", "none") != "none":
                    raise NotSupported("tanh-approximate GELU")
                if cls_name == "Softplus" and (getattr(mod, "beta", 1) != 1):
                    raise NotSupported("Softplus with beta ≠ 1")
                layers[-1][2], layers[-1][4] = act, False
            elif cls_name == "Dropout" or (cls_name == "Flatten" and not layers):
                continue  # identity in evaluation mode; X is already (N, features)
            else:
                raise NotSupported(f"{name}: {cls_name} is not a Linear layer or an activation")
        if not layers:
            raise NotSupported("no Linear layers")
        if len(spec.names) != sum(1 + (b is not None) for _, b, *_ in layers):
            raise NotSupported("the model has parameters outside its Linear layers")
        name = loss_name(loss)
        if name is None:
            raise NotSupported(f"loss {loss!r} has no NumPy counterpart")
        return cls(theta, spec, [tuple(lay[:4]) for lay in layers], X, y, loss=name,
                   negative_slope=slope[0] if slope else 0.01, **kwargs)


_ACT_MODULES = {"Identity": "identity", "Tanh": "tanh", "ReLU": "relu", "LeakyReLU": "leaky_relu",
                "Sigmoid": "sigmoid", "Softplus": "softplus", "GELU": "gelu"}


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


# ---- general steepest modules and PyTorch modules ---------------------------------------------

class ModuleTarget(Target):
    """Any steepest module, in evaluation mode: θ is written into a copy of the model and
    ``loss(model(X), y)`` evaluated, one point at a time (general but slow; dense nets use
    :class:`MLPTarget`)."""

    def __init__(self, model: Any, X: Any, y: Any, *, loss: Any = "mse",
                 accuracy: bool = False) -> None:
        from .. import nn

        self.X, self.y = _check_data(X, y)
        self.model = copy.deepcopy(model)
        if hasattr(self.model, "eval"):
            self.model.eval()  # dropout off: the landscape is a deterministic function of θ
        self.theta, self.spec = model_params(model)
        self.loss_fn = nn.get_loss(loss)
        self.threshold = _threshold(loss)
        self.metrics = ("loss", "accuracy") if accuracy else ("loss",)

    def prepare(self, basis: np.ndarray) -> Prepared:
        from .. import autodiff, nn

        basis = np.atleast_2d(np.asarray(basis, dtype=np.float64))
        self.spec.check(basis, "basis")

        def evaluate(C: np.ndarray) -> dict[str, np.ndarray]:
            model = copy.deepcopy(self.model)  # threads (dask) never share one model's weights
            out = {k: np.empty(len(C)) for k in self.metrics}
            with autodiff.no_grad(), np.errstate(over="ignore", invalid="ignore"):
                for i, c in enumerate(np.atleast_2d(C)):
                    nn.vector_to_parameters(c @ basis, model)
                    pred = model(self.X)
                    out["loss"][i] = float(self.loss_fn(pred, self.y).item())
                    if "accuracy" in out:
                        out["accuracy"][i] = _accuracy(np.asarray(pred.data), self.y, self.threshold)
            return out

        return evaluate


def _accuracy(pred: np.ndarray, y: np.ndarray, threshold: float) -> float:
    """Share of correct predictions: argmax for several outputs, else score > ``threshold`` (0
    for logits/scores, 0.5 for probabilities) against labels {0, 1} or {−1, 1}."""
    pred = pred.reshape(len(pred), -1)
    if pred.shape[1] > 1:
        return float(np.mean(pred.argmax(axis=1) == np.asarray(y).reshape(-1)))
    y = np.asarray(y, dtype=float).reshape(-1)
    truth = y > (0.5 if y.min() >= 0 else 0.0)
    return float(np.mean((pred[:, 0] > threshold) == truth))


def _threshold(loss: Any) -> float:
    """Probabilities (binary cross-entropy on p) are cut at 0.5, scores and logits at 0."""
    return 0.5 if loss_name(loss) == "bce" else 0.0


def require_torch() -> Any:
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - exercised only without torch
        raise ImportError("PyTorch models need torch: pip install 'steepest[torch]'") from exc
    return torch


class TorchTarget(Target):
    """Any PyTorch module, in evaluation mode: parameters for a block of points are stacked on a
    leading axis and ``torch.func.functional_call`` is vmapped over them (buffers are shared). ``loss_fn`` is a
    PyTorch loss (module or function) applied as ``loss_fn(module(X), y)``; it must work under
    ``torch.func.vmap`` (the built-in losses do). Computes in the module's dtype."""

    def __init__(self, module: Any, X: Any, y: Any, loss_fn: Any, *, accuracy: bool = False,
                 points_per_call: int | None = None) -> None:
        torch = require_torch()
        if not _is_torch_module(module):
            raise TypeError(f"TorchTarget needs a torch.nn.Module, got {type(module).__name__}")
        Xn, yn = _check_data(X, y, matrix=False)  # images (N, C, H, W) are fine here
        # evaluation mode (dropout off, batch norm on its running statistics), on a copy
        self.module, self.loss_fn = copy.deepcopy(module).eval(), loss_fn
        self.theta, self.spec = model_params(module)
        p = next(iter(module.parameters()))
        self.torch_dtype, self.device = p.dtype, p.device
        self.X = torch.as_tensor(Xn, dtype=self.torch_dtype, device=self.device)
        ydtype = torch.long if isinstance(loss_fn, torch.nn.CrossEntropyLoss) else self.torch_dtype
        self.y = torch.as_tensor(yn, device=self.device).to(ydtype)
        self.metrics = ("loss", "accuracy") if accuracy else ("loss",)
        self.threshold = _threshold(loss_fn)
        width = max(s[0] for s in self.spec.shapes if s)
        per_sample = max(width, int(np.prod(Xn.shape[1:])))
        self.points_per_call = points_per_call or max(1, (1 << 23) // (len(Xn) * per_sample))

    def prepare(self, basis: np.ndarray) -> Prepared:
        torch = require_torch()
        from torch.func import functional_call, vmap

        basis = np.atleast_2d(np.asarray(basis, dtype=np.float64))
        self.spec.check(basis, "basis")
        parts = {n: torch.as_tensor(a, dtype=self.torch_dtype, device=self.device)
                 for n, a in zip(self.spec.names, self.spec.split(basis), strict=True)}
        buffers = dict(self.module.named_buffers())

        def one(params: dict[str, Any]) -> Any:
            out = functional_call(self.module, (params, buffers), (self.X,))
            loss = self.loss_fn(out, self.y.reshape(out.shape) if out.shape[-1:] == (1,)
                                and self.y.ndim == 1 else self.y)
            return loss, out

        batched = vmap(one)

        def evaluate(C: np.ndarray) -> dict[str, np.ndarray]:
            Ct = torch.as_tensor(np.atleast_2d(C), dtype=self.torch_dtype, device=self.device)
            out = {k: np.empty(len(Ct)) for k in self.metrics}
            with torch.no_grad():
                for s in range(0, len(Ct), self.points_per_call):
                    c = Ct[s:s + self.points_per_call]
                    params = {n: torch.tensordot(c, b, dims=1) for n, b in parts.items()}
                    loss, pred = batched(params)
                    out["loss"][s:s + len(c)] = loss.double().cpu().numpy()
                    if "accuracy" in out:
                        yn = self.y.cpu().numpy()
                        out["accuracy"][s:s + len(c)] = [
                            _accuracy(pr, yn, self.threshold)
                            for pr in pred.double().cpu().numpy()]
            return out

        return evaluate


# ---- one front door ---------------------------------------------------------------------------

def as_target(model: Any, X: Any = None, y: Any = None, *, loss: Any = None, theta: Any = None,
              shapes: Sequence[tuple[int, ...]] | None = None, accuracy: bool = False,
              fast: bool = True) -> Target:
    """A :class:`Target` for ``model``: a Target (returned as is); a PyTorch module (fast NumPy
    path for plain ``nn.Sequential`` dense nets with a standard loss, else vmapped
    ``functional_call``); a steepest module (fast path for ``MLP``/``Sequential``, else one forward
    per point); or a function ``f(theta) -> float`` with ``theta`` given. ``fast=False`` forces
    the general path (to cross-check the fast one)."""
    if isinstance(model, Target):
        return model
    if _is_torch_module(model):
        if loss is None:
            raise ValueError("loss is required for a PyTorch model, e.g. torch.nn.MSELoss()")
        if fast:
            try:
                return MLPTarget.from_model(model, X, y, loss=loss, accuracy=accuracy)
            except NotSupported:
                pass
        return TorchTarget(model, X, y, loss, accuracy=accuracy)
    if hasattr(model, "parameters") and callable(model):
        loss = "mse" if loss is None else loss
        if fast:
            try:
                return MLPTarget.from_model(model, X, y, loss=loss, accuracy=accuracy)
            except NotSupported:
                pass
        return ModuleTarget(model, X, y, loss=loss, accuracy=accuracy)
    if callable(model):
        if theta is None:
            raise ValueError("a function target needs theta, the centre point: "
                             "surface_2d(f, theta=theta0)")
        if X is not None or y is not None:
            raise ValueError("X and y are for models; a function f(theta) carries its own data")
        return FunctionTarget(model, theta, shapes=shapes)
    raise TypeError(f"cannot compute the landscape of a {type(model).__name__}: pass a steepest "
                    "or PyTorch module with X, y, or a function f(theta) with theta=")
