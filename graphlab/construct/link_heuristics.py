r"""Classic link-prediction heuristics: common neighbours, Adamic–Adar, resource allocation.

Scores are computed on a given (training) adjacency for query pairs ``(i, j)``:

.. math::
    \mathrm{CN}(i,j) = |N(i) \cap N(j)|, \quad
    \mathrm{AA}(i,j) = \sum_{u \in N(i) \cap N(j)} \frac{1}{\log d_u}, \quad
    \mathrm{RA}(i,j) = \sum_{u \in N(i) \cap N(j)} \frac{1}{d_u}.

``edge_index`` is treated as undirected (both directions are added, duplicates
merged, self-loops dropped). The common neighbours come from
:func:`graphlab.ops.common_neighbors` (sorted-key intersection, never an ``N × N``
product) and the weighted count is one :func:`graphlab.ops.spmm`.
"""
from __future__ import annotations

import torch
from torch import Tensor

from graphlab.ops import CSR, check_edge_index, common_neighbors, spmm

HEURISTICS = ("cn", "aa", "ra")


def undirected_csr(edge_index: Tensor, num_nodes: int) -> CSR:
    """The symmetrised, de-duplicated adjacency without self-loops, as a :class:`CSR`."""
    check_edge_index(edge_index, num_nodes)
    row, col = edge_index.long()
    keep = row != col
    key = torch.cat([row[keep] * num_nodes + col[keep], col[keep] * num_nodes + row[keep]])
    key = torch.unique(key)
    return CSR.from_edge_index(torch.stack([key // num_nodes, key % num_nodes]), num_nodes)


def link_heuristic(edge_index: Tensor, pairs: Tensor, num_nodes: int, kind: str = "cn") -> Tensor:
    """Score ``pairs`` (``[2, P]``) with heuristic ``kind`` in ``{'cn', 'aa', 'ra'}``.

    Returns a float tensor of shape ``[P]``.
    """
    if kind not in HEURISTICS:
        raise ValueError(f"unknown heuristic '{kind}'; choose one of {HEURISTICS}")
    check_edge_index(edge_index, num_nodes)
    check_edge_index(pairs, num_nodes, name="pairs")
    if pairs.size(1) == 0:
        return torch.zeros(0)
    adj = undirected_csr(edge_index, num_nodes)
    deg = adj.degree().float()
    if kind == "cn":
        weight = torch.ones(num_nodes)
    elif kind == "aa":
        # a common neighbour has degree >= 2, so log(deg) > 0 wherever it is used
        weight = 1.0 / torch.log(deg.clamp(min=2.0))
    else:
        weight = 1.0 / deg.clamp(min=1.0)
    return spmm(common_neighbors(adj, pairs), weight.view(-1, 1)).view(-1)
