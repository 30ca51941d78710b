"""Task ``forecast``: multi-horizon forecasting of sensor series (traffic speeds, case counts).

The protocol of docs/papers/virtual_nodes.md: windows of ``split.input_steps`` (default 12)
inputs and ``split.horizon`` (default 12) targets, a chronological 70 / 10 / 20 split of the
time axis, inputs standardised with training statistics only, the loss and the metrics computed
on the original scale and masked where the target is 0 (a missing reading) for datasets whose
zeros mean missing. Metrics per part: ``mae``, ``rmse``, ``mape`` over all horizons, the same
over the last quarter of the horizons (``*_long``, the paper's long-horizon score), and per
horizon step ``test_mae@k`` / ``test_rmse@k`` / ``test_mape@k`` (k = 1 … horizon)."""
from __future__ import annotations

import math
from typing import Optional

import torch

from graphlab.data.traffic import ForecastWindows, SensorSeries, chronological_windows
from graphlab.io import Checkpoint
from graphlab.models import build_model
from graphlab.tasks.common import (
    BestWeights,
    EpochCallback,
    EpochClock,
    Selector,
    TaskResult,
    checkpointed_epochs,
)
from graphlab.tasks.metrics import masked_mae, masked_mape, masked_rmse
from graphlab.tasks.settings import ModelSettings, SplitSettings, TrainSettings

DEFAULT_STEPS = 12
DEFAULT_BATCH = 64
GRAD_CLIP = 5.0


def default_metrics(evaluation=None) -> tuple[str, str]:
    return "val_mae", "test_mae"


def windows_for(series, split: SplitSettings, name: str = "series") -> ForecastWindows:
    if not isinstance(series, SensorSeries):
        raise ValueError(f"task 'forecast' needs a sensor time series; '{name}' is "
                         f"{type(series).__name__}")
    return chronological_windows(series, split.input_steps or DEFAULT_STEPS,
                                 split.horizon or DEFAULT_STEPS, split.train_ratio or 0.7,
                                 split.val_ratio or 0.1)


