import pytest
import torch

from graphlab.data import SensorSeries
from graphlab.tasks import ModelSettings, SplitSettings, TrainSettings
from graphlab.tasks.forecast import horizon_metrics, run_forecast
from graphlab.tasks.metrics import masked_mae, masked_mape, masked_rmse


def test_masked_metrics_ignore_zero_targets():
    pred = torch.tensor([1.0, 5.0, 3.0])
    target = torch.tensor([2.0, 0.0, 3.0])
    assert masked_mae(pred, target) == pytest.approx(0.5)
    assert masked_rmse(pred, target) == pytest.approx((0.5) ** 0.5)
    assert masked_mape(pred, target) == pytest.approx(25.0)
    assert masked_mae(pred, target, ignore_zeros=False) == pytest.approx(2.0)
    assert masked_mae(pred, torch.zeros(3)) == 0


def test_horizon_metrics_per_step_and_long_quarter():
    pred = torch.zeros(2, 8, 3, 1)
    target = torch.arange(1, 9, dtype=torch.float).view(1, 8, 1, 1).expand(2, 8, 3, 1)
    m = horizon_metrics(pred, target, True, "test", per_step=True)
    assert m["test_mae@1"] == 1 and m["test_mae@8"] == 8
    assert m["test_mae_long"] == pytest.approx(7.5)                  # steps 7 and 8
    assert m["test_mae"] == pytest.approx(4.5) and m["test_mape"] == pytest.approx(100.0)


def _toy(T=160, N=6):
    t = torch.arange(T, dtype=torch.float)
    phase = torch.linspace(0, 3, N)
    signal = 60 + 10 * torch.sin(t.view(-1, 1) / 6 + phase)
    adj = torch.eye(N).roll(1, 0) + torch.eye(N).roll(-1, 0)
    return SensorSeries("toy", signal, adj, zero_is_missing=True)


@pytest.mark.parametrize("variant,k", [("distance", 0), ("semi", 2)])
def test_forecasting_learns_a_periodic_signal(variant, k):
    torch.manual_seed(0)
    result = run_forecast(_toy(), ModelSettings("stgcn", {"variant": variant, "num_virtual": k,
                                                          "hidden_channels": 16}),
                          SplitSettings(input_steps=12, horizon=4),
                          TrainSettings(epochs=30, lr=0.01, batch_size=32), seed=0)
    first, best = result.curve[0], result.metrics
    assert best["val_mae"] < 0.5 * first["val_mae"]
    assert {"test_mae@4", "test_rmse_long", "test_mape"} <= set(best)
    assert result.info["windows"] == {"train": 112 - 15, "val": 16 - 15, "test": 32 - 15}


def test_forecast_task_refuses_other_data():
    with pytest.raises(ValueError, match="needs a sensor time series"):
        run_forecast(object(), ModelSettings("stgcn"), SplitSettings(), TrainSettings(), 0)


def test_testing_only_the_best_epoch_gives_the_same_metrics():
    """train.test_at: best scores validation per epoch and the test windows once, with the
    best epoch's weights: the metrics of scoring both every epoch; the model returned keeps
    its final weights either way."""
    from graphlab.tasks.forecast import fit_forecaster
    runs = {}
    for test_at in ("every_epoch", "best"):
        torch.manual_seed(0)
        runs[test_at] = fit_forecaster(
            _toy(), ModelSettings("stgcn", {"variant": "semi", "num_virtual": 2,
                                            "hidden_channels": 8}),
            SplitSettings(input_steps=12, horizon=4),
            TrainSettings(epochs=30, lr=0.1, batch_size=16, patience=3, test_at=test_at),
            seed=0)
    (net_every, every), (net_best, best) = runs["every_epoch"], runs["best"]
    assert best.metrics == every.metrics
    # early stopping ends training epochs after the best one: its weights are not the final
    assert best.metrics["best_epoch"] < len(best.curve) == len(every.curve)
    assert all("test_mae" not in r and "val_mae" in r for r in best.curve)
    assert [r["val_mae"] for r in best.curve] == [r["val_mae"] for r in every.curve]
    final_every, final_best = net_every.state_dict(), net_best.state_dict()
    assert all(torch.equal(final_every[k], final_best[k]) for k in final_every)
