import pytest
import torch
from torch_geometric.data import Batch, Data

from graphlab.models import GraphTransformer, build_model
from graphlab.nn import GraphTransformerLayer, dense_groups
from tests.helpers import assert_graph_invariant, assert_node_equivariant, random_graph


@pytest.mark.parametrize("attention", ["gin", "standard"])
@pytest.mark.parametrize("adjacency", ["none", "mask", "bias"])
def test_layer_is_permutation_equivariant(attention, adjacency):
    torch.manual_seed(0)
    layer = GraphTransformerLayer(8, 2, attention, adjacency=adjacency).double()
    x, edge_index = random_graph(9, 20, 8)
    assert_node_equivariant(lambda x, e: layer(x, e), x.double(), edge_index, atol=1e-9)


def test_graphs_of_a_batch_do_not_see_each_other():
    torch.manual_seed(1)
    layer = GraphTransformerLayer(8, 2, local="none")
    g1 = Data(x=torch.randn(4, 8), edge_index=torch.tensor([[0, 1], [1, 2]]))
    g2 = Data(x=torch.randn(3, 8), edge_index=torch.tensor([[0], [1]]))
    g3 = Data(x=torch.randn(3, 8) * 5, edge_index=g2.edge_index)
    out_a = layer(*_args(Batch.from_data_list([g1, g2])))
    out_b = layer(*_args(Batch.from_data_list([g1, g3])))
    torch.testing.assert_close(out_a[:4], out_b[:4])
    torch.testing.assert_close(out_a[:4], layer(g1.x, g1.edge_index))


def _args(b):
    return b.x, b.edge_index, b.batch


def test_adjacency_mask_restricts_attention_to_neighbours():
    layer = GraphTransformerLayer(8, 2, local="none", adjacency="mask")
    x = torch.randn(4, 8)
    edge_index = torch.tensor([[0, 1], [1, 2]])  # node 3 isolated: it attends to itself only
    changed = x.clone()
    changed[0] += 1.0
    # node 3's output depends on node 3 alone, node 2 on nodes 1 and 2
    out, out2 = layer(x, edge_index), layer(changed, edge_index)
    torch.testing.assert_close(out[2:], out2[2:])
    assert not torch.allclose(out[:2], out2[:2])


def test_graph_model_is_invariant_and_trains():
    torch.manual_seed(2)
    model = GraphTransformer(8, 16, 3, num_layers=2, heads=2).double()
    x, edge_index = random_graph(7, 14, 8)
    assert_graph_invariant(lambda x, e: model(Data(x=x, edge_index=e, batch=None)),
                           x.double(), edge_index, atol=1e-9)
    out = model(Batch.from_data_list([Data(x=x, edge_index=edge_index)] * 2))
    out.sum().backward()
    assert out.shape == (2, 3)
    assert all(p.grad is not None for p in model.parameters())


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="unknown adjacency 'dense'"):
        GraphTransformerLayer(8, 2, adjacency="dense")
    with pytest.raises(ValueError, match="heads"):
        GraphTransformerLayer(8, 3)
    layer = GraphTransformerLayer(8, 2)
    with pytest.raises(ValueError, match="width 4"):
        layer(torch.randn(3, 4), torch.tensor([[0], [1]]))
    with pytest.raises(ValueError, match="edge_index"):
        layer(torch.randn(3, 8), torch.tensor([[0], [5]]))


def test_gin_options_without_gin_attention_are_named():
    with pytest.raises(ValueError, match=r"\['threshold', 'tau'\] need attention: gin"):
        build_model("graph_transformer", "graph", {"attention": "standard", "threshold": "relu",
                                                   "tau": 0.3}, in_channels=3, out_channels=2)
    model = build_model("graph_transformer", "graph", {"attention": "standard", "tau": 0.2},
                        in_channels=3, out_channels=2)          # a default value is no change
    assert model.layers[0].kind == "standard"


def _batch_of_sizes(sizes, seed=0):
    g = torch.Generator().manual_seed(seed)
    graphs = []
    for n in sizes:
        m = 2 * n
        ei = torch.randint(0, max(n, 1), (2, m if n > 1 else 0), generator=g)
        graphs.append(Data(x=torch.randn(n, 8, generator=g, dtype=torch.float64), edge_index=ei))
    return graphs, Batch.from_data_list(graphs)


