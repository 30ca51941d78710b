"""Timing helpers shared by the benchmarks."""
from __future__ import annotations

import statistics
import time
from typing import Callable

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
