"""Reading ``.npz`` files that may be hostile: check everything a file declares before reading it.

:class:`NpzReader` opens the zip archive and reads only the small ``.npy`` header of every
member — its shape and dtype — so the caller can check names, shapes and dtypes against what it
expects, and the total size the file declares is bounded, *before* a single array is allocated.
Anything that is not a well-formed archive of plain numeric/text arrays (empty, truncated,
random bytes, a directory, a pickled object array, a member larger than its bytes) raises
:class:`~steepest.errors.FileFormatError` naming the file and what is wrong. Nothing is ever
unpickled. The size bound is :func:`steepest._validate.memory_limit` (the machine's memory, or
the environment variable ``STEEPEST_MAX_BYTES``) unless the caller passes ``limit``.
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from dataclasses import dataclass
from types import TracebackType
from typing import IO

import numpy as np
from numpy.lib import format as npy

from ._validate import format_bytes, memory_limit
from .errors import FileFormatError

_MAX_MEMBERS = 10_000
_HEADER_READERS = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}
_CORRUPT = (ValueError, EOFError, OSError, zipfile.BadZipFile, zlib.error, NotImplementedError,
            RuntimeError)


class UnsafeFileError(FileFormatError):
    """The file holds a pickled (object) array; steepest refuses to unpickle it."""


@dataclass(frozen=True)
class Member:
    """What one ``.npy`` member declares in its header."""

    shape: tuple[int, ...]
    dtype: np.dtype
    nbytes: int


class NpzReader:
    """A ``.npz`` archive whose members' shapes and dtypes are known before any is read.

    ``what`` names the kind of file in messages ("model file", "landscape file"). ``limit``
    bounds the bytes all members may declare together."""

    def __init__(self, path: str | os.PathLike[str], what: str, *,
                 limit: int | None = None) -> None:
        self.path, self.what = os.fspath(path), what
        self._zip = _open_zip(self.path, what)
        try:
            self.members = self._scan()
            self._check_total(memory_limit() if limit is None else limit)
        except BaseException:
            self._zip.close()
            raise

    def error(self, problem: str) -> FileFormatError:
        """The error for this file: ``'path' is not a valid <what>: <problem>``."""
        return FileFormatError(f"{self.path!r} is not a valid {self.what}: {problem}")

    def _scan(self) -> dict[str, Member]:
        infos = self._zip.infolist()
        if len(infos) > _MAX_MEMBERS:
            raise self.error(f"it has {len(infos)} entries (at most {_MAX_MEMBERS})")
        members: dict[str, Member] = {}
        for info in infos:
            if not info.filename.endswith(".npy") or info.is_dir():
                raise self.error(f"entry {info.filename!r} is not a NumPy array (.npy)")
            name = info.filename[:-4]
            if name in members:
                raise self.error(f"entry {name!r} appears twice")
            members[name] = self._member(info, name)
        return members

    def _member(self, info: zipfile.ZipInfo, name: str) -> Member:
        try:
            with self._zip.open(info) as fh:
                shape, dtype = _read_header(fh)
                header_len = fh.tell()
        except UnsafeFileError:
            raise UnsafeFileError(
                f"{self.path!r}: entry {name!r} is a pickled object array; steepest never "
                f"unpickles (it could run arbitrary code)") from None
        except _CORRUPT as exc:
            raise self.error(f"entry {name!r} is corrupt ({exc})") from None
        nbytes = dtype.itemsize * math.prod(shape)
        held = info.file_size - header_len
        if nbytes > held:
            raise self.error(f"entry {name!r} declares shape {shape} {dtype} "
                             f"({format_bytes(nbytes)}) but holds only {format_bytes(held)} "
                             f"(truncated or corrupt)")
        return Member(shape, dtype, nbytes)

    def _check_total(self, limit: int) -> None:
        total = sum(m.nbytes for m in self.members.values())
        if total > limit:
            raise self.error(f"its arrays declare {format_bytes(total)} in all, more than the "
                             f"{format_bytes(limit)} allowed (set STEEPEST_MAX_BYTES to change "
                             f"it)")

    def read(self, name: str) -> np.ndarray:
        """The array stored as ``name`` (its header was checked when the file was opened)."""
        try:
            with self._zip.open(f"{name}.npy") as fh:
                return np.asarray(npy.read_array(fh, allow_pickle=False))
        except _CORRUPT as exc:
            raise self.error(f"entry {name!r} is corrupt ({exc})") from None

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> NpzReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _open_zip(path: str, what: str) -> zipfile.ZipFile:
    if os.path.isdir(path):
        raise FileFormatError(f"{path!r} is a folder, not a {what}")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{what} {path!r} does not exist")
    size = os.path.getsize(path)
    if size == 0:
        raise FileFormatError(f"{path!r} is not a valid {what}: the file is empty (0 bytes)")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError) as exc:
        with open(path, "rb") as fh:
            head = fh.read(6)
        kind = ("a single .npy array, not an .npz archive" if head == b"\x93NUMPY" else
                f"not an .npz (zip) archive, or a truncated one ({size} bytes; {exc})")
        raise FileFormatError(f"{path!r} is not a valid {what}: it is {kind}") from None


def _read_header(fh: IO[bytes]) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from a ``.npy`` header (format 1.0 or 2.0), without reading the data."""
    version = npy.read_magic(fh)
    reader = _HEADER_READERS.get(version)
    if reader is None:
        raise ValueError(f".npy format version {version} is not supported")
    shape, _fortran, dtype = reader(fh)
    if dtype.hasobject:
        raise UnsafeFileError("object array")
    if dtype.kind not in "biufU":
        raise ValueError(f"dtype {dtype} is not a plain numeric or text dtype")
    return tuple(int(s) for s in shape), dtype


__all__ = ["Member", "NpzReader", "UnsafeFileError"]
