r"""Fused gather-scatter SpMM, SDDMM and the edge softmax over CSR rows.

.. math::
    \mathrm{spmm}(A, X)_i = \bigoplus_{j \in N^{-}(i)} w_{ij}\, x_j ,
    \qquad \bigoplus \in \{\textstyle\sum, \mathrm{mean}, \max, \min\}

where :math:`N^{-}(i)` are the in-neighbours of ``i`` (the entries of CSR row ``i``).
``mean`` divides the weighted sum by the number of entries of the row. Backends:

* ``torch`` — torch's CSR kernels, no ``E × F`` message tensor: sum / mean as ``A @ x``
  with the backward through the cached transposed view (on CPU, graphs with at least
  ``DENSE_MIN_DENSITY`` of all entries as a dense product); max / min through torch's CSR
  reduction kernel (``torch.sparse.mm(..., reduce='amax')`` with torch's autograd; when
  edge weights need gradients, ``_sparse_mm_reduce_impl``, which also returns the winning
  entry for graphlab's backward; where a torch build lacks it, gathered messages and a
  sorted ``scatter_reduce``).
  Half types are computed in float32 on CPU.
* ``triton`` — one program per (row, feature block); the row's neighbours are gathered
  and reduced in registers; no atomics; deterministic forward. Max / min keep the arg.
* ``torch_scatter`` — ``segment_csr`` over gathered messages (when installed and asked for).
"""
from __future__ import annotations

import warnings
from typing import Optional

import torch
from torch import Tensor

from graphlab.ops.backend import resolve_backend
from graphlab.ops.csr import CSR, as_csr
from graphlab.ops.reduce import REDUCES, scatter

_HALF = (torch.float16, torch.bfloat16)


def _compute_dtype(x: Tensor) -> torch.dtype:
    """torch's CPU CSR kernels lack half types: compute those in float32."""
    return torch.float32 if (x.dtype in _HALF and x.device.type == "cpu") else x.dtype


#: On CPU, features at least this wide go through torch's CSR reduction kernel
#: (``_sparse_mm_reduce_impl(..., 'sum')``) instead of ``A @ x``: the latter zero-fills and
#: copies the dense operands around its kernel. One-process A/B, 1 thread: 1.2–1.7x for
#: F = 128–512 on Cora- and 20k-node graphs, a whole STGCN training step on LOS-loop 1.2x
#: (distance adjacency) and 1.5x (semi-adaptive, 10 virtual nodes); narrower features are
#: slower through it (0.6–0.9x at F = 16–32), so they keep ``A @ x``.
MM_REDUCE_MIN_FEATURES = 128


#: On CPU, a graph with at least this fraction of its ``num_rows × num_cols`` entries present
#: is multiplied as a dense matrix (built from the entries, duplicates summed) at BLAS speed:
#: the CSR kernels run at a few GFLOP/s on such rows. Measured, 1 thread, forward + backward
#: (``graphlab bench ops --density-sweep``, unweighted): the two paths cross at density
#: ~0.21 (217 nodes, F = 20,480, the width of an STGCN hop on LOS-loop) and ~0.22 (1000
#: nodes, F = 1024); with edge-weight gradients (a one-process A/B) level at 0.25, 2.7x
#: faster at 0.5, 5.9x at 1.0 (the fully adaptive adjacency).
DENSE_MIN_DENSITY = 0.25


def _dense_matmul(csr: CSR, weight: Optional[Tensor], x: Tensor, dtype: torch.dtype) -> Tensor:
    """``A @ x`` with ``A`` made dense (duplicates summed); an unweighted graph's dense
    matrix is cached on the CSR per dtype and device, as its unit values are."""
    key = ("dense", dtype, x.device)
    a = csr._torch_csr.get(key) if weight is None else None
    if a is None:
        a = torch.zeros(csr.num_rows, csr.num_cols, dtype=dtype, device=x.device)
        values = (weight.to(dtype) if weight is not None
                  else torch.ones(csr.nnz, dtype=dtype, device=x.device))
        a.index_put_((csr.row(), csr.col), values, accumulate=True)
        if weight is None:
            csr._torch_csr[key] = a
    return a @ x.to(dtype)


