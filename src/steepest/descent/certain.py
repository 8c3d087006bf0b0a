"""Certain divergence on a problem whose Hessian is constant (quadratics, least squares).

There an optimizer with a linear update — GD, heavy-ball or Nesterov momentum at a constant rate
η — moves each eigen-direction of the Hessian H on its own. Along an eigenvector v of eigenvalue
λ the gradient's component p_k = vᵀĝ_k (ĝ = ∇L + λ_wd·x with L2 weight decay λ_wd, whose
Hessian is H + λ_wd·I) follows the rule's error recursion with the companion matrix M(ηλ)
(:meth:`steepest.optim.Optimizer.companion`) exactly. With μ₁ the eigenvalue of M of largest
modulus and μ₂ the other one (0 for GD), the *modal coordinate*

    z_k = p_k − μ₂ p_{k−1}   (GD: z_k = p_k)    obeys    z_{k+1} = μ₁ z_k    exactly.

When η exceeds the rule's limit for λ (``optimizer.lr_limit(λ)``: 2/λ for GD, (2 + 2β)/λ for the
heavy ball, (2 + 2β)/((1 + 2β)λ) for Nesterov), |μ₁| > 1: a nonzero z grows without bound, and
the loss with it (H is positive semi-definite, so nothing can pull the loss down to −∞ faster).
The run *will* diverge; the rule says so as soon as that is observed: z_k = μ₁ z_{k−1} to a
relative :data:`RTOL` (10⁻⁶) for :data:`STEPS` (12) consecutive steps along one unstable
eigenvector — the component grew monotonically, by the predicted factor, every step. The match
is the safeguard: a component at the level of rounding noise does not follow the prediction to
10⁻⁶ (once it has grown far above the noise it is real, and so is the divergence), nor does a
gradient that is not that of the stated Hessian. Twelve steps call the lecture's line at
η = 0.0065 (the error along λ_max = 312.5 multiplied by 1 − ηλ_max = −1.031 per step; the loss
rises from step 1) diverged at step 12, inside the 18 steps its figure of the "total disaster"
shows, where the loss-based rules of :mod:`steepest.descent.divergence` need 123 steps (they must
wait for a 10³× rise to be safe on every loss).

The rule applies only where it is exact: a problem that declares ``constant_hessian = True``
(``Quadratic``, ``LeastSquares``, ``Quadratic1D``, ``ConvexBowl``, ``Booth``, ``Matyas``) and
gives its Hessian by ``hessian(x)``, a positive semi-definite Hessian, a rule that is not adaptive
(Adam's preconditioner changes every step) and needs no line search, and a constant learning
rate. Anywhere else — Rosenbrock's edge of stability, neural networks — it is not armed and the
loss-based rules alone decide. It follows one run (vectors of shape (d,)) or a stack of N runs
((N, d), ``stability_map``) with the same arithmetic; its cost is one product with the m unstable
eigenvectors per step, and only on runs that are above the limit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .divergence import Verdict

#: consecutive steps whose modal coordinate must grow by exactly μ₁ for the verdict
STEPS = 12
#: the relative tolerance of "exactly"
RTOL = 1e-6
#: Hessians larger than this are not decomposed (the loss-based rules still apply)
MAX_DIM = 2000


def _modes(optimizer: Any, lr: float, lams: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """(indices, μ₁, μ₂) of the eigenvalues whose recursion at ``lr`` grows; None if one of them
    cannot be followed (a recursion longer than two terms, or a complex dominant root)."""
    keep, mu1, mu2 = [], [], []
    for i, lam in enumerate(lams):
        h = lr * float(lam)
        if lam <= 0 or not math.isfinite(h) or h > 1e150:
            continue
        w = np.linalg.eigvals(optimizer.companion(h))
        if len(w) > 2:
            return None
        w = w[np.argsort(-np.abs(w))]
        if abs(w[0]) <= 1.0 + 1e-12:
            continue
        if abs(w[0].imag) > 1e-12 * abs(w[0]):
            return None
        keep.append(i)
        mu1.append(w[0].real)
        mu2.append(w[1].real if len(w) == 2 else 0.0)
    if not keep:
        return None
    return np.array(keep), np.array(mu1), np.array(mu2)


class CertainDivergence:
    """The rule on one run or a stack of runs; build it with ``arm``.

    ``start(x0, g0)`` records the start; after each step ``update(x, g)`` returns whether the
    evidence is complete (a bool for one run, a mask (N,) for a stack); :meth:`verdict` words it.
    ``keep(mask)`` drops finished runs from a stack.

    >>> import numpy as np, steepest as st
    >>> P = st.problems.LeastSquares(*st.datasets.lecture_line())   # λ_max = 312.5
    >>> x = np.array([-8.0, -2.0])
    >>> CertainDivergence.arm(P, st.optim.GD(lr=0.0063), 0.0063, x) is None  # < 2/λ_max
    True
    >>> rule = CertainDivergence.arm(P, st.optim.GD(lr=0.0065), 0.0065, x)
    >>> rule.start(x, P.grad(x))
    >>> for k in range(1, 100):                          # GD steps, by hand
    ...     x = x - 0.0065 * P.grad(x)
    ...     if rule.update(x, P.grad(x)):
    ...         break
    >>> k, round(float(rule.mu1[0]), 4)                # the step, and μ₁ = 1 − ηλ_max
    (12, -1.031)
    """

    def __init__(self, V: np.ndarray, lams: np.ndarray, mu1: np.ndarray, mu2: np.ndarray,
                 wd: float, lr: float, limit: float, formula: str):
        self.V, self.lams, self.mu1, self.mu2 = V, lams, mu1, mu2
        self.wd, self.lr, self.limit, self.formula = wd, lr, limit, formula
        self.lam_max = float(lams.max())
        self.p = self.z = self.count = np.empty(0)

    @classmethod
    def arm(cls, fun: Any, optimizer: Any, lr: Any, x: np.ndarray) -> CertainDivergence | None:
        """The rule for ``optimizer`` at rate ``lr`` on ``fun`` from ``x`` (one start (d,)), or
        None where it does not apply or no direction is unstable."""
        if not getattr(fun, "constant_hessian", False) or not hasattr(fun, "hessian") \
                or optimizer.adaptive or optimizer.needs_loss or callable(optimizer.lr) \
                or not isinstance(lr, float) or not 0 < lr < math.inf or x.size > MAX_DIM:
            return None
        wd = float(optimizer.defaults.get("weight_decay") or 0.0) if optimizer.l2_decay else 0.0
        known = getattr(fun, "eigenvalues", None)  # cached by Quadratic: a cheap first test
        if isinstance(known, np.ndarray) and known.shape == (x.size,) \
                and optimizer.lr_limit(float(known[-1]) + wd) >= lr:
            return None
        H = np.asarray(fun.hessian(x), dtype=float)
        if H.shape != (x.size, x.size) or not np.isfinite(H).all():
            return None
        lams, V = np.linalg.eigh(0.5 * (H + H.T) + wd * np.eye(x.size))
        if lams[0] < -1e-12 * max(abs(lams[-1]), 1e-300):
            return None  # indefinite: the loss is unbounded below, growth is not failure
        found = _modes(optimizer, lr, lams)
        if found is None:
            return None
        idx, mu1, mu2 = found
        return cls(V[:, idx], lams[idx], mu1, mu2, wd, lr, optimizer.lr_limit(lams[-1]),
                   optimizer.limit_formula())

    def _project(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        return ((g + self.wd * x) if self.wd else g) @ self.V

    def start(self, x: np.ndarray, g: np.ndarray) -> None:
        """The start x₀ with its gradient g₀ (shapes (d,) or (N, d))."""
        self.p = self._project(x, g)
        self.z = np.where(self.mu2 == 0, self.p, np.nan)
        self.count = np.zeros(self.p.shape, dtype=np.int64)

    def update(self, x: np.ndarray, g: np.ndarray) -> Any:
        """Record a step; True (per run) once one unstable mode has grown by exactly μ₁ for
        :data:`STEPS` steps in a row."""
        p = self._project(x, g)
        z = p - self.mu2 * self.p
        grown = self.mu1 * self.z
        match = np.abs(z - grown) < RTOL * np.abs(grown)  # NaN, inf and z = 0 never match
        self.count = np.where(match, self.count + 1, 0)
        self.p, self.z = p, z
        done = self.count >= STEPS
        return bool(done.any()) if done.ndim == 1 else done.any(axis=-1)

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the runs of a stack where ``mask`` is True."""
        self.p, self.z, self.count = self.p[mask], self.z[mask], self.count[mask]

    def fired_mode(self, row: int | None = None) -> int:
        """The index (into the unstable modes) of the one that completed the evidence."""
        count = self.count if row is None else self.count[row]
        return int(np.argmax(count))

    def verdict(self, step: int, loss: float, start: float, ratio: float,
                row: int | None = None) -> Verdict:
        """The verdict at ``step`` (``row``: which run of a stack)."""
        j = self.fired_mode(row)
        lam, mu = float(self.lams[j]), float(self.mu1[j])
        top = "the top eigenvector" if lam == self.lam_max else f"the eigenvector of λ = {lam:.4g}"
        limit = (f"η = {self.lr:.4g} exceeds the stability limit {self.formula} = "
                 f"{self.limit:.4g} of the constant Hessian (λ_max = {self.lam_max:.4g})")
        evidence = (f"along {top} the error was multiplied by exactly {mu:.4g} per step for "
                    f"{STEPS} steps, as predicted")
        return Verdict("certain", step, loss, start, ratio, abs(mu), evidence=evidence,
                       limit=limit)


__all__ = ["MAX_DIM", "RTOL", "STEPS", "CertainDivergence"]
