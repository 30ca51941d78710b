"""Triton kernels for graphlab.ops (imported lazily, only by the ``triton`` backend).

* :func:`csr_reduce` — one program per (row, feature block): walks the row's entries
  in blocks, gathers ``x[col]`` (or ``src`` itself for a plain segment reduction),
  scales by the edge weight and reduces (sum / mean / max / min) in registers.
  Each output row is written once: no atomics, deterministic.
* :func:`edge_dot` — one program per block of entries: ``out[e] = <a[row[e]], b[col[e]]>``
  (SDDMM, also the weight gradient of SpMM).

Both run under ``TRITON_INTERPRET=1`` on CPU tensors, which is how the test suite
checks them.
"""
from __future__ import annotations

from typing import Optional

import torch
import triton
import triton.language as tl
from torch import Tensor

REDUCE_CODE = {"sum": 0, "mean": 1, "max": 2, "min": 3}


@triton.jit
def _csr_reduce_kernel(rowptr_ptr, col_ptr, w_ptr, x_ptr, out_ptr, arg_ptr, F,
                       stride_x, stride_out, GATHER: tl.constexpr, HAS_W: tl.constexpr,
                       REDUCE: tl.constexpr, ACC: tl.constexpr, BLOCK_E: tl.constexpr,
                       BLOCK_F: tl.constexpr):
    row = tl.program_id(0)
    offs_f = tl.program_id(1) * BLOCK_F + tl.arange(0, BLOCK_F)
    mask_f = offs_f < F
    start = tl.load(rowptr_ptr + row)
    end = tl.load(rowptr_ptr + row + 1)
    if REDUCE == 2:
        acc = tl.full((BLOCK_F,), float("-inf"), ACC)
    elif REDUCE == 3:
        acc = tl.full((BLOCK_F,), float("inf"), ACC)
    else:
        acc = tl.zeros((BLOCK_F,), ACC)
    arg = tl.full((BLOCK_F,), -1, tl.int64)
    for e0 in range(start, end, BLOCK_E):
        offs_e = e0 + tl.arange(0, BLOCK_E)
        mask_e = offs_e < end
        if GATHER:
            src = tl.load(col_ptr + offs_e, mask=mask_e, other=0)
        else:
            src = offs_e
        mask = mask_e[:, None] & mask_f[None, :]
        vals = tl.load(x_ptr + src[:, None] * stride_x + offs_f[None, :], mask=mask,
                       other=0.0).to(ACC)
        if HAS_W:
            w = tl.load(w_ptr + offs_e, mask=mask_e, other=0.0).to(ACC)
            vals = vals * w[:, None]
        if REDUCE == 2:
            vals = tl.where(mask, vals, float("-inf"))
            blk, idx = tl.max(vals, axis=0, return_indices=True)
            better = blk > acc
            acc = tl.where(better, blk, acc)
            arg = tl.where(better, e0 + idx.to(tl.int64), arg)
        elif REDUCE == 3:
            vals = tl.where(mask, vals, float("inf"))
            blk, idx = tl.min(vals, axis=0, return_indices=True)
            better = blk < acc
            acc = tl.where(better, blk, acc)
            arg = tl.where(better, e0 + idx.to(tl.int64), arg)
        else:
            acc += tl.sum(vals, axis=0)
    count = end - start
    if REDUCE == 1:
        acc = acc / tl.maximum(count, 1).to(ACC)
    if REDUCE >= 2:
        acc = tl.where(count > 0, acc, 0.0)
        tl.store(arg_ptr + row * stride_out + offs_f, arg, mask=mask_f)
    tl.store(out_ptr + row * stride_out + offs_f, acc.to(out_ptr.dtype.element_ty), mask=mask_f)


@triton.jit
def _edge_dot_kernel(row_ptr, col_ptr, a_ptr, b_ptr, out_ptr, E, F, stride_a, stride_b,
                     ACC: tl.constexpr, BLOCK_E: tl.constexpr, BLOCK_F: tl.constexpr):
    offs_e = tl.program_id(0) * BLOCK_E + tl.arange(0, BLOCK_E)
    mask_e = offs_e < E
    r = tl.load(row_ptr + offs_e, mask=mask_e, other=0)
    c = tl.load(col_ptr + offs_e, mask=mask_e, other=0)
    acc = tl.zeros((BLOCK_E,), ACC)
    for f0 in range(0, F, BLOCK_F):
        offs_f = f0 + tl.arange(0, BLOCK_F)
        mask = mask_e[:, None] & (offs_f < F)[None, :]
        va = tl.load(a_ptr + r[:, None] * stride_a + offs_f[None, :], mask=mask, other=0.0)
        vb = tl.load(b_ptr + c[:, None] * stride_b + offs_f[None, :], mask=mask, other=0.0)
        acc += tl.sum(va.to(ACC) * vb.to(ACC), axis=1)
    tl.store(out_ptr + offs_e, acc.to(out_ptr.dtype.element_ty), mask=mask_e)


def _acc(dtype: torch.dtype):
    """Accumulate in float64 for float64 data, in float32 otherwise (half types included)."""
    return tl.float64 if dtype == torch.float64 else tl.float32


def _block_f(F: int) -> int:
    return min(128, triton.next_power_of_2(max(F, 1)))


def csr_reduce(rowptr: Tensor, col: Optional[Tensor], weight: Optional[Tensor], x: Tensor,
               reduce: str) -> tuple[Tensor, Optional[Tensor]]:
    """``out[i] = reduce_{e in row i} w_e · x[col_e]`` (``col=None``: ``x[e]``, a segment
    reduction). Returns ``(out [R, F], arg [R, F] or None)``; ``arg`` holds the entry
    position chosen by max/min (``-1`` for an empty row)."""
    num_rows = rowptr.numel() - 1
    x = x.contiguous()
    F = x.size(1)
    out = torch.empty(num_rows, F, dtype=x.dtype, device=x.device)
    code = REDUCE_CODE[reduce]
    arg = torch.empty(num_rows, F, dtype=torch.long, device=x.device) if code >= 2 else None
    if num_rows == 0 or F == 0:
        return out, arg
    BLOCK_F = _block_f(F)
    dummy = rowptr  # a valid pointer for arguments the kernel does not read
    grid = (num_rows, triton.cdiv(F, BLOCK_F))
    _csr_reduce_kernel[grid](rowptr, col if col is not None else dummy,
                             weight if weight is not None else dummy, x, out,
                             arg if arg is not None else dummy, F, x.stride(0), out.stride(0),
                             GATHER=col is not None, HAS_W=weight is not None, REDUCE=code,
                             ACC=_acc(x.dtype), BLOCK_E=32, BLOCK_F=BLOCK_F)
    return out, arg


def edge_dot(row: Tensor, col: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """``out[e] = <a[row[e]], b[col[e]]>`` for every entry ``e``."""
    a, b = a.contiguous(), b.contiguous()
    E, F = row.numel(), a.size(1)
    out = torch.empty(E, dtype=torch.promote_types(a.dtype, b.dtype), device=a.device)
    if E == 0:
        return out
    BLOCK_F = min(64, _block_f(F))
    _edge_dot_kernel[(triton.cdiv(E, 64),)](row, col, a, b, out, E, F, a.stride(0),
                                            b.stride(0), ACC=_acc(out.dtype), BLOCK_E=64,
                                            BLOCK_F=BLOCK_F)
    return out
