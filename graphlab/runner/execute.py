"""Running a config: every seed once, in this process or a local process pool."""
from __future__ import annotations

import contextlib
import math
import os
import resource
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Optional

import torch
from tqdm.auto import tqdm

from graphlab.io import CHECKPOINT_EVERY_S
from graphlab.io.allocator import keep_freed_memory
from graphlab.runner.config import Config, config_from_dict
from graphlab.runner.seeding import seed_everything
from graphlab.runner.store import (
    ResultsConflictError,
    atomic_write_json,
    checkpoint_path,
    command_line,
    git_commit,
    load_record,
    machine,
    prepare_run_dir,
    read_record,
    seed_lock,
    seed_path,
    versions,
    write_config_snapshot,
)
from graphlab.tasks import (
    CHECKPOINT_TASKS,
    Checkpoint,
    CheckpointError,
    EpochCallback,
    check_ddp_task,
    run_task,
)
from graphlab.tasks.distributed import Distributed, barrier, broadcast_object


class RunFailedError(RuntimeError):
    """Some seeds of a config raised; the others finished and were saved.

    Attributes:
        failures: ``[(config name, seed, exception), ...]``.
    """

    def __init__(self, failures: list[tuple[str, int, BaseException]]):
        self.failures = failures
        lines = [f"config '{name}' seed {seed}: {type(exc).__name__}: {exc}"
                 for name, seed, exc in failures]
        super().__init__(f"{len(failures)} run(s) failed (the others are saved; re-run the "
                         "same command to retry only these):\n  " + "\n  ".join(lines))


def run_dir_for(cfg: Config, out: str | Path) -> Path:
    return Path(out) / cfg.name


#: how long a seed waits for another process holding it (a killed run's pool workers exit
#: within a second; Ray's workers of a killed driver take longer — see ray_launcher)
LOCK_WAIT_S = 10.0


def seed_checkpoint(cfg: Config, seed: int, out: str | Path,
                    every_s: Optional[float] = CHECKPOINT_EVERY_S) -> Optional[Checkpoint]:
    """The mid-seed checkpoint of ``seed`` (``<out>/<name>/seed_<k>.ckpt``), or ``None``
    when the task saves none or ``every_s`` is ``None`` (checkpoints off)."""
    if every_s is None or cfg.task not in CHECKPOINT_TASKS:
        return None
    return Checkpoint(checkpoint_path(run_dir_for(cfg, out), seed), every_s,
                      key=f"{cfg.fingerprint()} seed {seed}", note={"git_commit": git_commit()})


def run_seed(cfg: Config, seed: int, out: str | Path, progress: bool = False,
             callback: Optional[EpochCallback] = None,
             ddp: Optional[Distributed] = None,
             checkpoint_every: Optional[float] = CHECKPOINT_EVERY_S,
             lock_wait_s: Optional[float] = None,
             data: Any = None) -> Optional[dict[str, Any]]:
    """Run one seed of ``cfg`` and write its record atomically; returns the record.
    ``data``: the in-memory data of a config built by :func:`run_config` with ``dataset=``.

    With ``ddp`` every rank trains and only rank 0 writes (and returns) the record; the
    others return ``None``. Tasks in ``CHECKPOINT_TASKS`` (not under ``ddp``) save their
    training state every ``checkpoint_every`` seconds to ``seed_<k>.ckpt`` beside the
    results and resume from it when the seed is run again after a kill, ending with the
    metrics of an uninterrupted run; the file is deleted once the record is written. The
    record's ``wall_time_s`` then sums every process's time, and ``resumed`` says from which
    epoch. ``checkpoint_every=None``: no checkpoints (an existing file is still resumed
    from — :func:`run_configs` clears files the run must not use). While it runs the seed
    holds a lock (:func:`~graphlab.runner.store.seed_lock`): another process running the
    same seed into the same folder waits up to ``lock_wait_s`` seconds (default
    :data:`LOCK_WAIT_S`), then gets
    :class:`~graphlab.runner.store.SeedBusyError`; a seed the holder finished meanwhile is
    not run again (its record is returned).
    """
    wait = LOCK_WAIT_S if lock_wait_s is None else lock_wait_s
    lock = (seed_lock(run_dir_for(cfg, out), seed, wait) if ddp is None or ddp.is_main
            else contextlib.nullcontext())
    with lock:
        # finished meanwhile by the lock's last holder: not trained again
        path = seed_path(run_dir_for(cfg, out), seed)
        if ddp is None and path.exists():
            record = load_record(path)
            if record is not None and record["fingerprint"] == cfg.fingerprint():
                return record
        return _run_seed(cfg, seed, out, progress, callback, ddp, checkpoint_every, data)


