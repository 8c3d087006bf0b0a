"""Second-order and quasi-Newton methods: :class:`Newton` and :class:`LBFGS`.

Gradient descent answers the lecture's "how big a step?" with one number η for every direction,
so it must respect the sharpest one (η < 2/λ_max) and crawls along the flattest (κ = λ_max/λ_min
steps). A Newton step rescales every direction by its own curvature: on the quadratic model
L(x + p) ≈ L + gᵀp + ½pᵀHp it jumps to the model's minimum, p = −H⁻¹g, so on a quadratic with
H positive definite it lands on the minimizer in one step, whatever κ is. With a step size η the
error along *every* eigenvector is multiplied by 1 − η: stable iff 0 < η < 2, the same for all
curvatures — no λ_max in the limit.

* :class:`Newton` — the exact Hessian for small problems (dense, solved by Cholesky), Newton-CG
  (conjugate gradients on exact Hessian-vector products, never forming H) otherwise; damped
  (H + μI, μ raised until it is positive definite, Levenberg–Marquardt) and followed by a
  backtracking line search, so every step is a descent step even at a saddle.
* :class:`LBFGS` — limited-memory BFGS (Nocedal 1980; PyTorch's name and option names): the last
  m pairs sₖ = xₖ₊₁ − xₖ, yₖ = ∇Lₖ₊₁ − ∇Lₖ give an approximation of H⁻¹g by the two-loop
  recursion (Nocedal & Wright 2006, Algorithm 7.4), O(m·d) per step, no Hessian at all; a
  strong-Wolfe line search (or backtracking) chooses each step.

Both need more than the gradient at x — trial points for the line search, Hessian-vector
products — so they take each step through an :class:`Oracle` that ``steepest.minimize`` builds
from its ``fun`` (and ``jac``): a problem's closed forms, exact double backpropagation for a
function written with steepest ops, or differences of ``jac``. The point a line search accepts is
handed back to the driver, which does not evaluate it again; ``nfev`` counts every evaluation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import numpy as np

from .line_search import Armijo, StrongWolfe
from .optimizer import Optimizer, State
from .schedules import LearningRate, lr_at

ValueGrad = Callable[[np.ndarray], tuple[Any, Any]]
_WOLFE, _ARMIJO = StrongWolfe(), Armijo()


class Oracle:
    """What a second-order step may ask about the loss at any point: ``value_and_grad(x)``,
    ``hvp(x)`` (v ↦ ∇²L(x)·v) and ``hessian(x)`` (dense, or None when only ``jac`` is known and
    the dimension is large). ``remember(x, f, g)`` makes the next ``value_and_grad(x)`` of that
    same array free (the driver's evaluation of the accepted point)."""

    def __init__(self, fun: Any, jac: Any, vg: ValueGrad):
        if jac is True:  # fun returns (value, gradient): differences of its gradient
            jac = lambda x: np.asarray(vg(x)[1], dtype=float)  # noqa: E731
        self.fun, self.jac, self._vg = fun, jac, vg
        self._known: tuple[np.ndarray, Any, Any] | None = None

    def value_and_grad(self, x: np.ndarray) -> tuple[Any, Any]:
        """(L(x), ∇L(x)); free when ``x`` is the array last passed to :meth:`remember`."""
        known = self._known
        if known is not None and known[0] is x:
            self._known = None
            return known[1], known[2]
        return self._vg(x)

    def remember(self, x: np.ndarray, f: float, g: np.ndarray) -> None:
        """Keep (f, g), already computed at ``x``, for the next ``value_and_grad(x)``."""
        self._known = (x, f, g)

    def hvp(self, x: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """v ↦ ∇²L(x)·v, exact where the loss is written with steepest ops."""
        from ..curvature.hessian import hvp_function
        if self.jac is None and not callable(self.fun) and not hasattr(self.fun, "hvp"):
            raise ValueError("Newton needs Hessian-vector products: give a problem, a function "
                             "written with steepest ops, or a gradient jac=")
        return hvp_function(self.fun, x, self.jac)

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """The dense ∇²L(x): the problem's own, else ½(H + Hᵀ) of H built column by column from
        Hessian-vector products."""
        if self.jac is None and hasattr(self.fun, "hessian"):
            return np.asarray(self.fun.hessian(x), dtype=float)
        Hv = self.hvp(x)
        H = np.column_stack([Hv(e) for e in np.eye(x.size)])
        return 0.5 * (H + H.T)


def plain_oracle(vg: ValueGrad) -> Oracle:
    """An oracle from a value-and-gradient function alone (Hessians by differences of it)."""
    return Oracle(None, lambda x: np.asarray(vg(x)[1], dtype=float), vg)


class _SecondOrder(Optimizer):
    """The part Newton and LBFGS share: steps on a vector through an :class:`Oracle`, a line
    search, no fixed-η stability limit on λ_max, and PyTorch's ``step(closure)``."""

    #: steepest.diagnose: the step is not ``x − η·(something of g)`` with a λ_max limit
    second_order: ClassVar[bool] = True
    #: the PyTorch form needs exact HVPs of the closure, which it cannot give (Newton)
    closure_form: ClassVar[bool] = True

    @property
    def needs_loss(self) -> bool:
        return True

    def update(self, g: np.ndarray, state: State, x: np.ndarray, lr: float | None = None, *,
               loss: float | None = None,
               loss_fn: Callable[[np.ndarray], float] | None = None,
               oracle: Oracle | None = None) -> tuple[np.ndarray, State]:
        """One step from x (gradient g, loss ``loss``) asking ``oracle`` for more; returns
        ``(x_new, state)`` with ``state["step_size"]`` (the line search's t) and
        ``state["evaluations"]`` (evaluations beyond the one of x_new the driver makes)."""
        if oracle is None or loss is None:
            raise ValueError(f"{type(self).__name__} needs the loss and an oracle for trial "
                             f"points; steepest.minimize provides them (in PyTorch style use "
                             f"step(closure))")
        if lr is None:
            lr = lr_at(self.defaults["lr"], state["step"])
        x_new, new = self._direction_step(g, state, x, float(lr), float(loss), oracle)
        new["step"] = state["step"] + 1
        return x_new, new

    def _direction_step(self, g: np.ndarray, state: State, x: np.ndarray, lr: float,
                        loss: float, oracle: Oracle) -> tuple[np.ndarray, State]:
        raise NotImplementedError

    def _line_search(self, oracle: Oracle, x: np.ndarray, f: float, g: np.ndarray,
                     d: np.ndarray, t0: float, slope: float | None = None
                     ) -> tuple[float, np.ndarray, np.ndarray, int]:
        """(t, x + t·d, ∇L there, evaluations beyond the driver's of x + t·d): strong Wolfe,
        backtracking (Armijo) or the fixed step t0 (``slope``: gᵀd, if known). The oracle
        remembers the accepted point, so the driver's evaluation of it is free."""
        ls = self.defaults["line_search_fn"]
        if ls == "strong_wolfe":
            t, x_new, f_new, g_new, evals = _WOLFE.search(
                oracle.value_and_grad, x, f, g, d, t0, slope)
        elif ls == "backtracking":
            last: list[Any] = [None, None, None]

            def value(z: np.ndarray) -> float:
                last[:] = [z, *oracle.value_and_grad(z)]
                return float(last[1])
            t, x_new, evals = _ARMIJO.search(value, x, g, f, t0, direction=d)
            f_new, g_new = last[1], last[2]
        else:
            t, x_new, evals = t0, x + t0 * d, 1
            f_new, g_new = oracle.value_and_grad(x_new)
        g_new = np.asarray(g_new, dtype=float)
        oracle.remember(x_new, f_new, g_new)
        return t, x_new, g_new, evals - 1

    # ---- stability ---------------------------------------------------------------------------
    def stability_constant(self) -> float:
        return math.inf

    def lr_limit(self, lam_max: float, state: State | None = None) -> float:
        """∞: with a line search no rate is too large (each step is accepted only if the
        loss falls enough)."""
        return math.inf

    def limit_formula(self) -> str:
        if self.defaults["line_search_fn"] is None:
            return (f"no step-size limit on λ_max is known for {type(self).__name__} with a "
                    f"fixed step")
        return "no step-size limit on λ_max to compare η with: its line search picks each step"

    # ---- PyTorch form ------------------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One step over all parameters jointly; ``closure`` (zero_grad, forward, backward,
        return the loss) is required: the line search calls it at each trial point."""
        self._require_params()
        name = type(self).__name__
        if not self.closure_form:
            raise ValueError(f"{name} needs exact Hessian-vector products, which a closure "
                             f"cannot give: use steepest.minimize on the loss as a function "
                             f"of a vector (or LBFGS)")
        if closure is None:
            raise ValueError(f"{name}.step needs a closure that re-evaluates the loss "
                             f"(zero_grad, forward, backward, return loss), as in PyTorch")
        from ..autodiff import enable_grad
        params = self.parameters()
        sizes = np.cumsum([p.data.size for p in params])[:-1]

        def vg(vec: np.ndarray) -> tuple[float, np.ndarray]:
            for p, part in zip(params, np.split(vec, sizes)):
                p.data[...] = part.reshape(p.data.shape)
            with enable_grad():
                value = closure()
            grads = [np.zeros(p.data.size) if p.grad is None else
                     np.asarray(p.grad.data, dtype=float).ravel() for p in params]
            return float(value.item() if hasattr(value, "item") else value), np.concatenate(grads)
        x = np.concatenate([np.asarray(p.data, dtype=float).ravel() for p in params])
        f, g = vg(x)
        state = self.state.get(params[0]) or self.init(x)
        with np.errstate(all="ignore"):  # a trial point may overflow; the search rejects it
            x_new, new = self.update(g, state, x,
                                     lr_at(self.param_groups[0]["lr"], self.step_count),
                                     loss=f, oracle=plain_oracle(vg))
        vg(x_new)  # leave the parameters, and their .grad, at the new point
        self.state[params[0]] = new
        self.step_count += 1
        return f


def _line_search_fn(owner: str, value: Any) -> str | None:
    if value not in ("strong_wolfe", "backtracking", None):
        raise ValueError(f"{owner}: line_search_fn must be 'strong_wolfe', 'backtracking' or "
                         f"None, got {value!r}")
    return value


class LBFGS(_SecondOrder):
    """Limited-memory BFGS: d = −H̃ g from the last ``history_size`` pairs (sᵢ, yᵢ) by the
    two-loop recursion, with H̃₀ = γI, γ = sᵀy/yᵀy of the newest pair (Nocedal & Wright,
    eq. 7.20); then x ← x + t·d with t from the line search, starting at t = lr (lr/‖g‖ capped
    at lr on the first step, when d = −g has no scale yet). A pair is kept only if sᵀy > 0
    (curvature along the step; strong Wolfe guarantees it), so H̃ stays positive definite.

    Names are PyTorch's (``history_size``, ``line_search_fn``), two defaults are not:
    ``history_size=10`` (scipy's L-BFGS-B and Nocedal & Wright's range 3–20; PyTorch keeps 100)
    and ``line_search_fn="strong_wolfe"`` (PyTorch's default is a fixed step). One
    ``step(closure)`` in PyTorch style is one iteration (PyTorch's runs up to ``max_iter``).
    There is no learning-rate limit on λ_max: the line search picks each step.
    """

    def __init__(self, params: Iterable[Any] | None = None, lr: LearningRate = 1.0, *,
                 history_size: int = 10, line_search_fn: str | None = "strong_wolfe"):
        if int(history_size) != history_size or history_size < 1:
            raise ValueError(f"LBFGS: history_size must be a positive integer, got "
                             f"{history_size}")
        super().__init__(params, {"lr": lr, "history_size": int(history_size),
                                  "line_search_fn": _line_search_fn("LBFGS", line_search_fn)})

    def rule_init(self, x: np.ndarray, hp: dict[str, Any]) -> State:
        return _no_history(x, hp["history_size"])

    def _direction_step(self, g: np.ndarray, state: State, x: np.ndarray, lr: float,
                        loss: float, oracle: Oracle) -> tuple[np.ndarray, State]:
        if state["pairs"]:
            d, t0 = inverse_hessian_times(-g, state), lr
        else:
            d, t0 = -g, lr * min(1.0, 1.0 / max(math.sqrt(g.dot(g)), 1e-300))
        slope = float(g.dot(d))
        if not slope < 0:  # H̃ lost positive definiteness to rounding: restart from −g
            state, d, slope = _no_history(x, self.defaults["history_size"]), -g, -float(g.dot(g))
        t, x_new, g_new, evals = self._line_search(oracle, x, loss, g, d, t0, slope)
        if t == 0.0:  # no decrease along d: forget the history, next step is −g
            return x, {**_no_history(x, self.defaults["history_size"]), "step_size": 0.0,
                       "evaluations": evals}
        s, y = x_new - x, g_new - g
        sy, yy = float(s.dot(y)), float(y.dot(y))
        new = _add_pair(state, s, y, sy, yy) if sy > 1e-10 * yy else dict(state)
        new["step_size"], new["evaluations"] = t, evals
        return x_new, new


def _no_history(x: np.ndarray, m: int) -> State:
    """No pairs yet, room for ``m``: the ring buffers ``s``, ``y`` (m, d) of the pairs, ``sy``
    (sᵢᵀyᵢ of each slot) and ``rinv`` (R⁻¹, m × m), all zero where a slot is empty, so the
    two-loop recursion needs no case for a history that is not full yet."""
    return {"s": np.zeros((m, x.size)), "y": np.zeros((m, x.size)), "sy": np.zeros(m),
            "rinv": np.zeros((m, m)), "gamma": 1.0, "pairs": 0}


def _add_pair(state: State, s: np.ndarray, y: np.ndarray, sy: float, yy: float) -> State:
    """A new state with the pair (s, y) in the slot of the oldest (slot ``pairs`` mod m, so the
    buffers are a ring: no pair is moved), and R⁻¹ updated. In the order of age, with
    R = [[R₀, u], [0, sᵀy]], u = S₀y: R⁻¹ = [[R₀⁻¹, −R₀⁻¹u/sᵀy], [0, 1/sᵀy]]; dropping the
    oldest pair keeps the trailing block of R⁻¹ (R is upper triangular). Stored in slot order,
    that is: zeroing the slot's row of R⁻¹ leaves R₀⁻¹ of the pairs that stay (the oldest
    pair's column is zero but for the diagonal: no pair is older); then its column becomes
    −R₀⁻¹u/sᵀy, its diagonal 1/sᵀy, and its row stays zero (no pair is newer). The arrays are
    copies; ``state`` is not modified."""
    S, Y = state["s"].copy(), state["y"].copy()
    rho_inv, rinv = state["sy"].copy(), state["rinv"].copy()
    j = state["pairs"] % len(S)
    S[j], Y[j], rho_inv[j], rinv[j] = s, y, sy, 0.0
    column = rinv.dot(S.dot(y))  # R₀⁻¹u; the slot's own entry of u meets a zero column
    column *= -1.0 / sy
    rinv[:, j] = column  # its j-th entry is 0: row j was zeroed
    rinv[j, j] = 1.0 / sy
    return {**state, "s": S, "y": Y, "sy": rho_inv, "rinv": rinv, "gamma": sy / yy,
            "pairs": state["pairs"] + 1}


def inverse_hessian_times(v: np.ndarray, state: State) -> np.ndarray:
    """H̃·v for the L-BFGS inverse-Hessian approximation of the pairs sᵢ, yᵢ in ``state``
    (rows of S and Y; ρᵢ = 1/sᵢᵀyᵢ; γ = sᵀy/yᵀy of the newest pair; R⁻¹).

    This is the two-loop recursion (Nocedal & Wright, Algorithm 7.4) —
    q ← v; newest to oldest αᵢ = ρᵢsᵢᵀq, q ← q − αᵢyᵢ; r ← γq;
    oldest to newest βᵢ = ρᵢyᵢᵀr, r ← r + (αᵢ − βᵢ)sᵢ —
    with each loop written as the triangular system it is. With R the upper triangle of SYᵀ
    in the order of age (Rᵢⱼ = sᵢᵀyⱼ, i ≤ j): the first loop is Rα = Sv, so q = v − Yᵀα; the
    second, for cᵢ = αᵢ − βᵢ, is Rᵀc = diag(R)·α − γ·Yq, so r = γq + Sᵀc. The state keeps R⁻¹
    (updated in O(m²) per pair), so H̃·v costs six small products instead of 4m vector
    operations. The rows are in ring order, R⁻¹ permuted alike (P R⁻¹ Pᵀ for the rows' P),
    which the products do not notice; empty slots are zero rows and add nothing."""
    S, Y, rinv, gamma = state["s"], state["y"], state["rinv"], state["gamma"]
    alpha = rinv.dot(S.dot(v))
    q = v - alpha.dot(Y)
    c = (alpha * state["sy"] - gamma * Y.dot(q)).dot(rinv)  # diag(R): the sᵢᵀyᵢ
    return gamma * q + c.dot(S)


class Newton(_SecondOrder):
    """Newton's method, x ← x + t·p with (H + μI)p = −g, H = ∇²L(x).

    ``hessian="exact"`` forms H (a problem's closed form, else one exact HVP per column) and
    solves by Cholesky; ``"cg"`` is Newton-CG (truncated conjugate gradients on exact HVPs,
    stopped at ‖r‖ ≤ min(½, √‖g‖)·‖g‖ or at negative curvature, Nocedal & Wright Algorithm 7.1);
    ``"auto"`` (default) is exact up to ``dense_max`` parameters. Safeguards: μ starts at
    ``damping`` and grows (×10 from 10⁻³·max|Hᵢᵢ|) until H + μI is positive definite, so p is a
    descent direction at a saddle too; then a backtracking line search from t = lr
    (``line_search_fn=None``: the fixed step lr).

    Stability on a quadratic with H positive definite and μ = 0: the error along every
    eigenvector is multiplied by 1 − η, whatever its λ — one step at η = 1, stable iff η < 2.
    With damping, 1 − ηλ/(λ + μ).
    """

    closure_form = False

    def __init__(self, params: Iterable[Any] | None = None, lr: LearningRate = 1.0, *,
                 hessian: str = "auto", damping: float = 0.0, dense_max: int = 500,
                 line_search_fn: str | None = "backtracking"):
        if hessian not in ("auto", "exact", "cg"):
            raise ValueError(f"Newton: hessian must be 'auto', 'exact' or 'cg', got {hessian!r}")
        if not (np.isfinite(damping) and damping >= 0):
            raise ValueError(f"Newton: damping must be a non-negative number, got {damping}")
        super().__init__(params, {"lr": lr, "hessian": hessian, "damping": float(damping),
                                  "dense_max": int(dense_max),
                                  "line_search_fn": _line_search_fn("Newton", line_search_fn)})

    def rule_init(self, x: np.ndarray, hp: dict[str, Any]) -> State:
        return {}

    def _direction_step(self, g: np.ndarray, state: State, x: np.ndarray, lr: float,
                        loss: float, oracle: Oracle) -> tuple[np.ndarray, State]:
        hp = self.defaults
        exact = hp["hessian"] == "exact" or (hp["hessian"] == "auto" and x.size <= hp["dense_max"])
        p, mu = (_damped_solve(oracle.hessian(x), g, hp["damping"]) if exact
                 else _newton_cg(oracle.hvp(x), g, hp["damping"]))
        t, x_new, _, evals = self._line_search(oracle, x, loss, g, p, lr)
        return x_new, {"step_size": t, "evaluations": evals, "damping": mu}

    def multiplier(self, lr: float, lam: float, state: State | None = None) -> complex:
        """1 − ηλ/(λ + μ): the factor of the error along an eigenvector of eigenvalue λ."""
        mu = self.defaults["damping"]
        return complex(1.0 - float(lr) * float(lam) / (float(lam) + mu))

    def stability_constant(self) -> float:
        return 2.0 if self.defaults["damping"] == 0 else math.inf

    def lr_limit(self, lam_max: float, state: State | None = None) -> float:
        """2(λ_max + μ)/λ_max — η < 2 undamped, whatever the curvature — for the fixed step
        (``line_search_fn=None``); ∞ with a line search."""
        if self.defaults["line_search_fn"] is not None:
            return math.inf
        mu = self.defaults["damping"]
        return 2.0 * (float(lam_max) + mu) / float(lam_max)

    def limit_formula(self) -> str:
        if self.defaults["line_search_fn"] is not None:
            return super().limit_formula()
        return "2(λ_max + μ)/λ_max"


def _damped_solve(H: np.ndarray, g: np.ndarray, damping: float) -> tuple[np.ndarray, float]:
    """p = −(H + μI)⁻¹g with the smallest μ ≥ ``damping`` of the sequence that makes H + μI
    positive definite (Cholesky succeeds), and that μ."""
    if not np.all(np.isfinite(H)):
        return -g, math.inf  # no usable curvature: a gradient step
    mu = damping
    scale = max(float(np.max(np.abs(np.diag(H)), initial=0.0)), 1e-12)
    eye = np.eye(len(g))
    for _ in range(60):
        try:
            L = np.linalg.cholesky(H + mu * eye)
        except np.linalg.LinAlgError:
            mu = max(10.0 * mu, 1e-3 * scale)
            continue
        z = np.linalg.solve(L, -g)
        return np.linalg.solve(L.T, z), mu
    return -g, math.inf


def _newton_cg(Hv: Callable[[np.ndarray], np.ndarray], g: np.ndarray, damping: float
               ) -> tuple[np.ndarray, float]:
    """Truncated CG on (H + μI)p = −g (Nocedal & Wright, Algorithm 7.1): stops at the
    forcing tolerance min(½, √‖g‖)·‖g‖, or at a direction of non-positive curvature (then the
    iterate so far, or −g on the first)."""
    gnorm = math.sqrt(float(g @ g))
    tol = min(0.5, math.sqrt(gnorm)) * gnorm
    p = np.zeros_like(g)
    r, d = g.copy(), -g
    rr = float(r @ r)
    for j in range(2 * g.size + 10):
        Hd = Hv(d) + damping * d
        curv = float(d @ Hd)
        if not curv > 0:
            return (-g if j == 0 else p), damping
        a = rr / curv
        p = p + a * d
        r = r + a * Hd
        rr_new = float(r @ r)
        if math.sqrt(rr_new) <= tol:
            break
        d = -r + (rr_new / rr) * d
        rr = rr_new
    return p, damping


__all__ = ["LBFGS", "Newton", "Oracle", "inverse_hessian_times", "plain_oracle"]
