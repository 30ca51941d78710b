import pytest
import torch

from graphlab.ops import CSR, cn_aggregate, common_neighbors
from tests.helpers import random_graph


def dense_adj(ei, n):
    A = torch.zeros(n, n)
    A[ei[1], ei[0]] = 1.0  # row = destination, as in the CSR; duplicates count once
    return A


@pytest.mark.parametrize("index_dtype", [torch.int64, torch.int32])
def test_common_neighbors_equal_dense_rows(index_dtype):
    _, ei = random_graph(25, 120, seed=8)  # self-loops and duplicate edges included
    adj = CSR.from_edge_index(ei, 25)
    pairs = torch.randint(25, (2, 40), generator=torch.Generator().manual_seed(2))
    common, only_i, only_j = common_neighbors(adj, pairs.to(index_dtype), return_diff=True)
    A = dense_adj(ei, 25)
    Ai, Aj = A[pairs[0]], A[pairs[1]]
    torch.testing.assert_close(common.to_dense(), Ai * Aj)
    torch.testing.assert_close(only_i.to_dense(), Ai * (1 - Aj))
    torch.testing.assert_close(only_j.to_dense(), Aj * (1 - Ai))
    assert (common.num_rows, common.num_cols) == (40, 25)


def test_cn_aggregate_equals_dense_product_and_has_gradients(backend):
    _, ei = random_graph(20, 90, seed=9)
    ei = torch.cat([ei, ei.flip(0)], 1)  # undirected
    adj = CSR.from_edge_index(ei, 20)
    pairs = torch.randint(20, (2, 16), generator=torch.Generator().manual_seed(3))
    h = torch.randn(20, 4, dtype=torch.float64, requires_grad=True)
    A = dense_adj(ei, 20).double()
    torch.testing.assert_close(cn_aggregate(adj, pairs, h, backend=backend),
                               (A[pairs[0]] * A[pairs[1]]) @ h)
    # undirected graph: symmetric in (i, j)
    torch.testing.assert_close(cn_aggregate(adj, pairs.flip(0), h, backend=backend),
                               cn_aggregate(adj, pairs, h, backend=backend))
    assert torch.autograd.gradcheck(lambda h: cn_aggregate(adj, pairs, h, backend=backend), (h,),
                                    fast_mode=backend == "triton")


def test_isolated_nodes_have_no_common_neighbours():
    adj = CSR.from_edge_index(torch.tensor([[0, 1], [1, 0]]), 4)
    common = common_neighbors(adj, torch.tensor([[2, 0], [3, 1]]))
    assert common.nnz == 0 and common.num_rows == 2


def test_bad_input():
    adj = CSR.from_edge_index(torch.tensor([[0, 1], [1, 2]]), 3)
    with pytest.raises(ValueError, match="pairs has an index out of range: found 3"):
        common_neighbors(adj, torch.tensor([[0], [3]]))
    with pytest.raises(ValueError, match="empty batch"):
        common_neighbors(adj, torch.zeros(2, 0, dtype=torch.long))
    with pytest.raises(TypeError, match="needs a CSR"):
        common_neighbors(torch.tensor([[0, 1], [1, 2]]), torch.tensor([[0], [1]]))
    with pytest.raises(ValueError, match="square adjacency"):
        common_neighbors(CSR.from_edge_index(torch.tensor([[0], [1]]), (3, 2)),
                         torch.tensor([[0], [1]]))
