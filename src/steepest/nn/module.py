"""Parameter and Module: the bookkeeping every network needs, PyTorch's names and behaviour.

A :class:`Module` owns :class:`Parameter` s and sub-modules. Assigning either as an attribute
registers it (``self.w = Parameter(...)``, ``self.hidden = Linear(3, 4)``, and a list of modules
becomes a :class:`ModuleList`), so ``parameters()``, ``named_parameters()``, ``zero_grad()``,
``state_dict()`` and the printed architecture follow the attribute tree without extra code.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from ..autodiff import Tensor
from ..autodiff.tensor import _as_array
from ..errors import SteepestError
from .init import is_deferred
from .registry import build_module, module_config, register


class Parameter(Tensor):
    """A Tensor that is a learnable weight: a leaf with ``requires_grad=True`` that a Module
    registers when it is assigned as an attribute. Optimizers update ``.data`` from ``.grad``."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None):
        arr = _as_array(data, dtype)
        if not is_deferred():  # a deferred weight is a placeholder the loader replaces
            arr = arr.copy()
        if arr.dtype.kind != "f":
            raise TypeError(f"Parameter: data must be floating point, got dtype {arr.dtype}")
        super().__init__(arr, requires_grad=requires_grad)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", precision=4, threshold=20,
                               prefix="Parameter(")
        return f"Parameter({body}, shape={self.data.shape})"


class Module:
    """Base class of every layer and network.

    Subclasses set parameters and sub-modules as attributes in ``__init__`` (after
    ``super().__init__()``) and define ``forward``; calling the module calls ``forward``. To be
    saved with :func:`steepest.nn.save`, a subclass also returns its constructor arguments from
    ``get_config()`` (JSON-able).
    """

    training: bool

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register(cls)

    _parameters: OrderedDict[str, Parameter]  # set in __init__ (past __setattr__)
    _modules: OrderedDict[str, Module]

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ---- registration ---------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning attributes (while setting {name!r})")
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, Module)
                                                              for v in value):
            value = ModuleList(value)
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    # ---- the forward pass -------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The module's output for its inputs; a subclass defines it, and ``module(x)`` calls it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ---- traversal --------------------------------------------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """``(dotted name, module)`` for this module (name ``prefix``) and every descendant."""
        yield prefix, self
        for name, m in self._modules.items():
            yield from m.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        """This module and every descendant."""
        return (m for _, m in self.named_modules())

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        return iter(self._modules.values())

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs, e.g. ``("layers.0.weight", …)``; a parameter
        shared by two modules is listed once."""
        seen: set[int] = set()
        out = []
        for mod_name, m in self.named_modules(prefix):
            for name, p in m._parameters.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    out.append((f"{mod_name}.{name}" if mod_name else name, p))
        return out

    def parameters(self) -> list[Parameter]:
        """Every learnable parameter, in registration order (a list: iterate it many times)."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        """How many scalar weights the module learns."""
        return int(sum(p.data.size for p in self.parameters()))

    # ---- training state ----------------------------------------------------------------------
    def zero_grad(self) -> None:
        """Forget the accumulated gradients (``p.grad = None`` for every parameter)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout active) for this module and its descendants; returns self."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode (Dropout off); returns self."""
        return self.train(False)

    # ---- state -------------------------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Copies of every parameter's values, keyed by dotted name."""
        return OrderedDict((name, p.data.copy()) for name, p in self.named_parameters())

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> None:
        """Copy values into the parameters (in place). ``strict``: the keys must match exactly.
        Shapes must always match."""
        params = dict(self.named_parameters())
        missing = [k for k in params if k not in state]
        unexpected = [k for k in state if k not in params]
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys "
                           f"{unexpected}")
        for name, value in state.items():
            if name not in params:
                continue
            p, arr = params[name], np.asarray(value)
            if arr.shape != p.data.shape:
                raise ValueError(f"load_state_dict: {name!r} has shape {arr.shape} in the state "
                                 f"but {p.data.shape} in the model")
            p.data = arr.astype(p.data.dtype, copy=True)

    # ---- description -------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module (for ``save``)."""
        raise NotImplementedError(
            f"{type(self).__name__} cannot be saved: define get_config() returning its "
            f"constructor arguments as a JSON-able dict")

    def extra_repr(self) -> str:
        """The one-line summary inside ``Name(...)`` in the printed architecture."""
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, m in self._modules.items():
            child = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child}")
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n" + "\n".join(lines) + "\n)"

    def summary(self) -> str:
        """A table of parameters: dotted name, shape and count, with the total."""
        rows = [(name, str(p.shape), p.data.size) for name, p in self.named_parameters()]
        w = max([len(r[0]) for r in rows] + [9])
        lines = [f"{'parameter':<{w}}  {'shape':<12} {'count':>8}"]
        lines += [f"{n:<{w}}  {s:<12} {c:>8}" for n, s, c in rows]
        lines.append(f"{'total':<{w}}  {'':<12} {self.num_parameters():>8}")
        return "\n".join(lines)

    @property
    def in_features(self) -> int | None:
        """Input width the module expects (None when it does not fix one)."""
        return None

    @property
    def out_features(self) -> int | None:
        """Output width the module produces (None when it does not fix one)."""
        return None

    def save(self, path: Any, *, snapshots: Any = None) -> None:
        """Write architecture and weights to one ``.npz`` file, with the training path if
        ``snapshots`` is given (a ``fit`` history; see :func:`steepest.nn.save`)."""
        from .serialization import save

        save(self, path, snapshots=snapshots)


