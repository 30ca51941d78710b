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
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

import yaml

from graphlab.io import atomic_write
from graphlab.io.provenance import (  # noqa: F401  (re-exported: the store's record fields)
    NOT_CODE,
    checkout_commit,
    command_line,
    git_commit,
    machine,
    versions,
)


class ResultsConflictError(RuntimeError):
    """Records in a results folder come from a different config than the run's (or two
    configs of one run would share a folder).

    ``str(exc)`` ends with the fix as a Python caller gives it (``overwrite=True``);
    :meth:`message` with ``cli=True`` gives the command line's (``--overwrite``).
    """

    def __init__(self, problem: str,
                 fix: str = "use another {out}, or {overwrite} to replace them"):
        self.problem, self.fix = problem, fix
        super().__init__(self.message(cli=False))

    def message(self, cli: bool = False) -> str:
        if not self.fix:
            return self.problem
        return f"{self.problem}; " + self.fix.format(
            out="--out folder" if cli else "output folder",
            overwrite="--overwrite" if cli else "overwrite=True")


class ResultsFolderError(OSError):
    """The results folder cannot be created or written."""


class DamagedRecordWarning(UserWarning):
    """A record file that is not a readable record (truncated, empty, not JSON)."""


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
    """``obj`` as JSON, written atomically, in the record layout of :func:`record_text`."""
    atomic_write_text(path, record_text(obj))


def record_text(record: dict[str, Any]) -> str:
    """A seed record as JSON text: indented, sorted keys, and the per-epoch ``curve`` one
    compact row per line (the curve is most of a record; a row per line keeps it readable
    at half the bytes of one value per line)."""
    curve = record.get("curve")
    if not isinstance(curve, list) or not curve:
        return json.dumps(record, indent=1, sort_keys=True) + "\n"
    marker = "\u0000curve\u0000"
    text = json.dumps({**record, "curve": marker}, indent=1, sort_keys=True)
    rows = ",\n  ".join(json.dumps(row, sort_keys=True, separators=(",", ":")) for row in curve)
    return text.replace(json.dumps(marker), "[\n  " + rows + "\n ]") + "\n"


def seed_path(run_dir: Path, seed: int) -> Path:
    return run_dir / f"seed_{seed}.json"


def checkpoint_path(run_dir: Path, seed: int) -> Path:
    """Where a seed's mid-seed training state lives until its record is written."""
    return run_dir / f"seed_{seed}.ckpt"


def read_record(path: Path) -> dict[str, Any]:
    with open(path) as f:
        return json.load(f)


def load_record(path: Path, required: Sequence[str] = ("seed", "fingerprint", "metrics")
                ) -> Optional[dict[str, Any]]:
    """The record in ``path``, or ``None`` when the file is damaged (empty, truncated, not
    a JSON object with the ``required`` keys)."""
    try:
        rec = read_record(path)
    except (ValueError, UnicodeDecodeError):  # JSONDecodeError is a ValueError
        return None
    if not isinstance(rec, dict) or not set(required) <= set(rec):
        return None
    return rec


#: a ``*.tmp`` file older than this (seconds) is a leftover of a killed write: every write
#: of the store finishes within a few seconds
STALE_TMP_S = 60.0

#: config keys that do not change a seed's result; a difference there is no conflict
_NOT_RESULT_KEYS = ("name", "seeds", "paper", "profiles", "profile", "description",
                    "resources", "imports")


def config_diff(old: Any, new: Any, prefix: str = "") -> list[str]:
    """The dotted keys on which two config dicts differ, as ``'key: old → new'`` lines
    (keys that do not change a result, such as seeds and the paper block, are left out)."""
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return [] if old == new else [f"{prefix.rstrip('.') or 'config'}: {old!r} → {new!r}"]
    lines = []
    for key in sorted(set(old) | set(new), key=str):
        if not prefix and key in _NOT_RESULT_KEYS:
            continue
        lines += config_diff(old.get(key), new.get(key), f"{prefix}{key}.")
    return lines


def ensure_writable(run_dir: Path) -> None:
    """Create ``run_dir`` and check that a file can be written in it, so that a read-only
    or unreachable folder is one clear :class:`ResultsFolderError` before any training."""
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=run_dir):
            pass
    except OSError as exc:
        raise ResultsFolderError(f"cannot write results to '{run_dir}': "
                                 f"{exc.strerror or exc}") from None


def _move_aside(path: Path) -> Path:
    """Rename a damaged record to ``<name>.damaged`` (``.damaged.1``, … if taken), kept for
    inspection and out of the ``seed_*.json`` pattern."""
    target, k = path.with_name(path.name + ".damaged"), 0
    while target.exists():
        k += 1
        target = path.with_name(f"{path.name}.damaged.{k}")
    path.rename(target)
    return target


def prepare_run_dir(run_dir: Path, fingerprint: str, seeds: list[int],
                    config: Optional[dict[str, Any]] = None,
                    overwrite: bool = False) -> set[int]:
    """Make ``run_dir`` ready for a run of one config; returns the ``seeds`` already done.

    - The folder must be writable (:class:`ResultsFolderError` otherwise).
    - Temporary files left by a killed write (older than :data:`STALE_TMP_S`) are removed.
    - A damaged record (truncated, empty) is moved aside to ``seed_<k>.json.damaged``, with a
      :class:`DamagedRecordWarning` naming it, and its seed counts as not done.
    - Records of any other config in the folder — any seed, not only ``seeds`` — raise
      :class:`ResultsConflictError` naming both fingerprints and the keys that differ
      (``config``, the run's resolved config dict), so that one folder never holds two
      configurations; with ``overwrite`` they are deleted instead.
    """
    ensure_writable(run_dir)
    now = time.time()
    for tmp in run_dir.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime > STALE_TMP_S:
                tmp.unlink()
    done: set[int] = set()
    others: dict[str, list[tuple[int, Path, dict[str, Any]]]] = {}
    for path in sorted(run_dir.glob("seed_*.json")):
        rec = load_record(path)
        if rec is None:
            aside = _move_aside(path)
            warnings.warn(f"'{path}' is not a readable record (empty or truncated); moved "
                          f"to '{aside.name}' and its seed will be run again",
                          DamagedRecordWarning, stacklevel=2)
            continue
        if rec["fingerprint"] == fingerprint:
            if rec["seed"] in seeds:
                done.add(rec["seed"])
        else:
            others.setdefault(str(rec["fingerprint"]), []).append((rec["seed"], path, rec))
    if others and not overwrite:
        fp, found = next(iter(others.items()))
        diff = config_diff(found[0][2].get("config"), config) if config is not None else []
        shown = "; ".join(diff[:6]) + (f"; … ({len(diff) - 6} more)" if len(diff) > 6 else "")
        raise ResultsConflictError(
            f"'{run_dir}' holds records of another configuration (fingerprint {fp}, seeds "
            f"{sorted(s for s, _, _ in found)}) than this run's (fingerprint {fingerprint})"
            + (f"; they differ in {shown}" if shown else "")
            + ("" if len(others) == 1 else f"; {len(others) - 1} more configuration(s) there"))
    for found in others.values():
        for _, path, _ in found:
            path.unlink()
    return done


def write_config_snapshot(run_dir: Path, config: dict[str, Any]) -> None:
    atomic_write_text(run_dir / "config.yaml", yaml.safe_dump(config, sort_keys=False))
