"""Homophily and heterophily measures, directed and 2-hop variants, and one report table.

Every measure here is computed from *neighbour pairs* ``(c, n)``: ``c`` is the node whose
neighbourhood is measured (the "centre") and ``n`` one of its neighbours. Which pairs a
graph yields is set by two arguments shared by every function:

* ``direction`` — ``'undirected'`` (the symmetrised graph: both ``u→v`` and ``v→u`` give
  a pair each way), ``'out'`` (the neighbours of ``c`` are its successors, ``c→n``) or
  ``'in'`` (its predecessors, ``n→c``; PyG's convention, where messages flow to the target).
* ``hops`` — ``1`` (neighbours) or ``2`` (nodes reachable by a walk of exactly two steps
  in that direction, ``c`` itself excluded).

Pairs are de-duplicated and self-loops are dropped, so multi-edges and self-loops never
change a measure. Labels must be non-negative integers; pass ``unlabelled='ignore'`` to
drop every pair touching a node labelled ``-1`` (for partially labelled graphs).

Measures (all return Python floats except :func:`node_homophily_vector`):

* :func:`edge_homophily` — fraction of pairs with equal labels (Zhu et al., NeurIPS 2020).
* :func:`node_homophily` — mean over nodes of the per-node fraction (Pei et al., ICLR
  2020); :func:`node_homophily_vector` returns the per-node values (``nan`` where a node
  has no neighbour in the chosen direction). Unlike PyG's ``method='node'``, nodes without
  neighbours are left out of the mean instead of counting as 0.
* :func:`class_insensitive_homophily` — Lim et al. (NeurIPS 2021); ``C`` is the number of
  classes that occur, so a label id with no node does not shrink the value.
* :func:`adjusted_homophily` — Platonov et al. (NeurIPS 2023): edge homophily corrected
  for the agreement expected from the class-degree distribution,
  ``(h − Σ_k p_c(k) p_n(k)) / (1 − Σ_k p_c(k) p_n(k))`` with ``p_c``/``p_n`` the label
  distributions of pair centres / neighbours (``D_k / 2|E|`` each when undirected).
* :func:`label_informativeness` — Platonov et al. (NeurIPS 2023): ``I(y_c; y_n) / H(y_c)``,
  how much of a node's label entropy one neighbour's label removes. For undirected graphs
  this is the paper's ``LI``; for a direction it is graphlab's natural extension.

:func:`homophily_report` computes all of them for several variants at once and
:func:`format_homophily_table` lays reports of several datasets out as a markdown table.
"""
from __future__ import annotations

import math
from typing import Iterable, Mapping, Optional, Sequence

import torch
from torch import Tensor

from graphlab.ops import check_edge_index, sparse_coo, spgemm

DIRECTIONS = ("undirected", "out", "in")
MEASURES = ("edge", "node", "class_insensitive", "adjusted", "label_informativeness")
#: (direction, hops) pairs of :func:`homophily_report`, named as its keys.
VARIANTS = {"undirected": ("undirected", 1), "out": ("out", 1), "in": ("in", 1),
            "undirected_2hop": ("undirected", 2), "out_2hop": ("out", 2),
            "in_2hop": ("in", 2)}


class NoNeighbourPairsError(ValueError):
    """The graph has no neighbour pairs between labelled nodes in the requested variant."""


class UndefinedMeasureError(ValueError):
    """A measure that is undefined on this graph (a single label class)."""


# ---------------------------------------------------------------------------- pairs
def check_labels(y: Tensor, num_nodes: int, unlabelled: str = "error") -> Tensor:
    """Validate node labels ``[N]`` (or ``[N, 1]``); returns them as int64 ``[N]``.

    Raises:
        ValueError: wrong shape, or negative labels while ``unlabelled='error'``.
        TypeError: floating-point labels.
    """
    if unlabelled not in ("error", "ignore"):
        raise ValueError(f"unlabelled must be 'error' or 'ignore', got '{unlabelled}'")
    if not isinstance(y, Tensor):
        raise TypeError(f"labels must be a torch.Tensor, got {type(y).__name__}")
    if y.dim() == 2 and y.size(1) == 1:
        y = y.view(-1)
    if y.dim() != 1 or y.numel() != num_nodes:
        raise ValueError(f"labels must have shape [N] = [{num_nodes}], got {list(y.shape)}")
    if y.is_floating_point() or y.dtype == torch.bool:
        raise TypeError(f"labels must be an integer tensor, got {y.dtype}")
    y = y.long()
    negative = int((y < 0).sum())
    if negative and unlabelled == "error":
        raise ValueError(f"{negative} node(s) have a negative label (e.g. -1 for 'unlabelled'); "
                         "pass unlabelled='ignore' to leave them out of every pair")
    return y


