"""Hessian spectra from exact Hessian-vector products, and the critical learning rate.

Near a minimum a loss is locally the quadratic ½ eᵀHe (e = x − x*), and one gradient-descent step
multiplies the error component along the eigenvector of eigenvalue λ by (1 − ηλ). So the run is
stable iff |1 − ηλ_max| < 1, i.e. η < 2/λ_max; it oscillates when ηλ_max > 1; and it is slow
when κ = λ_max/λ_min is large, since the smallest eigenvalue shrinks its error by only
1 − ηλ_min per step. The best fixed step on a quadratic is η* = 2/(λ_min + λ_max), giving the
rate (κ − 1)/(κ + 1) per step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ..autodiff.functional import hvp_operator

#: dimension up to which the Hessian is formed densely (one HVP per column) and fully
#: diagonalised; above it Lanczos (scipy's eigsh) runs on HVPs
DENSE_MAX_DIM = 64


def hvp_function(fun: Any, x: Any, jac: Callable[[np.ndarray], np.ndarray] | None = None
                 ) -> Callable[[np.ndarray], np.ndarray]:
    """``v ↦ ∇²L(x)·v``: the problem's closed form if it has one, else exact double
    backpropagation; with only a gradient ``jac``, central differences of it."""
    x = np.asarray(x, dtype=float)
    if jac is not None:
        if jac is True:
            raise ValueError("curvature: with jac=True pass a separate gradient function")
        scale = max(1.0, float(np.linalg.norm(x)))

        def fd(v: np.ndarray) -> np.ndarray:
            nv = float(np.linalg.norm(v))
            if nv == 0:
                return np.zeros_like(x)
            h = 1e-5 * scale / nv
            return (np.asarray(jac(x + h * v)) - np.asarray(jac(x - h * v))) / (2 * h)
        return fd
    if hasattr(fun, "hvp"):
        return lambda v: np.asarray(fun.hvp(x, v), dtype=float)
    if not callable(fun):
        raise TypeError(f"curvature: fun must be a steepest-ops function or a problem, got "
                        f"{type(fun).__name__}")
    return hvp_operator(fun, x)


class HessianEigs(NamedTuple):
    """Eigenvalues (``values``, shape (k,)) and unit eigenvectors (``vectors``, (n, k))."""

    values: np.ndarray
    vectors: np.ndarray


def hessian_eigs(fun: Any, x: Any, k: int = 1, which: str = "LA", *,
                 jac: Callable[[np.ndarray], np.ndarray] | None = None, tol: float = 0.0,
                 seed: int | None = 0) -> HessianEigs:
    """The top-``k`` eigenpairs of ∇²L(x) from Hessian-vector products.

    ``which``: "LA" largest algebraic (sharpest directions, default), "SA" smallest algebraic
    (flattest or negative-curvature directions), "LM" largest magnitude. Eigenvalues are sorted
    from the most extreme in the requested sense. Exact (to rounding) for dim ≤
    ``DENSE_MAX_DIM`` and for quadratics; otherwise Lanczos (``scipy.sparse.linalg.eigsh``) on a
    LinearOperator, accurate to ``tol`` (0 = machine precision).
    """
    if which not in ("LA", "SA", "LM"):
        raise ValueError(f"hessian_eigs: which must be 'LA', 'SA' or 'LM', got {which!r}")
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"hessian_eigs: x must be a vector, got shape {x.shape}")
    n = x.size
    if not 1 <= k <= n:
        raise ValueError(f"hessian_eigs: k must be between 1 and dim={n}, got {k}")
    return operator_eigs(hvp_function(fun, x, jac), n, k, which, tol=tol, seed=seed)


def operator_eigs(Hv: Callable[[np.ndarray], np.ndarray], n: int, k: int = 1,
                  which: str = "LA", *, tol: float = 0.0, seed: int | None = 0) -> HessianEigs:
    """The top-``k`` eigenpairs of the symmetric n × n operator ``Hv`` (v ↦ Hv), as
    :func:`hessian_eigs` (dense for n ≤ ``DENSE_MAX_DIM``, Lanczos beyond)."""
    if n <= DENSE_MAX_DIM or k >= n - 1:
        H = np.column_stack([Hv(e) for e in np.eye(n)])
        H = 0.5 * (H + H.T)
        if not np.all(np.isfinite(H)):
            raise ArithmeticError("curvature: the Hessian is not finite here")
        w, V = np.linalg.eigh(H)
    else:
        from scipy.sparse.linalg import LinearOperator, eigsh
        op = LinearOperator((n, n), matvec=lambda v: Hv(np.ravel(v)), dtype=float)
        v0 = np.random.default_rng(seed).standard_normal(n)
        w, V = eigsh(op, k=k, which=which, tol=tol, v0=v0)
    order = {"LA": np.argsort(-w), "SA": np.argsort(w), "LM": np.argsort(-np.abs(w))}[which]
    order = order[:k]
    vectors = V[:, order]
    # a deterministic sign: the largest component positive
    signs = np.sign(vectors[np.argmax(np.abs(vectors), axis=0), np.arange(len(order))])
    return HessianEigs(w[order], vectors * np.where(signs == 0, 1.0, signs))


class TraceEstimate(NamedTuple):
    """Hutchinson's estimate of tr ∇²L and its standard error."""

    trace: float
    stderr: float


