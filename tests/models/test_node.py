"""The node task's PyG baselines on a cached CSR adjacency equal PyG's edge_index path."""
import pytest
import torch
from torch_geometric.nn.models import GCN, GraphSAGE

from graphlab.models import build_model
from graphlab.models.node import GCNNode, GraphSAGENode
from tests.helpers import random_graph

PAIRS = [("gcn", GCN, {}), ("sage", GraphSAGE, {"aggr": "mean"}),
         ("sage", GraphSAGE, {"aggr": "max"})]


@pytest.mark.parametrize("name,reference,extra", PAIRS)
@pytest.mark.parametrize("duplicates", [True, False])
def test_equals_pyg_in_training_and_evaluation(name, reference, extra, duplicates):
    # self-loops, isolated nodes, with or without repeated edges
    x, ei = random_graph(40, 160, 6, seed=0, duplicates=duplicates)
    torch.manual_seed(0)
    ours = build_model(name, "node", {"hidden_channels": 16, "num_layers": 3, "dropout": 0.3,
                                      **extra}, in_channels=6, out_channels=4)
    ref = reference(6, 16, 3, 4, dropout=0.3, **extra)
    ref.load_state_dict(ours.state_dict())       # the same parameter names
    for train in (True, False):
        ours.train(train)
        ref.train(train)
        torch.manual_seed(1)
        a = ours(x, ei)
        torch.manual_seed(1)
        b = ref(x, ei)
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)
        ga = torch.autograd.grad(a.square().sum(), list(ours.parameters()))
        gb = torch.autograd.grad(b.square().sum(), list(ref.parameters()))
        for u, v in zip(ga, gb, strict=True):
            torch.testing.assert_close(u, v, atol=1e-4, rtol=1e-4)


def test_sparse_path_where_it_equals_the_scatter():
    x, ei = random_graph(30, 90, 5, seed=1, duplicates=False)
    assert GCNNode(5, 8, 2, 3)._adjacency(ei, 30) is not None
    assert GraphSAGENode(5, 8, 2, 3)._adjacency(ei, 30) is not None
    assert GraphSAGENode(5, 8, 2, 3, aggr="max")._adjacency(ei, 30) is None
    repeated = torch.cat([ei, ei[:, :3]], 1)
    assert GCNNode(5, 8, 2, 3)._adjacency(repeated, 30) is not None
    assert GraphSAGENode(5, 8, 2, 3)._adjacency(repeated, 30) is None


@pytest.mark.parametrize("cls", [GCNNode, GraphSAGENode])
def test_cache_follows_the_graph(cls):
    x, ei = random_graph(30, 90, 5, seed=1, duplicates=False)
    torch.manual_seed(0)
    model = cls(5, 8, 2, 3).eval()
    first = model(x, ei)
    other = ei.flip(0)
    fresh = cls(5, 8, 2, 3).eval()
    fresh.load_state_dict(model.state_dict())
    torch.testing.assert_close(model(x, other), fresh(x, other))
    torch.testing.assert_close(model(x, ei.clone().int()), first)   # int32, equal graph
    smaller = ei[:, (ei < 20).all(0)]
    torch.testing.assert_close(model(x[:20], smaller), fresh(x[:20], smaller))


@pytest.mark.parametrize("name", ["gcn", "sage"])
def test_bad_input_is_named(name):
    model = build_model(name, "node", {"hidden_channels": 8}, in_channels=5, out_channels=2)
    x, ei = random_graph(10, 20, 5, seed=2)
    with pytest.raises(ValueError, match="range"):
        model(x, torch.tensor([[0, 10], [1, 2]]))
    with pytest.raises(ValueError, match="x has 4 features"):
        model(torch.randn(10, 4), ei)
    bad = x.clone()
    bad[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN|finite"):
        model(bad, ei)
    with pytest.raises((TypeError, ValueError), match="edge_index"):
        model(x, ei.float())


@pytest.mark.parametrize("name,reference,extra", PAIRS[:2])
def test_a_float64_model_equals_pyg_in_float64(name, reference, extra):
    x, ei = random_graph(30, 90, 5, seed=3, duplicates=False)
    torch.manual_seed(0)
    ours = build_model(name, "node", {"hidden_channels": 8, **extra}, in_channels=5,
                       out_channels=3).double().eval()
    ref = reference(5, 8, 2, 3, **extra).double().eval()
    ref.load_state_dict(ours.state_dict())
    out = ours(x.double(), ei)
    assert out.dtype == torch.float64
    torch.testing.assert_close(out, ref(x.double(), ei))
    ours.float()                                   # and back: the cache serves both
    torch.testing.assert_close(ours(x, ei), out.float(), atol=1e-5, rtol=1e-4)
