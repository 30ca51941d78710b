"""Scatter and segment reductions: ``sum``, ``mean``, ``max``, ``min``.

* :func:`scatter` — ``out[i] = reduce_{e : index[e] = i} src[e]`` for any (unsorted) index.
* :func:`segment` — the same for ``src`` already grouped by rows ``rowptr`` (CSR order).

Rows without entries give 0. ``max`` / ``min`` can also return ``arg``: for every
output entry the position ``e`` in ``src`` that was selected (``-1`` for an empty
row). Gradients of ``max`` / ``min`` go to the selected position; on the ``torch``
backend exact ties share the gradient equally (torch's ``scatter_reduce`` rule),
on ``triton`` and ``torch_scatter`` the first position among ties takes it.
"""
from __future__ import annotations

import math
from typing import Optional

import torch
from torch import Tensor

from graphlab.ops.backend import resolve_backend

REDUCES = ("sum", "mean", "max", "min")


def _check(src: Tensor, reduce: str) -> None:
    if reduce not in REDUCES:
        raise ValueError(f"unknown reduce '{reduce}'; choose one of {REDUCES}")
    if not isinstance(src, Tensor):
        raise TypeError(f"src must be a torch.Tensor, got {type(src).__name__}")
    if src.dim() == 0:
        raise ValueError("src must have at least one dimension [E, ...]")


def _as_2d(src: Tensor) -> tuple[Tensor, tuple[int, ...]]:
    # the width is spelled out: reshape(0, -1) of an empty edge set is ambiguous
    return src.reshape(src.size(0), math.prod(src.shape[1:])), tuple(src.shape[1:])


def _arg_of(src2: Tensor, index: Tensor, out2: Tensor) -> Tensor:
    """Smallest position ``e`` with ``src[e] == out[index[e]]`` per output entry (-1 if none)."""
    E = src2.size(0)
    hit = src2 == out2.index_select(0, index)
    pos = torch.arange(E, device=src2.device).view(-1, 1).expand_as(src2)
    pos = torch.where(hit, pos, torch.full_like(pos, E))
    arg = torch.full(out2.shape, E, dtype=torch.long, device=src2.device)
    arg.scatter_reduce_(0, index.view(-1, 1).expand_as(src2), pos, "amin")
    return torch.where(arg == E, torch.full_like(arg, -1), arg)


def _torch_scatter_native(src2: Tensor, index: Tensor, dim_size: int, reduce: str) -> Tensor:
    out = torch.zeros(dim_size, src2.size(1), dtype=src2.dtype, device=src2.device)
    if reduce in ("sum", "mean"):
        out = out.index_add(0, index, src2)
        if reduce == "mean":
            count = torch.bincount(index, minlength=dim_size).clamp(min=1)
            out = out / count.view(-1, 1).to(out.dtype)
        return out
    return out.scatter_reduce(0, index.view(-1, 1).expand_as(src2), src2,
                              "amax" if reduce == "max" else "amin", include_self=False)


class _TritonSegment(torch.autograd.Function):
    @staticmethod
    def forward(ctx, src2: Tensor, rowptr: Tensor, reduce: str):
        from graphlab.ops.triton_kernels import csr_reduce
        out, arg = csr_reduce(rowptr, None, None, src2, reduce)
        ctx.reduce, ctx.num = reduce, src2.size(0)
        ctx.save_for_backward(rowptr, arg if arg is not None else rowptr)
        if arg is not None:
            ctx.mark_non_differentiable(arg)
        return out, arg

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out: Tensor, _grad_arg):
        rowptr, arg = ctx.saved_tensors
        deg = rowptr[1:] - rowptr[:-1]
        if ctx.reduce in ("sum", "mean"):
            g = grad_out
            if ctx.reduce == "mean":
                g = g / deg.clamp(min=1).view(-1, 1).to(g.dtype)
            row = torch.repeat_interleave(torch.arange(deg.numel(), device=deg.device), deg,
                                          output_size=ctx.num)
            return g.index_select(0, row), None, None
        F = grad_out.size(1)
        valid = arg >= 0
        flat = (arg.clamp(min=0) * F + torch.arange(F, device=arg.device)).view(-1)
        grad = torch.zeros(ctx.num * F, dtype=grad_out.dtype, device=grad_out.device)
        grad.index_add_(0, flat[valid.view(-1)], grad_out.reshape(-1)[valid.view(-1)])
        return grad.view(ctx.num, F), None, None


