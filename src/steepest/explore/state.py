"""The explorer's state in the URL (a link reproduces the view, as TensorFlow Playground's do)
and the per-tab sessions that hold what cannot travel in a URL (a network being trained).

The query string is ``view=lab&problem=rosenbrock&lr=0.0022&…``: every key is one control;
unknown keys and values that do not parse are ignored (the control keeps its default), so a
hand-edited or old link never breaks the page.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

VIEWS = ("lab", "play", "land")


def encode(view: str, settings: Mapping[str, Any]) -> str:
    """``?view=…&key=value…`` for a view and its settings (None values left out; a start
    point as ``x,y``; floats in their shortest exact form)."""
    pairs: list[tuple[str, str]] = [("view", view)]
    for key, value in settings.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            text = ",".join(_num(v) for v in value)
        else:
            text = value if isinstance(value, str) else _num(value)
        pairs.append((key, text))
    return "?" + urlencode(pairs)


def _num(v: Any) -> str:
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


def decode(search: str | None, defaults: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The view and the settings a query string asks for, starting from ``defaults`` (each
    value is converted to the type of its default; a start as a pair of floats)."""
    query = dict(parse_qsl((search or "").lstrip("?")))
    view = query.get("view", VIEWS[0])
    out = dict(defaults)
    for key, text in query.items():
        if key not in defaults or key == "view":
            continue
        value = _parse(text, defaults[key], key)
        if value is not None:
            out[key] = value
    return (view if view in VIEWS else VIEWS[0]), out


def _parse(text: str, default: Any, key: str) -> Any:
    try:
        if key == "start":
            x, y = (float(t) for t in text.split(","))
            return [x, y]
        if isinstance(default, bool):
            return text not in ("0", "false", "")
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
        if isinstance(default, (list, tuple)):
            return [int(t) for t in text.split(",") if t]
    except ValueError:
        return None
    return text


class Sessions:
    """Per-tab objects (a model and its optimizer), keyed by the id each page load gets; the
    least recently used are dropped beyond ``capacity`` (an abandoned tab frees its network).
    One lock per session: a tab's callbacks never step one network from two threads."""

    def __init__(self, capacity: int = 64) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._guard = threading.Lock()

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    def get(self, sid: str) -> dict[str, Any]:
        """The session's dict (created empty, with its ``"lock"``, on first use)."""
        with self._guard:
            item = self._items.get(sid)
            if item is None:
                item = self._items[sid] = {"lock": threading.Lock()}
                while len(self._items) > self.capacity:
                    self._items.popitem(last=False)
            self._items.move_to_end(sid)
            return item

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, dict[str, Any]]]:
        """(id, session) pairs, least recently used first."""
        with self._guard:
            return list(self._items.items())
