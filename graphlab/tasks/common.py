"""What the task loops share: the result record, epoch progress and model selection."""
from __future__ import annotations

import copy
import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

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
    have passed without improvement. ``monitor='last'`` keeps the latest epoch."""

    def __init__(self, monitor: str, patience: Optional[int]):
        self.monitor, self.patience = monitor, patience
        self.sign = -1.0 if minimised(monitor) else 1.0
        self.best_value = -math.inf
        self.best_epoch = 0
        self.best: dict[str, float] = {}

    def update(self, epoch: int, row: dict[str, float]) -> None:
        if self.monitor == "last":
            self.best_epoch, self.best = epoch, dict(row)
            return
        if self.monitor not in row:
            raise KeyError(f"monitor metric '{self.monitor}' is not measured by this task; "
                           f"available: {sorted(k for k in row if k.startswith('val_'))}")
        if self.sign * row[self.monitor] > self.best_value:
            self.best_value, self.best_epoch = self.sign * row[self.monitor], epoch
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

    def result(self, curve: list[dict[str, float]]) -> TaskResult:
        metrics = {k: v for k, v in self.best.items() if k != "epoch"}
        metrics["best_epoch"] = self.best_epoch
        return TaskResult(metrics, curve)


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


def epoch_bar(epochs: int, progress: bool, desc: str):
    return tqdm(range(1, epochs + 1), desc=desc, disable=not progress, leave=False,
                dynamic_ncols=True)
