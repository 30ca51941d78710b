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


def _csr_tensor(crow, col):
    return torch.sparse_csr_tensor(torch.tensor(crow), torch.tensor(col),
                                   torch.ones(len(col)), size=(2, 2))


@pytest.mark.parametrize("adj, match", [
    (lambda: _csr_tensor([0, 1, 2], [1, 2 ** 40]),
     r"column index out of range: found 1099511627776"),
    (lambda: _csr_tensor([0, 1, 2], [1, -1]), "column index out of range: found -1"),
    (lambda: _csr_tensor([0, 1, 2], [1, 2]), r"found 2, but the matrix has 2 columns"),
    (lambda: torch.sparse_coo_tensor(torch.tensor([[0, 1], [1, 7]]), torch.ones(2), (2, 2)),
     r"sparse COO tensor\) has a column index out of range: found 7, but the matrix has 2"),
    (lambda: torch.sparse_coo_tensor(torch.tensor([[0, -3], [1, 1]]), torch.ones(2), (2, 2)),
     "row index out of range: found -3"),
    (lambda: __import__("torch_geometric").EdgeIndex(torch.tensor([[0, 1], [1, 9]])),
     "out of range: found 9"),
    (lambda: CSR(torch.tensor([0, 2, 1]), torch.tensor([0, 1]), torch.arange(2), 2, 2),
     "row pointers must run from 0 to the 2 entries"),
    (lambda: CSR(torch.tensor([0, 2, 1, 2]), torch.tensor([0, 1]), torch.arange(2), 3, 2),
     "row pointers must not decrease"),
    (lambda: CSR(torch.tensor([0, 2]), torch.tensor([0, 1]), torch.arange(2), 2, 2),
     "2 rows need 3 row pointers, got 2"),
    (lambda: CSR(torch.tensor([0, 1, 2]), torch.tensor([0, 5]), torch.arange(2), 2, 2),
     "column index out of range: found 5"),
    (lambda: CSR(torch.tensor([0, 1, 2]), torch.tensor([0.0, 1.0]), torch.arange(2), 2, 2),
     "column indices must be an int64 or int32 tensor"),
    (lambda: CSR(torch.tensor([0, 1, 2]), torch.tensor([0, 1]), torch.arange(3), 2, 2),
     r"perm must have shape \[2\]"),
])
def test_every_adjacency_form_is_checked_before_a_kernel_reads_it(adj, match):
    """An out-of-range or negative index, or malformed row pointers, in any adjacency form
    is one ValueError / TypeError naming it, never garbage read out of bounds."""
    from graphlab.nn import to_csr
    from graphlab.ops import spmm
    with pytest.raises((ValueError, TypeError), match=match):
        spmm(to_csr(adj(), 2), torch.randn(2, 4), reduce="max")


def test_a_huge_column_index_never_crashes_the_process():
    """The reproduction that read out of bounds (and crashed on a large graph) runs in a
    subprocess, so a crash fails this test instead of killing the test run."""
    import subprocess
    import sys
    code = ("import torch\nfrom graphlab.nn import GINConv, to_csr\n"
            "n = 20000\ncrow = torch.arange(n + 1)\ncol = torch.full((n,), 2 ** 40)\n"
            "a = torch.sparse_csr_tensor(crow, col, torch.ones(n), size=(n, n))\n"
            "conv = GINConv(torch.nn.Linear(8, 8))\n"
            "try:\n    conv(torch.randn(n, 8), a)\n"
            "except ValueError as e:\n    print('refused:', e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "refused: adjacency has a column index out of range" in proc.stdout


def test_a_valid_hand_built_csr_still_works():
    from graphlab.ops import spmm
    csr = CSR(torch.tensor([0, 1, 3], dtype=torch.int32), torch.tensor([1, 0, 1]),
              torch.arange(3), 2, 2, torch.tensor([1.0, 2.0, 3.0]))
    assert csr.rowptr.dtype == torch.long
    x = torch.randn(2, 3)
    torch.testing.assert_close(spmm(csr, x), csr.to_dense() @ x)
