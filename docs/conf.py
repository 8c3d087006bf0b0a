"""Sphinx configuration for steepest's documentation.

Build (zero warnings, internal links checked)::

    python -m sphinx -W -n -b html docs docs/_build/html

The API reference pages are written from each public module's ``__all__`` when the build
starts (``docs/_ext/steepest_api.py``), which also fails the build on a public name without a
docstring. The gallery (``examples/gallery/plot_*.py``) and the notebooks (``examples/*.ipynb``)
are executed during the build; both are cached under ``docs/_build`` between builds.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import steepest

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "steepest"
author = "the steepest developers"
copyright = "2026, the steepest developers"  # noqa: A001 (Sphinx's name)
version = release = steepest.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
    "sphinx_gallery.gen_gallery",
    "steepest_api",
]

exclude_patterns = ["_build", "gallery", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints",
                    "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip"]
templates_path = ["_templates"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
nitpicky = True
# type hints name private or third-party classes that have no page here
# (no intersphinx: the build must work offline), and private bases
nitpick_ignore_regex = [
    (r"py:.*", r"(np|numpy|ndarray|matplotlib|mpl_toolkits|torch|scipy|plotly|dask|sklearn)"
     r"(\..*)?"),
    (r"py:.*", r"(collections|abc|os|pathlib|types|typing|numbers|enum|io)\..*"),
    (r"py:.*", r"(Path|PathLike|UnionType)"),
    # autodoc's short form of a dataclass field's generic hint, split at its comma
    (r"py:class", r"(dict|tuple|list)\[.*"),
    (r"py:.*", r".*\._[A-Za-z].*"),
]

# ---- autodoc / numpydoc -----------------------------------------------------------------------
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_preserve_defaults = False
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = False

# ---- MyST-NB: user guide pages and the notebooks --------------------------------------------
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = os.environ.get("STEEPEST_DOCS_EXECUTE", "cache")
nb_execution_cache_path = str(DOCS / "_build" / ".jupyter_cache")
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

# ---- sphinx-gallery ---------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples" / "gallery"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "matplotlib_animations": False,
    "download_all_examples": True,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "reset_modules": ("matplotlib",),
    "abort_on_example_error": True,
}

# ---- HTML -------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"steepest {release}"
html_static_path = ["_static"]
html_css_files = ["steepest.css"]
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_context = {"default_mode": "light"}


def copy_notebooks(app: object) -> None:
    """The notebooks live in examples/ (where users open them); Sphinx reads them from here."""
    import shutil

    out = DOCS / "notebooks"
    out.mkdir(exist_ok=True)
    for nb in sorted((ROOT / "examples").glob("*.ipynb")):
        target = out / nb.name
        if not target.exists() or target.read_bytes() != nb.read_bytes():
            shutil.copyfile(nb, target)


def setup(app: object) -> None:
    app.connect("builder-inited", copy_notebooks)  # type: ignore[attr-defined]
