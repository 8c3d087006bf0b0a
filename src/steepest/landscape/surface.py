"""1-D and 2-D loss surfaces, L(θ* + αδ) and L(θ* + αδ + βη), computed in chunks of grid points
with a progress bar, an atomic checkpoint after every chunk (an interrupted run resumes where it
stopped and recomputes nothing saved) and an optional Dask backend.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .._io import atomic_write
from .._npz import NpzReader
from .._progress import progress_bar
from .._validate import check_int, check_range, check_size
from ..errors import FileFormatError, SteepestError
from .directions import Directions, project, random_directions
from .params import model_params, vector_hash
from .result import Landscape
from .targets import Prepared, Target, as_target

Range = tuple[float, float]


def surface_2d(model: Any, X: Any = None, y: Any = None, *, loss: Any = None, theta: Any = None,
               shapes: Sequence[tuple[int, ...]] | None = None,
               directions: Directions | np.ndarray | None = None, seed: int | None = 0,
               normalization: str | None = "filter", include_1d: bool | None = None,
               range: Range | tuple[Range, Range] = (-1.0, 1.0),  # noqa: A002 (public name)
               resolution: int | tuple[int, int] = 51, accuracy: bool = False,
               trajectory: Any = None, chunk_size: int | None = None,
               checkpoint: str | os.PathLike[str] | None = None, progress: bool = False,
               backend: str = "numpy", scheduler: Any = None, fast: bool = True) -> Landscape:
    """The loss on the plane θ* + αδ + βη over a grid (default α, β ∈ [−1, 1], 51 × 51).

    ``model``: a steepest or PyTorch module (with data ``X``, ``y`` and ``loss``), a function
    ``f(theta) -> float`` (with ``theta=``, optionally ``shapes=`` of its parameter arrays) or a
    :class:`~steepest.landscape.targets.Target`. θ* is the model's current weights.
    ``directions``: a :class:`Directions` (random, PCA, Hessian) or an array (2, n); by default two
    seeded random directions with ``normalization`` (see :func:`random_directions`).
    ``range`` is one (lo, hi) for both axes or one per axis; ``resolution`` likewise (≥ 2).
    ``accuracy=True`` also records classification accuracy. ``trajectory``: parameter snapshots
    (T, n) to project onto the plane and overlay (their real loss and the loss at the projected
    points are evaluated too, so the gap between path and contour is visible).
    ``checkpoint``: an .npz path written atomically after every chunk of ``chunk_size`` points
    (default one grid row); rerunning with the same arguments resumes (a checkpoint of another
    model, data set, direction or grid is refused; a function target is identified by θ only,
    so do not change ``f`` between runs). ``backend="dask"`` spreads
    chunks over the ``dask.distributed`` cluster at ``scheduler`` (an address or a Client; default
    the current client). ``fast=False`` uses the general per-point model path."""
    target = _checked(as_target(model, X, y, loss=loss, theta=theta, shapes=shapes,
                                accuracy=accuracy, fast=fast), "surface_2d")
    (a_lo, a_hi), (b_lo, b_hi) = _ranges(range, 2, "surface_2d")
    ra, rb = _resolutions(resolution, 2, "surface_2d")
    _check_grid(target, (ra, rb), 2, "surface_2d")
    dirs = _directions(target, directions, 2, seed, normalization, include_1d)
    _check_plane(dirs.vectors, "surface_2d")
    alphas, betas = np.linspace(a_lo, a_hi, ra), np.linspace(b_lo, b_hi, rb)
    A, B = np.meshgrid(alphas, betas, indexing="ij")
    C = np.column_stack([np.ones(A.size), A.ravel(), B.ravel()])
    basis = np.vstack([target.theta, dirs.vectors])
    t0 = time.perf_counter()
    values = run_points(target, basis, C, chunk_size=rb if chunk_size is None else chunk_size,
                        checkpoint=checkpoint,
                        progress=progress, backend=backend, scheduler=scheduler,
                        desc="landscape 2-D")
    elapsed = time.perf_counter() - t0
    land = Landscape((alphas, betas), {k: v.reshape(ra, rb) for k, v in values.items()}, dirs,
                     target.theta, meta=_meta(target, dirs, loss, elapsed))
    if trajectory is not None:
        land.trajectory = _trajectory(target, basis, dirs, trajectory)
    return land


def line_1d(model: Any, X: Any = None, y: Any = None, *, loss: Any = None, theta: Any = None,
            shapes: Sequence[tuple[int, ...]] | None = None,
            direction: Directions | np.ndarray | None = None, seed: int | None = 0,
            normalization: str | None = "filter", include_1d: bool | None = None,
            range: Range = (-1.0, 1.0),  # noqa: A002 (public name)
            resolution: int = 51, accuracy: bool = False,
            chunk_size: int | None = None, checkpoint: str | os.PathLike[str] | None = None,
            progress: bool = False, backend: str = "numpy", scheduler: Any = None,
            fast: bool = True) -> Landscape:
    """The loss along a line L(θ* + αδ), α over ``range`` (a random filter-normalized δ by
    default; arguments as in :func:`surface_2d`)."""
    target = _checked(as_target(model, X, y, loss=loss, theta=theta, shapes=shapes,
                                accuracy=accuracy, fast=fast), "line_1d")
    ((lo, hi),) = _ranges(range, 1, "line_1d")
    (r,) = _resolutions(resolution, 1, "line_1d")
    _check_grid(target, (r,), 1, "line_1d")
    dirs = _directions(target, direction, 1, seed, normalization, include_1d)
    alphas = np.linspace(lo, hi, r)
    return _line(target, np.vstack([target.theta, dirs.vectors]), alphas, dirs, loss, chunk_size,
                 checkpoint, progress, backend, scheduler)


def interpolate(model_a: Any, model_b: Any, X: Any = None, y: Any = None, *, loss: Any = None,
                theta: Any = None, range: Range = (0.0, 1.0),  # noqa: A002 (public name)
                resolution: int = 51,
                accuracy: bool = False, chunk_size: int | None = None,
                checkpoint: str | os.PathLike[str] | None = None, progress: bool = False,
                backend: str = "numpy", scheduler: Any = None, fast: bool = True) -> Landscape:
    """The loss along the segment between two weight sets, θ(α) = (1 − α)θ + αθ′
    (Goodfellow et al. 2015): α = 0 is ``model_a``, α = 1 is ``model_b`` (a model of the same
    architecture, or a parameter vector). Widen ``range`` (e.g. (−0.5, 1.5)) to see beyond both
    ends."""
    target = _checked(as_target(model_a, X, y, loss=loss, theta=theta, accuracy=accuracy,
                                fast=fast), "interpolate")
    if isinstance(model_b, np.ndarray) or (isinstance(model_b, (list, tuple)) and
                                           np.ndim(model_b[0]) == 0):
        other = np.asarray(model_b, dtype=np.float64).reshape(-1)
    else:
        other, _ = model_params(model_b)
    if other.size != target.theta.size:
        raise ValueError(f"model_b has {other.size} parameters, model_a has {target.theta.size}")
    dirs = Directions((other - target.theta)[None], target.spec, kind="interpolation",
                      labels=("α",), meta={"end_hash": vector_hash(other)})
    ((lo, hi),) = _ranges(range, 1, "interpolate")
    (r,) = _resolutions(resolution, 1, "interpolate")
    _check_grid(target, (r,), 1, "interpolate")
    return _line(target, np.vstack([target.theta, dirs.vectors]), np.linspace(lo, hi, r), dirs,
                 loss, chunk_size, checkpoint, progress, backend, scheduler)


def _line(target: Target, basis: np.ndarray, alphas: np.ndarray, dirs: Directions, loss: Any,
          chunk_size: int | None, checkpoint: Any, progress: bool, backend: str,
          scheduler: Any) -> Landscape:
    C = np.column_stack([np.ones(len(alphas)), alphas])
    t0 = time.perf_counter()
    default = max(1, -(-len(C) // 10))
    values = run_points(target, basis, C, chunk_size=default if chunk_size is None else chunk_size,
                        checkpoint=checkpoint, progress=progress, backend=backend,
                        scheduler=scheduler, desc="landscape 1-D")
    return Landscape((alphas,), values, dirs, target.theta,
                     meta=_meta(target, dirs, loss, time.perf_counter() - t0))


# ---- the chunked runner -------------------------------------------------------------------------

def run_points(target: Target, basis: np.ndarray, C: np.ndarray, *, chunk_size: int,
               checkpoint: str | os.PathLike[str] | None = None, progress: bool = False,
               backend: str = "numpy", scheduler: Any = None,
               desc: str = "landscape", n_jobs: int = 1) -> dict[str, np.ndarray]:
    """Evaluate ``target`` at the points ``C @ basis`` (C: (P, m) coefficients), ``chunk_size``
    points at a time. With ``checkpoint``, the finished chunks are saved atomically (temp file +
    ``os.replace``) after each one and a rerun loads them and computes only the rest; chunk
    boundaries are fixed, so the result is identical to an uninterrupted run. ``n_jobs`` > 1
    runs the numpy backend's chunks in that many threads (NumPy releases the GIL), each thread
    with its own prepared target; ``desc`` names the run in the progress bar and errors."""
    if backend not in ("numpy", "dask"):
        raise ValueError(f"backend must be 'numpy' or 'dask', got {backend!r}")
    chunk_size = check_int(chunk_size, "landscape: chunk_size")
    C = np.asarray(C, dtype=np.float64)
    bounds = [(s, min(s + chunk_size, len(C))) for s in range(0, len(C), chunk_size)]
    values = {k: np.full(len(C), np.nan) for k in target.metrics}
    done = np.zeros(len(bounds), dtype=bool)
    if checkpoint is not None:
        checkpoint = os.fspath(checkpoint)
    about = _about(target, C, chunk_size)
    key = _resume(target, basis, C, bounds, checkpoint, values, done, desc, about)
    pending = [int(i) for i in np.flatnonzero(~done)]
    bar = progress_bar(len(C), desc, "pt", enabled=progress, leave=True,
                       initial=int(sum(b - a for (a, b), d in zip(bounds, done) if d)))

    def store(i: int, res: dict[str, np.ndarray]) -> None:
        a, b = bounds[i]
        for k, v in values.items():
            v[a:b] = res[k]
        done[i] = True
        if checkpoint is not None:
            _save_checkpoint(checkpoint, key, values, done, about)
        bar.update(b - a)

    try:
        if backend == "numpy" and pending:
            _run_threads(target, basis, C, bounds, pending, store, check_int(n_jobs, "n_jobs"))
        elif backend == "dask":
            _run_dask(target, basis, C, bounds, pending, store, scheduler)
    finally:
        bar.close()
    return values


def _run_threads(target: Target, basis: np.ndarray, C: np.ndarray,
                 bounds: list[tuple[int, int]], pending: list[int], store: Any,
                 n_jobs: int) -> None:
    """The numpy backend: the pending chunks in order, in ``n_jobs`` threads (one prepared
    target per thread: a prepared target may reuse its buffers)."""
    if n_jobs == 1:
        prepared = target.prepare(basis)
        for i in pending:
            a, b = bounds[i]
            store(i, prepared(C[a:b]))
        return
    local = threading.local()

    def run(i: int) -> dict[str, np.ndarray]:
        if not hasattr(local, "prepared"):
            local.prepared = target.prepare(basis)
        a, b = bounds[i]
        return local.prepared(C[a:b])

    with ThreadPoolExecutor(n_jobs) as pool:
        for i, res in zip(pending, pool.map(run, pending)):
            store(i, res)


def _resume(target: Target, basis: np.ndarray, C: np.ndarray, bounds: list[tuple[int, int]],
            checkpoint: str | None, values: dict[str, np.ndarray], done: np.ndarray,
            desc: str, about: dict[str, Any]) -> str:
    """The run's checkpoint key ("" without a checkpoint); the chunks a matching checkpoint holds
    are loaded into ``values`` and marked in ``done``."""
    if checkpoint is None:
        return ""
    key = _run_key(target, basis, C, bounds)
    if os.path.exists(checkpoint):
        _load_checkpoint(checkpoint, key, values, done, desc, about)
    return key


def _about(target: Target, C: np.ndarray, chunk_size: int) -> dict[str, Any]:
    """What a person would compare between two runs: the target's settings, the grid (its
    points and the range of each coordinate) and the chunk size."""
    ranges = [[float(c.min()), float(c.max())] for c in C.T] if len(C) else []
    return {**target.describe(), "grid points": len(C), "grid ranges": ranges,
            "chunk size": int(chunk_size)}


def _differences(here: dict[str, Any], saved: dict[str, Any]) -> str:
    """"steps 300 here, 500 in the checkpoint; …" for the settings that differ ("" if none
    does)."""
    keys = [k for k in {**saved, **here} if here.get(k) != saved.get(k)]
    return "; ".join(f"{k} {here.get(k, '—')} here, {saved.get(k, '—')} in the checkpoint"
                     for k in keys)


def _run_dask(target: Target, basis: np.ndarray, C: np.ndarray, bounds: list[tuple[int, int]],
              pending: list[int], store: Any, scheduler: Any) -> None:
    try:
        from dask.distributed import Client, as_completed, get_client
    except ImportError as exc:
        raise ImportError("backend='dask' needs dask: pip install 'steepest[dask]'") from exc
    own = False
    if isinstance(scheduler, Client):
        client = scheduler
    elif scheduler is not None:
        client, own = Client(scheduler), True
    else:
        try:
            client = get_client()
        except ValueError as exc:
            raise ValueError("backend='dask' needs a cluster: pass scheduler='tcp://host:8786' "
                             "or a dask.distributed.Client") from exc
    try:
        if not pending:
            return
        # hash=False: a fresh key per run. With content-hashed keys a second run of the same
        # target (another client, same cluster) can reuse a key the scheduler is still releasing
        # from the first, and its chunks are cancelled for "lost dependencies".
        t_fut = client.scatter(target, broadcast=True, hash=False)
        b_fut = client.scatter(basis, broadcast=True, hash=False)
        token = uuid.uuid4().hex  # this run's key for the per-worker prepared target
        futures = {client.submit(_dask_chunk, t_fut, b_fut, C[a:b], token, pure=False): i
                   for i, (a, b) in ((i, bounds[i]) for i in pending)}
        for fut in as_completed(futures):
            store(futures[fut], fut.result())
    finally:
        if own:
            client.close()


_PREPARED: dict[str, Prepared] = {}


def _dask_chunk(target: Target, basis: np.ndarray, C: np.ndarray,
                token: str) -> dict[str, np.ndarray]:
    """One chunk on a worker; the target is prepared once per run (``token``) on each worker."""
    prepared = _PREPARED.get(token)
    if prepared is None:
        if len(_PREPARED) > 8:
            _PREPARED.clear()
        prepared = _PREPARED[token] = target.prepare(basis)
    return prepared(C)


def _run_key(target: Target, basis: np.ndarray, C: np.ndarray,
             bounds: list[tuple[int, int]]) -> str:
    h = hashlib.sha256(target.fingerprint().encode())
    h.update(np.ascontiguousarray(basis, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(C).tobytes())
    h.update(repr((bounds[0], len(bounds), target.metrics)).encode())
    return h.hexdigest()


def _save_checkpoint(path: str, key: str, values: dict[str, np.ndarray], done: np.ndarray,
                     about: dict[str, Any]) -> None:
    with atomic_write(path) as fh:
        np.savez(fh, key=np.array(key), done=done, about=np.array(json.dumps(about)),
                 **{f"value_{k}": v for k, v in values.items()})  # type: ignore[arg-type]


def _load_checkpoint(path: str, key: str, values: dict[str, np.ndarray], done: np.ndarray,
                     desc: str, about: dict[str, Any]) -> None:
    try:
        with NpzReader(path, f"{desc} checkpoint") as f:
            saved_key, saved_done = str(f.read("key")), f.read("done")
            saved = {k: f.read(f"value_{k}") for k in values if f"value_{k}" in f.members}
            saved_about = json.loads(str(f.read("about"))) if "about" in f.members else {}
    except (FileFormatError, KeyError, ValueError) as exc:
        raise FileFormatError(f"checkpoint unreadable: {exc}; delete it or choose another "
                              "path") from None
    if saved_key != key or saved_done.shape != done.shape or len(saved) != len(values):
        why = ("the model, data, settings, grid or chunk size differ" if not saved_about else
               _differences(about, saved_about) or "the same settings, but the model's "
               "parameters, the data or the directions differ")
        raise SteepestError(f"checkpoint {path!r} belongs to another run of the {desc} ({why}); "
                            "delete it or choose another path")
    done[:] = saved_done
    for k, v in values.items():
        v[:] = saved[k]


# ---- argument handling --------------------------------------------------------------------------

def _directions(target: Target, directions: Any, k: int, seed: int | None,
                normalization: str | None, include_1d: bool | None) -> Directions:
    if directions is None:
        return random_directions(target, k, seed=seed, normalization=normalization,
                                 include_1d=include_1d)
    if isinstance(directions, Directions):
        vecs = directions.vectors
    else:
        vecs = np.atleast_2d(np.asarray(directions, dtype=np.float64))
    if vecs.ndim != 2 or vecs.shape[0] < k or vecs.shape[1] != target.spec.size:
        raise ValueError(f"directions must have shape ({k}, {target.spec.size}) for this model "
                         f"({target.spec.size} parameters), got {vecs.shape}")
    if not np.all(np.isfinite(vecs[:k])) or not np.all(np.any(vecs[:k] != 0, axis=1)):
        raise ValueError("directions must be finite and nonzero")
    if isinstance(directions, Directions):
        if len(directions) == k:
            return directions
        return Directions(vecs[:k], target.spec, kind=directions.kind,
                          labels=directions.labels[:k], seed=directions.seed,
                          normalization=directions.normalization,
                          include_1d=directions.include_1d, meta=dict(directions.meta))
    return Directions(vecs[:k], target.spec, kind="custom")


def _ranges(rng: Any, k: int, who: str) -> list[tuple[float, float]]:
    """One (lo, hi) for every axis, or one per axis."""
    if k > 1 and isinstance(rng, (list, tuple, np.ndarray)) and len(rng) == k \
            and all(np.ndim(r) == 1 for r in rng):
        return [check_range(r, f"{who}: range[{i}]") for i, r in enumerate(rng)]
    return [check_range(rng, f"{who}: range")] * k


def _resolutions(res: Any, k: int, who: str) -> tuple[int, ...]:
    vals = (res,) * k if isinstance(res, str) or np.ndim(res) == 0 else tuple(res)
    if len(vals) != k:
        raise SteepestError(f"{who}: resolution must be one integer or {k}, got {res!r}")
    return tuple(check_int(v, f"{who}: resolution", low=2) for v in vals)


def _check_grid(target: Target, shape: tuple[int, ...], k: int, who: str) -> None:
    """Refuse a grid whose coordinates and values would not fit in memory, before making it."""
    per_point = 8 * (2 * k + 1 + len(target.metrics))  # meshgrid, coefficients, values
    check_size((math.prod(shape),), per_point, f"{who}: a {' × '.join(map(str, shape))} grid")


def _checked(target: Target, who: str) -> Target:
    """The target, refused if its centre θ (the model's weights) is not finite."""
    bad = np.flatnonzero(~np.isfinite(target.theta))
    if bad.size:
        i = int(bad[0])
        ends = np.cumsum([math.prod(s) for s in target.spec.shapes])
        p = int(np.searchsorted(ends, i, side="right"))
        local = i - (int(ends[p - 1]) if p else 0)
        index = np.unravel_index(local, target.spec.shapes[p]) if target.spec.shapes[p] else ()
        raise SteepestError(
            f"{who}: the weights contain {'NaN' if np.isnan(target.theta[i]) else 'inf'} at "
            f"{target.spec.names[p]}[{', '.join(str(int(j)) for j in index)}] (θ[{i}]"
            + (f"; {bad.size} non-finite values in all" if bad.size > 1 else "")
            + "): the landscape around them would be NaN")
    return target


def _check_plane(vectors: np.ndarray, who: str) -> None:
    """Two directions that span a plane, not a line."""
    a, b = (v / np.max(np.abs(v)) for v in vectors[:2])
    cos = abs(float(a @ b)) / (float(np.linalg.norm(a)) * float(np.linalg.norm(b)))
    if cos > 1 - 1e-9:
        raise SteepestError(f"{who}: the two directions are parallel (|cos| = {cos:.9f}): they "
                            "span a line, not a plane; give two independent directions")


def _meta(target: Target, dirs: Directions, loss: Any, elapsed: float) -> dict[str, Any]:
    return {"seed": dirs.seed, "normalization": dirs.normalization,
            "include_1d": dirs.include_1d, "kind": dirs.kind,
            "centre_hash": vector_hash(target.theta), "target": type(target).__name__,
            "loss": getattr(target, "loss_name", None) or (loss if isinstance(loss, str) else
                                                            type(loss).__name__ if loss else None),
            "elapsed_s": round(elapsed, 4)}


def _trajectory(target: Target, basis: np.ndarray, dirs: Directions, snapshots: Any) -> Any:
    traj = project(snapshots, target.theta, dirs)
    S = np.stack([np.asarray(s, dtype=np.float64).reshape(-1) for s in snapshots])
    traj.loss = target.evaluate(S)["loss"]
    C = np.column_stack([np.ones(len(traj.coords)), traj.coords])
    traj.loss_on_plane = target.prepare(basis)(C)["loss"]
    return traj
