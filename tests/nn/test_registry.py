import pytest
import torch

from graphlab.models import MODELS, build_model, get_model_spec, register
from tests.helpers import assert_node_equivariant, random_graph

NODE_MODELS = sorted(name for task, name in MODELS if task == "node")


def test_baselines_are_registered():
    assert {"mlp", "gcn", "sage", "gat"} <= set(NODE_MODELS)
    assert get_model_spec("gcn", "node").params() == {"hidden_channels": 64, "num_layers": 2,
                                                      "dropout": 0.5}


@pytest.mark.parametrize("name", NODE_MODELS)
def test_node_models_shapes_and_permutation_equivariance(name):
    x, ei = random_graph(25, 70, num_features=6, seed=3)
    model = build_model(name, "node", {"hidden_channels": 16}, in_channels=6, out_channels=3,
                        num_nodes=25)
    model.eval()
    assert model(x, ei).shape == (25, 3)
    if name == "linkx":
        return  # LINKX embeds adjacency rows, i.e. node identities: not equivariant by design
    if getattr(model, "cached", False):
        model.cached = False   # a transductive cache would answer a permuted graph with the first
    assert_node_equivariant(model, x, ei)


@pytest.mark.parametrize("name", NODE_MODELS)
def test_gradients_reach_every_parameter(name):
    x, ei = random_graph(25, 70, num_features=6, seed=3)
    model = build_model(name, "node", {"hidden_channels": 16, "dropout": 0.0}, in_channels=6,
                        out_channels=3, num_nodes=25)
    model(x, ei).square().sum().backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), pname


def test_unknown_model_and_parameter():
    with pytest.raises(KeyError, match="unknown model 'gcnn' for task 'node'.*gcn"):
        get_model_spec("gcnn", "node")
    with pytest.raises(TypeError, match=r"unknown parameter\(s\) \['hidden'\].*hidden_channels"):
        build_model("gcn", "node", {"hidden": 4}, in_channels=2, out_channels=2)


def test_double_registration_is_an_error():
    with pytest.raises(ValueError, match="registered twice"):
        register("gcn", task="node")(lambda in_channels, out_channels: None)
