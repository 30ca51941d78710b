"""Combinatorial colour-refinement tests: 1-WL and the subgraph Weisfeiler-Lehman tests of
the SWL hierarchy (Zhang et al., ICML 2023; docs/papers/swl.md).

These are the tests the neural models are bounded by: a GIN separates no pair that 1-WL
does not, a :class:`graphlab.nn.SubgraphGNN` preset with ``L`` layers no pair that its SWL
test does not after ``L`` rounds from the same initial colours. They are exact up to hash
collisions, which can only merge colours — a collision makes a test weaker, never makes it
separate a pair it should not.

The SWL test refines a colour :math:`\\chi(u, v)` per pair (node ``v`` in the subgraph
rooted at ``u``), starting from (the label of ``v``, :math:`\\min(\\mathrm{SPD}(u, v),
\\mathrm{max\\_dis})`, unreachable pairs ``max_dis`` too) — the neural models' initial
features (:class:`graphlab.construct.SubgraphBag`). Each round the new colour is the old one
with the multisets / colours of the chosen atomic aggregations:
``uL`` :math:`\\{\\{\\chi(u, w) : w \\in N(v)\\}\\}`, ``vL`` :math:`\\{\\{\\chi(w, v) : w \\in
N(u)\\}\\}`, ``uG`` / ``vG`` (the same over all ``w``), ``uu`` :math:`\\chi(u, u)`, ``vv``
:math:`\\chi(v, v)`, ``vu`` :math:`\\chi(v, u)`. Pooling ``'VS'`` takes, per root ``u``, the
multiset over ``v``, then the multiset of those over ``u``; ``'SV'`` swaps the roles.

Multisets are hashed as sums of random 40-bit codes of their colours (integer arithmetic,
no overflow for graphs below 2^23 nodes); both graphs of a pair are refined in one colour
space.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import Tensor
from torch_geometric.data import Data

from graphlab.construct.subgraphs import shortest_path_distances
from graphlab.nn.subgraph import PRESETS

AGGREGATIONS = ("uL", "vL", "uG", "vG", "uu", "vv", "vu")
_CODE_BITS = 40


def _adjacency(graph: Data) -> Tensor:
    n = int(graph.num_nodes or 0)
    a = torch.zeros(n, n, dtype=torch.long)
    ei = graph.edge_index
    if ei is not None and ei.numel():
        a[ei[0], ei[1]] = 1
        a[ei[1], ei[0]] = 1
    a.fill_diagonal_(0)
    return a


def _node_labels(graphs: Sequence[Data]) -> list[Tensor]:
    """Integer labels shared by all ``graphs``: equal feature rows, equal label."""
    rows = []
    for i, g in enumerate(graphs):
        n = int(g.num_nodes or 0)
        if n < 1:
            raise ValueError(f"graph {i} has no nodes; the WL tests need at least one")
        x = g.x if getattr(g, "x", None) is not None else torch.zeros(n, 1)
        x = x.reshape(n, -1).to(torch.float64)
        if not torch.isfinite(x).all():
            raise ValueError(f"graph {i} has NaN or infinite node features")
        rows.append(x)
    width = {r.size(1) for r in rows}
    if len(width) > 1:
        raise ValueError(f"the graphs have node features of different widths {sorted(width)}")
    _, inv = torch.unique(torch.cat(rows), dim=0, return_inverse=True)
    return list(inv.split([r.size(0) for r in rows]))


def _relabel(parts: Sequence[Tensor]) -> list[Tensor]:
    """Rows ``[..., k]`` of several graphs → dense colour ids in one shared space."""
    k = parts[0].size(-1)
    flat = torch.cat([p.reshape(-1, k) for p in parts])
    _, inv = torch.unique(flat, dim=0, return_inverse=True)
    out, start = [], 0
    for p in parts:
        size = p.numel() // k
        out.append(inv[start:start + size].view(p.shape[:-1]))
        start += size
    return out


def _codes(num_colours: int, gen: torch.Generator) -> Tensor:
    return torch.randint(0, 2 ** _CODE_BITS, (max(num_colours, 1),), generator=gen,
                         dtype=torch.long)


def _check_iterations(iterations: Optional[int]) -> None:
    if iterations is not None and iterations < 0:
        raise ValueError(f"iterations must be non-negative or None, got {iterations}")


def _num_colours(colours: Sequence[Tensor]) -> int:
    return max((int(c.max()) + 1 if c.numel() else 0) for c in colours)


def _refine(colours: list[Tensor], step, iterations: Optional[int], gen: torch.Generator
            ) -> list[Tensor]:
    """``iterations`` rounds of ``step(colours, codes)``, or (``None``) rounds until the
    joint partition is stable (the number of colours stops growing: every round keeps the
    old colour, so the partition can only be refined)."""
    rounds = 0
    while iterations is None or rounds < iterations:
        before = _num_colours(colours)
        colours = step(colours, _codes(before, gen))
        rounds += 1
        if iterations is None and _num_colours(colours) == before:
            break
    return colours


def wl_invariants(graphs: Sequence[Data], iterations: Optional[int] = None, seed: int = 0
                  ) -> list[Tensor]:
    """1-WL: node colours refined ``iterations`` rounds (``None``: until stable) — (colour,
    multiset of the neighbours' colours) — jointly for ``graphs``; returns each graph's
    sorted colour multiset."""
    _check_iterations(iterations)
    gen = torch.Generator().manual_seed(seed)
    adj = [_adjacency(g) for g in graphs]

    def step(colours, code):
        return _relabel([torch.stack([c, a @ code[c]], -1)
                         for c, a in zip(colours, adj, strict=True)])

    colours = _refine(_node_labels(graphs), step, iterations, gen)
    return [c.sort().values for c in colours]


def _message(kind: str, chi: Tensor, r: Tensor, a: Tensor) -> Tensor:
    """Aggregation ``kind`` for every pair ``(u, v)``: colours ``chi`` ``[n, n]``, their
    random codes ``r``, adjacency ``a`` (multisets as code sums)."""
    if kind == "uL":
        return r @ a                          # sum over w in N(v) of r(u, w)
    if kind == "vL":
        return a @ r                          # sum over w in N(u) of r(w, v)
    if kind == "uG":
        return r.sum(1, keepdim=True).expand_as(r)
    if kind == "vG":
        return r.sum(0, keepdim=True).expand_as(r)
    if kind == "uu":
        return chi.diagonal()[:, None].expand_as(chi)
    if kind == "vv":
        return chi.diagonal()[None, :].expand_as(chi)
    return chi.t()                            # vu


def swl_invariants(graphs: Sequence[Data], aggregations: Sequence[str], pooling: str,
                   iterations: Optional[int] = None, max_dis: int = 5, seed: int = 0
                   ) -> list[Tensor]:
    """The SWL test with ``aggregations`` and ``pooling`` (``'VS'`` / ``'SV'``) after
    ``iterations`` rounds (``None``: until the pair colours are stable), jointly for
    ``graphs``; returns each graph's invariant (sorted multiset over roots of the hashed
    multiset over their pairs)."""
    _check_iterations(iterations)
    bad = [a for a in aggregations if a not in AGGREGATIONS]
    if bad or not aggregations:
        raise ValueError(f"aggregations must be a non-empty subset of {AGGREGATIONS}, got "
                         f"{list(aggregations)}")
    if pooling not in ("VS", "SV"):
        raise ValueError(f"pooling must be 'VS' or 'SV', got '{pooling}'")
    if max_dis < 1:
        raise ValueError(f"max_dis must be at least 1, got {max_dis}")
    gen = torch.Generator().manual_seed(seed)
    labels = _node_labels(graphs)
    adj = [_adjacency(g) for g in graphs]
    rows = []
    for g, lab in zip(graphs, labels, strict=True):
        n = int(g.num_nodes or 0)
        d = shortest_path_distances(g.edge_index, n)
        d = torch.where((d < 0) | (d > max_dis), torch.full_like(d, max_dis), d)
        rows.append(torch.stack([lab[None, :].expand(n, n), d], -1))

    def step(colours, code):
        rows = []
        for chi, a in zip(colours, adj, strict=True):
            r = code[chi]
            rows.append(torch.stack([chi] + [_message(k, chi, r, a) for k in aggregations], -1))
        return _relabel(rows)

    colours = _refine(_relabel(rows), step, iterations, gen)
    code = _codes(_num_colours(colours), gen)
    dim = 1 if pooling == "VS" else 0            # VS: per root u, the multiset over v
    return [code[chi].sum(dim).sort().values for chi in colours]


def distinguishes(invariants: Sequence[Tensor]) -> bool:
    """Whether two graphs' invariants differ."""
    a, b = invariants
    return a.shape != b.shape or not torch.equal(a, b)


def separated_by(g: Data, h: Data, test: str, iterations: Optional[int] = None,
                 max_dis: int = 5, seed: int = 0) -> bool:
    """Whether ``test`` (``'1-WL'`` or a :data:`graphlab.nn.PRESETS` name) separates ``g``
    and ``h`` after ``iterations`` rounds (``None``: at the stable colouring, where the
    hierarchy's theorems apply; a model with ``L`` layers is bounded by ``L`` rounds)."""
    if test == "1-WL":
        return distinguishes(wl_invariants([g, h], iterations, seed))
    if test not in PRESETS:
        raise ValueError(f"unknown test '{test}'; choose '1-WL' or one of {list(PRESETS)}")
    aggregations, pooling = PRESETS[test]
    return distinguishes(swl_invariants([g, h], aggregations, pooling, iterations, max_dis,
                                        seed))


def bounding_test(model: str) -> Optional[str]:
    """The combinatorial test bounding a harness model (``GIN`` → 1-WL, an SWL preset →
    itself), ``None`` when there is none here (GIN+SPE)."""
    return "1-WL" if model == "GIN" else model if model in PRESETS else None
