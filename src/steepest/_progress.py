"""One progress bar for every long loop (descent, training, landscapes, animations).

:func:`progress_bar` returns a tqdm bar (``tqdm.auto``: a widget in Jupyter, text in a terminal)
or, when disabled or tqdm cannot be imported, a bar that does nothing, so loops call
``bar.update`` unconditionally. Library functions take ``progress=False`` by default: a bar
appears only when asked for. This is the only module that imports tqdm::

    >>> with progress_bar(3, "demo", "step", enabled=False) as bar:
    ...     for _ in range(3):
    ...         bar.update(1)
    >>> bar.n
    3
"""

from __future__ import annotations

from typing import Any


class _Silent:
    """The bar's interface, doing nothing but counting (no import of tqdm)."""

    def __init__(self, total: int | None, initial: int = 0) -> None:
        self.total, self.n = total, initial

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass

    def set_postfix_str(self, *args: Any, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress_bar(total: int | None, desc: str, unit: str, *, enabled: bool = True,
                 initial: int = 0, leave: bool = False) -> Any:
    """A tqdm bar over ``total`` ``unit``\\ s labelled ``desc`` (a silent stand-in when not
    ``enabled`` or without tqdm); use it as a context manager or call ``close()``."""
    if enabled:
        try:
            from tqdm.auto import tqdm
        except ImportError:  # a dependency, but a trimmed environment may lack it: no bar
            pass
        else:
            return tqdm(total=total, initial=initial, desc=desc, unit=unit, leave=leave,
                        smoothing=0.1)
    return _Silent(total, initial)


__all__ = ["progress_bar"]