def _torch_csr_matmul(csr: CSR, weight: Optional[Tensor], x: Tensor) -> Tensor:
    """``A @ x`` with torch's CSR kernels, or as a dense product for dense graphs on CPU
    (float32 compute for half types on CPU)."""
    compute = _compute_dtype(x)
    if (x.device.type == "cpu" and csr.nnz
            and csr.nnz >= DENSE_MIN_DENSITY * csr.num_rows * csr.num_cols):
        return _dense_matmul(csr, weight, x, compute).to(x.dtype)
    adj = _torch_csr(csr, weight, compute, x.device)
    if x.device.type == "cpu" and x.size(1) >= MM_REDUCE_MIN_FEATURES and _has_mm_reduce():
        out = torch.ops.aten._sparse_mm_reduce_impl(adj, x.to(compute).contiguous(), "sum")[0]
        return out.to(x.dtype)
    return (adj @ x.to(compute)).to(x.dtype)


def _sum_forward(csr: CSR, weight: Optional[Tensor], x: Tensor, backend: str) -> Tensor:
    if backend == "triton":
        from graphlab.ops.triton_kernels import csr_reduce
        return csr_reduce(csr.rowptr, csr.col, weight, x, "sum")[0]
    return _torch_csr_matmul(csr, weight, x)


#: ``_edge_dot`` (torch backend) multiplies dense row blocks ``a[r0:r1] @ b.T`` and reads the
#: entries off them when ``num_rows · num_cols ≤ DENSE_EDGE_DOT_RATIO · nnz``: a dense
#: product does that many more multiply-adds but at BLAS speed, while the gathered path reads
#: two random rows per entry. On LOS-loop (207 nodes, 2,626 entries, ratio 16, F = 20,480)
#: the dense path took 85 ms against 245 ms gathered (1 CPU thread).
DENSE_EDGE_DOT_RATIO = 24


