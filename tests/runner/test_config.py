import re
from pathlib import Path

import pytest

from graphlab.runner import ConfigError, load_config
from graphlab.runner.config import config_from_dict, parse_override

REPO = Path(__file__).resolve().parents[2]


def test_valid_config_profile_and_overrides(write_config):
    path = write_config()
    cfg = load_config(path)
    assert cfg.name == "tiny" and cfg.seed_list == [0, 1, 2]
    assert cfg.train.weight_decay == 5e-4  # PyYAML reads '5e-4' as a string
    smoke = load_config(path, "smoke")
    assert smoke.train.epochs == 2 and smoke.seed_list == [0] and smoke.profile == "smoke"
    over = load_config(path, "smoke", ["train.epochs=4", "model.params.hidden_channels=4",
                                       "seeds=[3, 5]"])
    assert over.train.epochs == 4 and over.model.params["hidden_channels"] == 4
    assert over.seed_list == [3, 5]
    assert cfg.fingerprint() != over.fingerprint()
    assert cfg.fingerprint() == load_config(path, overrides=["seeds=7"]).fingerprint()


@pytest.mark.parametrize("edit, match", [
    (("train:", "train: {epochz: 3}\nxtrain:"), r"tiny\.yaml: unknown key 'train\.epochz'"),
    (("task: node", "task: node\nlearning_rate: 0.1"), r"tiny\.yaml: unknown key 'learning_rate'"),
    (("epochs: 6", "epochs: six"), r"tiny\.yaml: key 'train\.epochs' must be int, got str 'six'"),
    (("lr: 0.05", "lr: fast"), r"tiny\.yaml: key 'train\.lr' must be float"),
    (("undirected: true", "undirected: 1"), r"key 'dataset\.undirected' must be bool"),
    (("task: node", "task: nodes"), r"tiny\.yaml: key 'task' must be one of"),
    (("name: gcn", "name: gcnn"), r"tiny\.yaml: key 'model\.name': unknown model 'gcnn'"),
    (("hidden_channels: 8", "hiden: 8"), r"unknown key 'model\.params\.hiden' for model 'gcn'"),
    (("homophily: 0.8", "homophilly: 0.8"),
     r"unknown key 'dataset\.params\.homophilly' for dataset 'dcsbm'"),
    (("name: dcsbm", "name: dcsbmm"), r"key 'dataset\.name': unknown dataset 'dcsbmm'"),
    (("seeds: 3", "seeds: 0"), r"key 'seeds' must be a positive count"),
    (("seeds: 3", "seeds: [1, 1]"), r"key 'seeds' must be a positive count"),
])
def test_bad_config_names_key_and_file(write_config, edit, match):
    from tests.conftest import TINY
    old, new = edit
    assert old in TINY
    text = TINY.replace(old, new, 1)
    if "xtrain:" in text:  # drop the original train line that the edit displaced
        text = text.replace("xtrain: {epochs: 6, lr: 0.05, weight_decay: 5e-4}", "")
    with pytest.raises(ConfigError, match=match):
        load_config(write_config(text))


def test_missing_required_key(write_config):
    from tests.conftest import TINY
    text = "\n".join(line for line in TINY.splitlines() if not line.startswith("model:"))
    with pytest.raises(ConfigError, match=r"tiny\.yaml: missing required key 'model'"):
        load_config(write_config(text))


def test_unknown_profile_bad_override_and_missing_file(write_config, tmp_path):
    path = write_config()
    with pytest.raises(ConfigError, match=r"no profile 'quick' \(defined: smoke"):
        load_config(path, "quick")
    with pytest.raises(ConfigError, match=r"unknown key 'train\.epohcs'.*\(set by override "
                                          r"'train\.epohcs=3'\)"):
        load_config(path, overrides=["train.epohcs=3"])
    with pytest.raises(ConfigError, match="must look like dotted.key=value"):
        parse_override("train.epochs")
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write_config("task: [node", "broken.yaml"))
    with pytest.raises(ConfigError, match="must be a mapping"):
        config_from_dict(["task"], "list.yaml")


def test_a_setting_at_its_default_leaves_the_fingerprint_unchanged():
    """Settings enter the fingerprint only where they differ from their defaults, so a
    setting written out at its default (or added to graphlab later) changes nothing."""
    base = load_config(REPO / "experiments/tu/mutag_gin.yaml")
    for same in ("train.eval_every=1", "train.lr_patience=20", "dataset.subset=null",
                 "train.eval_batch_size=null", "dataset.node_features=null"):
        assert load_config(REPO / "experiments/tu/mutag_gin.yaml",
                           overrides=[same]).fingerprint() == base.fingerprint(), same
    for other in ("train.scheduler=plateau", "train.lr_step=20", "dataset.subset=50"):
        assert load_config(REPO / "experiments/tu/mutag_gin.yaml",
                           overrides=[other]).fingerprint() != base.fingerprint(), other


def test_choice_settings_are_checked(write_config):
    path = write_config()
    with pytest.raises(ConfigError, match="'train.scheduler' must be one of"):
        load_config(path, overrides=["train.scheduler=cosine"])
    with pytest.raises(ConfigError, match="'dataset.node_features' must be one of"):
        load_config(path, overrides=["dataset.node_features=pagerank"])
    with pytest.raises(ConfigError, match="'split.folds' must be >= 2"):
        load_config(path, overrides=["split.folds=1"])
    assert load_config(path, overrides=["train.monitor=last"]).monitor == "last"


