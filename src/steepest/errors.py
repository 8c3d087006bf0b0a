"""The library's refusals: one error type to catch, whatever steepest refused and why.

Every bad argument, bad file or impossible request that steepest detects raises a
:class:`SteepestError` (a ``ValueError``) whose message names the argument, file, shape or value
at fault. A wrong *type* raises :class:`SteepestTypeError`, which is both a ``SteepestError`` and
a ``TypeError``, so ``except TypeError`` keeps working. The command line turns every
``SteepestError`` into one line on stderr and exit code 2; anything else is a bug.

>>> from steepest.errors import SteepestError
>>> from steepest._validate import check_int
>>> try:
...     check_int("a", "surface_2d: resolution")
... except SteepestError as exc:
...     print(exc)
surface_2d: resolution must be an integer, got 'a' (str)
"""

from __future__ import annotations


class SteepestError(ValueError):
    """steepest refused an argument, a file or a request; the message says which and why."""


class SteepestTypeError(SteepestError, TypeError):
    """An argument of the wrong type (also a ``TypeError``)."""


class FileFormatError(SteepestError):
    """A file that is not what it claims to be: corrupt, truncated, unsafe or inconsistent.
    The message names the file and what is wrong with it."""


__all__ = ["FileFormatError", "SteepestError", "SteepestTypeError"]
