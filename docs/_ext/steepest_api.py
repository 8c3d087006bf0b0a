"""The API reference, written from each public module's ``__all__``, and the check that keeps it
whole.

When the build starts, one page per public module is written to ``docs/api/`` (only when its
text changed, so incremental builds stay incremental): the module's docstring, a summary table,
then every name it exports — classes with their public methods and properties, functions and
constants. A name that several modules export (``steepest.tanh`` is ``steepest.autodiff.tanh``;
``Diagnosis`` is exported by ``curvature`` and ``nn``) is documented once, in the module that
defines it, and the other pages link there; references to any of its other spellings resolve to
that one entry.

The build fails (a warning, and the build runs with ``-W``) when

* a public name — an exported class, function, constant, or a public method or property of an
  exported class — has no docstring (constants: no ``#:`` comment);
* a name that a page should document did not make it into the reference;
* a public module of the package is neither on the list below nor deliberately left out.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: the public modules, one reference page each, in the order of the reference's index
PUBLIC_MODULES = (
    "steepest", "steepest.autodiff", "steepest.nn", "steepest.optim", "steepest.minimize",
    "steepest.descent", "steepest.curvature", "steepest.problems", "steepest.datasets",
    "steepest.landscape", "steepest.plot", "steepest.animate", "steepest.estimators",
    "steepest.report", "steepest.explore",
)
#: modules of the package that are not API: the command line has its own page
NOT_API = {"steepest.cli"}
KINDS = ("Classes", "Exceptions", "Functions", "Constants", "Returned classes")
SINGULAR = {"Classes": "class", "Exceptions": "exception", "Functions": "function",
            "Constants": "constant", "Returned classes": "class"}


@dataclass
class Entry:
    """One exported name: where it is listed and where it is documented."""

    module: str      # the module whose ``__all__`` lists it
    name: str
    obj: Any
    kind: str        # one of KINDS
    home: str = ""   # the full name it is documented under

    @property
    def path(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass
class Section:
    """A module, or a submodule of a package documented on its package's page."""

    module: str
    entries: list[Entry] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)


def kind_of_alias(obj: Any) -> bool:
    """A type alias (``dict[str, Any]``, ``Callable[..., float]``)."""
    return isinstance(obj, (types.GenericAlias, types.UnionType)) or \
        type(obj).__module__ == "typing"


def kind_of(obj: Any) -> str:
    if kind_of_alias(obj):
        return "Constants"  # documented by its comment, like a constant
    if inspect.isclass(obj):
        return "Exceptions" if issubclass(obj, BaseException) else "Classes"
    if callable(obj):
        return "Functions"
    return "Constants"


def public_names(mod: types.ModuleType) -> list[str]:
    """``__all__``, or for a package without one its public submodules."""
    if hasattr(mod, "__all__"):
        return [n for n in mod.__all__ if not n.startswith("__")]
    return [m.name for m in pkgutil.iter_modules(getattr(mod, "__path__", []))
            if not m.name.startswith("_")]


def collect(module: str) -> Section:
    mod = importlib.import_module(module)
    section = Section(module)
    for name in public_names(mod):
        obj = getattr(mod, name, None)
        if obj is None and hasattr(mod, "__path__"):
            obj = importlib.import_module(f"{module}.{name}")
        if isinstance(obj, types.ModuleType):
            section.subsections.append(collect(obj.__name__))
        else:
            section.entries.append(Entry(module, name, obj, kind_of(obj)))
    return section


def walk(section: Section):
    yield section
    for sub in section.subsections:
        yield from walk(sub)


def returned_classes(obj: Any) -> set[type]:
    """steepest classes named in the annotations of a function, or of a class's methods (what
    it takes and returns)."""
    funcs = [obj] if not inspect.isclass(obj) else [
        v.fget if isinstance(v, property) else getattr(v, "__func__", v)
        for _, v in public_members(obj)]
    out: set[type] = set()
    for func in funcs:
        try:
            hints = list(typing.get_type_hints(func).values())
        except Exception:  # a name only imported for type checking
            continue
        stack = hints
        while stack:
            h = stack.pop()
            stack += typing.get_args(h)
            if inspect.isclass(h) and h.__module__.startswith("steepest."):
                out.add(h)
    return out