def _edge_dot(csr: CSR, a: Tensor, b: Tensor, backend: str) -> Tensor:
    """``<a[row_e], b[col_e]>`` for every entry (CSR order), no autograd."""
    if backend == "triton":
        from graphlab.ops.triton_kernels import edge_dot
        return edge_dot(csr.row(), csr.col, a, b)
    out = torch.empty(csr.nnz, dtype=torch.promote_types(a.dtype, b.dtype), device=a.device)
    if csr.nnz and csr.num_rows * csr.num_cols <= DENSE_EDGE_DOT_RATIO * csr.nnz:
        return _edge_dot_dense(csr, a, b, out)
    row, col = csr.row(), csr.col
    step = max(1, (1 << 22) // max(1, a.size(1)))  # bound the E × F temporaries
    for s in range(0, csr.nnz, step):
        out[s:s + step] = (a.index_select(0, row[s:s + step])
                           * b.index_select(0, col[s:s + step])).sum(-1)
    return out


def _edge_dot_dense(csr: CSR, a: Tensor, b: Tensor, out: Tensor,
                    block_elems: int = 1 << 22) -> Tensor:
    """``_edge_dot`` through dense row blocks of ``a @ bᵀ`` (rows of a CSR are contiguous);
    each ``[rows, num_cols]`` block holds at most ``block_elems`` values (one row at least)."""
    dtype = out.dtype
    bt = b.to(dtype).t()
    rows = max(1, block_elems // max(1, csr.num_cols))
    rowptr = csr.rowptr.tolist()
    for r0 in range(0, csr.num_rows, rows):
        r1 = min(r0 + rows, csr.num_rows)
        s, e = rowptr[r0], rowptr[r1]
        if s == e:
            continue
        block = a[r0:r1].to(dtype) @ bt                               # [r1 - r0, num_cols]
        local = csr.row()[s:e] - r0
        out[s:e] = block[local, csr.col[s:e]]
    return out


class _SpMMSum(torch.autograd.Function):
    """Sum / mean SpMM with the backward through the cached transpose (CSC view)."""

    @staticmethod
    def forward(ctx, weight: Optional[Tensor], x: Tensor, csr: CSR, mean: bool, backend: str):
        out = _sum_forward(csr, weight, x, backend)
        if mean:
            out = out / csr.degree().clamp(min=1).view(-1, 1).to(out.dtype)
        ctx.csr, ctx.mean, ctx.backend = csr, mean, backend
        ctx.save_for_backward(weight, x)
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out: Tensor):
        weight, x = ctx.saved_tensors
        csr = ctx.csr
        g = grad_out.contiguous()
        if ctx.mean:
            g = g / csr.degree().clamp(min=1).view(-1, 1).to(g.dtype)
        grad_w = grad_x = None
        if ctx.needs_input_grad[1]:
            t = csr.t()
            wt = weight[t.perm] if weight is not None else None
            grad_x = _sum_forward(t, wt, g, ctx.backend)
        if weight is not None and ctx.needs_input_grad[0]:
            grad_w = _edge_dot(csr, g, x, ctx.backend).to(weight.dtype)
        return grad_w, grad_x, None, None, None


def _torch_csr(csr: CSR, weight: Optional[Tensor], dtype: torch.dtype,
               device: torch.device) -> Tensor:
    """The CSR as a ``torch.sparse_csr`` tensor (unit values cached per dtype)."""
    if weight is None:
        key = (dtype, device)
        values = csr._torch_csr.get(key)
        if values is None:
            values = csr._torch_csr[key] = torch.ones(csr.nnz, dtype=dtype, device=device)
    else:
        values = weight.to(dtype)
    with warnings.catch_warnings():  # "CSR support is in beta", once per tensor built
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(csr.rowptr, csr.col, values,
                                       (csr.num_rows, csr.num_cols), check_invariants=False)


def _has_mm_reduce() -> bool:
    return hasattr(torch.ops.aten, "_sparse_mm_reduce_impl")


def _arg_forward(csr: CSR, weight: Optional[Tensor], x: Tensor, reduce: str,
                 backend: str) -> tuple[Tensor, Tensor]:
    """Max / min SpMM and, per output entry, the CSR position that won (``-1``: empty row)."""
    if backend == "triton":
        from graphlab.ops.triton_kernels import csr_reduce
        return csr_reduce(csr.rowptr, csr.col, weight, x, reduce)
    compute = _compute_dtype(x)
    adj = _torch_csr(csr, weight, compute, x.device)
    # torch's CSR reduction kernel returns the arg only when an input requires grad
    with torch.enable_grad():
        xin = x.detach().to(compute).requires_grad_()
        out, arg = torch.ops.aten._sparse_mm_reduce_impl(adj, xin, "amax" if reduce == "max"
                                                         else "amin")
    arg = torch.where(arg >= csr.nnz, torch.full_like(arg, -1), arg)
    return out.detach().to(x.dtype), arg


class _SpMMArg(torch.autograd.Function):
    """Max / min SpMM that keeps the winning entry of every output value; the backward
    routes each output gradient to that entry (edge) only."""

    @staticmethod
    def forward(ctx, weight: Optional[Tensor], x: Tensor, csr: CSR, reduce: str, backend: str):
        out, arg = _arg_forward(csr, weight, x, reduce, backend)
        ctx.csr = csr
        ctx.save_for_backward(weight, x, arg)
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out: Tensor):
        weight, x, arg = ctx.saved_tensors
        csr = ctx.csr
        F = x.size(1)
        valid = (arg >= 0).view(-1)
        e = arg.view(-1)[valid]
        feat = torch.arange(F, device=x.device).repeat(csr.num_rows)[valid]
        g = grad_out.reshape(-1)[valid]
        src = csr.col[e]
        grad_x = grad_w = None
        if ctx.needs_input_grad[1]:
            scale = weight[e].to(g.dtype) if weight is not None else 1.0
            grad_x = torch.zeros(x.numel(), dtype=x.dtype, device=x.device)
            grad_x.index_add_(0, src * F + feat, (g * scale).to(x.dtype))
            grad_x = grad_x.view_as(x)
        if weight is not None and ctx.needs_input_grad[0]:
            grad_w = torch.zeros_like(weight)
            grad_w.index_add_(0, e, (g * x.reshape(-1)[src * F + feat]).to(weight.dtype))
        return grad_w, grad_x, None, None, None


