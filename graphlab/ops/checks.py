"""Validation of graph tensors at public boundaries.

Each check raises one ``TypeError`` / ``ValueError`` whose message names the
argument and the offending shape, dtype or value (e3nn's habit), so that bad
input fails where it enters graphlab instead of deep inside a kernel.
"""
from __future__ import annotations

import torch
from torch import Tensor

_INDEX_DTYPES = (torch.int64, torch.int32)


def check_edge_index(edge_index: Tensor, num_nodes: int, name: str = "edge_index") -> None:
    """Check that ``edge_index`` is an integer ``[2, E]`` tensor with entries in ``[0, num_nodes)``.

    Raises:
        TypeError: not a tensor, or not int64/int32.
        ValueError: wrong shape, negative ``num_nodes``, or an index out of range.
    """
    if not isinstance(edge_index, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(edge_index).__name__}")
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise ValueError(f"{name} must have shape [2, E], got {list(edge_index.shape)}")
    if edge_index.dtype not in _INDEX_DTYPES:
        raise TypeError(f"{name} must have an integer dtype (torch.int64 or torch.int32), "
                        f"got {edge_index.dtype}")
    if num_nodes < 0:
        raise ValueError(f"num_nodes must be non-negative, got {num_nodes}")
    if edge_index.numel() > 0:
        lo, hi = int(edge_index.min()), int(edge_index.max())
        if lo < 0 or hi >= num_nodes:
            bad = lo if lo < 0 else hi
            raise ValueError(f"{name} has an index out of range: found {bad}, but valid node "
                             f"indices are 0..{num_nodes - 1} (num_nodes={num_nodes})")


def check_csr(rowptr: Tensor, col: Tensor, num_rows: int, num_cols: int,
              name: str = "adjacency") -> None:
    """Check a compressed-row structure: ``rowptr`` an integer ``[num_rows + 1]`` tensor that
    starts at 0, never decreases and ends at ``nnz``; ``col`` an integer ``[nnz]`` tensor
    with entries in ``[0, num_cols)``. A kernel trusts both, so an unchecked out-of-range
    column would read memory outside the features (garbage values or a crash).

    Raises:
        TypeError: not integer tensors.
        ValueError: a wrong shape, a negative size, a malformed ``rowptr`` or a column index
            out of range.
    """
    for part, t in (("row pointers", rowptr), ("column indices", col)):
        if not isinstance(t, Tensor) or t.dtype not in _INDEX_DTYPES:
            raise TypeError(f"{name}: {part} must be an int64 or int32 tensor, got "
                            f"{getattr(t, 'dtype', type(t).__name__)}")
        if t.dim() != 1:
            raise ValueError(f"{name}: {part} must be 1-D, got shape {list(t.shape)}")
    if num_rows < 0 or num_cols < 0:
        raise ValueError(f"{name}: the shape must be non-negative, got ({num_rows}, {num_cols})")
    if rowptr.numel() != num_rows + 1:
        raise ValueError(f"{name}: {num_rows} rows need {num_rows + 1} row pointers, got "
                         f"{rowptr.numel()}")
    nnz = col.numel()
    if int(rowptr[0]) != 0 or int(rowptr[-1]) != nnz:
        raise ValueError(f"{name}: row pointers must run from 0 to the {nnz} entries, got "
                         f"{int(rowptr[0])}..{int(rowptr[-1])}")
    if num_rows and bool((rowptr[1:] < rowptr[:-1]).any()):
        raise ValueError(f"{name}: row pointers must not decrease")
    if nnz:
        lo, hi = int(col.min()), int(col.max())
        if lo < 0 or hi >= num_cols:
            raise ValueError(f"{name} has a column index out of range: found "
                             f"{lo if lo < 0 else hi}, but the matrix has {num_cols} columns "
                             f"(valid 0..{num_cols - 1})")


def check_width(x: Tensor, channels: int, owner: str, name: str = "x") -> None:
    """Check that the last axis of ``x`` has the ``channels`` entries a layer was built for,
    so that a mismatch names the layer and both widths instead of ending in torch's
    "mat1 and mat2 shapes cannot be multiplied".

    Raises:
        TypeError: not a tensor.
        ValueError: the wrong width.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{owner}: {name} must be a torch.Tensor, got {type(x).__name__}")
    width = x.size(-1) if x.dim() else None
    if width != channels:
        raise ValueError(f"{owner}: {name} has {width} features (shape {list(x.shape)}), but "
                         f"the layer was built for in_channels={channels}")


def check_features(x: Tensor, num_nodes: int | None = None, name: str = "x") -> None:
    """Check that ``x`` is a floating ``[N, F]`` tensor with finite entries (no NaN / inf).

    Raises:
        TypeError: not a floating-point tensor.
        ValueError: wrong rank, wrong number of rows, or a non-finite entry.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {x.dtype}")
    if x.dim() != 2:
        raise ValueError(f"{name} must have shape [N, F], got {list(x.shape)}")
    if num_nodes is not None and x.size(0) != num_nodes:
        raise ValueError(f"{name} has {x.size(0)} rows but the graph has {num_nodes} nodes")
    check_finite(x, name)


def check_finite(x: Tensor, name: str = "x") -> None:
    """Check that a floating tensor has no NaN or ±inf entry (integer tensors pass): the one
    rule of every public layer for its input features, node and edge alike.

    Raises:
        ValueError: a non-finite entry, named with its count and first position.
    """
    if not x.is_floating_point() or not x.numel():
        return
    # one reduction first: a finite sum means every entry is finite (NaN and inf propagate)
    if bool(torch.isfinite(x.sum())):
        return
    finite = torch.isfinite(x)
    if not bool(finite.all()):
        bad = (~finite).nonzero()[0].tolist()
        kind = "NaN" if bool(torch.isnan(x).any()) else "inf"
        where = f"row {bad[0]}, column {bad[1]}" if len(bad) == 2 else f"index {bad}"
        raise ValueError(f"{name} contains {kind} values ({int((~finite).sum())} entries, "
                         f"first at {where})")


def check_dense_signal(x: Tensor, channels: int, owner: str, axes: str) -> None:
    """Check a dense activation: a floating tensor of the layout ``axes`` (e.g.
    ``"B, L, D"`` or ``"B, T, N, C"``, one name per axis) whose last axis has ``channels``
    entries, every one finite. Every message starts with ``owner``.

    Raises:
        ValueError: not a floating tensor of that rank, a wrong width, or a NaN / inf entry.
    """
    rank = len(axes.split(","))
    if not isinstance(x, Tensor) or x.dim() != rank or not x.is_floating_point():
        raise ValueError(f"{owner}: x must be a floating tensor [{axes}], got "
                         f"{getattr(x, 'dtype', type(x).__name__)} {list(getattr(x, 'shape', []))}")
    if x.size(-1) != channels:
        raise ValueError(f"{owner}: x has width {x.size(-1)}, the layer expects {channels}")
    check_finite(x, f"{owner}: x")
