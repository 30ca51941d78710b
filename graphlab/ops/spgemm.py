"""Sparse × sparse products (two-hop operators), on torch's own SpGEMM."""
from __future__ import annotations

import warnings

import torch
from torch import Tensor


def _check_coo_index(index: Tensor, size: tuple[int, int], name: str) -> None:
    """``index`` ``[2, E]`` integer with rows in ``[0, size[0])`` and columns in
    ``[0, size[1])``; one ``ValueError`` / ``TypeError`` naming ``name`` otherwise (an index
    out of range would make torch's sparse kernels read out of bounds)."""
    if not isinstance(index, Tensor) or index.dim() != 2 or index.size(0) != 2:
        shape = list(index.shape) if isinstance(index, Tensor) else type(index).__name__
        raise ValueError(f"{name} must have shape [2, E], got {shape}")
    if index.dtype not in (torch.int64, torch.int32):
        raise TypeError(f"{name} must have an integer dtype (torch.int64 or torch.int32), got "
                        f"{index.dtype}")
    if index.numel():
        lo, rows, cols = int(index.min()), int(index[0].max()), int(index[1].max())
        if lo < 0 or rows >= size[0] or cols >= size[1]:
            raise ValueError(f"{name} has an entry out of range for a {size[0]} x {size[1]} "
                             f"matrix: rows up to {rows}, columns up to {cols}, smallest {lo}")


def sparse_coo(index: Tensor, value: Tensor, size: tuple[int, int]) -> Tensor:
    """A coalesced ``torch.sparse_coo_tensor`` (duplicates summed); ``index`` ``[2, E]`` is
    checked against ``size`` and ``value`` must hold one entry per column of it."""
    size = (int(size[0]), int(size[1]))
    _check_coo_index(index, size, "index")
    if not isinstance(value, Tensor) or value.shape != (index.size(1),):
        shape = list(value.shape) if isinstance(value, Tensor) else type(value).__name__
        raise ValueError(f"value must have shape [E] = [{index.size(1)}], got {shape}")
    return torch.sparse_coo_tensor(index.long(), value, size, check_invariants=False).coalesce()


def spgemm(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` for two sparse COO matrices, coalesced (torch's beta-state warning for the
    intermediate CSR is silenced: the product is checked against dense ones in the tests)."""
    for name, m in (("a", a), ("b", b)):
        if not isinstance(m, Tensor) or m.layout != torch.sparse_coo or m.dim() != 2:
            raise TypeError(f"spgemm: {name} must be a 2-D sparse COO tensor, got "
                            f"{getattr(m, 'layout', type(m).__name__)}")
        _check_coo_index(m._indices(), tuple(m.shape), f"spgemm: {name}'s index")
    if a.size(1) != b.size(0):
        raise ValueError(f"cannot multiply sparse matrices of shapes {list(a.shape)} and "
                         f"{list(b.shape)}")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return torch.sparse.mm(a, b).coalesce()
