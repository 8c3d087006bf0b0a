"""A PyTorch CNN's loss landscape on a GPU through steepest's torch adapter.

    python benchmarks/landscape_gpu.py [--quick]

Checks that the CUDA path gives the CPU path's landscape (float64, same weights and directions)
and times a full 51 × 51 float32 plane on the GPU against the same points on the CPU. Needs torch
with CUDA; prints JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np
import torch

from steepest.landscape import random_directions, surface_2d
from steepest.landscape.targets import TorchTarget


def cnn(dtype: torch.dtype, device: str) -> torch.nn.Module:
    torch.manual_seed(0)
    nn = torch.nn
    net = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 8 * 8, 64), nn.ReLU(), nn.Linear(64, 10))
    return net.to(dtype=dtype, device=device)


def plane(dtype: torch.dtype, device: str, X: np.ndarray, y: np.ndarray, res: Any,
          per_call: int) -> tuple[np.ndarray, float]:
    net = cnn(dtype, device)
    target = TorchTarget(net, X, y, torch.nn.CrossEntropyLoss(), points_per_call=per_call)
    dirs = random_directions(net, seed=0)
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    land = surface_2d(target, directions=dirs, resolution=res, progress=False)
    if device == "cuda":
        torch.cuda.synchronize()
    return land.values["loss"], time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a CPU smoke test)")
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rng = np.random.default_rng(1)
    n = 64 if args.quick else 1000
    X = rng.standard_normal((n, 3, 32, 32))
    y = rng.integers(0, 10, n)
    report = {"device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
              "torch": torch.__version__, "samples": n, "cpu_threads": torch.get_num_threads()}
    # 1. same landscape on CPU and GPU (float64, 7 × 7)
    cpu64, _ = plane(torch.float64, "cpu", X, y, 7, 4)
    dev64, _ = plane(torch.float64, device, X, y, 7, 49)
    report["max_rel_diff_float64"] = float(np.max(np.abs(cpu64 - dev64) / np.abs(cpu64)))
    # 2. time: the full float32 plane on the device; 3 rows of it on the CPU, scaled per point
    res = 11 if args.quick else 51
    plane(torch.float32, device, X, y, (3, res), 64)  # warm-up (CUDA context, kernels)
    dev32, t_dev = plane(torch.float32, device, X, y, res, 128)
    _, t_cpu = plane(torch.float32, "cpu", X, y, (3, res), 8)
    report.update({
        "grid": f"{res}x{res}", "device_seconds": t_dev,
        "device_ms_per_point": 1e3 * t_dev / res ** 2,
        "cpu_ms_per_point": 1e3 * t_cpu / (3 * res),
        "speedup_per_point": (t_cpu / (3 * res)) / (t_dev / res ** 2),
        "loss_range": [float(dev32.min()), float(dev32.max())],
    })
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
