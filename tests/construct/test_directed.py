"""Directed-pattern operators against dense products; the AMUD-style test."""
import pytest
import torch
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.utils import to_undirected

from graphlab.construct.directed import PATTERNS, amud_test, directed_operator, propagate
from graphlab.data.synthetic import directed_csbm
from tests.helpers import dense_adjacency, dense_directed_operator


@pytest.fixture
def digraph():
    g = torch.Generator().manual_seed(0)
    ei = torch.randint(0, 30, (2, 90), generator=g)
    ei = torch.cat([ei, ei[:, :5]], 1)             # duplicates must not count twice
    return ei, 30


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("r", [0.0, 0.43, 0.5, 1.0])
def test_operator_equals_the_dense_normalised_product(digraph, pattern, r):
    ei, n = digraph
    op = directed_operator(ei, n, pattern, r=r, dtype=torch.float64)
    ref = dense_directed_operator(dense_adjacency(ei, n), pattern, r)
    assert torch.allclose(op.to_dense(), ref)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_raw_operator_and_propagation(digraph, pattern):
    ei, n = digraph
    a = dense_adjacency(ei, n)
    raw = directed_operator(ei, n, pattern, normalise=False, self_loops=False,
                            dtype=torch.float64)
    expected = {"A": a, "At": a.t(), "AA": a @ a, "AAt": a @ a.t(), "AtA": a.t() @ a,
                "AtAt": a.t() @ a.t()}[pattern]
    assert torch.equal(raw.to_dense(), expected)
    x = torch.randn(n, 4, dtype=torch.float64)
    op = directed_operator(ei, n, pattern, r=0.43, dtype=torch.float64)
    assert torch.allclose(propagate(op, x), dense_directed_operator(a, pattern, 0.43) @ x)


def test_r_half_is_the_symmetric_gcn_normalisation():
    g = torch.Generator().manual_seed(1)
    n = 25
    ei = torch.randint(0, n, (2, 60), generator=g)
    ei = to_undirected(ei[:, ei[0] != ei[1]], num_nodes=n)
    op = directed_operator(ei, n, "A", r=0.5, dtype=torch.float64)
    index, weight = gcn_norm(ei, None, n, add_self_loops=True, dtype=torch.float64)
    ref = torch.zeros(n, n, dtype=torch.float64)
    ref[index[1], index[0]] = weight                # PyG aggregates j → i into row i
    assert torch.allclose(op.to_dense(), ref)
    assert torch.allclose(op.to_dense(), op.to_dense().t())


def test_operator_errors():
    with pytest.raises(ValueError, match="unknown pattern"):
        directed_operator(torch.tensor([[0], [1]]), 2, "AAA")
    with pytest.raises(ValueError, match="out of range"):
        directed_operator(torch.tensor([[0], [5]]), 2, "A")


def _csbm(asymmetry, seed=0):
    data = directed_csbm(num_nodes=600, num_classes=4, avg_degree=6, homophily=0.2,
                         asymmetry=asymmetry, seed=seed)
    return data


def test_amud_says_directed_when_direction_carries_the_labels():
    data = _csbm(asymmetry=1.0)
    res = amud_test(data.edge_index, data.y, data.train_mask, num_permutations=50)
    assert res.decision == "directed"
    assert res.p_value < 0.05 and res.statistic > 0.05


@pytest.mark.parametrize("seed", [0, 1])
def test_amud_says_undirected_when_direction_is_noise(seed):
    data = _csbm(asymmetry=0.0, seed=seed)
    res = amud_test(data.edge_index, data.y, data.train_mask, num_permutations=50)
    assert res.decision == "undirected"
    assert res.statistic < res.threshold


def test_amud_on_a_symmetric_graph_has_no_direction_information():
    data = _csbm(asymmetry=1.0)
    und = to_undirected(data.edge_index, num_nodes=data.num_nodes)
    res = amud_test(und, data.y, num_permutations=10)
    assert res.statistic == pytest.approx(0.0, abs=1e-9)
    assert res.decision == "undirected"


def test_amud_uses_only_masked_labels():
    data = _csbm(asymmetry=1.0)
    y = data.y.clone()
    y[~data.train_mask] = (y[~data.train_mask] + 1) % 4        # corrupt hidden labels
    a = amud_test(data.edge_index, data.y, data.train_mask, num_permutations=5)
    b = amud_test(data.edge_index, y, data.train_mask, num_permutations=5)
    assert a.statistic == b.statistic


def test_amud_bad_input():
    with pytest.raises(ValueError, match="no edge joins two masked"):
        amud_test(torch.tensor([[0], [1]]), torch.tensor([0, 1]),
                  torch.tensor([True, False]))
    with pytest.raises(ValueError, match="negative label"):
        amud_test(torch.tensor([[0], [1]]), torch.tensor([0, -1]))
    with pytest.raises(ValueError, match="mask"):
        amud_test(torch.tensor([[0], [1]]), torch.tensor([0, 1]), torch.tensor([1, 1]))
