"""Run the benchmarks: ``python benchmarks/run.py [-k PATTERN] [--json PATH]``.

Imports every ``benchmarks/bench_*.py``, runs its groups side by side and prints one table of
medians and ratios with their ranges, under a header naming the BLAS library, kernel and thread
counts; the same numbers go to ``benchmarks/results/latest.json``. Every way runs with the same
thread count (``--threads``, default 1: on a shared machine multi-threaded ratios are noise),
set once before any benchmark module is imported, so no group changes it for the next.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import (  # noqa: E402
    environment,
    format_table,
    limit_threads,
    run_group,
    use_clock,
    write_json,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-k", default="", help="only groups whose name contains this text")
    parser.add_argument("--json", default=str(HERE / "results" / "latest.json"))
    parser.add_argument("--repeats", type=int, default=0, help="override repeats per group")
    parser.add_argument("--threads", type=int,
                        default=int(os.environ.get("STEEPEST_BENCH_THREADS", "1")),
                        help="threads for every way (BLAS, OpenMP, PyTorch, XLA); default 1")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="wall-clock time (default) or this process's CPU time, stabler on "
                             "a machine with more runnable processes than cores")
    args = parser.parse_args(argv)
    use_clock(args.clock)
    limiter = limit_threads(args.threads)  # noqa: F841 (kept for the whole run)
    results = []
    for path in sorted(HERE.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for group in module.groups():
            if args.k and args.k not in group.name:
                continue
            if args.repeats:
                group.repeats = args.repeats
            print(f"running {group.name} …", file=sys.stderr, flush=True)
            results.append(run_group(group))
    print(format_table(results, environment()))
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    write_json(results, args.json)
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
