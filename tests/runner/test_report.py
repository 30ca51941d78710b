import csv
import io
import json
import math

import pytest

from graphlab.runner import collect, mean_std, write_report
from graphlab.runner.report import csv_table, markdown_table


def fake_run(root, name, values, paper=None, task="node", metric="test_acc"):
    for seed, value in enumerate(values):
        cfg = {"name": name, "task": task, "dataset": {"name": "cora"},
               "model": {"name": "gcn"}, "eval": {"hits_k": [20, 50, 100]}, "paper": paper}
        rec = {"seed": seed, "config": cfg, "metrics": {metric: value, "val_acc": 50.0 + seed},
               "wall_time_s": 1.5, "profile": "full"}
        path = root / name / f"seed_{seed}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(rec))


def test_mean_and_sample_std_by_hand():
    mean, std = mean_std([80.0, 82.0, 84.0])
    assert mean == 82.0
    # ddof = 1: sqrt(((-2)^2 + 0 + 2^2) / (3 - 1)) = 2
    assert std == pytest.approx(2.0)
    assert math.isnan(mean_std([70.0])[1])


def test_report_table_paper_gap_and_csv(tmp_path):
    fake_run(tmp_path, "gcn_cora", [80.0, 82.0, 84.0],
             paper={"metric": "test_acc", "mean": 81.5, "std": 0.5, "source": "Kipf 2017"})
    fake_run(tmp_path, "link_cn", [30.0, 31.0], task="link", metric="test_hits@100")
    table = write_report(tmp_path, plot_path=tmp_path / "plot.png")
    assert ("| gcn_cora | cora | gcn | 3 | test_acc | 82.00 ± 2.00 | 81.50 ± 0.50 | +0.50 "
            "| Kipf 2017 |") in table
    # link task without a paper block reports Hits@100 (std of 30, 31 = 0.7071)
    assert "| link_cn | cora | gcn | 2 | test_hits@100 | 30.50 ± 0.71 |  |  |  |" in table
    assert (tmp_path / "report.md").read_text() == table
    assert (tmp_path / "plot.png").stat().st_size > 1000
    rows = list(csv.DictReader(io.StringIO((tmp_path / "report.csv").read_text())))
    row = next(r for r in rows if r["config"] == "gcn_cora" and r["metric"] == "test_acc")
    assert float(row["mean"]) == 82.0 and float(row["std"]) == pytest.approx(2.0)
    assert row["n"] == "3" and row["paper_mean"] == "81.5"
    val = next(r for r in rows if r["config"] == "gcn_cora" and r["metric"] == "val_acc")
    assert float(val["mean"]) == 51.0 and val["paper_mean"] == ""


def test_configs_without_a_paper_are_reported_by_what_they_measured(tmp_path):
    """A graph regression that left the monitor to the task measured test_mae, not the
    graph task's default test_acc; a monitor names its test counterpart."""
    fake_run(tmp_path, "counting", [0.5, 0.7], task="graph", metric="test_mae")
    fake_run(tmp_path, "mutag", [80.0, 90.0], task="graph", metric="test_acc")
    by_name = {s.name: s.primary for s in collect(tmp_path)}
    assert by_name == {"counting": "test_mae", "mutag": "test_acc"}
    assert "| counting | cora | gcn | 2 | test_mae | 0.60 ± 0.14 |" in write_report(tmp_path)
    rec_path = tmp_path / "mutag" / "seed_1.json"  # the config of the last seed
    rec = json.loads(rec_path.read_text())
    rec["config"]["train"] = {"monitor": "val_loss"}
    rec["metrics"]["test_loss"] = 0.1
    rec_path.write_text(json.dumps(rec))
    assert {s.name: s.primary for s in collect(tmp_path)}["mutag"] == "test_loss"


def test_single_seed_shows_undefined_std(tmp_path):
    fake_run(tmp_path, "one", [75.0])
    summaries = collect(tmp_path)
    assert "75.00 ± –" in markdown_table(summaries)
    assert ",test_acc,75,,1," in csv_table(summaries)


