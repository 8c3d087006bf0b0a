"""Directions spanning a slice of parameter space: random (filter-normalized), PCA of a training
trajectory, and top Hessian eigenvectors.

A landscape plots L(θ* + αδ + βη). Which δ, η matter: with raw Gaussian directions the picture
depends on the weights' scale (a ReLU net with its weights doubled and the next layer's halved is
the same function with a sharper-looking minimum). Li et al. (2018) fix that with *filter
normalization*: each filter (row of a weight matrix, output channel of a convolution) of the
direction is rescaled to the norm of the matching filter of θ*,

    d_ij ← d_ij / ‖d_ij‖ · ‖θ_ij‖,

and 1-D parameters (biases, normalization scales) are left out (zero) by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .params import ParamSpec, model_params

NORMALIZATIONS = ("filter", "layer", None)


@dataclass
class Directions:
    """k direction vectors (k, n) with what produced them.

    ``kind`` is "random", "pca", "hessian", "interpolation" or "custom"; ``labels`` name the axes;
    ``explained_variance_ratio`` (PCA) and ``eigenvalues`` (Hessian) describe each axis;
    ``trajectory`` (PCA) is the training path projected onto the axes."""

    vectors: np.ndarray
    spec: ParamSpec
    kind: str = "custom"
    labels: tuple[str, ...] = ()
    seed: int | None = None
    normalization: str | None = None
    include_1d: bool = False
    explained_variance_ratio: np.ndarray | None = None
    eigenvalues: np.ndarray | None = None
    trajectory: Trajectory | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.vectors = np.atleast_2d(np.asarray(self.vectors, dtype=np.float64))
        if self.vectors.shape[1] != self.spec.size:
            raise ValueError(f"directions have {self.vectors.shape[1]} entries; the model has "
                             f"{self.spec.size} parameters")
        if not self.labels:
            self.labels = ("α", "β", "γ")[: len(self.vectors)] if len(self.vectors) <= 3 else \
                tuple(f"d{i}" for i in range(len(self.vectors)))

    def __len__(self) -> int:
        return len(self.vectors)

    def __getitem__(self, i: int) -> np.ndarray:
        return self.vectors[i]

    @property
    def cosine(self) -> float | None:
        """cos∠(δ, η) of the first two directions (0 when they are orthogonal)."""
        if len(self.vectors) < 2:
            return None
        a, b = self.vectors[0], self.vectors[1]
        den = np.linalg.norm(a) * np.linalg.norm(b)
        return float(a @ b / den) if den > 0 else 0.0


@dataclass
class Trajectory:
    """A parameter path projected onto a plane through θ*: θ_t − θ* ≈ Σ_k c_tk d_k.

    ``coords`` (T, k) are the least-squares coordinates; ``residual`` (T,) is ‖θ_t − θ* − Σ c d‖,
    the distance from the real point to the plane, and ``relative_residual`` divides it by
    ‖θ_t − θ*‖. A large relative residual is why a projected path can cross contour lines the
    real run never crossed: the loss printed under the path is the loss *on the plane*, not at θ_t.
    ``loss`` (filled by a surface computed with ``trajectory=``) holds the real loss L(θ_t) and
    ``loss_on_plane`` the loss at the projected point."""

    coords: np.ndarray
    residual: np.ndarray
    relative_residual: np.ndarray
    loss: np.ndarray | None = None
    loss_on_plane: np.ndarray | None = None

    def summary(self) -> str:
        """One line: how far the path lies off the plane (worst and median relative residual),
        and how far the real loss is from the loss on the plane."""
        rr = self.relative_residual[np.isfinite(self.relative_residual)]
        text = (f"path of {len(self.coords)} points: distance to the plane is "
                f"{np.max(rr, initial=0):.1%} of the distance to the centre at worst "
                f"(median {np.median(rr) if rr.size else 0:.1%})")
        if self.loss is not None and self.loss_on_plane is not None:
            gap = np.abs(self.loss - self.loss_on_plane)
            text += f"; real loss vs loss on the plane differ by up to {np.max(gap):.4g}"
        return text


def project(snapshots: Any, centre: np.ndarray, directions: Directions | np.ndarray) -> Trajectory:
    """Project parameter vectors (T, n) onto the plane θ* + span(directions) (least squares, so
    non-orthogonal directions are handled) and measure how far each point is from it."""
    D = directions.vectors if isinstance(directions, Directions) else np.atleast_2d(directions)
    S = _as_snapshots(snapshots, D.shape[1])
    delta = S - np.asarray(centre, dtype=np.float64)
    coords = np.linalg.lstsq(D.T, delta.T, rcond=None)[0].T
    residual = np.linalg.norm(delta - coords @ D, axis=1)
    dist = np.linalg.norm(delta, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(dist > 0, residual / np.where(dist > 0, dist, 1.0), 0.0)
    return Trajectory(coords, residual, rel)


def random_directions(model: Any, k: int = 2, *, seed: int | None = 0,
                      normalization: str | None = "filter", include_1d: bool | None = None,
                      orthogonal: bool = True) -> Directions:
    """k seeded Gaussian directions, normalized like the parameters of ``model``.

    ``normalization``: "filter" rescales each row (axis-0 slice) of each ≥2-D parameter to the
    norm of the matching row of θ; "layer" rescales each parameter array to ‖θ_layer‖; None keeps
    the raw Gaussian. ``include_1d`` (default False, or True when every parameter is 1-D, as for
    an unstructured vector) keeps biases/norm scales in the direction, each 1-D array treated as
    one filter; otherwise they are zero. ``orthogonal`` makes each direction orthogonal to the
    previous ones inside every normalization group before rescaling, so normalized norms stay
    exact and the directions are orthogonal overall (exactly, unless a group is smaller than k —
    e.g. a weight with one input — where the group keeps its random draw; see ``.cosine``).

    ``model`` is anything :func:`~steepest.landscape.params.model_params` reads: a steepest or
    PyTorch module, a list of arrays, or a target."""
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be 'filter', 'layer' or None, got {normalization!r}")
    if k < 1:
        raise ValueError(f"k must be ≥ 1, got {k}")
    theta, spec = model_params(model)
    if include_1d is None:
        include_1d = all(len(s) <= 1 for s in spec.shapes)
    rng = np.random.default_rng(seed)
    raw = rng.standard_normal((k, spec.size))
    out = np.zeros_like(raw)
    for name, w, blocks in zip(spec.names, spec.split(theta), zip(*[spec.split(r) for r in raw]),
                               strict=True):
        if w.ndim <= 1 and not include_1d:
            continue
        groups = _groups(w, normalization)           # (g, m) view shape for this parameter
        target = np.linalg.norm(w.reshape(groups), axis=1, keepdims=True)
        done: list[np.ndarray] = []
        for i, b in enumerate(blocks):
            d = b.reshape(groups).copy()
            if orthogonal:
                for p in done:
                    pp = np.einsum("gm,gm->g", p, p)[:, None]
                    coef = np.divide(np.einsum("gm,gm->g", d, p)[:, None], pp,
                                     out=np.zeros_like(pp), where=pp > 0)
                    d -= coef * p
                # groups too small to hold k orthogonal vectors: keep the random draw
                scale = np.linalg.norm(b.reshape(groups), axis=1)
                lost = np.linalg.norm(d, axis=1) <= 1e-12 * scale
                d[lost] = b.reshape(groups)[lost]
            if normalization is not None:
                n = np.linalg.norm(d, axis=1, keepdims=True)
                d = np.divide(d * target, n, out=np.zeros_like(d), where=n > 0)
            done.append(d)
            off = spec.offsets[spec.names.index(name)]
            out[i, off:off + w.size] = d.reshape(-1)
    if not np.any(out):
        raise ValueError("every direction is zero: all parameters are 1-D (biases) and "
                         "include_1d=False, or θ is zero with a normalization")
    return Directions(out, spec, kind="random", seed=seed, normalization=normalization,
                      include_1d=bool(include_1d))


def _groups(w: np.ndarray, normalization: str | None) -> tuple[int, int]:
    """How a parameter splits into normalization groups: its rows (filters) under "filter",
    else (or for a 1-D array) the whole array."""
    if normalization == "filter" and w.ndim >= 2:
        return (w.shape[0], w.size // max(w.shape[0], 1))
    return (1, w.size)


def pca_directions(snapshots: Any, centre: np.ndarray | None = None, k: int = 2, *,
                   spec: ParamSpec | None = None, center_data: bool = False) -> Directions:
    """The top-k principal directions of a training trajectory, as plane axes through θ*.

    With M the (T, n) matrix of θ_t − θ* (θ* = ``centre``, default the last snapshot),
    M = U S Vᵀ and the axes are the first k rows of Vᵀ (unit vectors). ``center_data=False``
    (default) keeps the SVD uncentred, so the plane through θ* is the least-squares best for the
    path itself; Li et al. centre the rows (sklearn's PCA), which fits a plane through the path's
    mean instead. ``explained_variance_ratio`` is S_k²/ΣS², and ``.trajectory`` gives the projected
    path with its residual (how far the real path is from the plotted plane)."""
    first = np.asarray(snapshots[0]) if len(snapshots) else None
    if first is None:
        raise ValueError("snapshots is empty: record parameters during training "
                         "(e.g. fit(..., snapshot_every=1))")
    S = _as_snapshots(snapshots, first.size)
    if len(S) < 2:
        raise ValueError(f"need at least 2 snapshots for PCA directions, got {len(S)}")
    theta = S[-1] if centre is None else np.asarray(centre, dtype=np.float64).reshape(-1)
    if theta.size != S.shape[1]:
        raise ValueError(f"centre has {theta.size} entries, snapshots have {S.shape[1]}")
    M = S - theta
    if center_data:
        M = M - M.mean(axis=0)
    if not np.any(M):
        raise ValueError("all snapshots equal the centre: the trajectory did not move")
    _, s, vt = np.linalg.svd(M, full_matrices=False)
    k = min(k, len(s))
    vt = vt[:k].copy()
    ratio = s[:k] ** 2 / np.sum(s ** 2)
    start = S[0] - theta
    for i in range(k):  # sign: the path starts at negative coordinates and heads to the origin
        if start @ vt[i] > 0:
            vt[i] = -vt[i]
    spec = spec or ParamSpec.flat(S.shape[1])
    labels = tuple(f"PC{i + 1} ({r:.1%})" for i, r in enumerate(ratio))
    d = Directions(vt, spec, kind="pca", labels=labels, explained_variance_ratio=ratio,
                   meta={"center_data": center_data})
    d.trajectory = project(S, theta, d)
    return d


def hessian_directions(fun: Any, theta: np.ndarray | None = None, k: int = 2, *,
                       spec: ParamSpec | None = None, which: str = "LA") -> Directions:
    """The top-k Hessian eigenvectors at θ as axes (unit vectors), with their eigenvalues: the
    plane of sharpest curvature. ``fun`` is a target with a differentiable ``tensor_loss``
    (an :class:`~steepest.landscape.MLPTarget`; θ defaults to its centre) or a function mapping a
    steepest Tensor θ (n,) to a scalar Tensor. Eigenpairs come from
    :func:`steepest.curvature.hessian_eigs` (exact Hessian-vector products; Lanczos for large n).
    ``which="LA"``: largest eigenvalues; "SA": smallest (most negative); "LM": largest |λ|."""
    from .. import curvature

    if hasattr(fun, "tensor_loss"):
        spec = spec or fun.spec
        theta = fun.theta if theta is None else theta
        fun = fun.tensor_loss
    if theta is None:
        raise ValueError("theta is required with a plain function")
    theta = np.asarray(theta, dtype=np.float64).reshape(-1)
    vals, vecs = curvature.hessian_eigs(fun, theta, k=k, which=which)
    vals = np.atleast_1d(np.asarray(vals, dtype=np.float64))
    vecs = np.asarray(vecs, dtype=np.float64).reshape(theta.size, -1).T
    labels = tuple(f"v{i + 1} (λ={v:.3g})" for i, v in enumerate(vals))
    return Directions(vecs, spec or ParamSpec.flat(theta.size), kind="hessian", labels=labels,
                      eigenvalues=vals, meta={"which": which})


def _as_snapshots(snapshots: Any, n: int) -> np.ndarray:
    S = np.stack([np.asarray(s, dtype=np.float64).reshape(-1) for s in snapshots]) \
        if not isinstance(snapshots, np.ndarray) else np.asarray(snapshots, dtype=np.float64)
    S = np.atleast_2d(S)
    if S.shape[1] != n:
        raise ValueError(f"snapshots have {S.shape[1]} entries, the model has {n} parameters")
    return S
