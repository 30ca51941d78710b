"""The one rule for every public layer: non-finite input features (NaN or ±inf, node or edge)
are refused with one ValueError naming the argument; activations inside are not checked."""
import pytest
import torch
from torch_geometric.data import Batch, Data

import graphlab.models as models
import graphlab.nn as gnn
from graphlab.construct import SubgraphBag

EI = torch.tensor([[0, 1, 2, 3, 1, 2, 3, 4], [1, 2, 3, 4, 0, 1, 2, 3]])


def bad(shape, value):
    t = torch.randn(*shape)
    t.view(-1)[3] = value
    return t


def graph_batch(value, edge=False, bag=False):
    data = Data(x=torch.randn(5, 8) if edge else bad((5, 8), value), edge_index=EI,
                edge_attr=bad((8, 2), value) if edge else torch.zeros(8, 2),
                y=torch.tensor([0]))
    return Batch.from_data_list([SubgraphBag()(data) if bag else data])


CASES = {
    "PureGCN": (lambda v: gnn.PureGCN(8, 16)(bad((5, 8), v), EI), "x"),
    "NCN": (lambda v: models.build_model("ncn", "link", {"hidden_channels": 16}, in_channels=8)(
        bad((5, 8), v), EI, EI), "x"),
    "DirGNN": (lambda v: gnn.DirGNN(8, 16, 3)(bad((5, 8), v), EI), "DirGNN: x"),
    "NodeMLP": (lambda v: gnn.NodeMLP(8, 16, 3)(bad((5, 8), v)), "NodeMLP: x"),
    "ResidualGNN": (lambda v: gnn.ResidualGNN(8, 16, 3)(bad((5, 8), v), EI), "ResidualGNN: x"),
    "ADPA": (lambda v: gnn.ADPA(8, 16, 3)(bad((5, 8), v), EI), "ADPA input x"),
    "GINConv": (lambda v: gnn.GINConv(torch.nn.Linear(8, 8))(bad((5, 8), v), EI), "x"),
    "GINEConv x": (lambda v: gnn.GINEConv(torch.nn.Linear(8, 8), 8, edge_dim=2)(
        bad((5, 8), v), EI, torch.zeros(8, 2)), "x"),
    "GINEConv edge_attr": (lambda v: gnn.GINEConv(torch.nn.Linear(8, 8), 8, edge_dim=2)(
        torch.randn(5, 8), EI, bad((8, 2), v)), "GINEConv: edge_attr"),
    "GINAttention": (lambda v: gnn.GINAttention(8, 2)(bad((1, 5, 8), v)), "GINAttention: x"),
    "SelfAttention": (lambda v: gnn.SelfAttention(8, 2)(bad((1, 5, 8), v)), "SelfAttention: x"),
    "SPE": (lambda v: gnn.SPE(4, 4, m=4)(bad((1, 4), v), torch.randn(5, 4), EI), "eigvals"),
    "GINGraph": (lambda v: models.GINGraph(8, 64, 3)(graph_batch(v)), "x"),
    "GINEGraph edge_attr": (lambda v: models.GINEGraph(8, 64, 3, edge_channels=2)(
        graph_batch(v, edge=True)), "edge_attr"),
    "SubgraphGNN": (lambda v: models.SubgraphGNN(8, 8, 3, num_layers=1)(
        graph_batch(v, bag=True)), "SubgraphGNN: data.x"),
    "SubgraphGNN edge_attr": (lambda v: models.SubgraphGNN(8, 8, 3, num_layers=1,
                                                        edge_channels=2)(
        graph_batch(v, edge=True, bag=True)), "SubgraphGNN: data.edge_attr"),
}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")],
                         ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_non_finite_input_is_refused_naming_the_argument(name, value):
    call, argument = CASES[name]
    with pytest.raises(ValueError, match=rf"{argument}.*contains (NaN|inf)|(NaN|inf).*"
                                         rf"{argument}|{argument}.*(NaN|inf)"):
        call(value)
