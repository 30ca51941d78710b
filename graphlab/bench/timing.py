"""Timing helpers shared by the benchmarks."""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any, Callable

import torch


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def median_ms(fn: Callable[[], object], device: torch.device, repeats: int = 5,
              warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in milliseconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync(device)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def median_ms_round_robin(calls: dict[str, Callable[[], object]], device: torch.device,
                          repeats: int = 5) -> dict[str, float]:
    """Median wall time (ms) of each call, timed in interleaved rounds after one warm-up
    round, so that drifting machine load (a shared 2-core box) hits every method alike."""
    for fn in calls.values():
        fn()
    sync(device)
    times: dict[str, list[float]] = {key: [] for key in calls}
    for _ in range(repeats):
        for key, fn in calls.items():
            start = time.perf_counter()
            fn()
            sync(device)
            times[key].append((time.perf_counter() - start) * 1e3)
    return {key: statistics.median(values) for key, values in times.items()}


def copy_bandwidth_gbs(device: torch.device, nbytes: int = 256 << 20) -> float:
    """Achieved copy bandwidth (read + write) in GB/s on a buffer of ``nbytes``."""
    src = torch.empty(nbytes // 4, dtype=torch.float32, device=device).uniform_()
    dst = torch.empty_like(src)
    ms = median_ms(lambda: dst.copy_(src), device, repeats=7)
    return 2 * nbytes / (ms * 1e-3) / 1e9


def write_json(path: str | Path, payload: dict[str, Any]) -> Path:
    """Write a benchmark's results as JSON, with the torch threads, machine and torch version
    added (keys already in ``payload`` win); the folder is created."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"torch_threads": torch.get_num_threads(), "machine": platform.platform(),
            "torch": torch.__version__}
    out.write_text(json.dumps({**payload, **{k: v for k, v in meta.items()
                                             if k not in payload}}, indent=2) + "\n")
    return out


def add_model_args(parser: argparse.ArgumentParser, hidden: int = 64, layers: int = 4,
                   repeats: int = 3) -> None:
    """The model-size and repetition options the graph-level benchmarks share."""
    parser.add_argument("--hidden", type=int, default=hidden, help="width")
    parser.add_argument("--layers", type=int, default=layers, help="layers")
    parser.add_argument("--repeats", type=int, default=repeats, help="timed repetitions")
