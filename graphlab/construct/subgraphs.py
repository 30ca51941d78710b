"""Subgraph bags for subgraph GNNs: a graph with ``n`` nodes becomes pairs ``(u, v)`` —
node ``v`` in the subgraph rooted at ``u`` — with a distance encoding, and the index sets
that the SWL atomic aggregations read (docs/papers/swl.md; Zhang et al., ICML 2023).

All ``n²`` pairs form the node-marking bag; ``hops=k`` keeps only pairs with
``SPD(u, v) ≤ k`` (the ``k``-hop ego-network bag). Graphs are treated as undirected.
"""
from __future__ import annotations

from typing import Any, Optional

import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.transforms import BaseTransform

from graphlab.ops import check_edge_index

#: attributes a bag adds; those ending in ``_index`` that address pairs are shifted by the
#: number of pairs when graphs are batched, ``pair_index`` by the number of nodes
PAIR_ADDRESSED = ("ul_index", "vl_index", "uu_index", "vv_index", "vu_index")
#: attributes that address the graph's edges (shifted by the number of edges)
EDGE_ADDRESSED = ("ul_edge", "vl_edge")


class SubgraphData(Data):
    """``Data`` whose pair-addressed index attributes batch correctly (shifted by the number
    of pairs of the preceding graphs)."""

    def __inc__(self, key: str, value: Any, *args, **kwargs) -> Any:
        if key in PAIR_ADDRESSED:
            return int(self.num_pairs)
        if key in EDGE_ADDRESSED:
            return int(self.edge_index.size(1))
        return super().__inc__(key, value, *args, **kwargs)

    def __cat_dim__(self, key: str, value: Any, *args, **kwargs) -> Any:
        if key in ("uu_index", "vv_index", "vu_index", *EDGE_ADDRESSED):
            return 0
        return super().__cat_dim__(key, value, *args, **kwargs)


def shortest_path_distances(edge_index: Tensor, num_nodes: int) -> Tensor:
    """All-pairs hop distances ``[n, n]`` of the undirected graph (BFS by repeated sparse
    products; ``-1`` for unreachable pairs)."""
    check_edge_index(edge_index, num_nodes)
    n = num_nodes
    adj = torch.zeros(n, n, dtype=torch.bool)
    if edge_index.numel():
        adj[edge_index[0], edge_index[1]] = True
        adj[edge_index[1], edge_index[0]] = True
    adj.fill_diagonal_(False)
    dist = torch.full((n, n), -1, dtype=torch.long)
    reached = torch.eye(n, dtype=torch.bool)
    frontier = reached.clone()
    dist[reached] = 0
    step = 0
    while frontier.any():
        step += 1
        frontier = (frontier.float() @ adj.float()).bool() & ~reached
        dist[frontier] = step
        reached |= frontier
    return dist


