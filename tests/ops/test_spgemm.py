"""Sparse × sparse products against dense ones."""
import pytest
import torch

from graphlab.ops import sparse_coo, spgemm


def test_spgemm_equals_the_dense_product_and_sums_duplicates():
    g = torch.Generator().manual_seed(0)
    idx_a = torch.randint(0, 12, (2, 40), generator=g)
    idx_b = torch.stack([torch.randint(0, 12, (30,), generator=g),
                         torch.randint(0, 7, (30,), generator=g)])
    a = sparse_coo(idx_a, torch.rand(40, generator=g, dtype=torch.float64), (12, 12))
    b = sparse_coo(idx_b, torch.rand(30, generator=g, dtype=torch.float64), (12, 7))
    out = spgemm(a, b)
    assert out.is_coalesced()
    torch.testing.assert_close(out.to_dense(), a.to_dense() @ b.to_dense())


def test_spgemm_shape_mismatch_is_a_clear_error():
    a = sparse_coo(torch.tensor([[0], [1]]), torch.ones(1), (3, 3))
    b = sparse_coo(torch.tensor([[0], [1]]), torch.ones(1), (4, 2))
    with pytest.raises(ValueError, match=r"shapes \[3, 3\] and \[4, 2\]"):
        spgemm(a, b)
