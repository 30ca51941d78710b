import pytest
import torch
from torch_geometric.data import Batch, Data
from torch_geometric.utils import to_undirected

from graphlab.construct import EigenPE
from graphlab.heads import GraphPool
from graphlab.models import GINEGraph, GINGraph, build_model
from tests.helpers import assert_graph_invariant, random_graph


def batch_of(sizes, features=5, seed=0):
    graphs = []
    for i, n in enumerate(sizes):
        x, ei = random_graph(n, 3 * n, features, seed=seed + i, self_loops=False)
        graphs.append(Data(x=x, edge_index=ei))
    return Batch.from_data_list(graphs)


@pytest.mark.parametrize("kind", ["sum", "mean", "max"])
def test_pooling_equals_a_per_graph_loop(kind):
    b = batch_of([3, 1, 6])
    out = GraphPool(kind)(b.x, b.batch, b.num_graphs)
    ref = torch.stack([getattr(b.x[b.batch == g], "amax" if kind == "max" else kind)(0)
                       for g in range(3)])
    torch.testing.assert_close(out, ref)


def test_attention_pooling_is_a_convex_combination_per_graph():
    torch.manual_seed(0)
    b = batch_of([4, 2])
    pool = GraphPool("attention", channels=5)
    out = pool(b.x, b.batch, 2)
    gate = pool.attention.gate_mlp(b.x).view(-1)
    for g in range(2):
        w = torch.softmax(gate[b.batch == g], 0)
        torch.testing.assert_close(out[g], (w[:, None] * b.x[b.batch == g]).sum(0))


def test_pooling_rejects_unknown_kinds():
    with pytest.raises(ValueError, match="unknown pooling 'median'"):
        GraphPool("median")
    with pytest.raises(ValueError, match="needs the node-state width"):
        GraphPool("attention")


@pytest.mark.parametrize("pool", ["sum", "mean", "max", "attention"])
@pytest.mark.parametrize("jk", ["sum", "last"])
def test_gin_graph_output_is_invariant_to_node_order(pool, jk):
    torch.manual_seed(0)
    net = GINGraph(6, 16, 3, num_layers=3, pool=pool, jk=jk).eval()
    x, ei = random_graph(9, 25, 6, self_loops=False)

    def fn(x, ei):
        return net(Batch.from_data_list([Data(x=x, edge_index=ei)]))

    assert fn(x, ei).shape == (1, 3)
    assert_graph_invariant(fn, x, ei)


def test_gin_graph_batches_graphs_independently():
    torch.manual_seed(0)
    net = GINGraph(5, 8, 2, num_layers=2).eval()
    b = batch_of([4, 7, 3])
    together = net(b)
    alone = torch.cat([net(Batch.from_data_list([g])) for g in b.to_data_list()])
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-4)


def test_gin_graph_is_registered_and_checks_arguments():
    net = build_model("gin", "graph", {"hidden_channels": 8, "pool": "mean"}, in_channels=4,
                      out_channels=2)
    assert isinstance(net, GINGraph)
    with pytest.raises(ValueError, match="jk must be"):
        GINGraph(4, 64, 2, jk="max")
    with pytest.raises(ValueError, match="num_layers"):
        GINGraph(4, 64, 2, num_layers=0)


@pytest.mark.parametrize("pe", ["none", "spe", "signnet", "basisnet", "lappe"])
def test_gine_graph_with_each_pe_is_invariant_to_node_order(pe):
    torch.manual_seed(0)
    net = GINEGraph(3, 16, 2, num_layers=2, pe=pe, num_eigs=5,
                    pe_channels=4).double().eval()
    x, ei = random_graph(7, 14, 3, self_loops=False)
    ei = to_undirected(ei)

    def fn(x, ei):
        data = EigenPE(5, torch.float64)(Data(x=x.double(), edge_index=ei))
        return net(Batch.from_data_list([data]))

    assert fn(x, ei).shape == (1, 2)
    if pe != "lappe":  # the relabelled graph's fresh eigensolve has other signs / bases
        assert_graph_invariant(fn, x, ei, atol=1e-6)


def test_gine_graph_needs_eigenpairs_for_a_pe():
    net = GINEGraph(3, 64, 2, pe="spe")
    square = to_undirected(torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]]))
    data = Batch.from_data_list([Data(x=torch.ones(4, 3), edge_index=square)])
    with pytest.raises(ValueError, match="dataset.eigen_pe"):
        net(data)
    with pytest.raises(ValueError, match="unknown pe 'rwse'"):
        GINEGraph(3, 64, 2, pe="rwse")
