import pytest
import torch
from torch_geometric.data import Batch, Data

from graphlab.heads import GraphTransformer
from graphlab.nn import GraphTransformerLayer, build_model
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
    model = GraphTransformer(8, 3, hidden_channels=16, num_layers=2, heads=2).double()
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