def add_returned(sections: list[Section]) -> None:
    """A class that public functions take or return but no module exports (a plot's Display, a
    result object) is documented on the page of the first function naming it."""
    known = {id(e.obj) for top in sections for sec in walk(top) for e in sec.entries}
    for _ in range(3):  # returned objects' methods may return further objects
        for top in sections:
            for sec in walk(top):
                for e in list(sec.entries):
                    if e.kind == "Constants":
                        continue
                    for cls in sorted(returned_classes(e.obj), key=lambda c: c.__qualname__):
                        if id(cls) not in known:
                            known.add(id(cls))
                            sec.entries.append(Entry(cls.__module__, cls.__qualname__, cls,
                                                     "Returned classes"))


def assign_homes(sections: list[Section]) -> dict[int, str]:
    """Each class or function is documented once: under the listing module that is the longest
    prefix of its ``__module__`` (ties: the first page). Returns id(obj) → home."""
    homes: dict[int, tuple[int, str]] = {}
    for top in sections:
        for sec in walk(top):
            for e in sec.entries:
                if e.kind == "Constants":
                    e.home = e.path
                    continue
                defined = getattr(e.obj, "__module__", "") or ""
                score = len(sec.module) if (defined + ".").startswith(sec.module + ".") else 0
                if id(e.obj) not in homes or score > homes[id(e.obj)][0]:
                    homes[id(e.obj)] = (score, e.path)
    for top in sections:
        for sec in walk(top):
            for e in sec.entries:
                if e.kind != "Constants":
                    e.home = homes[id(e.obj)][1]
    return {k: v for k, (_, v) in homes.items()}


# ---- docstrings -----------------------------------------------------------------------------


def own_bases(cls: type) -> list[type]:
    """The class and its private bases from its package (whose members no page documents)."""
    return [cls] + [b for b in cls.__mro__[1:]
                    if package_of(b) == package_of(cls) and b.__name__.startswith("_")]


def package_of(obj: Any) -> str:
    return (getattr(obj, "__module__", None) or "").partition(".")[0]


def public_members(cls: type) -> list[tuple[str, Any]]:
    """Public methods and properties written in the class's package, defined on the class itself
    or on a private base (methods that scikit-learn or the standard library add are theirs)."""
    out: dict[str, Any] = {}
    for klass in own_bases(cls):
        for name, value in vars(klass).items():
            if name.startswith("_") or name in out:
                continue
            func = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
            func = func.fget if isinstance(func, property) else func
            if inspect.isfunction(func) and package_of(func) == package_of(cls):
                out[name] = value
    return list(out.items())


def member_doc(cls: type, name: str) -> str | None:
    return inspect.getdoc(getattr(cls, name, None)) if hasattr(cls, name) else None


def constant_doc(module: str, name: str, obj: Any) -> str:
    """The ``#:`` comment of a constant, looked up in the module that assigns it."""
    for candidate in defining_modules(module, name, obj):
        try:
            docs = ModuleAnalyzer.for_module(candidate).find_attr_docs()
        except Exception:  # a module without source
            continue
        if ("", name) in docs:
            return "\n".join(docs[("", name)]).strip()
    return ""


def defining_modules(module: str, name: str, obj: Any) -> list[str]:
    """The module itself, then its submodules that export the same object under that name."""
    out = [module]
    mod = importlib.import_module(module)
    for info in pkgutil.walk_packages(getattr(mod, "__path__", []), prefix=module + "."):
        sub = importlib.import_module(info.name)
        if getattr(sub, name, None) is obj:
            out.append(info.name)
    return out


def problems(sections: list[Section]) -> list[str]:
    """Every public name without a docstring, and every public module not in the reference."""
    return undocumented(sections) + missing_modules(sections)


def undocumented(sections: list[Section]) -> list[str]:
    """Exported names, and public methods of exported classes, without a docstring."""
    found = []
    seen: set[int] = set()
    for top in sections:
        for sec in walk(top):
            for e in sec.entries:
                if e.kind == "Constants":
                    if not constant_doc(e.module, e.name, e.obj):
                        found.append(f"{e.path}: a public constant without a '#:' comment")
                    continue
                if id(e.obj) in seen:
                    continue
                seen.add(id(e.obj))
                if not inspect.getdoc(e.obj):
                    found.append(f"{e.home}: a public {SINGULAR[e.kind]} without a docstring")
                if inspect.isclass(e.obj):
                    found += [f"{e.home}.{m}: a public method without a docstring"
                              for m, _ in public_members(e.obj) if not member_doc(e.obj, m)]
    return found