def hutchinson_trace(fun: Any, x: Any, n_samples: int = 100, *, seed: int | None = 0,
                     jac: Callable[[np.ndarray], np.ndarray] | None = None) -> TraceEstimate:
    """tr H ≈ (1/m) Σ vᵢᵀHvᵢ with Rademacher vᵢ (Hutchinson 1989): unbiased, variance
    2(‖H‖_F² − Σ Hᵢᵢ²)/m, one HVP per sample."""
    if n_samples < 2:
        raise ValueError(f"hutchinson_trace: n_samples must be >= 2, got {n_samples}")
    x = np.asarray(x, dtype=float)
    Hv = hvp_function(fun, x, jac)
    rng = np.random.default_rng(seed)
    samples = np.empty(n_samples)
    for i in range(n_samples):
        v = rng.choice([-1.0, 1.0], size=x.size)
        samples[i] = v @ Hv(v)
    return TraceEstimate(float(samples.mean()), float(samples.std(ddof=1) / math.sqrt(n_samples)))


# ---- stability of the optimizers (each rule states its own; see steepest.optim) -------------

def _rule(optimizer: Any) -> Any:
    from ..optim import GD
    return GD() if optimizer is None else optimizer


def stability_constant(optimizer: Any = None) -> float:
    """c such that the optimizer is stable on a quadratic iff η λ_max < c: 2 for GD,
    2 + 2β for heavy-ball momentum, (2 + 2β)/(1 + 2β) for Nesterov (asked of the rule,
    ``optimizer.stability_constant()``). Adaptive rules have no single c on λ_max(H): their
    threshold is on the preconditioned sharpness (see :func:`sharpness`)."""
    opt = _rule(optimizer)
    if opt.adaptive:
        raise ValueError(f"the critical learning rate on λ_max(H) is defined for GD, Momentum "
                         f"and Nesterov; {type(opt).__name__} rescales each coordinate by its "
                         f"gradient history, so its threshold is on the preconditioned "
                         f"sharpness λ_max(P⁻¹H): {opt.limit_formula()}")
    return float(opt.stability_constant())


def contraction(optimizer: Any, lr: float, lam: float, state: Any = None) -> complex:
    """The dominant per-step multiplier of the error along an eigenvector of eigenvalue λ (an
    eigenvalue of the optimizer's linear recursion on ½λe²; its modulus is the rate, a negative
    or complex value means oscillation): ``optimizer.multiplier(lr, lam, state)``."""
    return _rule(optimizer).multiplier(lr, lam, state)


# ---- Lanczos: the one Krylov iteration behind warm-started sharpness and spectral densities ---

class Lanczos(NamedTuple):
    """m steps of Lanczos from a start vector: the tridiagonal T = Qᵀ H Q (``alpha`` its
    diagonal, ``beta`` its off-diagonal, length m − 1), the orthonormal basis ``Q`` (n, m), the
    last residual norm ``beta_last`` = ‖r_m‖ and the number of HVPs (``n_hvp`` = m)."""

    alpha: np.ndarray
    beta: np.ndarray
    Q: np.ndarray
    beta_last: float
    n_hvp: int


