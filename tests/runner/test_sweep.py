"""The sweep block: expansion, names, validation, and a local run of a grid."""
import json
from pathlib import Path

import pytest

from graphlab.cli import main
from graphlab.runner import ConfigError, load_config, load_configs

SWEEP = """
task: node
dataset:
  name: dcsbm
  params: {num_nodes: 120, num_classes: 3, homophily: 0.8, seed: 0}
  undirected: true
model: {name: gcn, params: {hidden_channels: 8}}
train: {epochs: 4, lr: 0.05}
seeds: 2
resources: {cpus: 1}
sweep:
  train.lr: [0.05, 0.01]
  model.params.hidden_channels: [8, 16]
profiles:
  smoke: {train.epochs: 2, seeds: 1}
"""


def test_a_two_by_two_sweep_expands_to_four_named_configs(write_config):
    configs = load_configs(write_config(SWEEP, "grid.yaml"))
    assert [c.name for c in configs] == [
        "grid__lr=0.05__hidden_channels=8", "grid__lr=0.05__hidden_channels=16",
        "grid__lr=0.01__hidden_channels=8", "grid__lr=0.01__hidden_channels=16"]
    assert [(c.train.lr, c.model.params["hidden_channels"]) for c in configs] == [
        (0.05, 8), (0.05, 16), (0.01, 8), (0.01, 16)]
    assert len({c.fingerprint() for c in configs}) == 4
    smoke = load_configs(write_config(SWEEP, "grid.yaml"), profile="smoke",
                         overrides=["train.epochs=3"])
    assert all(c.train.epochs == 3 and c.seed_list == [0] for c in smoke)


def test_sweep_errors_name_the_key(write_config):
    with pytest.raises(ConfigError, match="'train.lr' is swept"):
        load_configs(write_config(SWEEP, "grid.yaml"), overrides=["train.lr=0.1"])
    with pytest.raises(ConfigError, match="sweep.train.lr' must be a non-empty list"):
        load_configs(write_config(SWEEP.replace("[0.05, 0.01]", "0.05"), "grid.yaml"))
    with pytest.raises(ConfigError, match="unknown key 'model.params.width'"):
        load_configs(write_config(SWEEP.replace("model.params.hidden_channels",
                                                "model.params.width"), "grid.yaml"))
    with pytest.raises(ConfigError, match="load_configs"):
        load_config(write_config(SWEEP, "grid.yaml"))
    with pytest.raises(ConfigError, match="resources"):
        load_configs(write_config(SWEEP.replace("{cpus: 1}", "{cpus: 0}"), "grid.yaml"))


def test_resources_do_not_change_the_fingerprint(write_config):
    a = load_configs(write_config(SWEEP, "grid.yaml"))[0]
    b = load_configs(write_config(SWEEP.replace("{cpus: 1}", "{cpus: 2, gpus: 0.5}"),
                                  "grid.yaml"))[0]
    assert a.fingerprint() == b.fingerprint() and b.resources.gpus == 0.5


def test_cli_runs_a_sweep_locally(write_config, tmp_path):
    path = write_config(SWEEP, "grid.yaml")
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--quiet",
                 "--profile", "smoke"]) == 0
    folders = sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_dir())
    assert len(folders) == 4 and all(f.startswith("grid__lr=") for f in folders)
    rec = json.loads(Path(tmp_path / "out" / folders[0] / "seed_0.json").read_text())
    assert rec["name"] == folders[0]


def test_the_device_does_not_change_the_fingerprint(write_config):
    a = load_configs(write_config(SWEEP, "grid.yaml"))[0]
    b = load_configs(write_config(SWEEP.replace("{cpus: 1}", "{cpus: 1, device: cpu}"),
                                  "grid.yaml"))[0]
    assert a.resources.device == "auto" and b.resources.device == "cpu"
    assert a.fingerprint() == b.fingerprint()
