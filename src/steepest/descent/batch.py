"""Many runs of one optimizer at once: a stack of N starts descends as one (N, d) array.

Every step evaluates the whole stack (``problem.value_and_grad_batch``), applies the optimizer's
vector rule to it (the rules are elementwise, so a stack is just a bigger array), and judges each
run with the same divergence detector and gradient tolerances as ``minimize`` (and, on a
problem with a constant Hessian, the same exact rule, :mod:`steepest.descent.certain`). Runs
that have converged or diverged leave the stack (it is compacted when a tenth of it is done), so
the cost follows the runs still going.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import SteepestError
from .certain import CertainDivergence
from .divergence import CERTAIN, BatchDetector
from .objective import BatchValueGrad

#: outcome codes of a batched run
CONVERGED, BOUNDED, DIVERGED = 0, 1, 2
#: the outcome names, indexed by those codes
OUTCOMES = ("converged", "bounded", "diverged")


@dataclass
class BatchRun:
    """The end of N runs: ``outcome`` (N,) codes into :data:`OUTCOMES` ("converged", "bounded":
    reached ``max_steps`` without converging or diverging, "diverged"), ``steps`` (N,) the step
    each ended at, ``rule`` (N,) the divergence rule's code (see ``divergence.RULES``), ``x`` (N, d)
    the last finite iterate, ``loss`` and ``grad_norm`` (N,) there; ``paths`` maps the indices
    asked for in ``record`` to their iterates (steps + 1, d)."""

    outcome: np.ndarray
    steps: np.ndarray
    rule: np.ndarray
    x: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    paths: dict[int, np.ndarray] = field(default_factory=dict)


class _Stack:
    """The runs still going: their iterates, gradients, norms, optimizer state and indices."""

    def __init__(self, X: np.ndarray, f: np.ndarray, G: np.ndarray, gn: np.ndarray,
                 state: dict[str, Any]):
        self.X, self.f, self.G, self.gn, self.state = X, f, G, gn, state
        self.gn0 = gn.copy()
        self.rows = np.arange(len(X))
        self.ended = np.zeros(len(X), dtype=bool)  # ended, not yet dropped
        self.traced: tuple[np.ndarray, list[tuple[list[np.ndarray], int]]] | None = None

    def keep(self, mask: np.ndarray) -> None:
        n = len(self.rows)
        self.X, self.f, self.G, self.gn = self.X[mask], self.f[mask], self.G[mask], self.gn[mask]
        self.gn0, self.rows, self.ended = self.gn0[mask], self.rows[mask], self.ended[mask]
        self.state = {k: (v[mask] if isinstance(v, np.ndarray) and v.ndim and v.shape[0] == n
                          else v) for k, v in self.state.items()}


def _squares(A: np.ndarray) -> np.ndarray:
    """Row-wise ‖aᵢ‖² (column by column for a few columns: NumPy's row reductions are slow on
    narrow arrays)."""
    if A.shape[1] > 8:
        return np.einsum("ij,ij->i", A, A)
    out = A[:, 0] * A[:, 0]
    for j in range(1, A.shape[1]):
        out += A[:, j] * A[:, j]
    return out


def _norms(A: np.ndarray) -> np.ndarray:
    return np.sqrt(_squares(A))


def _finite(X: np.ndarray, f: np.ndarray, gn: np.ndarray) -> np.ndarray:
    """Rows whose loss, gradient norm and iterate are finite (x·x first, every entry only where
    it overflows)."""
    ok = np.isfinite(f) & np.isfinite(gn)
    suspect = np.flatnonzero(ok & ~np.isfinite(_squares(X)))
    if suspect.size:
        ok[suspect] = np.isfinite(X[suspect]).all(axis=1)
    return ok


def run_batch(vg: BatchValueGrad, starts: np.ndarray, optimizer: Any, lr: float, *,
              max_steps: int, tolerances: Sequence[Any] = (), record: Sequence[int] = (),
              certain: CertainDivergence | None = None) -> BatchRun:
    """Run ``optimizer`` at the constant rate ``lr`` from every row of ``starts`` (N, d) for at
    most ``max_steps`` steps; ``tolerances`` are gradient tolerances (objects with
    ``met(grad_norm, grad_norm0)``) that end a run as converged; ``certain`` the exact rule for
    a constant Hessian (``CertainDivergence.arm``), if it applies."""
    rule = optimizer.vector_rule()
    if rule is None:
        raise SteepestError("stability_map: the optimizer needs the loss at every step (a line "
                            "search); batched runs take a plain update rule")
    X = np.array(starts, dtype=float)
    with np.errstate(all="ignore"):
        f, G = vg(X)
    gn = _norms(G)
    n = len(X)
    out = BatchRun(outcome=np.full(n, BOUNDED, dtype=np.int8), steps=np.full(n, max_steps),
                   rule=np.zeros(n, dtype=np.int8), x=X.copy(), loss=f.copy(),
                   grad_norm=gn.copy())
    run = _Stack(X, f, G, gn, optimizer.init(X))
    detector = BatchDetector(f)
    if certain is not None:
        certain.start(X, G)
    trace = {int(i): [X[i].copy()] for i in record}
    _finish(out, run, detector, _converged(tolerances, gn, run.gn0), CONVERGED, 0,
            certain=certain)
    with np.errstate(all="ignore"):
        for k in range(1, max_steps + 1):
            if not len(run.rows):
                break
            prev = (run.X, run.f, run.gn)
            run.X, run.state = rule(run.G, run.state, run.X, lr)
            run.f, run.G = vg(run.X)
            run.gn = _norms(run.G)
            finite = _finite(run.X, run.f, run.gn)
            fired = detector.update(k, run.f, finite)
            if certain is not None:
                fired = _certain(certain, detector, run, fired, finite)
            if trace:
                _trace(trace, run, k)
            if fired.any():
                bad = fired & ~finite  # report the last finite iterate
                if bad.any():
                    run.X[bad], run.f[bad], run.gn[bad] = (p[bad] for p in prev)
                out.rule[run.rows[fired]] = detector.rule[fired]
            conv = ~fired & _converged(tolerances, run.gn, run.gn0)
            if fired.any() or conv.any():
                _finish(out, run, detector, fired, DIVERGED, k, conv, certain)
    out.x[run.rows], out.loss[run.rows], out.grad_norm[run.rows] = run.X, run.f, run.gn
    out.paths = {i: np.array(p) for i, p in trace.items()}
    return out


def _certain(certain: CertainDivergence, detector: BatchDetector, run: _Stack,
             fired: np.ndarray, finite: np.ndarray) -> np.ndarray:
    """``fired`` with the runs the exact rule calls at this step (its code in the detector's
    ``rule``)."""
    sure = certain.update(run.X, run.G) & finite & ~fired & ~run.ended
    if not sure.any():
        return fired
    detector.rule[sure] = CERTAIN
    return fired | sure


def _finish(out: BatchRun, run: _Stack, detector: BatchDetector, fired: np.ndarray,
            code: int, k: int, conv: np.ndarray | None = None,
            certain: CertainDivergence | None = None) -> None:
    """Record the runs that ended at step k (``fired``: as ``code``; ``conv``: converged) and
    drop them from the stack once a tenth of it has ended."""
    for ended_now, outcome in ((fired, code), (conv, CONVERGED)):
        if ended_now is None or not ended_now.any():
            continue
        mask = ended_now & ~run.ended
        rows = run.rows[mask]
        out.outcome[rows], out.steps[rows] = outcome, k
        out.x[rows], out.loss[rows], out.grad_norm[rows] = run.X[mask], run.f[mask], run.gn[mask]
        run.ended |= mask
    ended = run.ended
    if ended.sum() * 10 > len(run.rows) or ended.all():
        run.keep(~ended)
        detector.keep(~ended)
        if certain is not None:
            certain.keep(~ended)


def _trace(trace: dict[int, list[np.ndarray]], run: _Stack, k: int) -> None:
    """Append step k's iterate to the paths of the recorded runs still in the stack."""
    if run.traced is None or run.traced[0] is not run.rows:  # the stack changed: look again
        where = np.searchsorted(run.rows, list(trace))
        run.traced = (run.rows, [(path, int(j)) for (i, path), j in zip(trace.items(), where)
                                 if j < len(run.rows) and run.rows[j] == i])
    for path, j in run.traced[1]:
        path.append(run.X[j].copy())


def _converged(tolerances: Sequence[Any], gn: np.ndarray, gn0: np.ndarray) -> np.ndarray:
    met = np.zeros(gn.shape, dtype=bool)
    for rule in tolerances:
        met |= rule.met(gn, gn0)
    return met


__all__ = ["BOUNDED", "CONVERGED", "DIVERGED", "OUTCOMES", "BatchRun", "run_batch"]
