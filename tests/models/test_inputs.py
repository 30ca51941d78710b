"""Learnable node features (``node_features: embedding``): the table is trained with the
model, holds N x d numbers (not N x N), and a parameter-free heuristic is left alone."""
import pytest
import torch

from graphlab.models import LearnedNodeInput, build_model
from graphlab.runner import run_config
from graphlab.runner.config import config_from_dict
from graphlab.tasks.link import with_input


def _ring(n=30):
    src = torch.arange(n)
    ei = torch.stack([src, (src + 1) % n])
    return torch.cat([ei, ei.flip(0)], 1)


def test_the_table_is_trained_with_the_model():
    net = LearnedNodeInput(build_model("gcn", "node", {}, in_channels=8, out_channels=3), 30, 8)
    assert net.embedding.weight.shape == (30, 8)
    before = net.embedding.weight.detach().clone()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    out = net(torch.zeros(30, 0), _ring())
    torch.nn.functional.cross_entropy(out, torch.randint(3, (30,))).backward()
    opt.step()
    assert not torch.equal(before, net.embedding.weight)


def test_wrong_number_of_nodes_is_an_error():
    net = LearnedNodeInput(build_model("gcn", "node", {}, in_channels=8, out_channels=3), 30, 8)
    with pytest.raises(ValueError, match="holds 30 nodes' features, but the graph has 29"):
        net(torch.zeros(29, 0), _ring(29))


def test_predictor_is_exposed_and_heuristics_are_not_wrapped():
    ncn = with_input(build_model("ncn", "link", {"hidden_channels": 8}, in_channels=8), 30, 8)
    assert isinstance(ncn, LearnedNodeInput) and ncn.predictor is ncn.model.predictor
    cn = build_model("cn", "link", {}, in_channels=8)
    assert with_input(cn, 30, 8) is cn


def test_a_link_config_with_embedding_features_runs_on_a_featureless_file(tmp_path):
    ring = _ring()
    (tmp_path / "ring.csv").write_text("".join(f"{a},{b}\n" for a, b in ring.t().tolist()))
    raw = {"name": "emb", "task": "link", "seeds": 1,
           "dataset": {"path": str(tmp_path / "ring.csv"), "directed": False,
                       "node_features": "embedding", "embedding_dim": 4},
           "model": {"name": "ncn", "params": {"hidden_channels": 4}},
           "train": {"epochs": 2, "batch_size": 16}}
    (record,) = run_config(config_from_dict(raw, "emb"), tmp_path / "out", progress=False)
    assert "test_hits@100" in record["metrics"]
