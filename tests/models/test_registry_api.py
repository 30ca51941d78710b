"""The model registry: parameters declared once (signature or dataclass), fixed and default
arguments, and models registered from a user's own module (``imports:`` / ``--import``)."""
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from graphlab.models import MODELS, build_model, get_model_spec, register
from graphlab.runner import ConfigError, load_config

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def scratch_registry():
    """Registrations made by a test are removed after it."""
    before = dict(MODELS)
    yield
    MODELS.clear()
    MODELS.update(before)


class Widths(torch.nn.Module):
    def __init__(self, in_channels, out_channels, hidden_channels, mode: str = "a",
                 depth: int = 2):
        super().__init__()
        self.args = dict(in_channels=in_channels, out_channels=out_channels,
                         hidden_channels=hidden_channels, mode=mode, depth=depth)


def test_a_class_registers_with_fixed_and_default_arguments(scratch_registry):
    register("widths", task="node", fixed={"mode": "b"}, defaults={"hidden_channels": 7})(Widths)
    spec = get_model_spec("widths", "node")
    assert spec.params() == {"hidden_channels": 7, "depth": 2}   # data args and fixed left out
    assert spec.param_types()["depth"] is int
    model = build_model("widths", "node", {"depth": 3}, in_channels=4, out_channels=2,
                        num_nodes=10)
    assert model.args == dict(in_channels=4, out_channels=2, hidden_channels=7, mode="b",
                              depth=3)
    with pytest.raises(TypeError, match=r"unknown parameter\(s\) \['mode'\]"):
        build_model("widths", "node", {"mode": "c"}, in_channels=4, out_channels=2)


def test_a_dataclass_declares_the_parameters(scratch_registry):
    @dataclass(frozen=True)
    class P:
        width: int = 5
        rate: float = 0.1

    @register("with_dataclass", task="link", params=P)
    def build(in_channels, params):
        return torch.nn.Linear(in_channels, params.width)

    spec = get_model_spec("with_dataclass", "link")
    assert spec.params() == {"width": 5, "rate": 0.1}
    assert spec.param_types() == {"width": int, "rate": float}
    assert build_model("with_dataclass", "link", {"width": 3}, in_channels=2).out_features == 3


def test_registration_mistakes_are_named(scratch_registry):
    with pytest.raises(ValueError, match="unknown task 'nodes'"):
        register("x", task="nodes")
    with pytest.raises(ValueError, match=r"takes no argument\(s\) \['colour'\]"):
        register("x", task="node", fixed={"colour": 1})(Widths)
    with pytest.raises(ValueError, match=r"\['hidden_channels'\] have no default"):
        register("x", task="node")(Widths)
    assert ("node", "x") not in MODELS


def test_graph_transformer_adjacency_is_a_parameter():
    """A data argument of one task (the forecast task's ``adjacency``) is a setting of a
    model of another."""
    assert get_model_spec("graph_transformer", "graph").params()["adjacency"] == "none"
    assert "adjacency" not in get_model_spec("stgcn", "forecast").params()


def test_ncn_parameters_are_declared_by_its_dataclass():
    from graphlab.models import NCNCParams, NCNParams
    ncn, ncnc = get_model_spec("ncn", "link"), get_model_spec("ncnc", "link")
    assert ncn.params_type is NCNParams and ncnc.params_type is NCNCParams
    assert set(ncnc.params()) - set(ncn.params()) == {"alpha", "pt", "scale", "offset",
                                                     "depth", "learnable_pt"}
    from graphlab.nn import NCNCPredictor, PureGCN
    model = build_model("ncnc", "link", {"hidden_channels": 8, "depth": 2}, in_channels=3)
    assert isinstance(model.encoder, PureGCN) and isinstance(model.predictor, NCNCPredictor)
    x, ei = torch.randn(6, 3), torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 5]])
    ei = torch.cat([ei, ei.flip(0)], 1)
    assert model(x, ei, torch.tensor([[0, 2], [2, 5]])).shape == (2,)


PLUGIN = '''
import torch
from graphlab.models import register


@register("plugin_two_layer", task="node")
class TwoLayer(torch.nn.Module):
    """A two-layer MLP defined outside graphlab."""

    def __init__(self, in_channels, out_channels, hidden_channels: int = 8):
        super().__init__()
        self.a = torch.nn.Linear(in_channels, hidden_channels)
        self.b = torch.nn.Linear(hidden_channels, out_channels)

    def forward(self, x, edge_index):
        return self.b(self.a(x).relu())
'''

CONFIG = '''
{imports}task: node
dataset:
  name: dcsbm
  params: {{num_nodes: 120, num_classes: 3, avg_degree: 4, homophily: 0.8, asymmetry: 0.0,
           num_features: 6, feature_signal: 1.5, seed: 0}}
model: {{name: plugin_two_layer, params: {{hidden_channels: 4}}}}
train: {{epochs: 3}}
seeds: 2
'''


