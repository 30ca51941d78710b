r"""Sorted-key set intersection for common neighbours (what NCN / NCNC aggregate over).

For query pairs :math:`(i, j)` the neighbour lists of ``i`` and ``j`` are gathered from
the CSR rows (columns ascend within a row), every entry is encoded as the 64-bit key
``pair << 32 | node``, and the two sorted key lists are intersected with
``searchsorted``: :math:`O(B \bar d \log(B \bar d))` per batch of ``B`` pairs, never an
``N × N`` product. The result is itself a :class:`CSR` with one row per pair and one
column per node, so :func:`cn_aggregate` is one fused :func:`spmm`.

Neighbours are the entries of a CSR row (in-neighbours for a directed graph; for an
undirected graph stored with both directions, the neighbours). Duplicate entries of
a row count once.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from graphlab.ops.checks import check_edge_index
from graphlab.ops.csr import CSR
from graphlab.ops.spmm import spmm

_SHIFT = 32


def _row_keys(adj: CSR, nodes: Tensor) -> Tensor:
    """Sorted, de-duplicated keys ``p << 32 | u`` for every neighbour ``u`` of ``nodes[p]``."""
    start = adj.rowptr[nodes]
    count = adj.rowptr[nodes + 1] - start
    total = int(count.sum())
    owner = torch.repeat_interleave(torch.arange(nodes.numel(), device=nodes.device), count,
                                    output_size=total)
    first = torch.cumsum(count, 0) - count
    pos = start.index_select(0, owner) + torch.arange(total, device=nodes.device) \
        - first.index_select(0, owner)
    keys = (owner << _SHIFT) | adj.col.index_select(0, pos)
    return torch.unique_consecutive(keys)


def _member(keys: Tensor, sorted_keys: Tensor) -> Tensor:
    """Boolean mask: which of ``keys`` occur in ``sorted_keys``."""
    if sorted_keys.numel() == 0:
        return torch.zeros_like(keys, dtype=torch.bool)
    at = torch.searchsorted(sorted_keys, keys).clamp(max=sorted_keys.numel() - 1)
    return sorted_keys.index_select(0, at) == keys


def _keys_to_csr(keys: Tensor, num_pairs: int, num_nodes: int) -> CSR:
    pair, node = keys >> _SHIFT, keys & ((1 << _SHIFT) - 1)
    rowptr = torch.zeros(num_pairs + 1, dtype=torch.long, device=keys.device)
    torch.cumsum(torch.bincount(pair, minlength=num_pairs), 0, out=rowptr[1:])
    return CSR(rowptr, node, torch.arange(node.numel(), device=keys.device), num_pairs, num_nodes,
               check=False)


def common_neighbors(adj: CSR, pairs: Tensor, return_diff: bool = False):
    """Common neighbours of each query pair, as a ``[P, N]`` :class:`CSR` (row ``p`` lists
    :math:`N(i_p) \\cap N(j_p)` in ascending order).

    Args:
        adj: the graph as a :class:`CSR` (square).
        pairs: ``[2, P]`` integer query pairs.
        return_diff: also return :math:`N(i) \\setminus N(j)` and :math:`N(j) \\setminus N(i)`
            as two more ``[P, N]`` CSRs.

    Raises:
        ValueError / TypeError: malformed ``pairs``, an empty batch, or a non-square ``adj``.
    """
    if not isinstance(adj, CSR):
        raise TypeError("common_neighbors needs a CSR (graphlab.ops.CSR.from_edge_index)")
    if adj.num_rows != adj.num_cols:
        raise ValueError(f"common_neighbors needs a square adjacency, got {adj.num_rows} × "
                         f"{adj.num_cols}")
    check_edge_index(pairs, adj.num_rows, name="pairs")
    if pairs.size(1) == 0:
        raise ValueError("pairs is an empty batch ([2, 0]); pass at least one pair")
    if adj.num_rows >= 1 << _SHIFT or pairs.size(1) >= 1 << (63 - _SHIFT):
        raise ValueError("common_neighbors supports < 2^32 nodes and < 2^31 pairs per batch")
    pairs = pairs.long()
    left = _row_keys(adj, pairs[0])
    right = _row_keys(adj, pairs[1])
    in_right = _member(left, right)
    P = pairs.size(1)
    common = _keys_to_csr(left[in_right], P, adj.num_cols)
    if not return_diff:
        return common
    only_i = _keys_to_csr(left[~in_right], P, adj.num_cols)
    only_j = _keys_to_csr(right[~_member(right, left)], P, adj.num_cols)
    return common, only_i, only_j


def cn_aggregate(adj: CSR, pairs: Tensor, h: Tensor, backend: Optional[str] = None) -> Tensor:
    r"""``out[p] = Σ_{u ∈ N(i_p) ∩ N(j_p)} h[u]`` (``[P, F]``), differentiable in ``h``."""
    return spmm(common_neighbors(adj, pairs), h, "sum", backend=backend)