def _run_seed(cfg: Config, seed: int, out: str | Path, progress: bool,
              callback: Optional[EpochCallback], ddp: Optional[Distributed],
              checkpoint_every: Optional[float], data: Any = None) -> Optional[dict[str, Any]]:
    seed_everything(seed)
    start = time.perf_counter()
    ckpt = None if ddp is not None else seed_checkpoint(
        cfg, seed, out, math.inf if checkpoint_every is None else checkpoint_every)
    result = run_task(cfg.task, cfg.dataset, cfg.model, cfg.split, cfg.train, cfg.eval, seed,
                      progress=progress, callback=callback, ddp=ddp, pretrain=cfg.pretrain,
                      checkpoint=ckpt, device=cfg.resources.device, data=data)
    wall = time.perf_counter() - start
    if ddp is not None and not ddp.is_main:
        return None
    record = {
        "name": cfg.name, "task": cfg.task, "seed": seed, "profile": cfg.profile,
        "fingerprint": cfg.fingerprint(), "config": cfg.to_dict(),
        "git_commit": git_commit(), "command": command_line(), "versions": versions(),
        "machine": machine(), "wall_time_s": round(wall, 3),
        # ru_maxrss is in KiB on Linux: the peak resident memory of this process so far
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "metrics": result.metrics, "curve": compact_curve(result.curve), "info": result.info,
    }
    if ddp is not None:
        record["distributed"] = {"world_size": ddp.world_size, "backend": ddp.backend}
    if ckpt is not None and ckpt.resumes:
        record["wall_time_s"] = round(wall + ckpt.elapsed_before_s, 3)
        record["resumed"] = {"from_epoch": ckpt.resumed_epoch, "times": ckpt.resumes,
                             "wall_time_this_process_s": round(wall, 3),
                             "earlier_commits": [p.get("git_commit") for p in ckpt.earlier]}
    atomic_write_json(seed_path(run_dir_for(cfg, out), seed), record)
    if ckpt is not None:
        ckpt.clear()
    return record


#: significant digits kept of each per-epoch value in a record's curve (the metrics keep
#: every digit): enough to plot and read a curve, a third of the bytes of full precision
CURVE_DIGITS = 6