def lanczos(Hv: Callable[[np.ndarray], np.ndarray], v0: np.ndarray, m: int, *,
            stop: Callable[[np.ndarray, np.ndarray, float], bool] | None = None) -> Lanczos:
    """Up to ``m`` Lanczos steps on the symmetric operator ``Hv`` from ``v0``, with full
    reorthogonalisation (qⱼ₊₁ ∝ Hqⱼ − Σ_{i≤j} (qᵢᵀHqⱼ) qᵢ, twice: exact in floating point for
    the small m used here). Stops early when the Krylov space is invariant (‖r‖ ≈ 0) or when
    ``stop(alpha, beta, ‖r‖)`` says so after a step."""
    n = v0.size
    m = min(int(m), n)
    Q = np.zeros((n, m))
    alpha, beta = np.zeros(m), np.zeros(m)
    q = v0 / np.linalg.norm(v0)
    j = 0
    for j in range(m):
        Q[:, j] = q
        w = np.asarray(Hv(q), dtype=float)
        alpha[j] = q @ w
        for _ in range(2):
            w = w - Q[:, :j + 1] @ (Q[:, :j + 1].T @ w)
        beta[j] = float(np.linalg.norm(w))
        scale = max(abs(alpha[j]), float(np.max(np.abs(alpha[:j + 1]))), 1e-300)
        if beta[j] <= 1e-12 * scale or (stop is not None and stop(alpha[:j + 1], beta[:j],
                                                                   beta[j])):
            break
        q = w / beta[j]
    k = j + 1
    return Lanczos(alpha[:k], beta[:k - 1], Q[:, :k], float(beta[k - 1]), k)


def ritz(result: Lanczos) -> tuple[np.ndarray, np.ndarray]:
    """The Ritz values θᵢ (ascending) of the Lanczos tridiagonal and its eigenvectors S (columns):
    H(Qsᵢ) ≈ θᵢ(Qsᵢ), with residual ‖H Qsᵢ − θᵢ Qsᵢ‖ = β_last·|S[−1, i]|."""
    T = np.diag(result.alpha) + np.diag(result.beta, 1) + np.diag(result.beta, -1)
    return np.linalg.eigh(T)


class TopEig(NamedTuple):
    """The top eigenpair of a symmetric operator by warm-started Lanczos: ``value``, unit
    ``vector``, its ``residual`` ‖Hu − λu‖ and the number of HVPs it took (``n_hvp``)."""

    value: float
    vector: np.ndarray
    residual: float
    n_hvp: int


#: relative residual ‖Hu − λu‖/|λ| at which warm-started Lanczos stops; the eigenvalue's
#: error is then about residual²/gap (a Rayleigh quotient), far below it
TOP_TOL = 1e-4


def top_eig(Hv: Callable[[np.ndarray], np.ndarray], v0: np.ndarray, *, tol: float = TOP_TOL,
            maxiter: int = 100) -> TopEig:
    """λ_max and its eigenvector of the symmetric operator ``Hv`` by Lanczos from ``v0`` (the
    previous top eigenvector when tracking: then one to a few HVPs suffice), stopped when the
    top Ritz pair's residual is below ``tol``·|λ|. Exact up to rounding for maxiter ≥ n."""
    def converged(alpha: np.ndarray, beta: np.ndarray, beta_last: float) -> bool:
        w, S = ritz(Lanczos(alpha, beta, np.empty((0, 0)), beta_last, alpha.size))
        return beta_last * abs(S[-1, -1]) <= tol * max(abs(w[-1]), 1e-300)

    res = lanczos(Hv, np.asarray(v0, dtype=float), maxiter, stop=converged)
    w, S = ritz(res)
    u = res.Q @ S[:, -1]
    u /= np.linalg.norm(u)
    return TopEig(float(w[-1]), u, float(res.beta_last * abs(S[-1, -1])), res.n_hvp)