def horizon_metrics(pred: torch.Tensor, target: torch.Tensor, ignore_zeros: bool, part: str,
                    per_step: bool) -> dict[str, float]:
    """MAE / RMSE / MAPE of ``[S, H, N, C]`` forecasts: overall, last quarter of the horizons
    (``_long``), and per step when ``per_step``."""
    H = pred.size(1)
    long = slice(H - max(1, H // 4), H)
    out: dict[str, float] = {}
    for suffix, sl in (("", slice(0, H)), ("_long", long)):
        p, t = pred[:, sl], target[:, sl]
        out[f"{part}_mae{suffix}"] = float(masked_mae(p, t, ignore_zeros))
        out[f"{part}_rmse{suffix}"] = float(masked_rmse(p, t, ignore_zeros))
        out[f"{part}_mape{suffix}"] = float(masked_mape(p, t))
    if per_step:
        for k in range(H):
            p, t = pred[:, k], target[:, k]
            out[f"{part}_mae@{k + 1}"] = float(masked_mae(p, t, ignore_zeros))
            out[f"{part}_rmse@{k + 1}"] = float(masked_rmse(p, t, ignore_zeros))
            out[f"{part}_mape@{k + 1}"] = float(masked_mape(p, t))
    return out


@torch.no_grad()
def predict(net: torch.nn.Module, windows: ForecastWindows, part: str,
            batch_size: int = DEFAULT_BATCH) -> torch.Tensor:
    """Forecasts on the original scale for every window of ``part``."""
    was_training = net.training
    net.eval()
    x = windows.x[part]
    out = torch.cat([windows.scaler.inverse(net(x[i:i + batch_size]))
                     for i in range(0, x.size(0), batch_size)])
    net.train(was_training)
    return out


def _scores(net: torch.nn.Module, windows: ForecastWindows, part: str,
            batch_size: int) -> dict[str, float]:
    """The metrics of one part (per horizon step for the test part)."""
    return horizon_metrics(predict(net, windows, part, batch_size), windows.y[part],
                           windows.zero_is_missing, part, per_step=part == "test")


def build_forecaster(model: ModelSettings, series: SensorSeries, split: SplitSettings):
    return build_model(model.name, "forecast", model.params, num_nodes=series.num_nodes,
                       in_channels=series.num_channels, out_channels=series.num_channels,
                       adjacency=series.adjacency, input_steps=split.input_steps or DEFAULT_STEPS,
                       horizon=split.horizon or DEFAULT_STEPS)


def run_forecast(series, model: ModelSettings, split: SplitSettings, train: TrainSettings,
                 seed: int, progress: bool = False, callback: Optional[EpochCallback] = None,
                 name: str = "series", checkpoint: Optional[Checkpoint] = None,
                 device: Optional[torch.device] = None) -> TaskResult:
    """Train a forecaster; metrics at the epoch with the best ``train.monitor`` (default
    ``val_mae``). ``info`` holds the part boundaries and the training scaler.
    ``train.test_at: best`` scores the validation windows per epoch and the test windows
    once, with the best epoch's weights (the same metrics, no test scores in the curve).
    ``checkpoint``: save the loop's state as it trains and resume from it (see
    :class:`~graphlab.io.Checkpoint`). ``device``: where the model and the windows go
    (default the CPU); ``info['device']`` records it."""
    return fit_forecaster(series, model, split, train, seed, progress, callback, name,
                          checkpoint, device)[1]


def fit_forecaster(series, model: ModelSettings, split: SplitSettings, train: TrainSettings,
                   seed: int, progress: bool = False, callback: Optional[EpochCallback] = None,
                   name: str = "series", checkpoint: Optional[Checkpoint] = None,
                   device: Optional[torch.device] = None) -> tuple[torch.nn.Module, TaskResult]:
    """:func:`run_forecast` that also returns the trained model (its final weights) — for
    notebooks that inspect it (sensitivity, learned virtual-node weights)."""
    device = torch.device("cpu") if device is None else torch.device(device)
    windows = windows_for(series, split, name)
    net = build_forecaster(model, series, split)
    if device.type != "cpu":
        windows, net = windows.to(device), net.to(device)
    opt = torch.optim.Adam(net.parameters(), lr=train.lr, weight_decay=train.weight_decay)
    batch = train.batch_size or DEFAULT_BATCH
    gen = torch.Generator().manual_seed(seed)
    x, y = windows.x["train"], windows.y["train"]
    ignore = windows.zero_is_missing
    selector = Selector(train.monitor or "val_mae", train.patience, train.tiebreak)
    test_at_best = train.test_at == "best"
    per_epoch = ("val",) if test_at_best else ("val", "test")
    best = BestWeights(selector, test_at_best)
    curve: list[dict[str, float]] = []
    state = {"net": net, "opt": opt, "gen": gen, "selector": selector, "best": best,
             "curve": curve}
    clock = EpochClock()
    for epoch in checkpointed_epochs(train.epochs, progress, f"{model.name} seed {seed}",
                                     checkpoint, state):
        clock.start()
        net.train()
        total, count = 0.0, 0
        for idx in torch.randperm(x.size(0), generator=gen).to(device).split(batch):
            pred = windows.scaler.inverse(net(x[idx]))
            loss = masked_mae(pred, y[idx], ignore)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"{name}: the training loss became {float(loss)} in "
                                         f"epoch {epoch}; lower train.lr")
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), GRAD_CLIP)
            opt.step()
            total += float(loss.detach()) * idx.numel()
            count += idx.numel()
        clock.trained()
        if epoch % train.eval_every and epoch != train.epochs:
            continue
        row: dict[str, float] = {"epoch": epoch, "loss": total / max(count, 1)}
        for part in per_epoch:
            row.update(_scores(net, windows, part, batch))
        stop = selector.log(epoch, clock.stamp(row), curve, callback)
        best.update(epoch, net)
        if stop:
            break
    if test_at_best and curve:
        # the test windows scored once, with the selected epoch's weights: the numbers the
        # per-epoch scoring would have recorded (predict is deterministic); the returned
        # model keeps its final weights
        with best.loaded(net):
            selector.best.update(_scores(net, windows, "test", batch))
    result = selector.result(curve)
    result.info.update(device=str(device), bounds=windows.bounds,
                       scaler_mean=windows.scaler.mean.tolist(),
                       scaler_std=windows.scaler.std.tolist(),
                       windows={p: int(v.size(0)) for p, v in windows.x.items()},
                       parameters=sum(p.numel() for p in net.parameters()))
    if not math.isfinite(result.metrics.get("test_mae", 0.0)):
        raise FloatingPointError(f"{name}: non-finite test MAE")
    return net, result
