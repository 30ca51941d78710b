import pytest
import torch

from graphlab.ops import CSR
from tests.helpers import random_graph


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32])
def test_csr_matches_dense_and_keeps_the_permutation(dtype):
    _, ei = random_graph(12, 40, seed=1)  # self-loops, duplicates, isolated nodes
    w = torch.rand(40)
    csr = CSR.from_edge_index(ei.to(dtype), 12, w)
    dense = torch.zeros(12, 12).index_put_((ei[1], ei[0]), w, accumulate=True)
    torch.testing.assert_close(csr.to_dense(), dense)
    assert torch.equal(csr.col, ei[0][csr.perm]) and torch.equal(csr.row(), ei[1][csr.perm])
    assert torch.equal(csr.weight, w[csr.perm])
    assert csr.rowptr[-1] == 40 and torch.equal(csr.degree(), torch.bincount(ei[1], minlength=12))
    # columns ascend within each row (needed by the sorted-key intersection)
    key = csr.row() * 12 + csr.col
    assert bool((key[1:] >= key[:-1]).all())


def test_transpose_is_cached_and_maps_back():
    _, ei = random_graph(10, 30, seed=2)
    csr = CSR.from_edge_index(ei, 10, torch.rand(30))
    t = csr.t()
    assert t is csr.t() and t.t() is csr
    torch.testing.assert_close(t.to_dense(), csr.to_dense().t())
    assert torch.equal(t.col, csr.row()[t.perm]) and torch.equal(t.weight, csr.weight[t.perm])


def test_bipartite_shape():
    ei = torch.tensor([[0, 4, 2], [1, 0, 1]])
    csr = CSR.from_edge_index(ei, (5, 2))
    assert (csr.num_rows, csr.num_cols) == (2, 5)
    with pytest.raises(ValueError, match="bipartite graph of 5 sources and 1 destinations"):
        CSR.from_edge_index(ei, (5, 1))


@pytest.mark.parametrize("kwargs, err, match", [
    ({"edge_index": torch.tensor([[0, 5], [1, 2]])}, ValueError, "out of range: found 5"),
    ({"edge_index": torch.tensor([[0.0], [1.0]])}, TypeError, "integer dtype"),
    ({"edge_index": torch.tensor([0, 1])}, ValueError, r"shape \[2, E\]"),
    ({"edge_weight": torch.ones(3)}, ValueError, r"edge_weight must have shape \[E\] = \[2\]"),
    ({"edge_weight": torch.ones(2, dtype=torch.long)}, TypeError, "floating-point"),
])
def test_bad_input(kwargs, err, match):
    args = {"edge_index": torch.tensor([[0, 1], [1, 2]]), "num_nodes": 3} | kwargs
    with pytest.raises(err, match=match):
        CSR.from_edge_index(**args)


def test_select_keeps_order_and_weights():
    _, ei = random_graph(10, 40, seed=3)
    w = torch.rand(40)
    csr = CSR.from_edge_index(ei, 10, w)
    mask = torch.rand(40, generator=torch.Generator().manual_seed(0)) > 0.5
    sub = csr.select(mask)
    keep = torch.zeros(40, dtype=torch.bool)
    keep[csr.perm[mask]] = True
    torch.testing.assert_close(sub.to_dense(), CSR.from_edge_index(ei[:, keep], 10, w[keep])
                               .to_dense())
    assert torch.equal(sub.perm, csr.perm[mask])
    with pytest.raises(ValueError, match="mask must be a bool tensor of length 40"):
        csr.select(torch.ones(3, dtype=torch.bool))


def test_with_weight_shares_the_transpose_with_the_new_weights():
    _, ei = random_graph(9, 30, seed=5)
    csr = CSR.from_edge_index(ei, 9)
    csr.t()
    w = torch.rand(csr.nnz)
    other = csr.with_weight(w)
    assert other._t is not None and other.t().t() is other
    torch.testing.assert_close(other.t().to_dense(), other.to_dense().t())