class Sharpness(NamedTuple):
    """The extreme eigenvalues of the curvature an optimizer's stability depends on —
    ∇²L(+ L2 decay) for GD and momentum, P^{-1/2}∇²L P^{-1/2} for adaptive rules — the top
    eigenvector, and which it is (``name``: "λ_max(H)" or "λ_max(P⁻¹H)")."""

    lam_max: float
    lam_min: float
    vector: np.ndarray
    name: str


def first_state(optimizer: Any, g: np.ndarray, x: np.ndarray) -> dict[str, Any]:
    """The optimizer's state after one step from ``x`` with gradient ``g`` (the preconditioner an
    adaptive rule starts with: Adam's P = |g| + ε)."""
    opt = _rule(optimizer)
    state = opt.init(x)
    return opt.update(g, state, x, 0.0)[1]


def sharpness(fun: Any, x: Any, optimizer: Any = None, state: Any = None, *,
              jac: Callable[[np.ndarray], np.ndarray] | None = None,
              v0: np.ndarray | None = None, tol: float = TOP_TOL,
              preconditioned: bool = True) -> Sharpness:
    """λ_max and λ_min of the curvature that decides ``optimizer``'s stability at ``x``.

    For GD and momentum: the Hessian (plus L2 weight decay). For Adagrad, RMSprop and Adam the
    preconditioned Hessian P⁻¹H with the diagonal P of ``state`` (default: the state after one
    step from ``x``, see ``first_state``), computed as the symmetric P^{-1/2} H P^{-1/2} from
    Hessian-vector products (Cohen et al. 2022); ``preconditioned=False`` asks for the plain
    Hessian's (plus L2 decay) under any rule.

    With a start vector ``v0`` (the previous top eigenvector, when tracking sharpness during
    training) only λ_max is computed, by :func:`top_eig` — Lanczos from ``v0`` stopped at the
    relative residual ``tol``, usually one to a few HVPs — and ``lam_min`` is NaN.
    """
    opt = _rule(optimizer)
    x = np.asarray(x, dtype=float)
    adaptive = opt.adaptive and preconditioned
    if adaptive and state is None:
        from ..descent.objective import objective
        state = first_state(opt, np.asarray(objective(fun, jac)[0](x)[1], dtype=float), x)
    # with state None every rule's operator is the plain Hessian plus its L2 decay
    Hv = opt.curvature_operator(hvp_function(fun, x, jac), state if adaptive else None)
    name = "λ_max(P⁻¹H)" if adaptive else "λ_max(H)"
    if v0 is not None:
        top_pair = top_eig(Hv, v0, tol=tol)
        return Sharpness(top_pair.value, math.nan, top_pair.vector, name)
    top = operator_eigs(Hv, x.size, 1, "LA")
    low = operator_eigs(Hv, x.size, 1, "SA")
    return Sharpness(float(top.values[0]), float(low.values[0]), top.vectors[:, 0], name)


@dataclass
class CriticalLR:
    """The learning-rate thresholds at a point (see :func:`critical_lr`)."""

    lr_max: float            #: stability limit c/λ_max (2/λ_max for GD)
    lam_max: float
    lam_min: float
    optimizer: str
    quadratic: bool          #: exact globally (a quadratic loss) or a local statement
    best_lr: float | None    #: GD: 2/(λ_min + λ_max) when λ_min > 0
    rate: float | None       #: GD at best_lr: (κ − 1)/(κ + 1) per step
    kappa: float | None      #: λ_max/λ_min when λ_min > 0
    best_momentum: float | None = None  #: heavy ball: β* = ((√κ − 1)/(√κ + 1))²
    sharpness: str = "λ_max(H)"  #: what lam_max is: the Hessian's, or P⁻¹H's (adaptive rules)

    def __float__(self) -> float:
        return self.lr_max

    def __repr__(self) -> str:
        parts = [f"lr_max={self.lr_max:.4g}", f"lam_max={self.lam_max:.4g}",
                 f"lam_min={self.lam_min:.4g}"]
        if self.kappa is not None:
            parts.append(f"kappa={self.kappa:.4g}")
        if self.best_lr is not None and self.rate is not None:
            parts += [f"best_lr={self.best_lr:.4g}", f"rate={self.rate:.4g}"]
        return f"CriticalLR({self.optimizer}: " + ", ".join(parts) + ")"