def spmm(adj: CSR | Tensor, x: Tensor, reduce: str = "sum", edge_weight: Optional[Tensor] = None,
         backend: Optional[str] = None) -> Tensor:
    """Aggregate ``x`` over in-neighbours: ``out[i] = reduce_j w_ij · x[j]``.

    Args:
        adj: a :class:`CSR` (build once with ``CSR.from_edge_index`` and reuse) or an
            ``edge_index`` ``[2, E]`` (source, destination) on ``x.size(0)`` nodes.
        x: node features ``[N_src, F]``.
        reduce: ``'sum'``, ``'mean'``, ``'max'`` or ``'min'``.
        edge_weight: ``[E]`` weights in the *input edge order* (``None``: the CSR's own
            weights, or 1).
        backend: ``'torch'``, ``'triton'`` or ``'torch_scatter'`` (default: by device).

    Returns:
        ``[N_dst, F]``; rows without in-neighbours are 0.
    """
    if reduce not in REDUCES:
        raise ValueError(f"unknown reduce '{reduce}'; choose one of {REDUCES}")
    if not isinstance(x, Tensor) or x.dim() != 2 or not x.is_floating_point():
        raise ValueError(f"x must be a floating tensor [N, F], got "
                         f"{getattr(x, 'dtype', type(x).__name__)} {list(getattr(x, 'shape', []))}")
    csr = as_csr(adj, x.size(0), edge_weight)
    if x.size(0) != csr.num_cols:
        raise ValueError(f"x has {x.size(0)} rows but the graph has {csr.num_cols} source nodes")
    if csr.device != x.device:
        raise ValueError(f"graph on {csr.device} but x on {x.device}")
    weight = csr.weight
    name = resolve_backend(x.device, backend)
    if reduce in ("sum", "mean") and name in ("torch", "triton"):
        return _SpMMSum.apply(weight, x, csr, reduce == "mean", name)
    if name == "torch" and _has_mm_reduce() and not (weight is not None and
                                                     weight.requires_grad):
        # torch's own CSR reduction and its autograd (gradient to x only) are the fastest
        # CPU path; the arg-keeping Function is needed only when weights need gradients
        compute = _compute_dtype(x)
        adj = _torch_csr(csr, weight, compute, x.device)
        out = torch.sparse.mm(adj, x.to(compute), reduce="amax" if reduce == "max" else "amin")
        return out.to(x.dtype)
    if name == "triton" or (name == "torch" and _has_mm_reduce()):
        return _SpMMArg.apply(weight, x, csr, reduce, name)
    msg = x.index_select(0, csr.col)
    if weight is not None:
        msg = msg * weight.view(-1, 1).to(msg.dtype)
    if name == "torch_scatter":
        import torch_scatter
        out = torch_scatter.segment_csr(msg, csr.rowptr, reduce=reduce)
        return out[0] if isinstance(out, tuple) else out
    return scatter(msg, csr.row(), csr.num_rows, reduce, backend="torch")


class _TritonSDDMM(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a: Tensor, b: Tensor, csr: CSR):
        ctx.csr = csr
        ctx.save_for_backward(a, b)
        return _edge_dot(csr, a, b, "triton")

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: Tensor):
        a, b = ctx.saved_tensors
        csr = ctx.csr
        grad_a = _sum_forward(csr, grad, b, "triton") if ctx.needs_input_grad[0] else None
        grad_b = None
        if ctx.needs_input_grad[1]:
            t = csr.t()
            grad_b = _sum_forward(t, grad[t.perm], a, "triton")
        return grad_a, grad_b, None


def sddmm(adj: CSR, a: Tensor, b: Tensor, backend: Optional[str] = None) -> Tensor:
    """Per-entry dot products ``out[e] = <a[row_e], b[col_e]>`` in CSR order (``[E]``).

    For attention, ``a`` holds destination-side and ``b`` source-side vectors.
    Map to input edge order with ``out[csr_inverse]`` where ``csr_inverse[csr.perm] = arange``.
    """
    if not isinstance(adj, CSR):
        raise TypeError("sddmm needs a CSR (graphlab.ops.CSR.from_edge_index)")
    if a.dim() != 2 or b.dim() != 2 or a.size(1) != b.size(1):
        raise ValueError(f"a and b must be [N, F] with the same F, got {list(a.shape)} and "
                         f"{list(b.shape)}")
    if a.size(0) != adj.num_rows or b.size(0) != adj.num_cols:
        raise ValueError(f"a must have {adj.num_rows} rows and b {adj.num_cols}, got "
                         f"{a.size(0)} and {b.size(0)}")
    name = resolve_backend(a.device, backend)
    if name == "triton":
        return _TritonSDDMM.apply(a, b, adj)
    return (a.index_select(0, adj.row()) * b.index_select(0, adj.col)).sum(-1)


def edge_softmax(adj: CSR, scores: Tensor, backend: Optional[str] = None) -> Tensor:
    """Softmax of ``scores`` (``[E]`` or ``[E, H]``, CSR order) over the entries of each row."""
    if not isinstance(adj, CSR):
        raise TypeError("edge_softmax needs a CSR (graphlab.ops.CSR.from_edge_index)")
    if scores.size(0) != adj.nnz:
        raise ValueError(f"scores must have {adj.nnz} rows (one per entry), got {scores.size(0)}")
    row = adj.row()
    peak = scatter(scores.detach(), row, adj.num_rows, "max", backend=backend)
    ex = torch.exp(scores - peak.index_select(0, row))
    denom = scatter(ex, row, adj.num_rows, "sum", backend=backend)
    return ex / denom.index_select(0, row)
