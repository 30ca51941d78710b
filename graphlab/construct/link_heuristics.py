r"""Classic link-prediction heuristics: common neighbours, Adamic–Adar, resource allocation.

Scores are computed on a given (training) adjacency for query pairs ``(i, j)``:

.. math::
    \mathrm{CN}(i,j) = |N(i) \cap N(j)|, \quad
    \mathrm{AA}(i,j) = \sum_{u \in N(i) \cap N(j)} \frac{1}{\log d_u}, \quad
    \mathrm{RA}(i,j) = \sum_{u \in N(i) \cap N(j)} \frac{1}{d_u}.

``edge_index`` is treated as undirected (both directions are added, duplicates
merged). Cost: one sparse row gather per side and a sparse element-wise product,
``O(P · d̄)``, never an ``N × N`` product.
"""
from __future__ import annotations

import torch
from torch import Tensor

from graphlab.ops import check_edge_index

HEURISTICS = ("cn", "aa", "ra")


def _undirected_csr(edge_index: Tensor, num_nodes: int) -> tuple[Tensor, Tensor]:
    """``(rowptr, col)`` of the symmetrised, de-duplicated adjacency without self-loops."""
    row, col = edge_index.long()
    key = torch.cat([row * num_nodes + col, col * num_nodes + row])
    key = torch.unique(key[torch.cat([row != col, row != col])])
    row, col = key // num_nodes, key % num_nodes
    rowptr = torch.zeros(num_nodes + 1, dtype=torch.long)
    rowptr[1:] = torch.cumsum(torch.bincount(row, minlength=num_nodes), 0)
    return rowptr, col


def _gather_rows(rowptr: Tensor, col: Tensor, nodes: Tensor) -> tuple[Tensor, Tensor]:
    """For each query position p, the neighbours of ``nodes[p]``: ``(p_of_entry, neighbour)``."""
    start, count = rowptr[nodes], rowptr[nodes + 1] - rowptr[nodes]
    owner = torch.repeat_interleave(torch.arange(nodes.numel()), count)
    offset = torch.arange(owner.numel()) - torch.repeat_interleave(
        torch.cumsum(count, 0) - count, count)
    return owner, col[start[owner] + offset]


def link_heuristic(edge_index: Tensor, pairs: Tensor, num_nodes: int, kind: str = "cn") -> Tensor:
    """Score ``pairs`` (``[2, P]``) with heuristic ``kind`` in ``{'cn', 'aa', 'ra'}``.

    Returns a float tensor of shape ``[P]``.
    """
    if kind not in HEURISTICS:
        raise ValueError(f"unknown heuristic '{kind}'; choose one of {HEURISTICS}")
    check_edge_index(edge_index, num_nodes)
    check_edge_index(pairs, num_nodes, name="pairs")
    rowptr, col = _undirected_csr(edge_index, num_nodes)
    deg = (rowptr[1:] - rowptr[:-1]).float()
    if kind == "cn":
        weight = torch.ones(num_nodes)
    elif kind == "aa":
        # a common neighbour has degree >= 2, so log(deg) > 0 wherever it is used
        weight = 1.0 / torch.log(deg.clamp(min=2.0))
    else:
        weight = 1.0 / deg.clamp(min=1.0)
    # intersect the neighbour lists of i and j as keys (query position, neighbour)
    p_left, u_left = _gather_rows(rowptr, col, pairs[0].long())
    p_right, u_right = _gather_rows(rowptr, col, pairs[1].long())
    left_key = p_left * num_nodes + u_left
    hit = torch.isin(left_key, p_right * num_nodes + u_right)
    out = torch.zeros(pairs.size(1))
    return out.index_add_(0, p_left[hit], weight[u_left[hit]])
