import pytest
import torch
from torch_geometric.data import Data

from graphlab.data import check_graph


def good():
    return Data(x=torch.randn(4, 3), edge_index=torch.tensor([[0, 1, 2], [1, 2, 3]]),
                y=torch.tensor([0, 1, 0, 1]))


def test_good_graph_passes():
    check_graph(good())


@pytest.mark.parametrize("mutate, err, match", [
    (lambda d: setattr(d, "edge_index", torch.tensor([[0, 1], [1, 9]])), ValueError,
     "cora: edge_index has an index out of range: found 9"),
    (lambda d: setattr(d, "edge_index", torch.tensor([[0.0, 1.0], [1.0, 2.0]])), TypeError,
     "cora: edge_index must have an integer dtype"),
    (lambda d: d.x.__setitem__((1, 2), float("nan")), ValueError, "cora: x contains NaN"),
    (lambda d: setattr(d, "y", torch.tensor([0.0, 1.0, 0.0, 1.0])), ValueError,
     "cora: y must be an integer vector"),
    (lambda d: setattr(d, "y", torch.tensor([0, 1])), ValueError, "one label per node"),
])
def test_bad_graph_input(mutate, err, match):
    data = good()
    mutate(data)
    with pytest.raises(err, match=match):
        check_graph(data, name="cora")


def test_empty_graph():
    empty = Data(x=torch.zeros(0, 3), edge_index=torch.zeros(2, 0, dtype=torch.long),
                 y=torch.zeros(0, dtype=torch.long))
    with pytest.raises(ValueError, match="the graph is empty"):
        check_graph(empty, name="g")