def critical_lr(fun: Any, x: Any = None, optimizer: Any = None, *, state: Any = None,
                jac: Callable[[np.ndarray], np.ndarray] | None = None) -> CriticalLR:
    """The largest stable learning rate at ``x`` (default: the problem's minimum or ``x0``),
    asked of the optimizer's rule (``optimizer.lr_limit``).

    GD: 2/λ_max; heavy-ball ``Momentum(momentum=β)``: (2 + 2β)/λ_max; Nesterov:
    (2 + 2β)/((1 + 2β) λ_max) — exact everywhere for a quadratic, a local statement (valid near
    ``x``) otherwise. Adagrad/RMSprop: 2/λ_max(P⁻¹H) (RMSprop with momentum μ: (2 + 2μ)/…);
    Adam: (2 + 2β₁)/((1 − β₁) λ_max(P⁻¹H)) — with the preconditioner P of ``state`` (default:
    the state after one step from ``x``). With λ_min > 0 also the best fixed GD step
    2/(λ_min + λ_max), its rate (κ − 1)/(κ + 1) and, for heavy-ball momentum, Polyak's
    β* = ((√κ − 1)/(√κ + 1))² with step 4/(√λ_max + √λ_min)² and rate (√κ − 1)/(√κ + 1).

    >>> import steepest as st
    >>> X, y = st.datasets.lecture_line()
    >>> round(st.curvature.critical_lr(st.problems.LeastSquares(X, y)).lr_max, 5)
    0.0064
    """
    from ..problems import Quadratic
    opt = _rule(optimizer)
    if x is None:
        minima = getattr(fun, "minima", None)
        if minima is not None and len(minima):
            x = minima[0]
        elif hasattr(fun, "x0"):
            x = fun.x0
        else:
            raise TypeError("critical_lr: x is required for a plain function")
    x = np.asarray(x, dtype=float)
    quadratic = isinstance(fun, Quadratic) and jac is None
    wd = float(opt.defaults.get("weight_decay") or 0.0) if opt.l2_decay else 0.0
    if quadratic and not opt.adaptive:
        w = fun.eigenvalues + wd
        lam_max, lam_min = float(w[-1]), float(w[0])
    else:
        sharp = sharpness(fun, x, opt, state, jac=jac)
        lam_max, lam_min = sharp.lam_max, sharp.lam_min
    if lam_max <= 0:
        raise ValueError(f"critical_lr: the Hessian at x has no positive curvature "
                         f"(λ_max = {lam_max:.3g}); any step size moves away along it")
    out = CriticalLR(lr_max=opt.lr_limit(lam_max, state), lam_max=lam_max, lam_min=lam_min,
                     optimizer=type(opt).__name__, quadratic=quadratic, best_lr=None,
                     rate=None, kappa=None,
                     sharpness="λ_max(P⁻¹H)" if opt.adaptive else "λ_max(H)")
    if lam_min > 0:
        out.kappa = kappa = lam_max / lam_min
        if opt.adaptive:
            pass  # no closed-form best step for an adaptive rule
        elif opt.defaults.get("momentum") and not opt.defaults.get("nesterov"):
            sk = math.sqrt(kappa)
            out.best_momentum = ((sk - 1) / (sk + 1)) ** 2
            out.best_lr = 4 / (math.sqrt(lam_max) + math.sqrt(lam_min)) ** 2
            out.rate = (sk - 1) / (sk + 1)
        else:
            out.best_lr = 2 / (lam_min + lam_max)
            out.rate = (kappa - 1) / (kappa + 1)
    return out


__all__ = [
    "DENSE_MAX_DIM",
    "TOP_TOL",
    "CriticalLR",
    "HessianEigs",
    "Lanczos",
    "Sharpness",
    "TopEig",
    "TraceEstimate",
    "contraction",
    "critical_lr",
    "first_state",
    "hessian_eigs",
    "hutchinson_trace",
    "hvp_function",
    "lanczos",
    "operator_eigs",
    "ritz",
    "sharpness",
    "stability_constant",
    "top_eig",
]
