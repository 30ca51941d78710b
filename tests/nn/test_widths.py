"""A feature width that does not match a layer's in_channels is one error naming the layer
and both widths, not torch's "mat1 and mat2 shapes cannot be multiplied"."""
import pytest
import torch
from torch_geometric.data import Batch, Data

import graphlab.models as models
import graphlab.nn as gnn

EI = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]])
X = torch.randn(5, 7)                        # 7 features; every layer below expects 8


def batch():
    return Batch.from_data_list([Data(x=X, edge_index=EI, y=torch.tensor([0]))])


CASES = {
    "PureGCN": lambda: gnn.PureGCN(8, 16)(X, EI),
    "NCN": lambda: models.build_model("ncn", "link", {"hidden_channels": 16}, in_channels=8)(
        X, EI, EI),
    "DirGNN": lambda: gnn.DirGNN(8, 16, 3)(X, EI),
    "DirGCNNormConv": lambda: gnn.DirGCNNormConv(8, 16)(X, EI),
    "NodeMLP": lambda: gnn.NodeMLP(8, 16, 3)(X),
    "ResidualGNN": lambda: gnn.ResidualGNN(8, 16, 3)(X, EI),
    "GINConv": lambda: gnn.GINConv(torch.nn.Sequential(torch.nn.Linear(8, 8)))(X, EI),
    "GINEConv": lambda: gnn.GINEConv(torch.nn.Linear(8, 8), 8)(X, EI),
    "GINGraph": lambda: models.GINGraph(8, 64, 3)(batch()),
    "GraphTransformer": lambda: models.GraphTransformer(8, 16, 3, heads=2)(batch()),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_wrong_feature_width_names_the_layer_and_both_widths(name):
    with pytest.raises(ValueError, match=r"x has 7 features \(shape \[5, 7\]\), but the layer "
                                         r"was built for in_channels=8"):
        CASES[name]()


def test_gin_with_an_mlp_of_unknown_width_is_not_checked():
    """A GINConv whose MLP does not start with a linear map has no width to check."""
    conv = gnn.GINConv(torch.nn.Identity())
    assert conv(X, EI).shape == (5, 7)