def segment(src: Tensor, rowptr: Tensor, reduce: str = "sum", return_arg: bool = False,
            backend: Optional[str] = None):
    """Reduce consecutive rows of ``src`` (``[E, ...]``) over segments ``rowptr`` (``[R + 1]``).

    Returns ``out`` (``[R, ...]``), or ``(out, arg)`` when ``return_arg`` (max/min only).
    """
    _check(src, reduce)
    if not isinstance(rowptr, Tensor) or rowptr.dtype not in (torch.int64, torch.int32):
        raise TypeError(f"rowptr must be an int64/int32 tensor, got "
                        f"{getattr(rowptr, 'dtype', type(rowptr).__name__)}")
    if rowptr.dim() != 1 or rowptr.numel() < 1:
        raise ValueError(f"rowptr must be a 1-D tensor [R + 1], got shape {list(rowptr.shape)}")
    if int(rowptr[-1]) != src.size(0) or int(rowptr[0]) != 0:
        raise ValueError(f"rowptr must start at 0 and end at src.size(0) = {src.size(0)}, got "
                         f"{int(rowptr[0])}..{int(rowptr[-1])}")
    rowptr = rowptr.long()
    name = resolve_backend(src.device, backend)
    if name == "triton":
        src2, tail = _as_2d(src)
        out, arg = _TritonSegment.apply(src2, rowptr, reduce)
        out = out.view(-1, *tail)
        if return_arg:
            return out, _require_arg(arg, reduce).view(-1, *tail)
        return out
    deg = rowptr[1:] - rowptr[:-1]
    index = torch.repeat_interleave(torch.arange(deg.numel(), device=src.device), deg,
                                    output_size=src.size(0))
    return scatter(src, index, deg.numel(), reduce, return_arg, backend=name)


def _require_arg(arg: Optional[Tensor], reduce: str) -> Tensor:
    if arg is None:
        raise ValueError(f"return_arg is only defined for max / min, not '{reduce}'")
    return arg


def scatter(src: Tensor, index: Tensor, dim_size: Optional[int] = None, reduce: str = "sum",
            return_arg: bool = False, backend: Optional[str] = None):
    """Reduce rows of ``src`` (``[E, ...]``) into ``dim_size`` rows by ``index`` (``[E]``).

    Returns ``out`` (``[dim_size, ...]``), or ``(out, arg)`` when ``return_arg`` (max/min).
    An output row that receives no entry is 0 (its ``arg`` is -1) — so an empty edge set
    (``E = 0``) gives zeros, the documented result for a graph without edges.
    """
    _check(src, reduce)
    if not isinstance(index, Tensor) or index.dtype not in (torch.int64, torch.int32):
        raise TypeError(f"index must be an int64/int32 tensor, got "
                        f"{getattr(index, 'dtype', type(index).__name__)}")
    if index.dim() != 1 or index.numel() != src.size(0):
        raise ValueError(f"index must have shape [E] = [{src.size(0)}], got {list(index.shape)}")
    index = index.long()
    if dim_size is None:
        dim_size = int(index.max()) + 1 if index.numel() else 0
    if index.numel() and (int(index.min()) < 0 or int(index.max()) >= dim_size):
        raise ValueError(f"index has an entry out of range [0, {dim_size}): "
                         f"{int(index.min())}..{int(index.max())}")
    if return_arg and reduce not in ("max", "min"):
        raise ValueError(f"return_arg is only defined for max / min, not '{reduce}'")
    name = resolve_backend(src.device, backend)
    src2, tail = _as_2d(src)
    if name == "triton":
        perm = torch.argsort(index, stable=True)
        rowptr = torch.zeros(dim_size + 1, dtype=torch.long, device=src.device)
        torch.cumsum(torch.bincount(index, minlength=dim_size), 0, out=rowptr[1:])
        out, arg = _TritonSegment.apply(src2.index_select(0, perm), rowptr, reduce)
        if arg is not None and perm.numel():  # no entries: every arg is already -1
            arg = torch.where(arg >= 0, perm[arg.clamp(min=0)], arg)
    elif name == "torch_scatter":
        import torch_scatter
        arg = None
        if reduce in ("max", "min"):
            fn = torch_scatter.scatter_max if reduce == "max" else torch_scatter.scatter_min
            out, arg = fn(src2, index, dim=0, dim_size=dim_size)
            arg = torch.where(arg == src2.size(0), torch.full_like(arg, -1), arg)
        else:
            out = torch_scatter.scatter(src2, index, dim=0, dim_size=dim_size, reduce=reduce)
    else:
        out = _torch_scatter_native(src2, index, dim_size, reduce)
        arg = _arg_of(src2.detach(), index, out.detach()) if return_arg else None
    out = out.view(dim_size, *tail)
    if return_arg:
        return out, arg.view(dim_size, *tail)
    return out