class ModuleList(Module):
    """A list of modules that registers its items (names ``"0"``, ``"1"``, …)."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end (registered, so ``parameters()`` finds it); returns self."""
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList: items must be Modules, got {type(module).__name__}")
        self._modules[str(len(self._modules))] = module
        return self

    def __getitem__(self, i: int | slice) -> Any:
        items = list(self._modules.values())
        return ModuleList(items[i]) if isinstance(i, slice) else items[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Not defined: a ModuleList only holds modules (iterate over it); raises TypeError."""
        raise TypeError("ModuleList holds modules but has no forward; iterate over it")

    def get_config(self) -> dict[str, Any]:
        return {"modules": [module_config(m) for m in self]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ModuleList:
        """The list rebuilt from :meth:`get_config`'s dict, each module from its own config."""
        return cls([build_module(c) for c in _module_specs(config, cls.__name__)])


class Sequential(Module):
    """Modules applied one after another: ``Sequential(Linear(2, 8), Tanh(), Linear(8, 1))``."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: argument {i} is a {type(m).__name__}, not a Module")
            self._modules[str(i)] = m

    def forward(self, x: Any) -> Tensor:
        """The modules applied in order: x ↦ mₖ(… m₂(m₁(x)))."""
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    @property
    def in_features(self) -> int | None:
        for m in self:
            if m.in_features is not None:
                return m.in_features
        return None

    @property
    def out_features(self) -> int | None:
        for m in reversed(list(self)):
            if m.out_features is not None:
                return m.out_features
        return None

    def get_config(self) -> dict[str, Any]:
        return {"modules": [module_config(m) for m in self]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Sequential:
        """The chain rebuilt from :meth:`get_config`'s dict, each module from its own config."""
        return cls(*[build_module(c) for c in _module_specs(config, cls.__name__)])


def _module_specs(config: dict[str, Any], who: str) -> list[Any]:
    """The ``"modules"`` list of a container's config (and nothing else)."""
    specs = config.get("modules")
    if set(config) != {"modules"} or not isinstance(specs, list):
        raise SteepestError(f"{who}: the config must be {{'modules': [...]}}, got keys "
                            f"{sorted(config)}")
    return specs