def test_empty_or_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no seed_\\*.json results"):
        write_report(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_report(tmp_path / "nope")


def test_metrics_tables_per_config_with_commits(tmp_path, capsys):
    from graphlab.cli import main
    from graphlab.runner.report import metrics_table
    fake_run(tmp_path, "distance", [5.0, 6.0, 7.0], task="forecast", metric="test_mae@24")
    fake_run(tmp_path, "semi", [4.0, 4.5], task="forecast", metric="test_mae@24")
    for path in (tmp_path / "semi").glob("seed_*.json"):   # commit recorded per seed
        rec = json.loads(path.read_text())
        rec["git_commit"] = "abcdef0123" + ("+dirty" if rec["seed"] else "")
        path.write_text(json.dumps(rec))
    table = metrics_table(collect(tmp_path), ["test_mae@24", "val_acc"])
    assert "| config | seeds | test_mae@24 | val_acc | wall / seed (s) | commit |" in table
    assert "| distance | 3 | 6.00 ± 1.00 | 51.00 ± 1.00 | 2 | unknown |" in table
    assert "| semi | 2 | 4.25 ± 0.35 | 50.50 ± 0.71 | 2 | abcdef0, abcdef0+dirty |" in table
    with pytest.raises(ValueError, match=r"no results have the metric\(s\) \['test_rmse@24'\]"
                                         r"; they have: test_mae@24, val_acc"):
        metrics_table(collect(tmp_path), ["test_rmse@24"])
    assert main(["report", str(tmp_path), "--metrics", "test_mae@24", "--metrics",
                 "val_acc"]) == 0
    out = capsys.readouterr().out
    assert out.count("| config | seeds |") == 2 and "| distance | 3 | 51.00 ± 1.00 |" in out
    assert main(["report", str(tmp_path), "--metrics", "nope"]) == 2
    assert "no results have the metric(s) ['nope']" in capsys.readouterr().err


def test_small_metrics_keep_three_significant_digits(tmp_path):
    """A counting MAE of ~0.006 must not print as 0.01 ± 0.00; the paper and gap columns use
    the same precision; values from 0.1 up keep two decimals unless their std is below 0.01."""
    fake_run(tmp_path, "count", [0.0059, 0.0063],
             paper={"metric": "test_acc", "mean": 0.0070, "source": "x"})
    table = write_report(tmp_path)
    assert "| count | cora | gcn | 2 | test_acc | 0.00610 ± 0.00028 | 0.00700 ± – | -0.00090 |" \
        in table
    from graphlab.runner.report import decimals, fmt
    assert [decimals(v) for v in (0.0, 0.1, 0.5, 81.2, 0.099, 0.0059, -0.0059, 1e-12)] == \
        [2, 2, 2, 2, 4, 5, 5, 8]
    assert fmt(0.13, 0.0042) == "0.1300 ± 0.0042" and fmt(6.15, 0.0) == "6.15 ± 0.00"
    assert fmt(82.0, 2.0) == "82.00 ± 2.00" and fmt(float("nan"), 1.0) == "–"


def test_epochs_trained_is_read_from_the_curve(tmp_path):
    """Beside best_epoch, the last epoch a seed scored: how far training went past the
    selection. A record without a curve has no such measure."""
    from graphlab.runner.report import metrics_table
    fake_run(tmp_path, "early", [5.0, 6.0], task="forecast", metric="test_mae")
    for seed, last in ((0, 40), (1, 52)):
        path = tmp_path / "early" / f"seed_{seed}.json"
        rec = json.loads(path.read_text())
        rec["metrics"]["best_epoch"] = last - 15
        rec["curve"] = [{"epoch": e, "val_mae": 1.0} for e in range(1, last + 1)]
        path.write_text(json.dumps(rec))
    fake_run(tmp_path, "no_curve", [4.0], task="forecast", metric="test_mae")
    table = metrics_table(collect(tmp_path), ["best_epoch", "epochs_trained"])
    assert "| early | 2 | 31.00 ± 8.49 | 46.00 ± 8.49 |" in table
    assert "| no_curve | 1 | – | – |" in table
