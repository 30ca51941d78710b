"""What the task loops share: the result record, epoch progress, model selection and the
mid-seed checkpoints that let a killed run resume inside a seed."""
from __future__ import annotations

import copy
import math
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

import torch
from torch import nn
from tqdm.auto import tqdm

from graphlab.io import Checkpoint

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


#: the per-epoch timing keys of a curve row (wall seconds); recorded, never metrics
TIMING_KEYS = ("train_s", "eval_s")


class EpochClock:
    """Wall seconds of training and of evaluation per epoch, stamped into curve rows:
    call :meth:`start` when an epoch begins, :meth:`trained` when its training steps are
    done, and :meth:`stamp` on the row after its evaluation — ``train_s`` is the mean
    training time of the epochs since the last row (``eval_every`` > 1 trains several),
    ``eval_s`` the time from the last :meth:`trained` to the stamp."""

    def __init__(self) -> None:
        self._start = self._trained = time.perf_counter()
        self._train, self._epochs = 0.0, 0

    def start(self) -> None:
        self._start = time.perf_counter()

    def trained(self) -> None:
        self._trained = time.perf_counter()
        self._train += self._trained - self._start
        self._epochs += 1

    def stamp(self, row: dict[str, float]) -> dict[str, float]:
        row["train_s"] = self._train / max(self._epochs, 1)
        row["eval_s"] = time.perf_counter() - self._trained
        self._train, self._epochs = 0.0, 0
        return row


def without_timing(curve: list[dict[str, float]]) -> list[dict[str, float]]:
    """A curve without its timing keys: what two runs of the same seed must agree on."""
    return [{k: v for k, v in row.items() if k not in TIMING_KEYS} for row in curve]


def timing_info(curve: list[dict[str, float]]) -> dict[str, float]:
    """Median training and evaluation seconds per epoch over a curve's timed rows."""
    import statistics

    out = {}
    for key in TIMING_KEYS:
        values = [row[key] for row in curve if key in row]
        if values:
            out[f"{key}_per_epoch"] = statistics.median(values)
    return out


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
        metrics = {k: v for k, v in self.best.items() if k != "epoch" and k not in TIMING_KEYS}
        metrics["best_epoch"] = self.best_epoch
        return TaskResult(metrics, curve, timing_info(curve))


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
                        checkpoint: Optional[Checkpoint], state: dict[str, Any]
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
