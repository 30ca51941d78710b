"""`graphlab tune`: a grid or Optuna-sampled ranges, every trial a normal run in the store,
the winner chosen by the mean validation metric (never test), the chosen config written
so `graphlab run` re-uses its records."""
import json
import textwrap

import pytest

from graphlab.runner import ConfigError, load_config
from graphlab.runner.store import seed_path
from graphlab.runner.tune import parse_search, tune, tune_table

BASE = """\
task: node
dataset: {name: dcsbm, params: {num_nodes: 200}}
split: {kind: random}
model: {name: mlp}
train: {epochs: 3, lr: 0.01}
seeds: 2
"""


def write(tmp_path, search, base=BASE, name="t.yaml"):
    path = tmp_path / name
    path.write_text(base + textwrap.dedent(search))
    return path


def fake_run(val, test):
    """A `run` that writes, for every seed of every trial, a record whose validation and
    test metrics are functions of the trial's learning rate — no training."""
    calls = []

    def run(jobs):
        for cfg, out in jobs:
            calls.append(cfg.name)
            lr = cfg.train.lr
            for seed in cfg.seed_list:
                path = seed_path(out / cfg.name, seed)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps({"seed": seed, "fingerprint": cfg.fingerprint(),
                                            "metrics": {"val_acc": val(lr) + seed,
                                                        "test_acc": test(lr)}}))
    run.calls = calls
    return run


def test_the_grid_is_chosen_on_validation_not_test(tmp_path):
    """Best validation at lr 0.1, best test at lr 0.001: the search picks lr 0.1, says so,
    and reports that trial's test metric."""
    path = write(tmp_path, """\
        search:
          params:
            train.lr: [0.001, 0.01, 0.1]
        """)
    run = fake_run(val=lambda lr: {0.001: 50, 0.01: 60, 0.1: 70}[lr],
                   test=lambda lr: {0.001: 90, 0.01: 60, 0.1: 55}[lr])
    result = tune(path, out=tmp_path / "out", run=run)
    assert len(run.calls) == 3 and result.chosen.values == {"train.lr": 0.1}
    assert result.chosen.name == "t__lr=0.1" and result.chosen.val == [70.0, 71.0]
    assert result.chosen.test == [55.0, 55.0]
    table = tune_table(result)
    assert ("highest mean val_acc over its 2 seed(s) (of equal means, the first in the table); "
            "test_acc is reported, never used") in table
    assert "| 70.50 ± 0.71 | 55.00 ± 0.00 | **chosen** |" in table
    chosen = load_config(result.chosen_path)
    assert chosen.name == "t__lr=0.1" and chosen.train.lr == 0.1
    assert chosen.fingerprint() == result.chosen.config.fingerprint()   # re-uses its records
    summary = json.loads((tmp_path / "out" / "t.tune.json").read_text())
    assert summary["chosen"] == "t__lr=0.1" and len(summary["trials"]) == 3
    # the config's own value of each searched key: the untuned point, for the report
    assert summary["untuned"] == {"train.lr": 0.01}


def test_error_metrics_are_minimised(tmp_path):
    path = write(tmp_path, """\
        search:
          metric: val_loss
          params:
            train.lr: [0.001, 0.1]
        """)

    def run(jobs):
        for cfg, out in jobs:
            for seed in cfg.seed_list:
                p = seed_path(out / cfg.name, seed)
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_text(json.dumps({"metrics": {"val_loss": cfg.train.lr,
                                                     "test_loss": 0.0}}))
    result = tune(path, out=tmp_path / "out", run=run)
    assert result.chosen.values == {"train.lr": 0.001} and "lowest mean val_loss" in result.rule