@pytest.mark.parametrize("override, message", [
    ("model.params.hidden_channels=0", r"key 'model.params.hidden_channels' must be >= 1, got 0"),
    ("model.params.hidden_channels=abc", r"key 'model.params.hidden_channels' must be int, got "
                                         r"str 'abc'"),
    ("model.params.hidden_channels=2.5", r"key 'model.params.hidden_channels' must be int, got "
                                         r"float 2.5"),
    ("model.params.num_layers=0", r"key 'model.params.num_layers' must be >= 1, got 0"),
    ("model.params.dropout=true", r"key 'model.params.dropout' must be float, got bool True"),
    ("model.params.dropout=1.0", r"key 'model.params.dropout' must be in \[0, 1\), got 1.0"),
    ("train.lr=inf", r"key 'train.lr' must be a finite number, got 'inf'"),
    ("train.lr=.nan", r"key 'train.lr' must be a finite number, got nan"),
    ("train.lr=0", r"key 'train.lr' must be > 0, got 0.0"),
    ("train.patience=-1", r"key 'train.patience' must be >= 1, got -1"),
    ("train.epochs=0", r"key 'train.epochs' must be >= 1, got 0"),
    ("train.weight_decay=-0.1", r"key 'train.weight_decay' must be >= 0, got -0.1"),
    ("split.train_ratio=1.5", r"key 'split.train_ratio' must be in \(0, 1\), got 1.5"),
    ("eval.hits_k=[10, 0]", r"key 'eval.hits_k' must be >= 1, got \[10, 0\]"),
    ("resources.cpus=0", r"key 'resources.cpus' must be > 0, got 0.0"),
])
def test_nonsense_settings_are_refused_naming_key_and_file(write_config, override, message):
    path = write_config()
    with pytest.raises(ConfigError, match=rf"{re.escape(str(path))}: {message}"):
        load_config(path, overrides=[override])


def test_split_ratios_must_leave_room(write_config):
    path = write_config()
    with pytest.raises(ConfigError, match=r"split.test_ratio' add up to 1.2, more than 1"):
        load_config(path, overrides=["split.train_ratio=0.6", "split.val_ratio=0.3",
                                     "split.test_ratio=0.3"])


def test_the_cli_refuses_nonsense_before_training(write_config, tmp_path, capsys):
    from graphlab.cli import main
    path = write_config()
    out = tmp_path / "out"
    assert main(["run", str(path), "model.params.hidden_channels=0", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "'model.params.hidden_channels' must be >= 1" in err
    assert not out.exists()   # nothing recorded


def test_settings_built_in_python_are_checked_too():
    from graphlab.tasks import SplitSettings, TrainSettings
    with pytest.raises(ValueError, match=r"key 'lr' must be > 0, got -1"):
        TrainSettings(lr=-1)
    with pytest.raises(ValueError, match=r"key 'folds' must be >= 2, got 1"):
        SplitSettings(folds=1)
    assert TrainSettings(epochs=3).epochs == 3


@pytest.mark.parametrize("paper, match", [
    ("{none: 'graphlab setting', mean: 90.0}", r"'paper\.none' says there is no published "
                                               r"number, so 'paper\.mean' cannot be given"),
    ("{none: 'graphlab setting', source: 'Table 1'}", r"so 'paper\.source' cannot be given"),
    ("{none: ' '}", r"'paper\.none' must say why"),
    ("{metric: test_acc, source: 'Table 1'}", r"missing required key 'paper\.mean' \(or give "
                                              r"only 'paper\.none'"),
    ("{mean: 80.0}", r"missing required key 'paper\.metric'"),
])
def test_a_paper_block_is_a_number_or_a_reason(write_config, paper, match):
    from tests.conftest import TINY
    text = TINY.replace('{metric: test_acc, mean: 90.0, std: 1.0, source: "made up for the '
                        'test"}', paper)
    with pytest.raises(ConfigError, match=match):
        load_config(write_config(text))


def test_a_config_without_a_published_number_says_why_and_reports_like_one_without(
        write_config, tmp_path):
    from graphlab.runner import run_config
    from graphlab.runner.report import collect
    from tests.conftest import TINY
    text = TINY.replace('{metric: test_acc, mean: 90.0, std: 1.0, source: "made up for the '
                        'test"}', "{none: the paper does not run this graph}")
    cfg = load_config(write_config(text), "smoke")
    assert cfg.paper.none == "the paper does not run this graph" and not cfg.paper.has_number
    assert cfg.to_dict()["paper"] == {"none": "the paper does not run this graph"}
    assert cfg.primary_metric == "test_acc"                # the task's, not the paper's
    run_config(cfg, tmp_path, progress=False)
    (summary,) = collect(tmp_path)
    assert summary.paper is None and summary.gap() is None and summary.primary == "test_acc"
    # a number keeps the record's paper block as before: the four keys, nothing else
    assert set(load_config(write_config()).to_dict()["paper"]) == {"metric", "mean", "std",
                                                                   "source"}