def _unique_pairs(centre: Tensor, neigh: Tensor, num_nodes: int) -> tuple[Tensor, Tensor]:
    keep = centre != neigh
    key = torch.unique(centre[keep] * num_nodes + neigh[keep])
    return key // num_nodes, key % num_nodes


def _two_hop(centre: Tensor, neigh: Tensor, num_nodes: int) -> tuple[Tensor, Tensor]:
    """Pairs (c, w) with a walk c → n → w in the pair graph, c ≠ w, de-duplicated."""
    if centre.numel() == 0:
        return centre, neigh
    adj = sparse_coo(torch.stack([centre, neigh]), torch.ones(centre.numel()),
                     (num_nodes, num_nodes))
    two = spgemm(adj, adj).indices()
    return _unique_pairs(two[0], two[1], num_nodes)


def neighbour_pairs(edge_index: Tensor, num_nodes: int, direction: str = "undirected",
                    hops: int = 1) -> tuple[Tensor, Tensor]:
    """The de-duplicated, loop-free ``(centre, neighbour)`` pairs of a graph.

    Args:
        edge_index: ``[2, E]`` directed edges ``source → target``.
        num_nodes: ``N``.
        direction: ``'undirected'``, ``'out'`` or ``'in'`` (see the module docstring).
        hops: ``1`` or ``2``.

    Returns:
        ``(centre, neighbour)``, two int64 tensors of equal length, sorted by centre.

    Raises:
        ValueError: malformed ``edge_index``, unknown ``direction`` or ``hops``.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction '{direction}'; choose one of {DIRECTIONS}")
    if hops not in (1, 2):
        raise ValueError(f"hops must be 1 or 2, got {hops}")
    check_edge_index(edge_index, num_nodes)
    src, dst = edge_index[0].long(), edge_index[1].long()
    if direction == "out":
        centre, neigh = src, dst
    elif direction == "in":
        centre, neigh = dst, src
    else:
        centre, neigh = torch.cat([src, dst]), torch.cat([dst, src])
    centre, neigh = _unique_pairs(centre, neigh, num_nodes)
    if hops == 2:
        centre, neigh = _two_hop(centre, neigh, num_nodes)
    return centre, neigh


def _labelled_pairs(edge_index: Tensor, y: Tensor, direction: str, hops: int,
                    unlabelled: str) -> tuple[Tensor, Tensor, Tensor]:
    """(centre, neighbour, labels) with unlabelled pairs removed; raises on no pairs."""
    y = check_labels(y, y.size(0) if isinstance(y, Tensor) else -1, unlabelled)
    if (isinstance(edge_index, Tensor) and edge_index.dim() == 2 and edge_index.numel()
            and not edge_index.is_floating_point() and int(edge_index.max()) >= y.numel()):
        raise ValueError(f"edge_index refers to node {int(edge_index.max())} but the labels "
                         f"have shape {list(y.shape)}: one label per node is needed")
    centre, neigh = neighbour_pairs(edge_index, y.size(0), direction, hops)
    keep = (y[centre] >= 0) & (y[neigh] >= 0)
    centre, neigh = centre[keep], neigh[keep]
    if centre.numel() == 0:
        raise NoNeighbourPairsError(
            f"the graph has no {hops}-hop '{direction}' neighbour pairs between labelled "
            "nodes (self-loops do not count); homophily is undefined")
    return centre, neigh, y


# ---------------------------------------------------------------------------- measures
def edge_homophily(edge_index: Tensor, y: Tensor, direction: str = "undirected", hops: int = 1,
                   unlabelled: str = "error") -> float:
    """Fraction of neighbour pairs whose labels agree."""
    return _edge(*_labelled_pairs(edge_index, y, direction, hops, unlabelled))


def _edge(c: Tensor, n: Tensor, y: Tensor) -> float:
    return float((y[c] == y[n]).double().mean())


def node_homophily_vector(edge_index: Tensor, y: Tensor, direction: str = "undirected",
                          hops: int = 1, unlabelled: str = "error") -> Tensor:
    """Per-node homophily ``h_v = |{n ∈ N(v) : y_n = y_v}| / |N(v)|``, float64 ``[N]``;
    ``nan`` for nodes with no (labelled) neighbour and for unlabelled nodes."""
    return _node_vector(*_labelled_pairs(edge_index, y, direction, hops, unlabelled))


def _node_vector(c: Tensor, n: Tensor, y: Tensor) -> Tensor:
    num_nodes = y.size(0)
    same = torch.zeros(num_nodes, dtype=torch.float64).index_add_(
        0, c, (y[c] == y[n]).double())
    count = torch.bincount(c, minlength=num_nodes).double()
    return torch.where(count > 0, same / count.clamp(min=1), torch.full_like(same, math.nan))


def node_homophily(edge_index: Tensor, y: Tensor, direction: str = "undirected", hops: int = 1,
                   unlabelled: str = "error") -> float:
    """Mean of :func:`node_homophily_vector` over the nodes that have a neighbour."""
    return _node(*_labelled_pairs(edge_index, y, direction, hops, unlabelled))


def _node(c: Tensor, n: Tensor, y: Tensor) -> float:
    h = _node_vector(c, n, y)
    return float(h[~torch.isnan(h)].mean())


def _joint(c: Tensor, n: Tensor, y: Tensor) -> tuple[Tensor, int]:
    """Joint label distribution ``P[k_c, k_n]`` over pairs, float64, and the class count."""
    num_classes = int(y.max()) + 1
    counts = torch.bincount(y[c] * num_classes + y[n], minlength=num_classes ** 2)
    return counts.double().view(num_classes, num_classes) / c.numel(), num_classes


def class_insensitive_homophily(edge_index: Tensor, y: Tensor, direction: str = "undirected",
                                hops: int = 1, unlabelled: str = "error") -> float:
    """``1/(C−1) Σ_k max(0, h_k − |C_k|/N)`` with ``h_k`` the fraction of same-label pairs
    among pairs centred on class ``k`` and ``C`` the number of classes present.

    Raises:
        UndefinedMeasureError: only one class occurs (the measure divides by ``C − 1``).
    """
    return _class_insensitive(*_labelled_pairs(edge_index, y, direction, hops, unlabelled))


def _class_insensitive(c: Tensor, n: Tensor, y: Tensor) -> float:
    joint, num_classes = _joint(c, n, y)
    labelled = y[y >= 0]
    present = torch.bincount(labelled, minlength=num_classes) > 0
    if int(present.sum()) < 2:
        raise UndefinedMeasureError("class-insensitive homophily is undefined for a graph with "
                                    "a single label class (it divides by C - 1 = 0)")
    centre_mass = joint.sum(1)
    h = torch.where(centre_mass > 0, joint.diagonal() / centre_mass.clamp(min=1e-300),
                    torch.zeros_like(centre_mass))
    proportion = torch.bincount(labelled, minlength=num_classes).double() / labelled.numel()
    gap = (h - proportion).clamp(min=0)[present]
    return float(gap.sum() / (int(present.sum()) - 1))


def adjusted_homophily(edge_index: Tensor, y: Tensor, direction: str = "undirected",
                       hops: int = 1, unlabelled: str = "error") -> float:
    """Edge homophily adjusted for chance agreement (Platonov et al., 2023).

    Raises:
        UndefinedMeasureError: the chance agreement is 1 (a single class among the pairs).
    """
    return _adjusted(*_labelled_pairs(edge_index, y, direction, hops, unlabelled))


def _adjusted(c: Tensor, n: Tensor, y: Tensor) -> float:
    joint, _ = _joint(c, n, y)
    chance = float((joint.sum(1) * joint.sum(0)).sum())
    if chance >= 1.0 - 1e-12:
        raise UndefinedMeasureError("adjusted homophily is undefined when all neighbour pairs "
                                    "share a single label class (chance agreement 1)")
    return (float(joint.diagonal().sum()) - chance) / (1.0 - chance)


def _entropy(p: Tensor) -> float:
    p = p[p > 0]
    return float(-(p * p.log()).sum())


def label_informativeness(edge_index: Tensor, y: Tensor, direction: str = "undirected",
                          hops: int = 1, unlabelled: str = "error") -> float:
    """``I(y_c; y_n) / H(y_c)`` over neighbour pairs (Platonov et al., 2023).

    Raises:
        UndefinedMeasureError: the centres' labels have zero entropy (a single class).
    """
    return _label_informativeness(*_labelled_pairs(edge_index, y, direction, hops, unlabelled))


def _label_informativeness(c: Tensor, n: Tensor, y: Tensor) -> float:
    joint, _ = _joint(c, n, y)
    h_c, h_n, h_cn = _entropy(joint.sum(1)), _entropy(joint.sum(0)), _entropy(joint.flatten())
    if h_c <= 0:
        raise UndefinedMeasureError("label informativeness is undefined when the pairs' "
                                    "centres share a single label class (zero entropy)")
    return (h_c + h_n - h_cn) / h_c


#: Each measure from the (centre, neighbour, labels) pairs, so a report builds the pairs of a
#: variant (a sparse product for 2 hops) once for all measures.
_FROM_PAIRS = {"edge": _edge, "node": _node, "class_insensitive": _class_insensitive,
               "adjusted": _adjusted, "label_informativeness": _label_informativeness}


def _defined_or_nan(measure, pairs) -> float:
    try:
        return measure(*pairs)
    except UndefinedMeasureError:
        return math.nan


def homophily_report(edge_index: Tensor, y: Tensor,
                     variants: Optional[Iterable[str]] = None,
                     measures: Sequence[str] = MEASURES,
                     unlabelled: str = "error") -> dict[str, dict[str, float]]:
    """Every measure for every variant: ``report[variant][measure]``.

    Args:
        edge_index: ``[2, E]`` directed edges (an undirected graph lists both directions).
        y: labels ``[N]``.
        variants: keys of :data:`VARIANTS` (default: all six — undirected / out / in, 1 and
            2 hops).
        measures: names from :data:`MEASURES`.
        unlabelled: ``'error'`` or ``'ignore'`` (see :func:`check_labels`).

    A variant whose graph has no neighbour pairs (e.g. ``'in_2hop'`` on a star) reports
    ``nan`` for every measure, and a measure undefined on the graph (the class-based ones
    on a single-class graph, :class:`UndefinedMeasureError` when called alone) reports
    ``nan``, instead of raising: a report covers many variants at once.
    """
    variants = list(VARIANTS) if variants is None else list(variants)
    for name in variants:
        if name not in VARIANTS:
            raise ValueError(f"unknown variant '{name}'; choose from {sorted(VARIANTS)}")
    for name in measures:
        if name not in _FROM_PAIRS:
            raise ValueError(f"unknown measure '{name}'; choose from {MEASURES}")
    y = check_labels(y, y.size(0) if isinstance(y, Tensor) else -1, unlabelled)
    report: dict[str, dict[str, float]] = {}
    for variant in variants:
        direction, hops = VARIANTS[variant]
        try:
            pairs = _labelled_pairs(edge_index, y, direction, hops, unlabelled)
        except NoNeighbourPairsError:
            report[variant] = {measure: math.nan for measure in measures}
            continue
        report[variant] = {measure: _defined_or_nan(_FROM_PAIRS[measure], pairs)
                           for measure in measures}
    return report


def format_homophily_table(reports: Mapping[str, Mapping[str, Mapping[str, float]]],
                           columns: Optional[Sequence[tuple[str, str]]] = None,
                           digits: int = 3) -> str:
    """A markdown table, one row per dataset, one column per ``(variant, measure)``.

    Args:
        reports: ``{dataset name: homophily_report(...)}``.
        columns: ``(variant, measure)`` pairs (default: every measure of the undirected
            variant, then node homophily and label informativeness of ``out`` and ``in``).
    """
    if columns is None:
        columns = [("undirected", m) for m in MEASURES] + [
            (v, m) for v in ("out", "in") for m in ("node", "label_informativeness")]
    short = {"edge": "edge", "node": "node", "class_insensitive": "class-insens.",
             "adjusted": "adjusted", "label_informativeness": "LI"}
    head = ["dataset"] + [f"{short.get(m, m)} ({v})" for v, m in columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, report in reports.items():
        cells = [name]
        for variant, measure in columns:
            value = report.get(variant, {}).get(measure, math.nan)
            cells.append("–" if math.isnan(value) else f"{value:.{digits}f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
