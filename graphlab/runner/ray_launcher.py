"""Run the seeds × sweep points of configs as Ray tasks (``graphlab run … --launcher ray``).

One Ray task is one run (one config, one seed); it calls the same :func:`run_seed` as the
local launcher and writes to the same results store, so resume, conflicts and ``report``
behave identically. Each task asks Ray for the config's ``resources`` (``cpus`` also sets
the run's torch thread count). Without ``address`` a local Ray instance is started (and
stopped at the end); with one, the driver joins that cluster — every node then needs
graphlab installed and the results folder on a shared filesystem.

Ray is an optional extra: ``pip install -e '.[ray]'``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional, Sequence

from tqdm.auto import tqdm

from graphlab.io import CHECKPOINT_EVERY_S
from graphlab.runner.config import Config
from graphlab.runner.execute import (
    RunFailedError,
    check_checkpoints,
    run_dir_for,
    run_resolved,
)
from graphlab.runner.store import prepare_run_dir, write_config_snapshot

#: Environment variables passed to the Ray workers (data location, backends, debugging).
FORWARDED_ENV = ("GRAPHLAB_DATA", "GRAPHLAB_MIRROR", "GRAPHLAB_OFFLINE", "GRAPHLAB_OPS_BACKEND",
                 "GRAPHLAB_DEBUG", "TRITON_INTERPRET", "PYTHONPATH")


class MissingDependencyError(ImportError):
    """An optional dependency is needed for what was asked; the message says how to install."""


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise MissingDependencyError(
            "the Ray launcher needs Ray, an optional extra: pip install -e '.[ray]' (or pip "
            "install 'ray>=2.9')") from None
    return ray


#: a Ray task waits this long for a seed held by another process: the workers of a killed
#: driver go on until Ray notices the driver's death; if such a worker finishes the seed,
#: the task returns its record instead of training it again
RAY_LOCK_WAIT_S = 300.0


def _ray_run(raw: dict[str, Any], profile: str, seed: int, out: str, threads: int,
             checkpoint_every: Optional[float] = CHECKPOINT_EVERY_S) -> float:
    """Body of one Ray task: one seed, with the run's CPU share as torch threads."""
    import torch

    from graphlab.io.allocator import keep_freed_memory
    keep_freed_memory()
    torch.set_num_threads(max(1, threads))
    return float(run_resolved(raw, profile, seed, out, checkpoint_every,
                              lock_wait_s=RAY_LOCK_WAIT_S)["wall_time_s"])


def run_with_ray(jobs: Sequence[tuple[Config, Path]], address: Optional[str] = None,
                 num_cpus: Optional[int] = None, overwrite: bool = False,
                 progress: bool = True,
                 checkpoint_every: Optional[float] = CHECKPOINT_EVERY_S) -> int:
    """Run every unfinished seed of every ``(config, out)`` as a Ray task.

    Args:
        jobs: configs (sweep points already expanded) and their results folders.
        address: a Ray cluster to join (``ray start --head`` prints it); ``None`` starts a
            local instance with ``num_cpus`` CPUs (default: all).
        overwrite: recompute seeds whose stored result comes from another config.
        progress: a tqdm bar over runs.
        checkpoint_every: seconds between a seed's mid-seed checkpoints (``None``: off); a
            killed seed resumes from its last one. Workers on other machines need the
            results folder on a shared file system for that, as for the results.

    Returns:
        The number of runs executed.

    Raises:
        MissingDependencyError: Ray is not installed.
        RunFailedError: some runs raised; every other run finished and was saved.
    """
    ray = import_ray()
    todo: list[tuple[Config, Path, int]] = []
    for cfg, out in jobs:
        run_dir = run_dir_for(cfg, out)
        done = prepare_run_dir(run_dir, cfg.fingerprint(), cfg.seed_list, cfg.to_dict(),
                               overwrite)
        check_checkpoints(cfg, out, done, overwrite)
        write_config_snapshot(run_dir, cfg.to_dict())
        todo += [(cfg, Path(out), s) for s in cfg.seed_list if s not in done]
    if not todo:
        return 0
    env = {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}
    started = not ray.is_initialized()
    if started:
        kwargs: dict[str, Any] = {"runtime_env": {"env_vars": env}, "log_to_driver": False}
        if address:
            ray.init(address=address, **kwargs)
        else:
            ray.init(num_cpus=num_cpus or os.cpu_count(), include_dashboard=False, **kwargs)
    task = ray.remote(_ray_run)
    failures: list[tuple[str, int, BaseException]] = []
    try:
        pending = {}
        for cfg, out, seed in todo:
            raw = cfg.to_dict()
            raw.pop("profile")
            ref = task.options(num_cpus=cfg.resources.cpus, num_gpus=cfg.resources.gpus,
                               max_retries=0).remote(raw, cfg.profile, seed, str(out),
                                                     int(cfg.resources.cpus),
                                                     checkpoint_every)
            pending[ref] = (cfg.name, seed)
        bar = tqdm(total=len(pending), desc="ray runs", disable=not progress, unit="run",
                   dynamic_ncols=True)
        refs = list(pending)
        while refs:
            ready, refs = ray.wait(refs, num_returns=1)
            for ref in ready:
                try:
                    ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - reported with its config and seed
                    cause = getattr(exc, "cause", None) or exc
                    name, seed = pending[ref]
                    failures.append((name, seed, cause))
                bar.update()
        bar.close()
    finally:
        if started:
            ray.shutdown()
    if failures:
        raise RunFailedError(sorted(failures, key=lambda f: (f[0], f[1])))
    return len(todo)
