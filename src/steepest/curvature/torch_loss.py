"""The one adapter between a PyTorch model and steepest's curvature tools.

:class:`TorchLoss` is a model's training loss as a function of its flat parameter vector θ,
with exact Hessian-vector products by ``torch.func`` (reverse over reverse: the VJP of the
gradient, whose graph is recorded once per θ and replayed for every product). The model, the
data and every product stay on the model's device and dtype; only θ and the vectors v cross as
float64 NumPy arrays, so the NumPy algorithms — Lanczos (``hessian_eigs``, ``sharpness``,
tracking), stochastic Lanczos quadrature (``spectral_density``), Hutchinson's trace — run
unchanged on a model that lives on the GPU. :func:`as_loss` turns "a model + data + loss" (a
steepest ``Module`` or a PyTorch ``nn.Module``) into that function; :func:`torch_rule` and
:func:`torch_state` read a ``torch.optim`` optimizer as the steepest rule of the same
definition and its preconditioner, for the stability limits (the extra ``torch``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SteepestError, SteepestTypeError


def _torch() -> Any:
    try:
        import torch
    except ImportError:  # pragma: no cover - the extra is missing
        raise ImportError("a PyTorch model needs the torch extra: pip install "
                          "'steepest[torch]'") from None
    return torch


def torch_loss_function(loss: Any) -> Any:
    """A PyTorch loss callable: ``loss`` itself, or for a steepest loss name ("mse",
    "bce_with_logits", "cross_entropy", …) the ``torch.nn`` module of the same definition."""
    if callable(loss):
        return loss
    from ..nn.losses import loss_info
    info = loss_info(loss) if isinstance(loss, str) else None
    if info is None or info.torch is None:
        raise SteepestError(f"loss {loss!r} has no PyTorch form; pass a PyTorch loss function "
                            f"(e.g. torch.nn.MSELoss()) or one of 'mse', 'mae', 'huber', 'bce', "
                            f"'bce_with_logits', 'cross_entropy'")
    return getattr(_torch().nn, info.torch)()


class TorchLoss:
    """θ ↦ loss(model_θ(X), y) for a ``torch.nn.Module``.

    ``theta``: the model's current parameters flattened in ``named_parameters()`` order (float64
    NumPy); ``value(θ)`` (also ``f(θ)``), ``value_and_grad(θ)`` and ``hvp(θ, v)`` = ∇²L(θ)·v,
    computed in the model's dtype on its device. ``loss``: a PyTorch loss function or a steepest
    loss name. The model is evaluated in the mode it is in and never modified
    (``torch.func.functional_call`` on copies of its buffers).
    """

    def __init__(self, model: Any, X: Any, y: Any, loss: Any) -> None:
        self.torch = _torch()
        if not is_torch_module(model):
            raise SteepestTypeError(f"TorchLoss: model must be a torch.nn.Module, got "
                                    f"{type(model).__name__}")
        named = list(model.named_parameters())
        if not named:
            raise SteepestError("TorchLoss: the model has no parameters")
        self.model, self.loss = model, torch_loss_function(loss)
        self.names = [n for n, _ in named]
        self.shapes = [p.shape for _, p in named]
        self.sizes = [p.numel() for _, p in named]
        self.dtype, self.device = named[0][1].dtype, named[0][1].device
        self.X = self._on_device(X, floating=True)
        self.y = self._on_device(y, floating=None)
        self._key: np.ndarray | None = None
        self._vjp: Any = None

    def _on_device(self, a: Any, floating: bool | None) -> Any:
        """``a`` as a tensor on the model's device; floating data in the model's dtype
        (integer class labels stay integers)."""
        t = a if isinstance(a, self.torch.Tensor) else self.torch.as_tensor(np.asarray(a))
        if floating or t.is_floating_point():
            return t.to(device=self.device, dtype=self.dtype)
        return t.to(device=self.device)

    @property
    def theta(self) -> np.ndarray:
        """The model's current parameters as one float64 vector."""
        with self.torch.no_grad():
            flat = self.torch.cat([p.reshape(-1) for p in self.model.parameters()])
        return np.asarray(flat.detach().cpu().double().numpy())

    def _split(self, flat: Any) -> dict[str, Any]:
        chunks = self.torch.split(flat, self.sizes)
        return {n: c.reshape(s) for n, c, s in zip(self.names, chunks, self.shapes)}

    def loss_of(self, flat: Any) -> Any:
        """The loss at the flat parameter tensor ``flat`` (differentiable in it)."""
        from torch.func import functional_call
        buffers = {n: b.detach().clone() for n, b in self.model.named_buffers()}
        out = functional_call(self.model, {**self._split(flat), **buffers}, (self.X,))
        return self.loss(out, self.y)

    def _tensor(self, a: Any) -> Any:
        return self.torch.as_tensor(np.asarray(a, dtype=float), dtype=self.dtype,
                                    device=self.device)

    def value(self, theta: Any) -> float:
        """L(θ)."""
        with self.torch.no_grad():
            return float(self.loss_of(self._tensor(theta)))

    __call__ = value

    def value_and_grad(self, theta: Any) -> tuple[float, np.ndarray]:
        """(L(θ), ∇L(θ)) by one backward pass."""
        from torch.func import grad_and_value
        g, value = grad_and_value(self.loss_of)(self._tensor(theta))
        return float(value), np.asarray(g.detach().cpu().double().numpy())

    def hvp(self, theta: Any, v: Any) -> np.ndarray:
        """∇²L(θ)·v, exact: the VJP of the gradient (H is symmetric), whose graph is built once
        for each new θ and reused for every v at the same θ."""
        from torch.func import grad, vjp
        theta = np.asarray(theta, dtype=float)
        if self._key is None or not np.array_equal(theta, self._key):
            self._vjp = vjp(grad(self.loss_of), self._tensor(theta))[1]
            self._key = theta.copy()
        (out,) = self._vjp(self._tensor(v))
        return np.asarray(out.detach().cpu().double().numpy())


