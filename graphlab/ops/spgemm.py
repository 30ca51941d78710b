"""Sparse × sparse products (two-hop operators), on torch's own SpGEMM."""
from __future__ import annotations

import warnings

import torch
from torch import Tensor


def sparse_coo(index: Tensor, value: Tensor, size: tuple[int, int]) -> Tensor:
    """A coalesced ``torch.sparse_coo_tensor`` (duplicates summed)."""
    return torch.sparse_coo_tensor(index, value, size, check_invariants=False).coalesce()


def spgemm(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` for two sparse COO matrices, coalesced (torch's beta-state warning for the
    intermediate CSR is silenced: the product is checked against dense ones in the tests)."""
    if a.size(1) != b.size(0):
        raise ValueError(f"cannot multiply sparse matrices of shapes {list(a.shape)} and "
                         f"{list(b.shape)}")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return torch.sparse.mm(a, b).coalesce()