def missing_modules(sections: list[Section]) -> list[str]:
    """Public modules of the package with a page of their own, or whose every name another page
    documents (``steepest.errors``: its exceptions are ``steepest``'s)."""
    listed = {sec.module for top in sections for sec in walk(top)} | NOT_API
    documented = {id(e.obj) for top in sections for sec in walk(top) for e in sec.entries}
    found = []
    package = importlib.import_module("steepest")
    for info in pkgutil.iter_modules(package.__path__, prefix="steepest."):
        if info.name.rsplit(".", 1)[1].startswith("_") or info.name in listed:
            continue
        mod = importlib.import_module(info.name)
        names = getattr(mod, "__all__", None)
        if names is None or any(id(getattr(mod, n)) not in documented for n in names):
            found.append(f"{info.name}: a public module missing from the API reference "
                         "(add it to PUBLIC_MODULES in docs/_ext/steepest_api.py)")
    return found


# ---- the pages --------------------------------------------------------------------------------


def heading(text: str, char: str) -> str:
    return f"{text}\n{char * len(text)}\n"


def indent(text: str, by: str = "   ") -> str:
    return "\n".join(by + line if line else "" for line in text.splitlines())


def entry_rst(e: Entry) -> str:
    if e.kind == "Constants":
        doc = constant_doc(e.module, e.name, e.obj)
        alias = kind_of_alias(e.obj)
        shown = f"   :value: {e.obj!r}" if alias else f"   :type: {type(e.obj).__name__}"
        return f".. py:data:: {e.name}\n   :module: {e.module}\n{shown}\n\n{indent(doc)}\n"
    directive = {"Classes": "autoclass", "Exceptions": "autoexception",
                 "Functions": "autofunction", "Returned classes": "autoclass"}[e.kind]
    options = ""
    if e.kind != "Functions":
        members = ", ".join(name for name, _ in public_members(e.obj))
        options = (f"   :members: {members}\n" if members else "") + "   :show-inheritance:\n"
    return f".. {directive}:: {e.path}\n{options}"


def relative(name: str, module: str) -> str:
    """autosummary wants names under the current module written relative to it."""
    return name[len(module) + 1:] if name.startswith(module + ".") else name


def summary_rst(section: Section) -> str:
    rows = [f"   ~{relative(e.home, section.module)}" for e in section.entries
            if e.kind not in ("Constants", "Returned classes")]
    if not rows:
        return ""
    return ".. autosummary::\n   :nosignatures:\n\n" + "\n".join(rows) + "\n"


def section_rst(section: Section, level: int) -> str:
    chars = "=-^~"
    parts = [heading(f"``{section.module}``", chars[level]) if level else "",
             f".. automodule:: {section.module}\n   :no-members:\n",
             f".. currentmodule:: {section.module}\n", summary_rst(section)]
    here = [e for e in section.entries if e.home == e.path]
    for kind in KINDS:
        block = [entry_rst(e) for e in here if e.kind == kind]
        if block:
            parts.append(heading(kind if level == 0 else f"{kind} ({section.module})",
                                 chars[level + 1]))
            parts += block
    parts += [section_rst(sub, level + 1) for sub in section.subsections]
    return "\n".join(p for p in parts if p)


def page_rst(section: Section) -> str:
    title = f"``{section.module}``"
    note = (".. This page is written by docs/_ext/steepest_api.py from the module's __all__;"
            " edit the docstrings, not this file.\n")
    return note + "\n" + heading(title, "#") + "\n" + section_rst(section, 0)


def index_rst() -> str:
    lines = [heading("API reference", "#"),
             "One page per public module, written from its ``__all__`` and its docstrings. A "
             "name that several modules export is documented once, where it is defined, and "
             "linked from the others.\n",
             ".. toctree::\n   :maxdepth: 1\n"]
    lines += [f"   {m}" for m in PUBLIC_MODULES]
    return "\n".join(lines) + "\n"


