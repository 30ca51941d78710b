r"""Topological concentration (TC), its approximation (ATC) and node-level link quality.

"A Topological Perspective on Demystifying GNN-Based Link Prediction Performance"
(Wang et al., ICLR 2024). For node :math:`i` with neighbours :math:`N_t(i)`:

.. math::
    \mathrm{TC}_i = \frac{1}{|N_t(i)|} \sum_{j \in N_t(i)}
      \frac{\sum_{k_1, k_2 = 1}^{K} \beta^{k_1 + k_2 - 2}\, |H_i^{k_1} \cap H_j^{k_2}|}
           {\sum_{k_1, k_2 = 1}^{K} \beta^{k_1 + k_2 - 2}\, |H_i^{k_1}|}

graphlab's formulation (the paper's code is not mirrored here): :math:`H_i^k` is the
multiset of end points of length-``k`` walks from ``i`` in the *training* graph, with
``i`` and ``j`` themselves left out of both multisets; :math:`\cap` of multisets takes
the element-wise minimum and :math:`|\cdot|` counts with multiplicity. At ``K = 1`` this
is :math:`\frac{1}{d_i} \sum_j |N(i) \cap N(j)| / (d_i - 1)`, the local clustering
coefficient. For validation / test concentration, :math:`N_t(i)` holds the node's
held-out neighbours while the :math:`H` sets stay those of the training graph.

ATC replaces the multiset overlaps by inner products of propagated Gaussian random
vectors, :math:`Z = \sum_{k=1}^K \beta^{k-1} A^k R`, :math:`R \sim \mathcal N(0, 1/d)`:
:math:`\mathrm{ATC}_i = \frac{1}{|N_t(i)|}\sum_j \langle Z'_i, Z'_j \rangle / \lVert
Z'_i \rVert^2`, where :math:`Z'` drops the components along :math:`R_i` and :math:`R_j`
(the sketch of leaving ``i`` and ``j`` out, as TC does); cost :math:`O(K d (|E| + |V|))`.
This is graphlab's formulation of the paper's approximation: unnormalised :math:`A`, so
that inner products estimate the walk-count overlaps TC uses (products where TC takes
minima, which is exact at ``K = 1``).
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from graphlab.construct.link_heuristics import undirected_csr
from graphlab.ops import CSR, check_edge_index, spmm


def _walk_counts(adj: CSR, nodes: Tensor, K: int) -> list[Tensor]:
    """``[A^k e_v for v in nodes]`` as dense ``[len(nodes), N]`` matrices, ``k = 1..K``."""
    start = torch.zeros(adj.num_rows, nodes.numel())
    start[nodes, torch.arange(nodes.numel())] = 1.0
    out, cur = [], start
    for _ in range(K):
        cur = spmm(adj, cur)
        out.append(cur.t().contiguous())
    return out


def topological_concentration(edge_index: Tensor, num_nodes: int, K: int = 1,
                              beta: Optional[float] = None,
                              target_edge_index: Optional[Tensor] = None,
                              batch_size: int = 256) -> Tensor:
    """Exact TC of every node (``[N]``; ``nan`` for nodes without target neighbours).

    Args:
        edge_index: the training graph (treated as undirected).
        num_nodes: ``N``.
        K: hops (default ``1``).
        beta: hop decay (default ``1 / mean degree`` of the training graph).
        target_edge_index: the edges whose end points are averaged over (default: the
            training edges; pass validation / test edges for those variants).
        batch_size: (i, j) pairs per dense block (memory ``O(batch · N · K)``).
    """
    if K < 1:
        raise ValueError(f"K must be at least 1, got {K}")
    check_edge_index(edge_index, num_nodes)
    adj = undirected_csr(edge_index, num_nodes)
    deg = adj.degree().float()
    beta = float(1.0 / deg[deg > 0].mean()) if beta is None else beta
    targets = adj if target_edge_index is None else undirected_csr(target_edge_index, num_nodes)
    src, dst = targets.row(), targets.col
    ratio = torch.empty(src.numel())
    for s in range(0, src.numel(), batch_size):
        i, j = src[s:s + batch_size], dst[s:s + batch_size]
        nodes, inverse = torch.unique(torch.cat([i, j]), return_inverse=True)
        walks = _walk_counts(adj, nodes, K)
        rows = torch.arange(i.numel())
        hi, hj = [], []
        for w in walks:
            a, b = w[inverse[:i.numel()]], w[inverse[i.numel():]]
            for vec in (a, b):  # leave i and j themselves out of both multisets
                vec[rows, i] = 0.0
                vec[rows, j] = 0.0
            hi.append(a)
            hj.append(b)
        num = torch.zeros(i.numel())
        den = torch.zeros(i.numel())
        for k1 in range(K):
            size_i = hi[k1].sum(1)
            for k2 in range(K):
                weight = beta ** (k1 + k2)
                num += weight * torch.minimum(hi[k1], hj[k2]).sum(1)
                den += weight * size_i
        ratio[s:s + i.numel()] = torch.where(den > 0, num / den.clamp(min=1e-12),
                                             torch.zeros_like(num))
    total = torch.zeros(num_nodes).index_add_(0, src, ratio)
    count = targets.degree().float()
    return torch.where(count > 0, total / count.clamp(min=1),
                       torch.full_like(total, float("nan")))


def approximate_topological_concentration(edge_index: Tensor, num_nodes: int, K: int = 1,
                                          dim: int = 1024, beta: Optional[float] = None,
                                          target_edge_index: Optional[Tensor] = None,
                                          seed: int = 0) -> Tensor:
    """ATC of every node (``[N]``; ``nan`` without target neighbours), ``dim`` random
    dimensions; same arguments as :func:`topological_concentration`."""
    if K < 1 or dim < 1:
        raise ValueError(f"K and dim must be at least 1, got K={K}, dim={dim}")
    check_edge_index(edge_index, num_nodes)
    adj = undirected_csr(edge_index, num_nodes)
    deg = adj.degree().float()
    beta = float(1.0 / deg[deg > 0].mean()) if beta is None else beta
    gen = torch.Generator().manual_seed(seed)
    r = torch.randn(num_nodes, dim, generator=gen) / dim ** 0.5
    cur, z = r, torch.zeros(num_nodes, dim)
    for k in range(K):
        cur = spmm(adj, cur)
        z = z + beta ** k * cur
    targets = adj if target_edge_index is None else undirected_csr(target_edge_index, num_nodes)
    i, j = targets.row(), targets.col
    r_i, r_j = r[i], r[j]
    zi = _drop_directions(z[i], r_i, r_j)
    zj = _drop_directions(z[j], r_i, r_j)
    dots = (zi * zj).sum(-1) / (zi * zi).sum(-1).clamp(min=1e-12)
    total = torch.zeros(num_nodes).index_add_(0, i, dots)
    count = targets.degree().float()
    return torch.where(count > 0, total / count.clamp(min=1), torch.full_like(total,
                                                                               float("nan")))


def _drop_directions(z: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """``z`` without its components along the random vectors ``a`` and ``b`` (row-wise):
    the sketch of leaving nodes ``i`` and ``j`` out of the multisets, as exact TC does."""
    for v in (a, b):
        z = z - ((z * v).sum(-1, keepdim=True) / (v * v).sum(-1, keepdim=True)) * v
    return z


def node_link_quality(pos_pairs: Tensor, pos_scores: Tensor, neg_scores: Tensor,
                      num_nodes: int, k: int = 100) -> dict[str, Tensor]:
    """Per-node link-prediction quality from held-out positives scored against shared
    negatives: ``hits`` (percent of the node's positives above the ``k``-th best negative,
    ogb's rule) and ``mrr`` (mean reciprocal rank among the negatives, ties half-way), each
    ``[N]`` with ``nan`` for nodes without held-out edges. Each edge counts for both ends."""
    check_edge_index(pos_pairs, num_nodes, name="pos_pairs")
    if pos_scores.numel() != pos_pairs.size(1):
        raise ValueError(f"pos_scores has {pos_scores.numel()} entries for "
                         f"{pos_pairs.size(1)} pairs")
    if neg_scores.numel() < k:
        raise ValueError(f"need at least k={k} negative scores, got {neg_scores.numel()}")
    threshold = torch.topk(neg_scores, k).values[-1]
    hit = (pos_scores > threshold).float()
    sorted_neg = torch.sort(neg_scores).values
    above = neg_scores.numel() - torch.searchsorted(sorted_neg, pos_scores, right=True)
    ties = torch.searchsorted(sorted_neg, pos_scores, right=True) - torch.searchsorted(
        sorted_neg, pos_scores, right=False)
    rr = 1.0 / (1.0 + above.float() + 0.5 * ties.float())
    ends = torch.cat([pos_pairs[0], pos_pairs[1]]).long()
    count = torch.zeros(num_nodes).index_add_(0, ends, torch.ones(ends.numel()))
    out = {}
    for key, val in (("hits", 100.0 * hit), ("mrr", rr)):
        total = torch.zeros(num_nodes).index_add_(0, ends, torch.cat([val, val]))
        out[key] = torch.where(count > 0, total / count.clamp(min=1),
                               torch.full_like(total, float("nan")))
    return out