def compact_curve(curve: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The per-epoch curve with its floats rounded to :data:`CURVE_DIGITS` significant
    digits, so that committed records stay small."""
    return [{k: float(f"{v:.{CURVE_DIGITS}g}") if isinstance(v, float) else v
             for k, v in row.items()} for row in curve]


def _worker_init(threads: int, parent: Optional[int] = None) -> None:
    _exit_with_parent(parent if parent is not None else os.getppid())
    keep_freed_memory()
    torch.set_num_threads(threads)


def _exit_with_parent(parent: int, interval: float = 1.0) -> None:
    """A pool worker must not outlive the run that started it: if the parent is killed
    (SIGTERM, SIGKILL, a closed terminal), the worker would otherwise finish its seed as an
    orphan, using the CPU that the resumed run needs. ``parent`` is passed from the parent
    itself: a worker still importing when the parent dies must not take its new parent
    (init) for the original one."""
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="graphlab-parent-watch", daemon=True).start()


def run_resolved(raw: dict[str, Any], profile: str, seed: int, out: str,
                 checkpoint_every: Optional[float] = CHECKPOINT_EVERY_S,
                 lock_wait_s: Optional[float] = None, data: Any = None) -> dict[str, Any]:
    """One seed of a config shipped to another process (pool worker, Ray task) as a dict:
    ``raw`` is already resolved, so it is re-validated as written and the profile name is
    restored."""
    cfg = config_from_dict(raw, f"{raw.get('name')} (worker)")
    cfg.profile = profile
    return run_seed(cfg, seed, out, checkpoint_every=checkpoint_every,
                    lock_wait_s=lock_wait_s, data=data)


def check_checkpoints(cfg: Config, out: str | Path, done: set[int],
                      overwrite: bool = False) -> None:
    """Before a run: delete the checkpoints of finished seeds (left by a kill between the
    record and the clean-up); a checkpoint of another config (or an unreadable one) raises
    :class:`ResultsConflictError`, or is deleted with ``overwrite``."""
    for seed in cfg.seed_list:
        ckpt = seed_checkpoint(cfg, seed, out)
        if ckpt is None or not ckpt.path.exists():
            continue
        if seed in done:
            ckpt.clear()
            continue
        try:
            ckpt.read()
        except CheckpointError as exc:
            if not overwrite:
                raise ResultsConflictError(str(exc), fix="") from None
            ckpt.clear()


def run_config(cfg: Config, out: str | Path, jobs: int = 1, progress: bool = True,
               overwrite: bool = False, callback: Optional[EpochCallback] = None,
               checkpoint_every: Optional[float] = CHECKPOINT_EVERY_S,
               dataset: Any = None) -> list[dict[str, Any]]:
    """Run every unfinished seed of ``cfg``; returns the records of all its seeds.

    ``dataset``: train on this PyG ``Data``, list of ``Data`` or dataset instead of the one
    the config names (node, link and graph tasks), into the same store: the config's
    ``dataset.in_memory`` becomes the data's digest
    (:func:`graphlab.data.sources.data_digest`), so the fingerprint, and the conflict
    check, tell different data apart; ``dataset.node_features`` / ``undirected`` still
    apply.

    Seeds whose result file already exists (same config fingerprint) are skipped, so an
    interrupted run re-run with the same command finishes only what is missing. Records of
    another configuration in the config's folder (any seed) raise
    :class:`~graphlab.runner.store.ResultsConflictError` naming both and the keys that
    differ, before anything runs; ``overwrite=True`` deletes them and runs this config.
    ``jobs > 1`` runs seeds in a local process pool (each worker gets an equal share
    of the CPU threads). A seed killed mid-way resumes from its checkpoint (see
    :func:`run_seed`; ``checkpoint_every`` seconds, ``None``: off).
    """
    if dataset is not None:
        cfg = with_data(cfg, dataset)
    return run_configs([(cfg, out)], jobs, progress, overwrite, callback,
                       checkpoint_every=checkpoint_every, data=dataset)[0]


def preflight_data(cfg: Config, data: Any = None) -> None:
    """Open a graph file or PyG class (or check in-memory data) before anything is written
    to the store, so a run whose data cannot be read leaves no trace there. Registered
    names are opened by the seeds themselves."""
    from graphlab.data.sources import in_memory

    if data is not None:
        in_memory(data)
    elif cfg.dataset.path is not None or cfg.dataset.cls is not None or (
            cfg.dataset.name or "").lower().startswith("tu/"):
        cfg.dataset.open()


def with_data(cfg: Config, dataset: Any) -> Config:
    """A copy of ``cfg`` that names in-memory data by its digest instead of its dataset."""
    import dataclasses

    from graphlab.data.sources import data_digest, in_memory
    from graphlab.tasks import get_task

    if "in_memory" not in get_task(cfg.task).dataset_keys:
        raise ValueError(f"task '{cfg.task}' reads its dataset from its config; in-memory "
                         "data is for the node, link and graph tasks")
    ds = in_memory(dataset)
    settings = dataclasses.replace(cfg.dataset, name=None, cls=None, path=None, params={},
                                   directed=True, num_nodes=None, variable="net",
                                   in_memory=data_digest(ds))
    return dataclasses.replace(cfg, dataset=settings)


def _seed_line(name: str, seed: int, done: int, total: int,
               record: Optional[dict[str, Any]] = None,
               exc: Optional[BaseException] = None) -> str:
    """One line per finished seed, for logs (no progress bar)."""
    if exc is not None:
        return f"graphlab: {name} seed {seed} failed ({type(exc).__name__}: {exc}) [{done}/{total}]"
    wall = (record or {}).get("wall_time_s")
    took = f" in {wall / 60:.1f} min" if isinstance(wall, (int, float)) else ""
    return f"graphlab: {name} seed {seed} done{took} [{done}/{total}]"


def run_configs(runs: list[tuple[Config, str | Path]], jobs: int = 1, progress: bool = True,
                overwrite: bool = False, callback: Optional[EpochCallback] = None,
                log: Optional[Callable[[str], None]] = None,
                checkpoint_every: Optional[float] = CHECKPOINT_EVERY_S,
                data: Any = None) -> list[list[dict[str, Any]]]:
    """Run every unfinished seed of every ``(config, out)``; returns each config's records.

    With ``jobs > 1`` the seeds of *all* the configs share one local process pool, taken in
    order (config by config, seed by seed), so a worker never idles while another config
    still has seeds to run (3 seeds on 2 workers, config after config, would leave one
    worker idle for a third of the time). Finished seeds are skipped as in
    :func:`run_config`; a seed that raises does not stop the others, and all failures are
    raised together at the end as one :class:`RunFailedError`. ``log`` (e.g. ``print``)
    gets one line per seed as it finishes or fails, with its wall time and the count done —
    for runs whose output goes to a file, where there is no progress bar. Seeds save
    mid-seed checkpoints every ``checkpoint_every`` seconds (``None``: off) and a killed
    seed resumes from its last one (:func:`run_seed`).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if data is not None and len(runs) != 1:
        raise ValueError("in-memory data goes with one config at a time")
    unique: dict[Path, tuple[Config, str | Path]] = {}
    for cfg, out in runs:     # two configs writing one folder would mix their seeds
        folder = run_dir_for(cfg, out)
        if folder in unique and unique[folder][0].fingerprint() != cfg.fingerprint():
            raise ResultsConflictError(f"two different configs named '{cfg.name}' would write "
                                       f"to '{folder}'; give them different names", fix="")
        unique.setdefault(folder, (cfg, out))
    for cfg, _ in unique.values():
        preflight_data(cfg, data)
    todo: list[tuple[Config, str | Path, int]] = []
    total = finished = 0
    for cfg, out in unique.values():
        seeds = cfg.seed_list
        done = prepare_run_dir(run_dir_for(cfg, out), cfg.fingerprint(), seeds, cfg.to_dict(),
                               overwrite)
        check_checkpoints(cfg, out, done, overwrite)
        todo += [(cfg, out, s) for s in seeds if s not in done]
        write_config_snapshot(run_dir_for(cfg, out), cfg.to_dict())
        total, finished = total + len(seeds), finished + len(done)
    desc = runs[0][0].name if len(unique) == 1 else f"{len(unique)} configs"
    bar = tqdm(total=total, initial=finished, desc=desc, disable=not progress,
               dynamic_ncols=True, unit="seed")
    failures: list[tuple[str, int, BaseException]] = []
    try:
        if jobs == 1 or len(todo) <= 1:
            for cfg, out, seed in todo:
                record, error = None, None
                try:
                    record = run_seed(cfg, seed, out, progress=progress, callback=callback,
                                      checkpoint_every=checkpoint_every, data=data)
                except (KeyboardInterrupt, SystemExit):
                    raise
                except Exception as exc:  # noqa: BLE001 - reported with its seed below
                    failures.append((cfg.name, seed, exc))
                    error = exc
                bar.update()
                finished += 1
                if log is not None:
                    log(_seed_line(cfg.name, seed, finished, total, record, error))
        else:
            threads = max(1, (os.cpu_count() or 1) // jobs)
            with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=get_context(
                    "spawn"), initializer=_worker_init, initargs=(threads, os.getpid())) as pool:
                futures = {}
                for cfg, out, seed in todo:
                    raw = cfg.to_dict()
                    raw.pop("profile")
                    futures[pool.submit(run_resolved, raw, cfg.profile, seed, str(out),
                                        checkpoint_every, None, data)] = (cfg.name, seed)
                for fut in as_completed(futures):
                    exc = fut.exception()
                    if exc is not None:
                        failures.append((*futures[fut], exc))
                    bar.update()
                    finished += 1
                    if log is not None:
                        log(_seed_line(*futures[fut], finished, total,
                                       None if exc is not None else fut.result(), exc))
    finally:
        bar.close()
    if failures:
        raise RunFailedError(sorted(failures, key=lambda f: (f[0], f[1])))
    return [[read_record(seed_path(run_dir_for(cfg, out), s)) for s in cfg.seed_list]
            for cfg, out in runs]


def run_config_ddp(cfg: Config, out: str | Path, ddp: Distributed, progress: bool = True,
                   overwrite: bool = False) -> Optional[list[dict[str, Any]]]:
    """Run every unfinished seed of ``cfg`` one after the other, each trained by all ranks
    of the process group (``graphlab run --ddp`` under torchrun).

    Rank 0 decides which seeds are missing (the same resume rule as :func:`run_config`) and
    writes the results; it returns the records of all seeds, the other ranks ``None``. A
    seed that raises stops the run (torchrun then stops the other ranks); re-running the
    command resumes after the seeds already written.
    """
    check_ddp_task(cfg.task)  # before any rank loads data
    run_dir = run_dir_for(cfg, out)
    seeds = cfg.seed_list
    todo = None
    if ddp.is_main:
        done = prepare_run_dir(run_dir, cfg.fingerprint(), seeds, cfg.to_dict(), overwrite)
        todo = [s for s in seeds if s not in done]
        write_config_snapshot(run_dir, cfg.to_dict())
    todo = broadcast_object(ddp, todo)
    bar = tqdm(total=len(seeds), initial=len(seeds) - len(todo), desc=cfg.name,
               disable=not (progress and ddp.is_main), dynamic_ncols=True, unit="seed")
    try:
        for seed in todo:
            run_seed(cfg, seed, out, progress=progress, ddp=ddp)
            bar.update()
    finally:
        bar.close()
    barrier(ddp)
    if not ddp.is_main:
        return None
    return [read_record(seed_path(run_dir, s)) for s in seeds]
