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
    # one reduction first: a finite sum means every entry is finite (NaN and inf propagate)
    if x.numel() and bool(torch.isfinite(x.sum())):
        return
    finite = torch.isfinite(x)
    if not bool(finite.all()):
        bad = (~finite).nonzero()[0].tolist()
        kind = "NaN" if bool(torch.isnan(x).any()) else "inf"
        raise ValueError(f"{name} contains {kind} values ({int((~finite).sum())} entries, "
                         f"first at row {bad[0]}, column {bad[1]})")


def check_dense_signal(x: Tensor, channels: int, owner: str, axes: str) -> None:
    """Check a dense activation: a floating tensor of the layout ``axes`` (e.g.
    ``"B, L, D"`` or ``"B, T, N, C"``, one name per axis) whose last axis has ``channels``
    entries, without NaN. Every message starts with ``owner``.

    Raises:
        ValueError: not a floating tensor of that rank, a wrong width, or a NaN entry.
    """
    rank = len(axes.split(","))
    if not isinstance(x, Tensor) or x.dim() != rank or not x.is_floating_point():
        raise ValueError(f"{owner}: x must be a floating tensor [{axes}], got "
                         f"{getattr(x, 'dtype', type(x).__name__)} {list(getattr(x, 'shape', []))}")
    if x.size(-1) != channels:
        raise ValueError(f"{owner}: x has width {x.size(-1)}, the layer expects {channels}")
    if torch.isnan(x).any():
        raise ValueError(f"{owner}: x contains NaN")
