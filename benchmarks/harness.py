"""The benchmark harness: side-by-side timings in one run, as ratios.

A benchmark module ``benchmarks/bench_*.py`` defines ``groups() -> list[Group]``. A Group is one
workload measured several ways (steepest and its competitors); each way is a zero-argument callable
that performs one unit of work (one training step, one grid, one animation). The harness interleaves
the ways, repeats them, takes medians and reports each way's speed relative to the group's
``baseline`` (usually steepest): ``ratio = median_time(other) / median_time(steepest)``, i.e. how
many times faster steepest is. Ways whose package is missing are reported as skipped.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


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
    notes: str = ""
    # way → factor its measured time is multiplied by: a way too slow to run whole times a
    # fixed fraction of the unit (e.g. 1/10,000 of a Python loop) and is extrapolated linearly
    scale: dict[str, float] = field(default_factory=dict)


def _calibrate(fn: Callable[[], Any], budget: float = 0.2) -> int:
    fn()  # warm-up
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
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
    numbers = {name: group.number or _calibrate(fn) for name, fn in fns.items()}
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for r in range(group.repeats):
        for name, fn in fns.items():
            if r >= min(group.repeats, group.way_repeats.get(name, group.repeats)):
                continue
            n = numbers[name]
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - t0) / n)
    medians = {name: statistics.median(s) * group.scale.get(name, 1.0)
               for name, s in samples.items()}
    base = medians.get(group.baseline)
    ratios = {name: (m / base if base else None) for name, m in medians.items()}
    checks = {name: {"target": t, "ratio": ratios.get(name),
                     "met": ratios.get(name) is not None and ratios[name] >= t}
              for name, t in group.target.items()}
    return {"group": group.name, "unit": group.unit, "baseline": group.baseline,
            "median_s": medians, "per_second": {k: 1 / v for k, v in medians.items()},
            "ratio_vs_baseline": ratios, "repeats": {name: len(s) for name, s in samples.items()}, "calls": numbers,
            "skipped": skipped, "targets": checks, "notes": group.notes}


def format_table(results: list[dict[str, Any]]) -> str:
    """One row per way: median time, rate, and how many times faster the baseline is."""
    w = max([len("group")] + [len(r["group"]) for r in results])
    header = (f"{'group':<{w}} {'way':<22} {'median':>12} {'per s':>10} "
              f"{'baseline faster ×':>18}  target")
    lines = [header, "-" * len(header)]
    for r in results:
        for name, m in r["median_s"].items():
            ratio = r["ratio_vs_baseline"][name]
            t = r["targets"].get(name)
            target = "" if t is None else f"≥{t['target']:g} {'met' if t['met'] else 'MISSED'}"
            lines.append(f"{r['group']:<{w}} {name:<22} {_fmt_time(m):>12} {1 / m:>10.4g} "
                         f"{'(baseline)' if name == r['baseline'] else f'{ratio:.2f}':>18}  "
                         f"{target}")
        for name, why in r["skipped"].items():
            lines.append(f"{r['group']:<{w}} {name:<22} {'skipped: ' + why}")
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