def test_a_real_grid_trains_and_the_chosen_config_resumes(tmp_path, capsys):
    from graphlab.cli import main
    path = write(tmp_path, """\
        search:
          params:
            model.params.hidden_channels: [4, 16]
        """)
    out = tmp_path / "out"
    assert main(["tune", str(path), "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert text.count("**chosen**") == 1 and "Selection: the trial with the highest" in text
    records = sorted(out.glob("t__hidden_channels=*/seed_*.json"))
    assert len(records) == 4
    stamps = [r.stat().st_mtime_ns for r in records]
    assert main(["run", str(out / "t.tuned.yaml"), "--out", str(out), "--quiet"]) == 0
    assert [r.stat().st_mtime_ns for r in records] == stamps      # nothing retrained


def test_ranges_are_sampled_by_optuna_and_replayed_on_resume(tmp_path):
    pytest.importorskip("optuna")
    path = write(tmp_path, """\
        search:
          trials: 3
          params:
            train.lr: {low: 1.0e-3, high: 1.0e-1, log: true}
            model.params.hidden_channels: {low: 4, high: 32}
            model.params.dropout: [0.0, 0.5]
        """, base=BASE.replace("seeds: 2", "seeds: 1"))
    run = fake_run(val=lambda lr: -abs(lr - 0.01), test=lambda lr: lr)
    first = tune(path, out=tmp_path / "out", run=run)
    assert [t.name for t in first.trials] == ["t__trial=0", "t__trial=1", "t__trial=2"]
    for t in first.trials:
        assert 1e-3 <= t.values["train.lr"] <= 1e-1
        assert isinstance(t.values["model.params.hidden_channels"], int)
        assert t.values["model.params.dropout"] in (0.0, 0.5)
    again = tune(path, out=tmp_path / "out", run=fake_run(val=lambda lr: -abs(lr - 0.01),
                                                          test=lambda lr: lr))
    assert [t.values for t in again.trials] == [t.values for t in first.trials]
    assert again.chosen.name == first.chosen.name
    assert first.chosen.val_mean == max(t.val_mean for t in first.trials)


@pytest.mark.parametrize("search,match", [
    ("search: {params: {train.lr: []}}", "'search.params.train.lr' is an empty list"),
    ("search: {params: {train.lr: {low: 1, high: 0}}}", "needs finite numbers low < high"),
    ("search: {params: {train.lr: {low: 0, high: 1, log: true}}}", "a log range needs low > 0"),
    ("search: {params: {train.lr: {min: 0}}}", "must be a list of values or a range"),
    ("search: {params: {train.lr: [0.1]}, metric: test_acc}", "never selects on test"),
    ("search: {params: {train.lr: [0.1]}, trials: 0}", "'search.trials' must be a positive"),
    ("search: {params: {}}", "'search.params' must map dotted keys"),
    ("search: {params: {train.lr: [0.1]}, sampler: tpe}", "unknown key 'search.sampler'"),
])
def test_bad_search_blocks_are_named(tmp_path, search, match):
    with pytest.raises(ConfigError, match=match):
        tune(write(tmp_path, search + "\n"), out=tmp_path / "out", run=lambda jobs: None)


def test_grid_refuses_trials_and_searched_keys_refuse_overrides(tmp_path):
    path = write(tmp_path, "search: {params: {train.lr: [0.1, 0.01]}}\n")
    with pytest.raises(ConfigError, match="grid of 2 points; --trials is for ranges"):
        tune(path, trials=5, out=tmp_path / "out", run=lambda jobs: None)
    with pytest.raises(ConfigError, match="'train.lr' is searched"):
        tune(path, overrides=["train.lr=0.5"], out=tmp_path / "out", run=lambda jobs: None)
    with pytest.raises(ConfigError, match="has a 'search' block.*graphlab tune"):
        load_config(path)
    assert parse_search({"params": {"a.b": [1, 2], "c": [3]}}, "x").is_grid


def test_the_cli_hands_the_trials_to_ray_when_asked(tmp_path, monkeypatch, capsys):
    """`graphlab tune --launcher ray` gives each batch of trials to the Ray launcher (the
    launcher itself is tested with the run command); --address without ray is refused."""
    import graphlab.runner.ray_launcher as ray_launcher
    from graphlab.cli import main

    path = write(tmp_path, "search: {params: {train.lr: [0.1, 0.01]}}\n")
    seen = []
    writer = fake_run(val=lambda lr: lr, test=lambda lr: 0.0)

    def fake_ray(jobs, address=None, num_cpus=None, progress=True, **kw):
        seen.append(([cfg.name for cfg, _ in jobs], address, num_cpus))
        writer(jobs)
    monkeypatch.setattr(ray_launcher, "run_with_ray", fake_ray)
    assert main(["tune", str(path), "--out", str(tmp_path / "out"), "--launcher", "ray",
                 "--jobs", "3", "--quiet"]) == 0
    assert seen == [(["t__lr=0.1", "t__lr=0.01"], None, 3)]
    assert "| **chosen** |" in capsys.readouterr().out
    assert main(["tune", str(path), "--address", "x:1", "--quiet"]) == 2
    assert "--address is for --launcher ray" in capsys.readouterr().err
