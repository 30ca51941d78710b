"""Every record says how fast its seed ran: training and evaluation seconds per evaluated
epoch in the curve, their medians, the device and torch's thread count in ``info``; the
timings are never metrics and never part of what two runs must agree on."""
from pathlib import Path

import pytest
import torch

from graphlab.runner import load_config, run_config
from graphlab.tasks.common import TIMING_KEYS, EpochClock, timing_info, without_timing

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("config", ["node_homophilous_mlp.yaml", "link_gae.yaml"])
def test_a_record_holds_its_timings(config, tmp_path):
    cfg = load_config(REPO / "experiments" / "demo" / config, overrides=["seeds=1",
                                                                        "train.epochs=3"])
    (record,) = run_config(cfg, tmp_path, progress=False)
    for row in record["curve"]:
        assert row["train_s"] > 0 and row["eval_s"] > 0
    assert not set(TIMING_KEYS) & set(record["metrics"])
    info = record["info"]
    assert info["threads"] == torch.get_num_threads() and info["device"] == "cpu"
    assert info["train_s_per_epoch"] > 0 and info["eval_s_per_epoch"] > 0


def test_the_clock_averages_training_over_unevaluated_epochs(monkeypatch):
    now = iter([0.0, 0.0, 2.0, 2.0, 6.0, 7.0])          # two epochs trained (2 s, 4 s), eval 1 s
    monkeypatch.setattr("graphlab.tasks.common.time.perf_counter", lambda: next(now))
    clock = EpochClock()
    for _ in range(2):
        clock.start()
        clock.trained()
    row = clock.stamp({"epoch": 2})
    assert row["train_s"] == 3.0 and row["eval_s"] == 1.0
    assert timing_info([row]) == {"train_s_per_epoch": 3.0, "eval_s_per_epoch": 1.0}
    assert without_timing([row]) == [{"epoch": 2}]