@pytest.mark.parametrize("attention", ["gin", "standard"])
@pytest.mark.parametrize("adjacency", ["none", "mask", "bias"])
def test_grouping_graphs_by_size_changes_no_output_or_gradient(attention, adjacency):
    torch.manual_seed(3)
    layer = GraphTransformerLayer(8, 2, attention, adjacency=adjacency).double()
    sizes = [2, 17, 1, 5, 0, 9, 3, 30, 4]                   # an empty graph too
    graphs, b = _batch_of_sizes(sizes)
    groups = layer.dense_groups(b.edge_index, b.batch, b.num_nodes)
    assert len(groups.groups) > 2                            # really split by size
    one = dense_groups(b.edge_index, b.batch, b.num_nodes, adjacency != "none", ratio=None)
    assert len(one.groups) == 1 and one.groups[0].mask.shape == (8, 30)   # the empty one out
    assert groups.padded_pairs < one.padded_pairs
    x = b.x.clone().requires_grad_()
    out = layer(x, b.edge_index, b.batch, groups=groups)
    x1 = b.x.clone().requires_grad_()
    ref = layer(x1, b.edge_index, b.batch, groups=one)
    torch.testing.assert_close(out, ref, atol=1e-12, rtol=1e-10)
    # and each graph alone gives its own rows
    alone = torch.cat([layer(g.x, g.edge_index) for g in graphs if g.num_nodes])
    torch.testing.assert_close(out, alone, atol=1e-12, rtol=1e-10)
    weights = torch.randn_like(out)
    (out * weights).sum().backward()
    (ref * weights).sum().backward()
    torch.testing.assert_close(x.grad, x1.grad, atol=1e-12, rtol=1e-10)


def test_dense_groups_cover_every_node_once_and_bound_the_padding():
    sizes = [1, 2, 2, 3, 7, 8, 12, 40, 41, 100]
    _, b = _batch_of_sizes(sizes, seed=4)
    groups = dense_groups(b.edge_index, b.batch, b.num_nodes, adjacency=True, ratio=1.5)
    flat = torch.cat([grp.nodes for grp in groups.groups])
    assert sorted(flat.tolist()) == list(range(b.num_nodes))
    torch.testing.assert_close(flat[groups.inverse], torch.arange(b.num_nodes))
    for grp in groups.groups:
        n = grp.mask.sum(1)                                   # node count per graph
        assert int(n.max()) <= 1.5 * int(n.min())
        assert int(grp.mask.numel() * grp.mask.size(1)) <= 1.5 ** 2 * int((n ** 2).sum())
        assert b.batch[grp.nodes].unique().numel() == grp.mask.size(0)
    # the dense adjacency counts each edge at [graph, dst, src]
    total = sum(float(grp.adj.sum()) for grp in groups.groups)
    assert total == b.edge_index.size(1)


def test_dense_groups_reject_bad_batches():
    ei = torch.tensor([[0], [1]])
    with pytest.raises(ValueError, match="batch must be sorted"):
        dense_groups(ei, torch.tensor([1, 0, 1]), 3)
    with pytest.raises(ValueError, match="different graphs"):
        dense_groups(torch.tensor([[0], [2]]), torch.tensor([0, 0, 1]), 3, adjacency=True)
    with pytest.raises(ValueError, match=r"batch must have shape \[3\]"):
        dense_groups(ei, torch.tensor([0, 0]), 3)
    layer = GraphTransformerLayer(8, 2, adjacency="mask")
    plain = dense_groups(ei, None, 3)
    with pytest.raises(ValueError, match="carry no adjacency"):
        layer(torch.randn(3, 8), ei, groups=plain)
    with pytest.raises(ValueError, match="built for 3 nodes, x has 4"):
        layer(torch.randn(4, 8), ei, groups=layer.dense_groups(ei, None, 3))


def test_similar_sizes_stay_in_one_group():
    _, b = _batch_of_sizes([10, 12, 14, 16, 18, 20, 22], seed=5)   # MUTAG-like: little to save
    groups = dense_groups(b.edge_index, b.batch, b.num_nodes)
    assert len(groups.groups) == 1 and groups.groups[0].mask.shape == (7, 22)
    _, b = _batch_of_sizes([10, 12, 14, 16, 18, 20, 22, 200], seed=5)
    assert len(dense_groups(b.edge_index, b.batch, b.num_nodes).groups) > 1
