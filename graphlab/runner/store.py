"""The results store: one JSON per seed, written atomically; resume skips finished seeds.

Layout: ``<out>/<config name>/seed_<k>.json`` plus ``config.yaml`` (the resolved
config), and ``seed_<k>.ckpt`` while a seed trains (its mid-seed checkpoint). A seed
file is written to a temporary name in the same folder, flushed, fsynced and renamed, so a
reader or a resumed run never sees a partial file.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Optional

import yaml

from graphlab.tasks.common import atomic_write


class ResultsConflictError(RuntimeError):
    """Finished seeds in the output folder were produced by a different config."""


class SeedBusyError(RuntimeError):
    """Another process is running this seed into the same results folder."""


@contextlib.contextmanager
def seed_lock(run_dir: Path, seed: int, wait_s: float = 0.0) -> Iterator[None]:
    """Hold ``<run_dir>/.seed_<k>.lock`` while seed ``k`` runs, so that a second
    ``graphlab run`` into the same folder (a command started twice, a resumed run while the
    first still trains) does not train the seed again beside it and race on its checkpoint:
    after waiting up to ``wait_s`` seconds for the holder to finish or die (a killed run's
    workers take a moment to go), it gets :class:`SeedBusyError` naming the holder's pid.
    The lock is an ``flock``, so a killed holder leaves no stale lock; the file is removed
    on release. No-op without ``fcntl`` (not POSIX)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / f".seed_{seed}.lock"
    deadline = time.monotonic() + wait_s
    while True:
        handle = open(path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            if time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            waited = f" (waited {wait_s:g} s)" if wait_s else ""
            raise SeedBusyError(f"seed {seed} of '{run_dir}' is being run by another process "
                                f"(pid {holder}){waited}; wait for it, or stop it and re-run "
                                "to resume") from None
        try:  # the file may have been released and removed between open and lock
            same = os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        handle.close()
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        path.unlink(missing_ok=True)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda f: f.write(text))


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=1, sort_keys=True) + "\n")


def seed_path(run_dir: Path, seed: int) -> Path:
    return run_dir / f"seed_{seed}.json"


def checkpoint_path(run_dir: Path, seed: int) -> Path:
    """Where a seed's mid-seed training state lives until its record is written."""
    return run_dir / f"seed_{seed}.ckpt"


def read_record(path: Path) -> dict[str, Any]:
    with open(path) as f:
        return json.load(f)


def finished_seeds(run_dir: Path, fingerprint: str, seeds: list[int],
                   overwrite: bool = False) -> set[int]:
    """Seeds whose result file exists and matches ``fingerprint``.

    Raises :class:`ResultsConflictError` when a file for one of ``seeds`` comes from a
    different config, unless ``overwrite`` (then that seed is re-run).
    """
    done = set()
    for seed in seeds:
        path = seed_path(run_dir, seed)
        if not path.exists():
            continue
        rec = read_record(path)
        if rec.get("fingerprint") == fingerprint:
            done.add(seed)
        elif not overwrite:
            raise ResultsConflictError(
                f"'{path}' holds a result of a different config (fingerprint "
                f"{rec.get('fingerprint')} vs {fingerprint}); use another --out folder or "
                "--overwrite to recompute")
    return done


def write_config_snapshot(run_dir: Path, config: dict[str, Any]) -> None:
    atomic_write_text(run_dir / "config.yaml", yaml.safe_dump(config, sort_keys=False))


@lru_cache(maxsize=1)
def git_commit() -> str:
    """The commit of the graphlab checkout (``+dirty`` with uncommitted changes), or
    ``'unknown'`` outside a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=here, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return sha + ("+dirty" if dirty.strip() else "")


def command_line() -> str:
    """The command that started this run, as a shell line: what ``graphlab run`` set in
    ``$GRAPHLAB_COMMAND`` (inherited by its pool workers), else this process's argv."""
    import shlex
    import sys

    return os.environ.get("GRAPHLAB_COMMAND") or shlex.join(
        [Path(sys.argv[0]).name or "python", *sys.argv[1:]])


@lru_cache(maxsize=1)
def _cpu_model() -> str:
    import platform

    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine() -> dict[str, Any]:
    """Where a run happened: the CPU model, the cores the OS shows, torch's thread count,
    and the GPU torch sees (``None`` without one)."""
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {"cpu": _cpu_model(), "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "gpu": gpu}


def versions() -> dict[str, Optional[str]]:
    import platform

    import torch
    import torch_geometric

    import graphlab
    return {"python": platform.python_version(), "torch": torch.__version__,
            "torch_geometric": torch_geometric.__version__, "graphlab": graphlab.__version__}
