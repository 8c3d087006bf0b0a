"""The Optimizer base: one pure update rule, served two ways, with its stability limit.

Each optimizer is a chain of small transformations of the gradient (see
:mod:`steepest.optim.transforms`), ``x ← x − η · T_k(… T_1(g))``, written once as two pure
functions on NumPy arrays (in the spirit of optax)::

    state = opt.rule_init(x, hp)                         # e.g. {"m": 0, "v": 0}
    x_new, state = opt.rule_update(g, state, x, lr, hp)  # one step, inputs untouched

where ``hp`` holds the hyperparameters. The Optimizer object serves that rule

* to ``steepest.minimize`` on a parameter vector, through :meth:`Optimizer.init` and
  :meth:`Optimizer.update` (build it without parameters: ``GD(lr=0.002)``), or faster through
  :meth:`Optimizer.vector_rule`, the rule specialised to its hyperparameters;
* PyTorch-style over Tensors (``opt = Adam(model.parameters(), lr=1e-3)``; ``opt.zero_grad()``;
  ``loss.backward()``; ``opt.step()``), writing each ``p.data`` in place, recording no graph.

Every rule also states when it is stable. On a quadratic with Hessian H (for the adaptive rules,
the *preconditioned* Hessian P⁻¹H with the diagonal P their state applies, held fixed), the error
along an eigenvector of eigenvalue λ follows a linear recursion e_{k+1} = M(ηλ) e_k:
:meth:`Optimizer.multiplier` is M's dominant eigenvalue (its modulus the per-step rate; negative
or complex: oscillation), :meth:`Optimizer.lr_limit` the largest stable η for a given λ_max, and
:meth:`Optimizer.curvature_operator` the operator whose top eigenvalue is that λ_max.

``lr`` may be a number or a schedule (a callable ``step -> lr``, see
:mod:`steepest.optim.schedules`); ``step`` counts completed steps.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import numpy as np

from ..autodiff import Tensor, enable_grad
from .schedules import LearningRate, check_lr, lr_at
from .transforms import Transform, chain_update

State = dict[str, Any]
#: a pure step on vectors, (g, state, x, lr) -> (x_new, state)
VectorRule = Callable[[np.ndarray, State, np.ndarray, float], tuple[np.ndarray, State]]


class Optimizer:
    """Base class. Subclasses set ``defaults`` and implement ``rule_init``/``rule_update``."""

    defaults: dict[str, Any]
    #: hyperparameters that must be numbers ≥ 0 (checked at construction)
    _nonnegative: ClassVar[tuple[str, ...]] = ("weight_decay",)

    def __init__(self, params: Iterable[Any] | None, hyper: dict[str, Any]):
        name = type(self).__name__
        hyper["lr"] = check_lr(hyper["lr"], f"{name}: lr")
        for key in self._nonnegative:
            value = hyper.get(key)
            if value is not None and not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{name}: {key} must be a non-negative number, got {value}")
        self.defaults = hyper
        self.state: dict[Tensor, State] = {}
        self.param_groups: list[dict[str, Any]] = []
        self.step_count = 0
        self._flat: dict[int, _Flat] = {}  # a group's parameters end to end (_step_flat)
        if params is not None:
            self._add_params(params)

    # ---- the pure rule (one implementation per optimizer) -----------------------------------
    #: the chain of transformations, applied in order to the gradient
    transforms: ClassVar[tuple[Transform, ...]] = ()
    #: True for rules that rescale each coordinate by its gradient history (Adagrad, RMSprop,
    #: Adam): their stability is governed by the preconditioned sharpness λ_max(P⁻¹H)
    adaptive: ClassVar[bool] = False
    #: True where ``weight_decay`` is L2 added to the gradient (it adds λ_wd to the curvature)
    l2_decay: ClassVar[bool] = True

    def rule_init(self, x: np.ndarray, hp: dict[str, Any]) -> State:
        """The rule's state for parameters shaped like ``x``."""
        state: State = {}
        for t in self.transforms:
            state.update(t.init(x, hp))
        return state

    def rule_update(self, g: np.ndarray, state: State, x: np.ndarray, lr: float,
                    hp: dict[str, Any]) -> tuple[np.ndarray, State]:
        """x − η · T_k(… T_1(g)) and the new state; inputs are not modified. Transformations
        that are the identity for ``hp`` (``weight_decay=0``, ``momentum=0``) are skipped, as
        PyTorch skips them."""
        d, new = self.direction(g, state, x, hp)
        return x - lr * d, new

    def direction(self, g: np.ndarray, state: State, x: np.ndarray, hp: dict[str, Any]
                  ) -> tuple[np.ndarray, State]:
        """d = T_k(… T_1(g)) of :meth:`rule_update` (x_new = x − η·d) and the new state."""
        return chain_update(tuple(t for t in self.transforms if t.active(hp)), g, state, x, hp)

    def _descend(self, x: np.ndarray, g: np.ndarray, state: State, lr: float,
                 hp: dict[str, Any]) -> State:
        """x ← the rule's update of x, written into x; the new state. The default rule as
        x −= η·d (x − η·d to the bit, without a temporary of x); a rule written by hand
        through its ``rule_update``."""
        if type(self).rule_update is Optimizer.rule_update:
            d, new = self.direction(g, state, x, hp)
            np.subtract(x, lr * d, out=x)
            return new
        x_new, new = self.rule_update(g, state, x, lr, hp)
        x[...] = x_new
        return new

    def vector_rule(self) -> VectorRule | None:
        """The step (g, state, x, lr) ↦ (x_new, state) specialised to the current
        hyperparameters — only the transformations that are not the identity for them, so plain
        GD is ``x − lr·g`` — or None when the step needs the loss (a line search). This is the
        fast path ``steepest.minimize`` and ``steepest.stability_map`` take; it works on any
        array shape, including a stack of N vectors (N, d)."""
        hp = self.defaults
        cls = type(self)
        if self.needs_loss or cls.update is not Optimizer.update \
                or cls._apply is not Optimizer._apply:
            return None  # a step that needs the loss, or a subclass's own vector step
        if cls.rule_update is not Optimizer.rule_update:  # a rule written by hand
            return lambda g, state, x, lr: self.rule_update(g, state, x, lr, hp)
        active = tuple(t for t in self.transforms if t.active(hp))
        if not active:
            return lambda g, state, x, lr: (x - lr * g, state)
        if len(active) == 1:
            (t,) = active

            def one(g: np.ndarray, state: State, x: np.ndarray, lr: float
                    ) -> tuple[np.ndarray, State]:
                d, part = t.update(g, state, x, hp)
                return x - lr * d, (part if len(part) == len(state) else {**state, **part})
            return one

        def chain(g: np.ndarray, state: State, x: np.ndarray, lr: float
                  ) -> tuple[np.ndarray, State]:
            d, new = chain_update(active, g, state, x, hp)
            return x - lr * d, new
        return chain

    # ---- stability on a quadratic (next to the rule) ----------------------------------------
    def companion(self, h: float) -> np.ndarray:
        """The matrix M of the linear recursion of the error along an eigenvector, for
        h = η·λ (λ of the curvature :meth:`curvature_operator` describes). GD: [1 − h]."""
        return np.array([[1.0 - h]])

    def stability_constant(self) -> float:
        """c such that the rule is stable on a quadratic iff η·λ_max < c (GD: 2)."""
        return 2.0

    def step_scale(self, state: State | None = None) -> float:
        """The factor the current ``state`` multiplies η by (Adam's bias correction 1/(1 − β₁ᵗ);
        1 for the others)."""
        return 1.0

    def multiplier(self, lr: float, lam: float, state: State | None = None) -> complex:
        """The dominant per-step factor of the error along an eigenvector of eigenvalue λ
        (M's eigenvalue of largest modulus; |·| > 1 diverges, negative or complex oscillates).
        Overflow-safe: a huge η·λ gives −∞, never an error."""
        h = float(lr) * float(lam) * self.step_scale(state)
        if not np.isfinite(h) or abs(h) > 1e150:
            return complex(-np.inf)
        w = np.linalg.eigvals(self.companion(h))
        return complex(w[np.argmax(np.abs(w))])

    def lr_limit(self, lam_max: float, state: State | None = None) -> float:
        """The largest stable learning rate c/(λ_max · step scale) for the top eigenvalue
        ``lam_max`` of the curvature :meth:`curvature_operator` describes (GD: 2/λ_max)."""
        return self.stability_constant() / (float(lam_max) * self.step_scale(state))

    def limit_formula(self) -> str:
        """:meth:`lr_limit` in words, e.g. ``"2/λ_max"``."""
        return "2/λ_max"

    def preconditioner(self, state: State | None) -> np.ndarray | None:
        """The diagonal P that the rule's current ``state`` divides the gradient by (None for
        rules that do not rescale)."""
        if state is None:
            return None
        for t in self.transforms:
            p = t.preconditioner(state, self.defaults)
            if p is not None:
                return p
        return None

    def curvature_operator(self, hvp: Callable[[np.ndarray], np.ndarray],
                           state: State | None = None) -> Callable[[np.ndarray], np.ndarray]:
        """The symmetric operator whose top eigenvalue is the λ_max of :meth:`lr_limit`:
        v ↦ P^{-1/2}(H + λ_wd I)P^{-1/2} v, from the loss's Hessian-vector product ``hvp``,
        the L2 weight decay λ_wd (0 for decoupled decay) and the preconditioner of ``state``
        (P = I for rules that do not rescale)."""
        wd = float(self.defaults.get("weight_decay") or 0.0) if self.l2_decay else 0.0
        p = self.preconditioner(state) if self.adaptive else None
        if p is None:
            return (lambda v: hvp(v) + wd * v) if wd else hvp
        r = 1.0 / np.sqrt(p)
        return lambda v: r * (hvp(r * v) + wd * (r * v))

    # ---- vector form (steepest.minimize) ----------------------------------------------------
    @property
    def lr(self) -> LearningRate:
        """The learning rate (number or schedule) of the defaults / first group."""
        return self.param_groups[0]["lr"] if self.param_groups else self.defaults["lr"]

    def lr_at(self, step: int) -> float:
        """The learning rate at ``step`` (a schedule is evaluated)."""
        return lr_at(self.lr, step)

    def init(self, x: np.ndarray) -> State:
        """Fresh state for descending on the vector ``x``."""
        state = self.rule_init(np.asarray(x), self.defaults)
        state["step"] = 0
        return state

    def update(self, g: np.ndarray, state: State, x: np.ndarray, lr: float | None = None, *,
               loss: float | None = None,
               loss_fn: Callable[[np.ndarray], float] | None = None) -> tuple[np.ndarray, State]:
        """One step on a vector: ``(x_new, new_state)``; inputs are not modified.

        ``lr`` defaults to the (scheduled) rate at ``state["step"]``. ``loss``/``loss_fn`` (the
        loss at ``x`` and a function evaluating it) are needed only by a line search.
        """
        if lr is None:
            lr = lr_at(self.defaults["lr"], state["step"])
        x_new, new = self._apply(g, state, x, lr, self.defaults, loss, loss_fn)
        new["step"] = state["step"] + 1
        return x_new, new

    @property
    def needs_loss(self) -> bool:
        """True when a step needs the loss, not just the gradient (a line search)."""
        return False

    def _apply(self, g: np.ndarray, state: State, x: np.ndarray, lr: float, hp: dict[str, Any],
               loss: float | None, loss_fn: Callable[[np.ndarray], float] | None
               ) -> tuple[np.ndarray, State]:
        if self.needs_loss:
            return self._search(g, state, x, lr, hp, loss, loss_fn)
        return self.rule_update(g, state, x, lr, hp)

    def _search(self, g: np.ndarray, state: State, x: np.ndarray, lr: float,
                hp: dict[str, Any], loss: float | None,
                loss_fn: Callable[[np.ndarray], float] | None) -> tuple[np.ndarray, State]:
        raise NotImplementedError

    def with_lr(self, lr: LearningRate, params: Iterable[Any] | None = None) -> Optimizer:
        """A fresh optimizer of the same kind and options with learning rate ``lr`` (no state;
        over ``params`` if given, else unbound): what a diagnosis tries a suggested rate with."""
        new = copy.copy(self)
        new.defaults = {**self.defaults, "lr": check_lr(lr, f"{type(self).__name__}: lr")}
        new.state, new.param_groups, new.step_count, new._flat = {}, [], 0, {}
        if params is not None:
            new._add_params(params)
        return new

    # ---- PyTorch form -----------------------------------------------------------------------
    def _add_params(self, params: Iterable[Any]) -> None:
        name = type(self).__name__
        if isinstance(params, (Tensor, np.ndarray, float, int)):
            hint = (f"; to set the learning rate write {name}(lr={params})"
                    if isinstance(params, (float, int)) else "")
            raise TypeError(f"{name}: params must be an iterable of Tensors (e.g. "
                            f"model.parameters()) or of parameter-group dicts, got "
                            f"{type(params).__name__}{hint}")
        params = list(params)
        if not params:
            raise ValueError(f"{name}: got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        seen: set[int] = set()
        for group in groups:
            if not isinstance(group, dict) or "params" not in group:
                raise TypeError(f"{name}: mix of Tensors and parameter groups; pass a list of "
                                f"Tensors or a list of dicts with a 'params' key")
            unknown = set(group) - set(self.defaults) - {"params"}
            if unknown:
                raise ValueError(f"{name}: unknown option(s) {sorted(unknown)} in a parameter "
                                 f"group; known: {sorted(self.defaults)}")
            ps = group["params"]
            ps = [ps] if isinstance(ps, Tensor) else list(ps)
            for p in ps:
                if not isinstance(p, Tensor):
                    raise TypeError(f"{name}: parameters must be steepest Tensors, got "
                                    f"{type(p).__name__}")
                if id(p) in seen:
                    raise ValueError(f"{name}: a parameter appears in more than one group")
                seen.add(id(p))
            full = {**self.defaults, **group, "params": ps}
            full["lr"] = check_lr(full["lr"], f"{name}: lr")
            self.param_groups.append(full)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (PyTorch's ``add_param_group``)."""
        self._add_params([group])

    def parameters(self) -> list[Tensor]:
        """All parameters, group by group."""
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (``None``, or zeros with ``set_to_none=False``)."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = Tensor._wrap(np.zeros_like(p.data))

    def _require_params(self) -> None:
        if not self.param_groups:
            raise RuntimeError(f"{type(self).__name__} was built without parameters; pass it to "
                               f"steepest.minimize, or build it as "
                               f"{type(self).__name__}(model.parameters(), lr=...)")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, in place. ``closure`` (optional)
        re-evaluates the loss and its gradients (zero_grad, forward, backward) and returns the
        loss, which ``step`` returns."""
        self._require_params()
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr = lr_at(group["lr"], self.step_count)
            if not self._step_flat(group, lr):
                self._step_each(group, lr)
        self.step_count += 1
        return loss

    def _step_each(self, group: dict[str, Any], lr: float) -> None:
        """The rule applied to each parameter of ``group`` that has a gradient, one by one."""
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state.get(p)
            if state is None:
                state = self.rule_init(p.data, group)
                state["step"] = 0
            new = self._descend(p.data, np.asarray(p.grad.data), state, lr, group)
            new["step"] = state["step"] + 1
            self.state[p] = new

    def _step_flat(self, group: dict[str, Any], lr: float) -> bool:
        """The rule applied once to all of ``group``'s parameters laid end to end (every rule
        is elementwise, so this is :meth:`_step_each` to the bit, without its per-parameter
        Python cost); False — nothing done — when the group does not allow it (one
        parameter, a missing gradient, mixed dtypes, states that differ in their counters)."""
        params = group["params"]
        if len(params) < 2 or any(p.grad is None for p in params):
            return False
        if sum(p.data.size for p in params) > FLAT_SIZE * len(params):
            return False  # large parameters: copying them in and out costs more than it saves
        flat = self._flat.get(id(group))
        if flat is None or not flat.holds(params, self.state):
            flat = _Flat.build(self, params, group)
            if flat is None:
                return False
            self._flat[id(group)] = flat
        flat.step(self, lr, group)
        return True

    def state_dict(self) -> dict[str, Any]:
        """Step count, group options and per-parameter state (parameters by position)."""
        index = {id(p): i for i, p in enumerate(self.parameters())}
        return {"step_count": self.step_count,
                "groups": [{k: v for k, v in g.items() if k != "params"}
                           | {"params": [index[id(p)] for p in g["params"]]}
                           for g in self.param_groups],
                "state": {index[id(p)]: {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                         for k, v in s.items()}
                          for p, s in self.state.items()}}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved (same parameters, same order)."""
        params = self.parameters()
        if len(state_dict["groups"]) != len(self.param_groups):
            raise ValueError("load_state_dict: number of parameter groups differs")
        self.step_count = int(state_dict["step_count"])
        for group, saved in zip(self.param_groups, state_dict["groups"]):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = {params[int(i)]: {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                       for k, v in s.items()}
                      for i, s in state_dict["state"].items()}

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" if not isinstance(v, float) else f"{k}={v:g}"
                         for k, v in self.defaults.items())
        where = f"{len(self.parameters())} params, " if self.param_groups else ""
        return f"{type(self).__name__}({where}{opts})"


