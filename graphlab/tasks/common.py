"""What the task loops share: the result record, epoch progress, model selection and the
mid-seed checkpoints that let a killed run resume inside a seed."""
from __future__ import annotations

import copy
import math
import os
import random
import re
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

#: Called after every epoch with ``(epoch, row)``; lets callers log, plot or interrupt.
EpochCallback = Callable[[int, dict[str, float]], None]


@dataclass
class TaskResult:
    """Metrics at the selected epoch, and the per-epoch curve."""

    metrics: dict[str, float]
    curve: list[dict[str, float]] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


#: metric-name parts that mark an error (lower is better)
ERROR_METRICS = ("mae", "rmse", "mape", "loss")


def minimised(metric: str) -> bool:
    """Whether a smaller value of ``metric`` is better (errors and losses)."""
    return any(part in metric.lower() for part in ERROR_METRICS)


class Selector:
    """Keeps the metrics of the epoch with the best ``monitor`` value — the smallest for
    error metrics (:func:`minimised`), else the largest — and says when ``patience`` epochs
    have passed without improvement. ``monitor='last'`` keeps the latest epoch.

    ``tiebreak`` decides between epochs with equal ``monitor`` values (an accuracy on a few
    validation graphs is often tied for many epochs): ``None`` keeps the first of them,
    ``'last'`` the latest, a metric name (e.g. ``'val_loss'``) the one with the better
    value of that metric (the same minimised / maximised rule; a tie there keeps the
    earlier epoch). An epoch that wins a tie-break also resets ``patience``."""

    def __init__(self, monitor: str, patience: Optional[int], tiebreak: Optional[str] = None):
        if tiebreak is not None and monitor == "last":
            raise ValueError("tiebreak has no meaning with monitor='last' (no selection)")
        self.monitor, self.patience, self.tiebreak = monitor, patience, tiebreak
        self.sign = -1.0 if minimised(monitor) else 1.0
        self.best_value = -math.inf
        self.best_epoch = 0
        self.best: dict[str, float] = {}

    def _wins_tie(self, row: dict[str, float]) -> bool:
        if self.tiebreak is None:
            return False
        if self.tiebreak == "last":
            return True
        if self.tiebreak not in row:
            raise KeyError(f"tiebreak metric '{self.tiebreak}' is not measured by this task; "
                           f"available: {sorted(k for k in row if k.startswith('val_'))}")
        sign = -1.0 if minimised(self.tiebreak) else 1.0
        return sign * row[self.tiebreak] > sign * self.best[self.tiebreak]

    def update(self, epoch: int, row: dict[str, float]) -> None:
        if self.monitor == "last":
            self.best_epoch, self.best = epoch, dict(row)
            return
        if self.monitor not in row:
            raise KeyError(f"monitor metric '{self.monitor}' is not measured by this task; "
                           f"available: {sorted(k for k in row if k.startswith('val_'))}")
        value = self.sign * row[self.monitor]
        if value > self.best_value or (value == self.best_value and self._wins_tie(row)):
            self.best_value, self.best_epoch = value, epoch
            self.best = dict(row)

    def log(self, epoch: int, row: dict[str, float], curve: list[dict[str, float]],
            callback: Optional[EpochCallback] = None) -> bool:
        """Append ``row`` to ``curve``, update the selection, call ``callback``; returns
        whether training should stop (patience exhausted)."""
        curve.append(row)
        self.update(epoch, row)
        if callback is not None:
            callback(epoch, row)
        return self.should_stop(epoch)

    def should_stop(self, epoch: int) -> bool:
        return self.patience is not None and epoch - self.best_epoch >= self.patience

    def state_dict(self) -> dict[str, Any]:
        return {"best_value": self.best_value, "best_epoch": self.best_epoch,
                "best": dict(self.best)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best_value, self.best_epoch = state["best_value"], state["best_epoch"]
        self.best = dict(state["best"])

    def result(self, curve: list[dict[str, float]]) -> TaskResult:
        metrics = {k: v for k, v in self.best.items() if k != "epoch"}
        metrics["best_epoch"] = self.best_epoch
        return TaskResult(metrics, curve)


#: the device specs a run accepts (``resources.device``)
DEVICE_SPEC = re.compile(r"auto|cpu|cuda(:\d+)?")


def valid_device_spec(spec: Any) -> bool:
    """Whether ``spec`` is one of :data:`DEVICE_SPEC`'s forms (says nothing of the GPUs)."""
    return isinstance(spec, str) and DEVICE_SPEC.fullmatch(spec) is not None


def resolve_device(spec: str = "auto") -> torch.device:
    """The device a run trains on: ``'auto'`` = ``cuda`` when torch sees a GPU, else the CPU;
    ``'cpu'``; ``'cuda'`` or ``'cuda:K'``.

    Raises:
        ValueError: an unknown spec, or a GPU torch does not see (named with what it sees).
    """
    if not valid_device_spec(spec):
        raise ValueError(f"unknown device {spec!r}; use 'auto', 'cpu', 'cuda' or 'cuda:K'")
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if spec == "cpu":
        return torch.device("cpu")
    index = spec.partition(":")[2]
    if not torch.cuda.is_available():
        raise ValueError(f"device '{spec}' asked for, but torch sees no CUDA GPU (torch "
                         f"{torch.__version__}, torch.cuda.is_available() is False); use "
                         "'cpu' or 'auto'")
    if index and int(index) >= torch.cuda.device_count():
        raise ValueError(f"device '{spec}' asked for, but torch sees "
                         f"{torch.cuda.device_count()} GPU(s) (cuda:0 …)")
    return torch.device(spec)


class BestWeights:
    """``train.test_at: best``: a copy of the model's weights at the selector's best epoch,
    so that the parts not scored per epoch can be scored once with them at the end
    (``monitor='last'`` needs no copy: the final weights are the selected ones)."""

    def __init__(self, selector: Selector, enabled: bool):
        self.selector, self.enabled = selector, enabled
        self.state: Optional[dict[str, Any]] = None

    def update(self, epoch: int, net: nn.Module) -> None:
        """Call after ``selector.log(epoch, …)``: copy the weights if ``epoch`` is the best."""
        if (self.enabled and self.selector.monitor != "last"
                and self.selector.best_epoch == epoch):
            self.state = copy.deepcopy(net.state_dict())

    def state_dict(self) -> dict[str, Any]:
        return {"state": self.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.state = state["state"]

    @contextmanager
    def loaded(self, net: nn.Module) -> Iterator[nn.Module]:
        """``net`` with the best weights inside the block, its own weights again after."""
        if self.state is None:
            yield net
            return
        final = copy.deepcopy(net.state_dict())
        net.load_state_dict(self.state)
        try:
            yield net
        finally:
            net.load_state_dict(final)


def epoch_bar(epochs: int, progress: bool, desc: str, first: int = 1):
    """Epochs ``first … epochs`` (1-based), with a progress bar that counts from ``first``
    (a resumed run)."""
    return tqdm(range(first, epochs + 1), desc=desc, disable=not progress, leave=False,
                dynamic_ncols=True, total=epochs, initial=first - 1)


def checkpointed_epochs(epochs: int, progress: bool, desc: str,
                        checkpoint: Optional["Checkpoint"], state: dict[str, Any]
                        ) -> Iterator[int]:
    """:func:`epoch_bar`'s epochs for a loop whose ``state`` (see :meth:`Checkpoint.restore`)
    ``checkpoint`` holds: resumed after the last saved epoch, and offered for saving after
    each epoch's body — one that ``continue``s included, one that ``break``s (early stop)
    not. Without a checkpoint, plain :func:`epoch_bar`."""
    first = checkpoint.restore(state) + 1 if checkpoint is not None else 1
    for epoch in epoch_bar(epochs, progress, desc, first):
        yield epoch
        if checkpoint is not None:
            checkpoint.epoch_done(epoch, state)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, write: Callable[[Any], None], binary: bool = False) -> None:
    """``write(file)`` into a temporary file in the same folder, flushed, fsynced and
    renamed to ``path``: a reader (or a run resumed after a kill) sees the old file or the
    new one, never half of one; on an error nothing is left behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 would hide records from others
        with os.fdopen(fd, "wb" if binary else "w") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_torch_save(obj: Any, path: str | Path) -> None:
    """``torch.save`` written atomically (:func:`atomic_write`)."""
    atomic_write(path, lambda f: torch.save(obj, f), binary=True)


#: a training loop saves its state at most this often by default (seconds of training)
CHECKPOINT_EVERY_S = 300.0


class CheckpointError(RuntimeError):
    """A checkpoint file cannot be resumed from (another config's, or unreadable)."""


def _rng_state() -> dict[str, Any]:
    name, keys, pos, has_gauss, gauss = np.random.get_state()
    state = {"torch": torch.get_rng_state(), "python": random.getstate(),
             "numpy": (name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss),
                       float(gauss))}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
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
        _set_rng_state(state["rng"])
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
                           "elapsed_s": self.elapsed_s, "rng": _rng_state(),
                           "processes": self.earlier + [self.note],
                           "objects": {n: None if o is None else _get(o)
                                       for n, o in objects.items()}}, self.path)
        self._saved = time.perf_counter()
        return True

    def clear(self) -> None:
        """Delete the file (the seed's result is written)."""
        self.path.unlink(missing_ok=True)
