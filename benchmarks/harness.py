"""The benchmark harness: side-by-side timings in one run, as ratios.

A benchmark module ``benchmarks/bench_*.py`` defines ``groups() -> list[Group]``. A Group is one
workload measured several ways (steepest and its competitors); each way is a zero-argument callable
that performs one unit of work (one training step, one grid, one animation). The harness interleaves
the ways, repeats them, takes medians and reports each way's speed relative to the group's
``baseline`` (usually steepest): ``ratio = median_time(other) / median_time(steepest)``, i.e. how
many times faster steepest is, with its range over the repeats (each repeat's ratio of two
neighbouring timings, so a load spike that slows both cancels). Ways whose package is missing
are reported as skipped.

Threads: every way gets the same number (:func:`limit_threads`, one by default): BLAS and
OpenMP pools through threadpoolctl, PyTorch through ``torch.set_num_threads``, XLA (JAX)
through ``XLA_FLAGS`` set before JAX is imported. :func:`environment` describes what ran (BLAS
library, kernel and threads, ``OPENBLAS_CORETYPE``) for the table's header.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

THREADS = {"n": 1}  # what limit_threads() set; torch() hands it to PyTorch
CLOCK = {"name": "wall", "now": time.perf_counter}  # use_clock("cpu") for process CPU time


def use_clock(name: str) -> None:
    """Time by the wall clock ("wall", the default) or by this process's CPU time ("cpu"): on
    a machine shared with more runnable processes than cores, the time spent waiting for a
    core inflates wall-clock medians at random, while CPU time counts only the work (every way
    runs one thread, so it is the same work)."""
    if name not in ("wall", "cpu"):
        raise ValueError(f"clock must be 'wall' or 'cpu', got {name!r}")
    CLOCK.update(name=name, now=time.perf_counter if name == "wall" else time.process_time)


def limit_threads(n: int = 1) -> Any:
    """Give every pool ``n`` threads for the rest of the process (call before importing JAX):
    BLAS/OpenMP via threadpoolctl, XLA via ``XLA_FLAGS``, PyTorch in :func:`torch`. Returns the
    threadpoolctl limiter (None without threadpoolctl)."""
    THREADS["n"] = n
    if n == 1:
        flags = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flags}".strip()
    os.environ.setdefault("OMP_NUM_THREADS", str(n))
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(n)


def _limit_loaded() -> None:
    """Apply the thread limit to every pool loaded since (threadpoolctl limits only those
    loaded when it is called)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(THREADS["n"])


def torch() -> Any:
    """PyTorch with the benchmark's thread count (Skip when it is not installed)."""
    try:
        import torch as torch_
    except ImportError:
        raise Skip("torch not installed") from None
    torch_.set_num_threads(THREADS["n"])
    return torch_


def jax() -> Any:
    """JAX on the CPU in float64-capable mode (Skip when it is not installed)."""
    try:
        import jax as jax_
    except ImportError:
        raise Skip("jax not installed") from None
    jax_.config.update("jax_enable_x64", True)
    jax_.config.update("jax_platforms", "cpu")
    return jax_


def environment() -> list[str]:
    """What the timings ran on: each thread pool (library, version, kernel, threads), the
    OpenBLAS core type forced by the environment, PyTorch's and XLA's threads."""
    lines = [f"clock: {CLOCK['name']}; threads per way: {THREADS['n']}; OPENBLAS_CORETYPE="
             f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; "
             f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '(unset)')}"]
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [*lines, "threadpoolctl not installed: thread pools unknown"]
    for p in threadpool_info():
        lines.append(f"{p['user_api']}: {p['internal_api']} {p.get('version')} "
                     f"kernel={p.get('architecture', '-')} threads={p['num_threads']} "
                     f"({os.path.basename(p['filepath'])})")
    import sys
    if "torch" in sys.modules:
        t = sys.modules["torch"]
        lines.append(f"torch {t.__version__}: intra-op threads {t.get_num_threads()}, "
                     f"inter-op {t.get_num_interop_threads()}")
    if "jax" in sys.modules:
        j = sys.modules["jax"]
        lines.append(f"jax {j.__version__}: devices {j.devices()}")
    return lines


class Skip(Exception):
    """Raise from a way's setup when an optional competitor is not installed."""


@dataclass
class Group:
    """One workload, several implementations. ``ways`` maps name → factory returning the callable
    to time (the factory does the setup, untimed; it may raise Skip)."""

    name: str
    ways: dict[str, Callable[[], Callable[[], Any]]]
    baseline: str = "steepest"
    unit: str = "call"  # what one call does, e.g. "training step"
    repeats: int = 7
    number: int = 0  # calls per repeat; 0 = calibrate to ~0.2 s per repeat
    target: dict[str, float] = field(default_factory=dict)  # way → minimum required ratio
    way_repeats: dict[str, int] = field(default_factory=dict)  # fewer repeats for slow ways
    notes: str | Callable[[], str] = ""  # a callable is read after the ways' setup
    # way → factor its measured time is multiplied by: a way too slow to run whole times a
    # fixed fraction of the unit (e.g. 1/10,000 of a Python loop) and is extrapolated linearly
    scale: dict[str, float] = field(default_factory=dict)