#: :meth:`Optimizer._step_flat` lays a group end to end when its parameters hold at most this
#: many numbers on average (small ones, where the per-parameter Python cost dominates)
FLAT_SIZE = 2048


class _Flat:
    """A parameter group laid end to end for :meth:`Optimizer._step_flat`: the flat
    parameters x and gradient g (gathered each step), the rule's state as flat arrays, and
    each parameter's ``optimizer.state[p]`` holding views of those arrays (so the state seen
    per parameter, ``state_dict`` included, is the flat state)."""

    def __init__(self, params: list[Tensor], state: State, views: list[State]):
        self.params = list(params)
        sizes = [p.data.size for p in params]
        self.stops = np.cumsum(sizes).tolist()
        self.shapes = [p.data.shape for p in params]
        self.x = np.empty(self.stops[-1], params[0].data.dtype)
        self.g = np.empty_like(self.x)
        self.x_views, self.g_views = self._views(self.x), self._views(self.g)
        self.state, self.views = state, views
        self.counters = [k for k, v in state.items() if not isinstance(v, np.ndarray)]

    def _views(self, flat: np.ndarray) -> list[np.ndarray]:
        """Each parameter's part of ``flat``, shaped like it."""
        return [part.reshape(shape) for part, shape in zip(np.split(flat, self.stops[:-1]),
                                                            self.shapes)]

    @staticmethod
    def build(opt: Optimizer, params: list[Tensor], group: dict[str, Any]) -> _Flat | None:
        """The flat layout of ``params`` with their current states (fresh ones if none), or
        None when the parameters' dtypes or their states' counters differ."""
        dtype = params[0].data.dtype
        if any(p.data.dtype != dtype or p.grad is None or p.grad.data.dtype != dtype
               for p in params):
            return None
        found = [opt.state.get(p) for p in params]
        states = [st for st in found if st is not None]
        if not states:
            state = opt.rule_init(np.concatenate([p.data.ravel() for p in params]), group)
            state["step"] = 0
        elif len(states) < len(params) or any(st.keys() != states[0].keys() for st in states):
            return None
        else:
            joined = _joined(states)
            if joined is None:
                return None
            state = joined
        views: list[State] = [{} for _ in params]
        flat = _Flat(params, state, views)
        for k, v in state.items():
            parts = np.split(v, flat.stops[:-1]) if isinstance(v, np.ndarray) else [v] * len(params)
            for view, part, shape in zip(views, parts, flat.shapes):
                view[k] = part.reshape(shape) if isinstance(v, np.ndarray) else part
        for p, view in zip(params, views):
            opt.state[p] = view
        return flat

    def holds(self, params: list[Tensor], states: dict[Tensor, State]) -> bool:
        """Still the layout of ``params``, their states still the views (not replaced by
        ``load_state_dict`` or another driver)."""
        dtype = self.x.dtype
        return (len(params) == len(self.params)
                and all(p is q and p.data.shape == s and p.data.dtype == dtype
                        and p.grad is not None and p.grad.data.dtype == dtype
                        and states.get(p) is v
                        for p, q, s, v in zip(params, self.params, self.shapes, self.views)))

    def step(self, opt: Optimizer, lr: float, group: dict[str, Any]) -> None:
        """Gather x and g, run the rule once, write x back into each ``p.data`` (in place)."""
        for p, xv, gv in zip(self.params, self.x_views, self.g_views):
            xv[...] = p.data
            gv[...] = p.grad.data  # type: ignore[union-attr]
        new = opt._descend(self.x, self.g, self.state, lr, group)
        for p, xv in zip(self.params, self.x_views):
            p.data[...] = xv
        for k, v in new.items():
            if isinstance(v, np.ndarray) and k in self.state:
                self.state[k][...] = v
        self.state["step"] = self.state["step"] + 1
        for k in self.counters:
            if k != "step":
                self.state[k] = new[k]
            for view in self.views:
                view[k] = self.state[k]


def _joined(states: list[State]) -> State | None:
    """Per-parameter states as one flat state (None if their counters differ)."""
    first = states[0]
    joined: State = {}
    for k, v in first.items():
        if isinstance(v, np.ndarray):
            joined[k] = np.concatenate([np.asarray(s[k]).ravel() for s in states])
        elif all(s[k] == v for s in states):
            joined[k] = v
        else:
            return None
    return joined


__all__ = ["Optimizer", "State", "VectorRule"]