def is_torch_module(obj: Any) -> bool:
    """True for a ``torch.nn.Module`` (without importing torch when it is not loaded)."""
    from ..landscape.params import _is_torch_module
    return bool(_is_torch_module(obj))


def is_torch_optimizer(obj: Any) -> bool:
    """True for a ``torch.optim.Optimizer`` (without importing torch when it is not loaded)."""
    return any(c.__module__.startswith("torch.optim") and c.__name__ == "Optimizer"
               for c in type(obj).__mro__)


def as_loss(fun: Any, x: Any, y: Any, loss: Any, owner: str) -> tuple[Any, np.ndarray]:
    """``(θ ↦ loss, θ)`` for "a model + data + loss" — a PyTorch ``nn.Module``
    (:class:`TorchLoss`) or a steepest ``Module`` (``nn.loss_of_parameters``), both at the
    model's current parameters — or ``(fun, x)`` unchanged for a function and its point."""
    from ..nn.module import Module
    model = is_torch_module(fun) or isinstance(fun, Module)
    if not model:
        if y is not None or loss is not None:
            raise SteepestTypeError(f"{owner}: y= and loss= go with a model (a steepest or "
                                    f"PyTorch Module), got {type(fun).__name__}")
        if x is None:
            raise SteepestTypeError(f"{owner}: give the point x (or a model with data)")
        return fun, np.asarray(x, dtype=float).ravel()
    if x is None or y is None or loss is None:
        raise SteepestError(f"{owner}: a model needs data and a loss: "
                            f"{owner}(model, X, y=y, loss='mse')")
    if is_torch_module(fun):
        f = TorchLoss(fun, x, y, loss)
        return f, f.theta
    from ..nn.vector import loss_of_parameters, parameters_to_vector
    return loss_of_parameters(fun, x, y, loss), parameters_to_vector(fun)


# ---- torch.optim optimizers as the steepest rules of the same definition ---------------------
def _group_float(group: dict[str, Any], key: str) -> float:
    return float(group.get(key) or 0.0)


def torch_rule(optimizer: Any) -> Any:
    """The ``steepest.optim`` rule a ``torch.optim`` optimizer runs (its first parameter group's
    hyperparameters): SGD → GD or Momentum, Adam/AdamW/RMSprop/Adagrad → the same; it states the
    stability limit (``lr_limit``) and the preconditioned curvature (``curvature_operator``)."""
    from .. import optim
    g, name = optimizer.param_groups[0], type(optimizer).__name__
    lr, wd = _group_float(g, "lr"), _group_float(g, "weight_decay")
    if name == "SGD":
        if _group_float(g, "dampening"):
            raise SteepestError("torch SGD with dampening has no steepest rule; use dampening=0")
        if _group_float(g, "momentum"):
            return optim.Momentum(lr=lr, momentum=float(g["momentum"]), weight_decay=wd,
                                  nesterov=bool(g.get("nesterov")))
        return optim.GD(lr=lr, weight_decay=wd)
    if name in ("Adam", "AdamW"):
        cls = optim.Adam if name == "Adam" else optim.AdamW
        b1, b2 = (float(b) for b in g["betas"])
        return cls(lr=lr, betas=(b1, b2), eps=float(g["eps"]),
                   weight_decay=wd, amsgrad=bool(g.get("amsgrad")))
    if name == "RMSprop":
        return optim.RMSprop(lr=lr, alpha=float(g["alpha"]), eps=float(g["eps"]),
                             weight_decay=wd, momentum=_group_float(g, "momentum"),
                             centered=bool(g.get("centered")))
    if name == "Adagrad":
        return optim.Adagrad(lr=lr, eps=float(g["eps"]), weight_decay=wd,
                             initial_accumulator_value=_group_float(
                                 g, "initial_accumulator_value"))
    raise SteepestError(f"no stability limit is known for torch.optim.{name}; supported: SGD, "
                        f"Adam, AdamW, RMSprop, Adagrad")


#: torch.optim state names → the steepest rule's (what the preconditioner reads)
_STATE_KEYS = {"exp_avg": "m", "exp_avg_sq": "v", "max_exp_avg_sq": "v_max",
               "square_avg": "square_avg", "grad_avg": "grad_avg", "sum": "sum"}


def torch_state(optimizer: Any, model: Any) -> dict[str, Any] | None:
    """The optimizer's state over the flat parameter vector, in the steepest rule's names
    (Adam's ``exp_avg_sq`` → ``v``, its ``step`` → ``t``; RMSprop's ``square_avg``; Adagrad's
    ``sum``), arrays concatenated in ``parameters()`` order; None before the first step."""
    states = [optimizer.state.get(p) for p in model.parameters()]
    if not states or any(not s for s in states):
        return None
    flat: dict[str, Any] = {"t": int(float(states[0].get("step", 0)))}
    for key, ours in _STATE_KEYS.items():
        if key in states[0]:
            parts = [s[key].detach().reshape(-1) for s in states]
            flat[ours] = np.asarray(_torch().cat(parts).cpu().double().numpy())
    return flat


__all__ = ["TorchLoss", "as_loss", "is_torch_module", "is_torch_optimizer", "torch_loss_function",
           "torch_rule", "torch_state"]