def write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def generate(app: Sphinx) -> None:
    sections = [collect(m) for m in PUBLIC_MODULES]
    add_returned(sections)
    homes = assign_homes(sections)
    app.env.steepest_homes = homes  # type: ignore[attr-defined]
    app.env.steepest_expected = sorted(  # type: ignore[attr-defined]
        {e.home for top in sections for sec in walk(top) for e in sec.entries})
    out = Path(app.srcdir) / "api"
    out.mkdir(exist_ok=True)
    write_if_changed(out / "index.rst", index_rst())
    for sec in sections:
        write_if_changed(out / f"{sec.module}.rst", page_rst(sec))
    for message in problems(sections):
        logger.warning(message, type="steepest", subtype="api")


# ---- references: any spelling of a public name finds its one entry ------------------------------


def resolve(dotted: str, prefixes: list[str]) -> Any:
    """The object a dotted name means, tried under each prefix (class, module, none), or None."""
    for candidate in [f"{p}.{dotted}" for p in prefixes if p] + [dotted]:
        parts = candidate.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                obj: Any = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            try:
                for attr in parts[cut:]:
                    obj = getattr(obj, attr)
            except AttributeError:
                break
            return obj
    return None


def documented_module(name: str) -> str | None:
    """The closest public module page for a module name (``steepest.optim.optimizers`` → optim)."""
    while name:
        if name in PUBLIC_MODULES or name.startswith("steepest.descent."):
            return name
        name = name.rpartition(".")[0]
    return None


def member_home(obj: Any, homes: dict[int, str]) -> str | None:
    """A method or property's entry: its name under the documented class that defines it."""
    func = obj.fget if isinstance(obj, property) else getattr(obj, "__func__", obj)
    qualname = getattr(func, "__qualname__", "")
    owner_name, _, name = qualname.rpartition(".")
    if not owner_name or "<" in owner_name:
        return None
    owner = resolve(owner_name, [getattr(func, "__module__", "")])
    home = homes.get(id(owner))
    return f"{home}.{name}" if home else None


def new_target(target: str, prefixes: list[str], homes: dict[int, str]) -> str | None:
    obj = resolve(target, prefixes)
    if obj is None:
        return None
    if isinstance(obj, types.ModuleType):
        return documented_module(obj.__name__)
    return homes.get(id(obj)) or member_home(obj, homes)


def missing_reference(app: Sphinx, env: BuildEnvironment, node: Any, contnode: Any) -> Any:
    """Any spelling of a public name (``steepest.minimize``, ``nn.Diagnosis``, an inherited
    method, a private module that defines it) finds the one entry that documents it."""
    if node.get("refdomain") != "py":
        return None
    module, cls = node.get("py:module") or "", node.get("py:class") or ""
    prefixes = [f"{module}.{cls}" if cls else "", module]
    new = new_target(node["reftarget"].lstrip("~."), prefixes,
                     getattr(env, "steepest_homes", {}))
    if not new or new == node["reftarget"]:
        return None
    domain = env.get_domain("py")
    for role in ("obj", "mod", "meth", "attr"):
        found = domain.resolve_xref(env, node["refdoc"], app.builder, role, new, node,
                                    contnode)
        if found is not None:
            return found
    return None


_LITERAL = re.compile(r"(``.*?``|`[^`]*`)")


def plain_bars(app: Sphinx, what: str, name: str, obj: Any, options: Any,
               lines: list[str]) -> None:
    """Docstrings are written for ``help()`` with Unicode math: ``|x|`` is an absolute value,
    never a reST substitution. Bars outside literals and tables are escaped for reST."""
    for i, line in enumerate(lines):
        if "|" in line and not line.lstrip().startswith(("| ", "+-", "+=")):
            parts = _LITERAL.split(line)
            lines[i] = "".join(p if k % 2 else p.replace("|", "\\|")
                               for k, p in enumerate(parts))


def check_complete(app: Sphinx, env: BuildEnvironment) -> None:
    objects = env.get_domain("py").objects  # type: ignore[attr-defined]
    for name in getattr(env, "steepest_expected", []):
        if name not in objects:
            logger.warning(f"{name}: listed in __all__ but not in the API reference",
                           type="steepest", subtype="api")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", generate)
    app.connect("missing-reference", missing_reference)
    app.connect("autodoc-process-docstring", plain_bars)
    app.connect("env-check-consistency", check_complete)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


__all__ = ["PUBLIC_MODULES", "collect", "missing_reference", "problems", "setup", "undocumented"]
