"""Mid-seed checkpoints: a training loop's whole state (model, optimiser, scheduler,
generators, selection, curve and the global RNGs) saved atomically and resumed."""
from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any, Optional

import numpy as np
import torch

from graphlab.io.files import atomic_torch_save

#: a training loop saves its state at most this often by default (seconds of training)
CHECKPOINT_EVERY_S = 300.0


class CheckpointError(RuntimeError):
    """A checkpoint file cannot be resumed from (another config's, or unreadable)."""


def rng_state() -> dict[str, Any]:
    """The global random states: Python, NumPy, torch and (when initialised) CUDA."""
    name, keys, pos, has_gauss, gauss = np.random.get_state()
    state = {"torch": torch.get_rng_state(), "python": random.getstate(),
             "numpy": (name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss),
                       float(gauss))}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` returned."""
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    name, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _get(obj: Any) -> Any:
    if isinstance(obj, torch.Generator):
        return obj.get_state()
    if isinstance(obj, list):
        return list(obj)
    return obj.state_dict()


def _put(obj: Any, state: Any) -> None:
    if isinstance(obj, torch.Generator):
        obj.set_state(state)
    elif isinstance(obj, list):
        obj[:] = state
    else:
        obj.load_state_dict(state)


class Checkpoint:
    """Saves a training loop's whole state inside a seed, so that a run killed mid-seed
    (a closed session, a pre-empted job) resumes at the last saved epoch and ends with the
    numbers an uninterrupted run gives: model, optimiser, scheduler, the loop's generators,
    the selection so far, the curve, and the global RNGs (Python, NumPy, torch, CUDA).

    ``path``: the file (written atomically). ``every_s``: save after an epoch when at least
    this many seconds passed since the last save (``0``: after every epoch). ``key``: what
    the state belongs to (the runner passes the config fingerprint and the seed); a file
    with another key raises :class:`CheckpointError` instead of being resumed.

    A loop calls :meth:`restore` once before its first epoch (returns the last finished
    epoch, ``0`` when there is nothing to resume) and :meth:`epoch_done` after each epoch.
    ``resumed_epoch`` and ``elapsed_before_s`` (seconds the earlier processes spent on the
    work saved — time lost after a process's last save is not counted) say what was
    resumed, and ``earlier`` holds each earlier process's ``note`` (the runner notes the git
    commit); the caller deletes the file with :meth:`clear` once the seed's result is
    written.
    """

    def __init__(self, path: str | Path, every_s: float = CHECKPOINT_EVERY_S, key: str = "",
                 note: Optional[dict[str, Any]] = None):
        if every_s < 0:
            raise ValueError(f"checkpoint interval must be >= 0 seconds, got {every_s}")
        self.path, self.every_s, self.key = Path(path), float(every_s), key
        self.note = dict(note or {})
        #: the ``note`` of every earlier process whose saved work this one continues
        self.earlier: list[dict[str, Any]] = []
        self.resumed_epoch, self.elapsed_before_s, self.resumes = 0, 0.0, 0
        self._started = self._saved = time.perf_counter()

    def read(self) -> Optional[dict[str, Any]]:
        """The saved state, or ``None`` when there is no file."""
        if not self.path.exists():
            return None
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - re-raised with the file named
            raise CheckpointError(f"cannot read the checkpoint '{self.path}' "
                                  f"({type(exc).__name__}: {exc}); delete it to start the "
                                  "seed from its first epoch") from exc
        if not isinstance(state, dict) or "epoch" not in state:
            raise CheckpointError(f"'{self.path}' is not a graphlab checkpoint; delete it")
        if state.get("key") != self.key:
            raise CheckpointError(
                f"the checkpoint '{self.path}' belongs to another run (key "
                f"{state.get('key')!r}, this run {self.key!r}); delete it, or pass "
                "--overwrite, to start this seed afresh")
        return state

    def restore(self, objects: dict[str, Any]) -> int:
        """Load the saved state into ``objects`` (name → module, optimiser, scheduler,
        generator, selector, list) and the global RNGs; returns the last finished epoch."""
        state = self.read()
        if state is None:
            return 0
        missing = sorted(set(objects) - set(state["objects"]))
        if missing:
            raise CheckpointError(f"the checkpoint '{self.path}' lacks {missing}; delete it")
        for name, obj in objects.items():
            if obj is not None:
                try:
                    _put(obj, state["objects"][name])
                except (RuntimeError, KeyError, ValueError, TypeError) as exc:
                    raise CheckpointError(
                        f"the checkpoint '{self.path}' does not fit this run's {name} "
                        f"({type(exc).__name__}: {str(exc).splitlines()[0]}); the code may "
                        "have changed since it was saved — delete it to start the seed "
                        "afresh") from exc
        set_rng_state(state["rng"])
        # files saved before processes were noted come from one process of unknown note
        self.earlier = list(state.get("processes", [{}]))
        self.resumed_epoch, self.resumes = int(state["epoch"]), int(state["resumes"]) + 1
        self.elapsed_before_s = float(state["elapsed_s"])
        self._saved = time.perf_counter()
        return self.resumed_epoch

    @property
    def elapsed_s(self) -> float:
        """Training seconds of this seed so far, over every process that worked on it."""
        return self.elapsed_before_s + time.perf_counter() - self._started

    def epoch_done(self, epoch: int, objects: dict[str, Any], force: bool = False) -> bool:
        """Save after ``epoch`` if the interval has passed (or ``force``); returns whether
        it saved."""
        if not force and time.perf_counter() - self._saved < self.every_s:
            return False
        atomic_torch_save({"key": self.key, "epoch": epoch, "resumes": self.resumes,
                           "elapsed_s": self.elapsed_s, "rng": rng_state(),
                           "processes": self.earlier + [self.note],
                           "objects": {n: None if o is None else _get(o)
                                       for n, o in objects.items()}}, self.path)
        self._saved = time.perf_counter()
        return True

    def clear(self) -> None:
        """Delete the file (the seed's result is written)."""
        self.path.unlink(missing_ok=True)
