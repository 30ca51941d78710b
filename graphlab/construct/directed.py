"""Directed-pattern operators (ADPA) and an AMUD-style "directed or undirected?" test.

Matrix convention: ``A[u, v] = 1`` for an edge ``u → v`` (PyG ``edge_index[:, e] = (u, v)``),
so ``(A X)[u]`` sums over the *successors* of ``u`` and ``(Aᵀ X)[u]`` over its predecessors.
An operator is returned as a :class:`graphlab.ops.CSR` holding the matrix ``M`` (row ``i``
lists the columns ``j`` with ``M[i, j] ≠ 0``, weights in ``csr.weight``), so
``graphlab.ops.spmm(op, x)`` computes ``M x``.

The six patterns of ADPA (Sun et al., "Breaking the Entanglement of Homophily and
Heterophily in Semi-supervised Node Classification", ICDE 2024): ``A``, ``At`` (= Aᵀ),
``AA``, ``AAt`` (= AAᵀ, co-citation: both point to a common node), ``AtA`` (= AᵀA,
co-reference: both pointed to by a common node), ``AtAt``. Following ADPA, the two-hop
products are formed from ``A`` *before* self-loops are added and keep their path counts
as weights; ``A`` and ``At`` get self-loops. Each operator is normalised as
``M̂ = D^(r−1) M D^(−r)`` with ``D`` its row sums; ``r = 0.5`` is the symmetric
normalisation ``D^(−1/2) M D^(−1/2)``, ``r = 0`` the random walk ``D^(−1) M``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional, Sequence

import torch
from torch import Tensor

from graphlab.construct.heterophily import check_labels
from graphlab.ops import CSR, check_edge_index, sparse_coo, spgemm, spmm

PATTERNS = ("A", "At", "AA", "AAt", "AtA", "AtAt")
_PRODUCTS = {"AA": (False, False), "AAt": (False, True), "AtA": (True, False),
             "AtAt": (True, True)}


def _adjacency(edge_index: Tensor, num_nodes: int) -> Tensor:
    """Binary, loop-free, coalesced ``A`` as a float64 sparse COO matrix."""
    src, dst = edge_index[0].long(), edge_index[1].long()
    keep = src != dst
    key = torch.unique(src[keep] * num_nodes + dst[keep])
    idx = torch.stack([key // num_nodes, key % num_nodes])
    return sparse_coo(idx, torch.ones(key.numel(), dtype=torch.float64), (num_nodes, num_nodes))


def _normalise(index: Tensor, value: Tensor, num_nodes: int, r: float) -> Tensor:
    deg = torch.zeros(num_nodes, dtype=value.dtype).index_add_(0, index[0], value)
    safe = deg.clamp(min=1e-300)
    left = torch.where(deg > 0, safe.pow(r - 1.0), torch.zeros_like(deg))
    right = torch.where(deg > 0, safe.pow(-r), torch.zeros_like(deg))
    return left[index[0]] * value * right[index[1]]


def directed_operator(edge_index: Tensor, num_nodes: int, pattern: str, r: float = 0.5,
                      self_loops: bool = True, normalise: bool = True,
                      dtype: torch.dtype = torch.float32) -> CSR:
    """One directed-pattern operator ``M̂`` as a weighted :class:`~graphlab.ops.CSR`.

    Args:
        edge_index: ``[2, E]`` directed edges ``u → v``; duplicates and self-loops are
            dropped before anything else.
        num_nodes: ``N``.
        pattern: one of :data:`PATTERNS`.
        r: normalisation exponent of ``D^(r−1) M D^(−r)`` (ADPA uses ≈ 0.43).
        self_loops: add ``I`` to ``A`` and ``At`` (not to the two-hop products).
        normalise: ``False`` returns the raw ``M`` (for tests and inspection).
        dtype: dtype of the weights.

    Raises:
        ValueError: unknown pattern or malformed ``edge_index``.
    """
    if pattern not in PATTERNS:
        raise ValueError(f"unknown pattern '{pattern}'; choose one of {PATTERNS}")
    check_edge_index(edge_index, num_nodes)
    adj = _adjacency(edge_index, num_nodes)
    if pattern in ("A", "At"):
        mat = adj if pattern == "A" else adj.t().coalesce()
        if self_loops:
            loops = torch.arange(num_nodes)
            eye = sparse_coo(torch.stack([loops, loops]),
                             torch.ones(num_nodes, dtype=torch.float64), (num_nodes, num_nodes))
            mat = (mat + eye).coalesce()
    else:
        left_t, right_t = _PRODUCTS[pattern]
        left = adj.t().coalesce() if left_t else adj
        right = adj.t().coalesce() if right_t else adj
        mat = spgemm(left, right)
    index, value = mat.indices(), mat.values()
    if normalise:
        value = _normalise(index, value, num_nodes, r)
    # CSR rows are destinations of edge_index: row i of M aggregates from columns j
    return CSR.from_edge_index(torch.stack([index[1], index[0]]), num_nodes,
                               edge_weight=value.to(dtype))


def directed_operators(edge_index: Tensor, num_nodes: int,
                       patterns: Sequence[str] = PATTERNS, r: float = 0.5,
                       self_loops: bool = True,
                       dtype: torch.dtype = torch.float32) -> dict[str, CSR]:
    """:func:`directed_operator` for several patterns: ``{pattern: CSR}``."""
    return {p: directed_operator(edge_index, num_nodes, p, r, self_loops, dtype=dtype)
            for p in patterns}


def propagate(op: CSR, x: Tensor) -> Tensor:
    """``M̂ x`` through :func:`graphlab.ops.spmm` (the CSR carries the weights)."""
    return spmm(op, x, "sum")


# ---------------------------------------------------------------------------- AMUD-style test
@dataclass
class AMUDResult:
    """Outcome of :func:`amud_test`.

    Attributes:
        decision: ``'directed'`` or ``'undirected'``.
        statistic: ``max(one_hop, two_hop)``.
        one_hop, two_hop: the normalised conditional mutual informations (see
            :func:`amud_test`).
        p_value: permutation p-value of ``statistic`` under random edge directions.
        threshold, alpha: the decision rule's parameters.
        num_pairs: labelled one-hop samples used.
    """

    decision: str
    statistic: float
    one_hop: float
    two_hop: float
    p_value: float
    threshold: float
    alpha: float
    num_pairs: int
    null: list[float] = field(default_factory=list, repr=False)


def _cmi_ratio(counts: Tensor) -> float:
    """``I(Y_c; T | Y_n) / H(Y_c)`` from counts ``[T, C_c, C_n]``."""
    total = counts.sum()
    if total <= 0:
        return 0.0
    p = counts / total

    def ent(q: Tensor) -> float:
        q = q[q > 0]
        return float(-(q * q.log()).sum())

    h_c = ent(p.sum((0, 2)))
    if h_c <= 0:
        return 0.0
    # I(Yc; T | Yn) = H(Yc, Yn) + H(T, Yn) - H(Yn) - H(T, Yc, Yn)
    cmi = ent(p.sum(0).flatten()) + ent(p.sum(1).flatten()) - ent(p.sum((0, 1))) \
        - ent(p.flatten())
    return max(cmi, 0.0) / h_c


def _pattern_counts(src: Tensor, dst: Tensor, onehot: Tensor, num_nodes: int) -> tuple[Tensor,
                                                                                         Tensor]:
    """Counts ``[T, C, C]`` of (tag, y_centre, y_far) for one-hop (T = out / in) and
    two-hop (T = AA, AAt, AtA, AtAt) walks between labelled nodes, closed walks removed."""
    a = CSR.from_edge_index(torch.stack([dst, src]), num_nodes)   # row u lists successors
    at = a.t()                                                     # row u lists predecessors
    a_y, at_y = spmm(a, onehot), spmm(at, onehot)                  # [N, C]: label counts
    one = torch.stack([onehot.t() @ a_y, onehot.t() @ at_y])
    recip = torch.zeros(num_nodes, dtype=onehot.dtype)
    if src.numel():
        key = src * num_nodes + dst
        back = torch.isin(dst * num_nodes + src, key)
        recip.index_add_(0, src[back], torch.ones(int(back.sum()), dtype=onehot.dtype))
    out_deg = torch.bincount(src, minlength=num_nodes).to(onehot.dtype)
    in_deg = torch.bincount(dst, minlength=num_nodes).to(onehot.dtype)
    two = []
    # centre u, far node w: AA = u→v→w, AAt = u→v←w, AtA = u←v→w, AtAt = u←v←w
    for first, second_y, closed in ((a, a_y, recip), (a, at_y, out_deg), (at, a_y, in_deg),
                                    (at, at_y, recip)):
        counts = onehot.t() @ spmm(first, second_y)
        # walks u→v→u etc. are not pairs of distinct nodes; remove them (same label)
        counts = counts - torch.diag(onehot.t() @ closed)
        two.append(counts)
    return one, torch.stack(two)


def amud_test(edge_index: Tensor, y: Tensor, mask: Optional[Tensor] = None,
              num_permutations: int = 200, threshold: float = 0.005, alpha: float = 0.05,
              seed: int = 0) -> AMUDResult:
    """Decide whether to model a digraph as directed or undirected from labels and topology.

    This is **graphlab's formulation** of an AMUD-style test; the ADPA paper's exact
    statistic is not available in code. The question it asks: *does an edge's direction
    tell us more about a node's label than the undirected edge already does?*

    Only nodes in ``mask`` (the training nodes) are used: the graph is restricted to edges
    between them. Every directed edge ``u → v`` yields two samples, ``(y_u, out, y_v)`` and
    ``(y_v, in, y_u)``, and every two-step walk ``u – v – w`` (``u ≠ w``) one sample
    ``(y_u, pattern, y_w)`` tagged with its pattern (AA, AAᵀ, AᵀA, AᵀAᵀ). The statistic per
    order is the conditional mutual information between the centre's label and the tag
    given the far node's label, normalised by the centre-label entropy:

    .. math::
        \\Delta = I(y_c;\\, T \\mid y_n) / H(y_c)
                = [I(y_c;\\, (y_n, T)) - I(y_c;\\, y_n)] / H(y_c),

    i.e. the fraction of label entropy that knowing the direction explains beyond the
    undirected view. ``statistic = max(Δ_1hop, Δ_2hop)``. Under the null hypothesis that
    directions carry no label information, flipping each non-reciprocal edge with
    probability 1/2 leaves the distribution unchanged; the p-value is the share of
    ``num_permutations`` such flips whose statistic reaches the observed one. The decision
    is ``'directed'`` when ``p < alpha`` *and* ``statistic ≥ threshold`` (significance alone
    is reached by negligible effects on large graphs), else ``'undirected'``.

    Args:
        edge_index: ``[2, E]`` directed edges.
        y: labels ``[N]`` (non-negative).
        mask: ``[N]`` bool, the nodes whose labels may be used (default: all).
        num_permutations: direction flips for the p-value.
        threshold: minimum effect size for ``'directed'``.
        alpha: significance level.
        seed: seed of the flips.

    Raises:
        ValueError: bad labels or edges, or no edge between masked nodes.
    """
    num_nodes = y.size(0) if isinstance(y, Tensor) else -1
    y = check_labels(y, num_nodes)
    check_edge_index(edge_index, num_nodes)
    if mask is None:
        mask = torch.ones(num_nodes, dtype=torch.bool)
    if mask.dtype != torch.bool or mask.numel() != num_nodes:
        raise ValueError(f"mask must be a bool tensor [N] = [{num_nodes}], got {mask.dtype} "
                         f"{list(mask.shape)}")
    src, dst = edge_index[0].long(), edge_index[1].long()
    keep = mask[src] & mask[dst] & (src != dst)
    key = torch.unique(src[keep] * num_nodes + dst[keep])
    src, dst = key // num_nodes, key % num_nodes
    if src.numel() == 0:
        raise ValueError("no edge joins two masked (training) nodes; the AMUD test needs "
                         "labelled edges")
    onehot = torch.zeros(num_nodes, int(y.max()) + 1, dtype=torch.float64)
    onehot[mask, y[mask]] = 1.0

    def statistic(s: Tensor, d: Tensor) -> tuple[float, float]:
        one, two = _pattern_counts(s, d, onehot, num_nodes)
        return _cmi_ratio(one), _cmi_ratio(two.clamp(min=0))

    one_hop, two_hop = statistic(src, dst)
    observed = max(one_hop, two_hop)
    reciprocal = torch.isin(dst * num_nodes + src, key)
    gen = torch.Generator().manual_seed(seed)
    null = []
    for _ in range(num_permutations):
        flip = (torch.rand(src.numel(), generator=gen) < 0.5) & ~reciprocal
        s = torch.where(flip, dst, src)
        d = torch.where(flip, src, dst)
        null.append(max(statistic(s, d)))
    exceed = sum(v >= observed - 1e-12 for v in null)
    p_value = (1 + exceed) / (1 + num_permutations)
    directed = p_value < alpha and observed >= threshold
    if math.isnan(observed):
        directed = False
    return AMUDResult("directed" if directed else "undirected", observed, one_hop, two_hop,
                      p_value, threshold, alpha, int(2 * src.numel()), null)
