"""Files written atomically: a reader sees the old file or the new one, never half of one.

:func:`atomic_write` writes to a temporary file in the target's folder, flushes and fsyncs it,
then ``os.replace``\\ s it over the target (atomic on POSIX and Windows) and fsyncs the folder.
If anything fails on the way — a full disk, Ctrl-C, an exception in the caller's code — the
temporary file is removed and the previous target is untouched; a writer killed outright
(SIGKILL) leaves its temporary file, which the next write of the same target removes::

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "out.txt")
    >>> with atomic_write(path, "w") as fh:
    ...     _ = fh.write("done")
    >>> open(path).read()
    'done'
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .errors import SteepestError

_PROBE_BYTES = 1 << 16  # written (and removed) to find a full or read-only folder up front


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb", *,
                 encoding: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing (``mode`` "wb" or "w"); on a clean
    exit it replaces ``path``, on any exception (KeyboardInterrupt included) it is deleted."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write: mode must be 'w' or 'wb', got {mode!r}")
    target = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(target)
    prefix = f".{os.path.basename(target)}.{os.getpid()}."
    _sweep_orphans(folder, os.path.basename(target))
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    try:
        if mode == "w":
            fh: IO[Any] = os.fdopen(fd, "w", encoding=encoding or "utf-8")
        else:
            fh = os.fdopen(fd, "wb")
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    _fsync_dir(folder)


def _sweep_orphans(folder: str, name: str) -> None:
    """Remove the temporary files an earlier writer of ``name`` left when it was killed
    (SIGKILL, power loss: no ``except`` ran). Each is ``.<name>.<pid>.<random>.tmp``; only those
    whose writing process no longer exists are removed, so a live writer keeps its file."""
    head = f".{name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            pid = entry.name[len(head):].split(".", 1)[0]
            if entry.name.startswith(head) and entry.name.endswith(".tmp") and pid.isdigit() \
                    and not _alive(int(pid)):
                with contextlib.suppress(OSError):
                    os.remove(entry.path)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (one we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True
    return True


def _mode_for(target: str) -> int:
    """The target's permissions if it exists, else what a plain ``open`` would give (0o666
    minus the umask; ``mkstemp`` creates 0o600)."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(folder: str) -> None:
    """Make the rename itself durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def writable_folder(path: str | os.PathLike[str], what: str) -> Path:
    """``path`` as a folder that files can be written into, checked *before* any work: an
    existing file, a missing parent, a read-only or full location raise
    :class:`~steepest.errors.SteepestError` (``what`` names the argument, e.g. ``"--out"``). The
    folder is created if its parent exists; 64 KiB are written into it and removed."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise SteepestError(f"{what}: {str(folder)!r} is a file, not a folder")
    if not folder.exists():
        parent = folder.absolute().parent
        if not parent.is_dir():
            raise SteepestError(f"{what}: cannot create {str(folder)!r}: the folder "
                                f"{str(parent)!r} does not exist")
        try:
            folder.mkdir()
        except OSError as exc:
            raise SteepestError(f"{what}: cannot create {str(folder)!r}: "
                                f"{exc.strerror or exc}") from None
    try:
        fd, probe = tempfile.mkstemp(prefix=".steepest-probe-", dir=folder)
    except OSError as exc:
        raise SteepestError(f"{what}: cannot write into {str(folder)!r}: "
                            f"{exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(bytes(_PROBE_BYTES))
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise SteepestError(f"{what}: cannot write into {str(folder)!r}: "
                            f"{exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            os.remove(probe)
    return folder


__all__ = ["atomic_write", "writable_folder"]