def subgraph_bag(edge_index: Tensor, num_nodes: int, max_dis: int = 5,
                 hops: Optional[int] = None) -> dict[str, Tensor]:
    """The pairs of a subgraph bag and the index sets of the SWL aggregations.

    Returns a dict of tensors (pairs sorted by ``(u, v)``; ``P`` pairs, ``n`` nodes):

    - ``pair_index`` ``[2, P]``: ``(u, v)``;
    - ``pair_dist`` ``[P]``: ``min(SPD(u, v), max_dis)``, unreachable pairs ``max_dis`` too
      (the official code's encoding);
    - ``ul_index`` ``[2, *]``: pair edges ``(u, w) → (u, v)`` for graph edges ``w – v``
      (both pairs in the bag), the local aggregation inside subgraph ``u``;
    - ``vl_index`` ``[2, *]``: pair edges ``(w, v) → (u, v)`` for graph edges ``w – u``;
    - ``uu_index``, ``vv_index`` ``[P]``: the pair ``(u, u)`` / ``(v, v)``;
    - ``vu_index`` ``[P]``: the pair ``(v, u)`` (always in the bag: distances are
      symmetric on the undirected graph);
    - ``ul_edge``, ``vl_edge``: for every pair edge, the position in ``edge_index`` of the
      graph edge it follows (``w → v``, or its reverse when only that is listed), so that
      local aggregations can read edge features.
    """
    if num_nodes < 1:
        raise ValueError("a subgraph bag needs at least one node")
    if max_dis < 1:
        raise ValueError(f"max_dis must be at least 1, got {max_dis}")
    if hops is not None and hops < 0:
        raise ValueError(f"hops must be non-negative, got {hops}")
    n = num_nodes
    dist = shortest_path_distances(edge_index, n)
    member = torch.ones(n, n, dtype=torch.bool) if hops is None else (dist >= 0) & (dist <= hops)
    u, v = member.nonzero(as_tuple=True)                   # row-major: sorted by (u, v)
    pid = torch.full((n, n), -1, dtype=torch.long)
    pid[u, v] = torch.arange(u.numel())
    d = dist[u, v]
    d = torch.where((d < 0) | (d > max_dis), torch.full_like(d, max_dis), d)
    # undirected neighbour lists, self-loops and duplicates dropped
    ei = edge_index[:, edge_index[0] != edge_index[1]]
    und = torch.unique(torch.cat([ei, ei.flip(0)], 1), dim=1)
    w_src, w_dst = und                                     # edge w_src -> w_dst
    # position of each graph edge in the input (either direction; the listed one wins)
    eid = torch.full((n, n), -1, dtype=torch.long)
    positions = torch.arange(edge_index.size(1))
    eid[edge_index[1], edge_index[0]] = positions
    eid[edge_index[0], edge_index[1]] = positions
    und_eid = eid[w_src, w_dst]
    roots = torch.arange(n)
    # uL: for every root r and edge w -> x: (r, w) -> (r, x)
    src = pid[roots[:, None], w_src[None, :]].reshape(-1)
    dst = pid[roots[:, None], w_dst[None, :]].reshape(-1)
    keep = (src >= 0) & (dst >= 0)
    ul = torch.stack([src[keep], dst[keep]])
    ul_edge = und_eid[None, :].expand(n, -1).reshape(-1)[keep]
    # vL: for every node c and edge w -> x: (w, c) -> (x, c)
    src = pid[w_src[:, None], roots[None, :]].reshape(-1)
    dst = pid[w_dst[:, None], roots[None, :]].reshape(-1)
    keep = (src >= 0) & (dst >= 0)
    vl = torch.stack([src[keep], dst[keep]])
    vl_edge = und_eid[:, None].expand(-1, n).reshape(-1)[keep]
    return {"pair_index": torch.stack([u, v]), "pair_dist": d, "ul_index": ul,
            "vl_index": vl, "uu_index": pid[u, u], "vv_index": pid[v, v],
            "vu_index": pid[v, u], "ul_edge": ul_edge, "vl_edge": vl_edge}


class SubgraphBag(BaseTransform):
    """Attach :func:`subgraph_bag` to a graph; returns a :class:`SubgraphData` (so batches
    shift the pair indices correctly) with ``num_pairs`` set. The input is not modified.

    Args:
        max_dis (int): distance-encoding cap (default ``5``, ZINC's).
        hops (int, optional): ego-network radius; ``None`` (default) = all ``n²`` pairs.
    """

    def __init__(self, max_dis: int = 5, hops: Optional[int] = None):
        self.max_dis, self.hops = max_dis, hops

    def forward(self, data: Data) -> SubgraphData:
        n = data.num_nodes or 0
        bag = subgraph_bag(data.edge_index, n, self.max_dis, self.hops)
        out = SubgraphData(**{k: v for k, v in data.items()})
        out.num_nodes = n
        for key, value in bag.items():
            out[key] = value
        out.num_pairs = bag["pair_dist"].numel()
        return out

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(max_dis={self.max_dis}, hops={self.hops})"