def _plugin_folder(tmp_path: Path, imports: str = "") -> Path:
    (tmp_path / "my_graphlab_plugin.py").write_text(PLUGIN)
    (tmp_path / "plugin.yaml").write_text(textwrap.dedent(CONFIG.format(imports=imports)))
    return tmp_path


@pytest.mark.parametrize("how", ["config", "flag"])
def test_a_plugin_model_trains_through_graphlab_run(tmp_path, how):
    folder = _plugin_folder(tmp_path, "imports: [my_graphlab_plugin]\n" if how == "config"
                            else "")
    cmd = [sys.executable, "-m", "graphlab", "run", "plugin.yaml", "--out", "out", "--quiet",
           "--jobs", "2"] + (["--import", "my_graphlab_plugin"] if how == "flag" else [])
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    records = [json.loads(p.read_text()) for p in sorted((folder / "out" / "plugin").glob(
        "seed_*.json"))]
    assert [r["seed"] for r in records] == [0, 1]
    assert all(r["config"]["model"]["name"] == "plugin_two_layer" for r in records)
    assert all(0.0 <= r["metrics"]["test_acc"] <= 100.0 for r in records)
    assert records[0]["config"]["imports"] == ["my_graphlab_plugin"]


def test_a_module_that_cannot_be_imported_is_named(tmp_path):
    folder = _plugin_folder(tmp_path, "imports: [no_such_graphlab_plugin]\n")
    with pytest.raises(ConfigError, match=r"plugin.yaml: key 'imports': cannot import "
                                          r"'no_such_graphlab_plugin'"):
        load_config(folder / "plugin.yaml")
    (folder / "bad.yaml").write_text("imports: my_graphlab_plugin\n" + CONFIG.format(
        imports=""))
    with pytest.raises(ConfigError, match="bad.yaml: key 'imports' must be a list of module"):
        load_config(folder / "bad.yaml")


def test_imports_are_not_part_of_the_fingerprint(tmp_path, monkeypatch):
    folder = _plugin_folder(tmp_path)
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(str(folder))
    with_flag = load_config(folder / "plugin.yaml", imports=["my_graphlab_plugin"])
    (folder / "own").mkdir()
    (folder / "own" / "plugin.yaml").write_text("imports: [my_graphlab_plugin]\n" +
                                                CONFIG.format(imports=""))
    own = load_config(folder / "own" / "plugin.yaml")
    assert with_flag.imports == own.imports == ["my_graphlab_plugin"]
    assert with_flag.fingerprint() == own.fingerprint()
    assert "imports" not in load_config(REPO / "experiments/demo/link_cn.yaml").to_dict()


DATASET_PLUGIN = '''
import torch
from torch_geometric.data import Data

from graphlab.data import SyntheticDataset, register_dataset


@register_dataset("plugin_ring", kind="node", description="a labelled ring, outside graphlab")
def ring(root, num_nodes: int = 40):
    idx = torch.arange(num_nodes)
    edge_index = torch.stack([idx, (idx + 1) % num_nodes])
    y = (idx % 2).long()
    x = torch.nn.functional.one_hot(y, 2).float() + 0.1
    return SyntheticDataset([Data(x=x, y=y, edge_index=edge_index)], num_classes=2)
'''


def test_a_plugin_dataset_trains_through_graphlab_run(tmp_path):
    """graphlab.data.register_dataset from a user's module, named in a config that imports
    it: the dataset loads, its parameters are checked, and a model trains on it."""
    (tmp_path / "my_graphlab_data.py").write_text(DATASET_PLUGIN)
    (tmp_path / "ring.yaml").write_text(
        "imports: [my_graphlab_data]\ntask: node\ndataset: {name: plugin_ring, params: "
        "{num_nodes: 30}}\nsplit: {kind: random}\nmodel: {name: mlp}\ntrain: {epochs: 2}\n"
        "seeds: 1\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-m", "graphlab", "run", "ring.yaml", "--out",
                             "out", "--quiet"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (record,) = [json.loads(p.read_text()) for p in (tmp_path / "out" / "ring").glob(
        "seed_*.json")]
    assert record["config"]["dataset"]["name"] == "plugin_ring"
    (tmp_path / "bad.yaml").write_text((tmp_path / "ring.yaml").read_text().replace(
        "num_nodes: 30", "size: 30"))
    result = subprocess.run([sys.executable, "-m", "graphlab", "run", "bad.yaml", "--out",
                             "out", "--quiet"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 2 and "unknown key 'dataset.params.size'" in result.stderr
