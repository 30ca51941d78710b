import pytest
import torch
from torch_geometric.data import Batch, Data

from graphlab.construct import AddVirtualNodes, virtual_mask
from tests.helpers import cycle


def _graph(n=6, features=3):
    return Data(x=torch.randn(n, features), edge_index=cycle(n), y=torch.arange(n),
                edge_attr=torch.ones(2 * n, 2))


@pytest.mark.parametrize("k", [1, 3])
def test_all_connects_every_virtual_node_to_every_real_node_both_ways(k):
    g = _graph()
    out = AddVirtualNodes(k)(g)
    assert out.num_nodes == 6 + k and torch.equal(out.virtual, virtual_mask(6, k))
    assert torch.equal(out.x[6:], torch.zeros(k, 3)) and torch.equal(out.x[:6], g.x)
    new = out.edge_index[:, out.edge_type > 0]
    pairs = {(int(s), int(t)) for s, t in new.t()}
    assert pairs == {(r, 6 + v) for r in range(6) for v in range(k)} | \
        {(6 + v, r) for r in range(6) for v in range(k)}
    assert torch.equal(out.edge_index[:, out.edge_type == 0], g.edge_index)
    assert out.edge_attr.shape == (12 + 12 * k, 2) and out.edge_attr[12:].abs().sum() == 0
    assert g.num_nodes == 6 and not hasattr(g, "virtual")            # input untouched
    types = out.edge_type[out.edge_type > 0]
    assert (out.edge_index[1, out.edge_type == 1] >= 6).all() and (types == 1).sum() == 6 * k


@pytest.mark.parametrize("connect", ["cluster", "random"])
def test_cluster_and_random_give_each_real_node_one_virtual_node(connect):
    g = Data(x=torch.randn(12, 2), edge_index=torch.cat([cycle(6), cycle(6, 6)], 1),
             pos=torch.cat([torch.zeros(6, 2), torch.full((6, 2), 10.0)]) + torch.rand(12, 2))
    out = AddVirtualNodes(2, connect)(g)
    up = out.edge_index[:, out.edge_type == 1]
    assert torch.equal(up[0].sort().values, torch.arange(12))        # every real node once
    assert set(up[1].tolist()) <= {12, 13}
    if connect == "cluster":  # the two position clusters get one virtual node each
        hub = torch.empty(12, dtype=torch.long)
        hub[up[0]] = up[1]
        assert len(set(hub[:6].tolist())) == 1 and len(set(hub[6:].tolist())) == 1
        assert hub[0] != hub[6]
    again = AddVirtualNodes(2, connect)(g)
    assert torch.equal(again.edge_index, out.edge_index)             # seeded


def test_batch_keeps_graphs_separate():
    graphs = [_graph(5), _graph(7)]
    out = AddVirtualNodes(2)(Batch.from_data_list(graphs))
    assert out.num_graphs == 2 and out.num_nodes == 5 + 7 + 4
    src, dst = out.edge_index
    assert torch.equal(out.batch[src], out.batch[dst])
    assert out.virtual.sum() == 4
    assert torch.equal(out.batch, torch.tensor([0] * 7 + [1] * 9))
    per = Batch.from_data_list([AddVirtualNodes(2)(g) for g in graphs])
    assert torch.equal(out.edge_index, per.edge_index)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="num_virtual must be at least 1"):
        AddVirtualNodes(0)
    with pytest.raises(ValueError, match="unknown connect"):
        AddVirtualNodes(1, "ring")
    with pytest.raises(ValueError, match="no nodes"):
        AddVirtualNodes(1)(Data(x=torch.zeros(0, 2), edge_index=torch.zeros(2, 0,
                                                                            dtype=torch.long)))
    with pytest.raises(ValueError, match="already has virtual nodes"):
        t = AddVirtualNodes(1)
        t(t(_graph()))


@pytest.mark.parametrize("edge_index, err, match", [
    (torch.tensor([[0, 1], [1, 6]]), ValueError, "out of range: found 6"),   # id N
    (torch.tensor([[0, -1], [1, 2]]), ValueError, "out of range: found -1"),
    (torch.tensor([[0.0, 1.0], [1.0, 2.0]]), TypeError, "integer dtype"),
    (torch.tensor([[0, 1], [1, 2], [2, 3]]), ValueError, r"shape \[2, E\], got \[3, 2\]"),
])
def test_bad_edge_ids_are_refused_not_wired_to_a_virtual_node(edge_index, err, match):
    data = Data(x=torch.randn(6, 3), edge_index=edge_index)
    with pytest.raises(err, match=f"AddVirtualNodes: edge_index.*{match}|{match}"):
        AddVirtualNodes(2)(data)


def test_a_graph_without_edge_index_is_named():
    with pytest.raises(ValueError, match="has no edge_index"):
        AddVirtualNodes(1)(Data(x=torch.randn(3, 2)))


def test_graph_level_labels_are_never_padded():
    """A graph label stays one entry per graph, also on a one-node graph, so that a batch
    keeps one label per graph; node-level labels get a row per virtual node."""
    one = Data(x=torch.randn(1, 4), edge_index=torch.empty(2, 0, dtype=torch.long),
               y=torch.tensor([1]))
    out = AddVirtualNodes(2)(one)
    assert out.y.tolist() == [1] and out.x.shape == (3, 4) and out.num_nodes == 3
    batch = Batch.from_data_list([out, AddVirtualNodes(2)(one)])
    assert batch.y.tolist() == [1, 1]
    graph_label = Data(x=torch.randn(4, 2), edge_index=cycle(4), y=torch.tensor([0]))
    assert AddVirtualNodes(1)(graph_label).y.tolist() == [0]
    node_labels = AddVirtualNodes(2)(_graph())
    assert node_labels.y.tolist() == [0, 1, 2, 3, 4, 5, 0, 0]