def _calibrate(fn: Callable[[], Any], budget: float = 0.2) -> int:
    fn()  # warm-up
    n = 1
    now = CLOCK["now"]
    while True:
        t0 = now()
        for _ in range(n):
            fn()
        dt = now() - t0
        if dt >= budget / 4 or n >= 1_000_000:
            return max(1, int(n * budget / max(dt, 1e-9)))
        n *= 4


def run_group(group: Group) -> dict[str, Any]:
    """Time every way of one group, interleaved, and return medians and ratios."""
    fns: dict[str, Callable[[], Any]] = {}
    skipped: dict[str, str] = {}
    for name, factory in group.ways.items():
        try:
            fns[name] = factory()
        except Skip as exc:
            skipped[name] = str(exc)
    _limit_loaded()  # the setups may have loaded thread pools of their own (torch, scipy, jax)
    numbers = {name: group.number or _calibrate(fn) for name, fn in fns.items()}
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for r in range(group.repeats):
        for name, fn in fns.items():
            if r >= min(group.repeats, group.way_repeats.get(name, group.repeats)):
                continue
            n = numbers[name]
            t0 = CLOCK["now"]()
            for _ in range(n):
                fn()
            samples[name].append((CLOCK["now"]() - t0) / n * group.scale.get(name, 1.0))
    medians = {name: statistics.median(s) for name, s in samples.items()}
    base = medians.get(group.baseline)
    ratios = {name: (m / base if base else None) for name, m in medians.items()}
    spans = {name: _ratio_range(s, samples.get(group.baseline)) for name, s in samples.items()}
    checks = {name: {"target": t, "ratio": ratios.get(name),
                     "met": ratios.get(name) is not None and ratios[name] >= t}
              for name, t in group.target.items()}
    return {"group": group.name, "unit": group.unit, "baseline": group.baseline,
            "median_s": medians, "per_second": {k: 1 / v for k, v in medians.items()},
            "range_s": {k: [min(v), max(v)] for k, v in samples.items()},
            "ratio_vs_baseline": ratios, "ratio_range": spans, "samples_s": samples,
            "repeats": {name: len(s) for name, s in samples.items()}, "calls": numbers,
            "skipped": skipped, "targets": checks,
            "notes": group.notes() if callable(group.notes) else group.notes}


def _ratio_range(times: list[float], base: list[float] | None) -> list[float] | None:
    """Min and max over repeats of this way's time over the baseline's in the same repeat."""
    if not base:
        return None
    r = [t / b for t, b in zip(times, base)]
    return [min(r), max(r)]


def format_table(results: list[dict[str, Any]], header: list[str] | None = None) -> str:
    """One row per way: median time and its range, rate, and how many times faster the
    baseline is (median, and its range over the repeats); ``header`` lines go on top."""
    w = max([len("group")] + [len(r["group"]) for r in results])
    head = (f"{'group':<{w}} {'way':<24} {'median':>10} {'range':>19} {'per s':>9} "
            f"{'baseline faster ×':>17} {'(range)':>13}  target")
    lines = [*(header or []), "", head, "-" * len(head)]
    for r in results:
        for name, m in r["median_s"].items():
            ratio = r["ratio_vs_baseline"][name]
            lo, hi = r.get("range_s", {}).get(name, (m, m))
            span = r.get("ratio_range", {}).get(name)
            t = r["targets"].get(name)
            target = "" if t is None else f"≥{t['target']:.3g} {'met' if t['met'] else 'MISSED'}"
            rng = "" if name == r["baseline"] or not span else f"{span[0]:.2f}–{span[1]:.2f}"
            lines.append(f"{r['group']:<{w}} {name:<24} {_fmt_time(m):>10} "
                         f"{_fmt_time(lo) + '–' + _fmt_time(hi):>19} {1 / m:>9.4g} "
                         f"{'(baseline)' if name == r['baseline'] else f'{ratio:.2f}':>17} "
                         f"{rng:>13}  {target}")
        for name, why in r["skipped"].items():
            lines.append(f"{r['group']:<{w}} {name:<24} {'skipped: ' + why}")
        if r["notes"]:
            lines.append(f"{'':<{w}} note: {r['notes']}")
    return "\n".join(lines)


def _fmt_time(s: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def write_json(results: list[dict[str, Any]], path: str) -> None:
    with open(path, "w") as fh:
        json.dump(results, fh, indent=2, default=float)
