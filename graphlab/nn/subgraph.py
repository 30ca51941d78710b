"""Subgraph GNNs of the SWL hierarchy, from "A Complete Expressiveness Hierarchy for
Subgraph GNNs via Subgraph Weisfeiler-Lehman Tests" (Zhang et al., ICML 2023).

States live on the pairs ``(u, v)`` of a subgraph bag (:func:`graphlab.construct.subgraph_bag`).
The atomic aggregations, all through :mod:`graphlab.ops`:

- ``uL``: :math:`\\sum_{w \\in N(v)} h(u, w)` (local, inside subgraph ``u``);
- ``vL``: :math:`\\sum_{w \\in N(u)} h(w, v)`;
- ``uG``: :math:`\\sum_w h(u, w)`; ``vG``: :math:`\\sum_w h(w, v)` (global);
- ``uu``: :math:`h(u, u)`; ``vv``: :math:`h(v, v)`; ``vu``: :math:`h(v, u)` (points).

Presets (docs/papers/swl.md, weakest → strongest): SWL(VS) = {uL} + VS pooling, SWL(SV) = {uL}
+ SV pooling, PSWL(VS/SV) = {uL, vv}, GSWL = {uL, vG}, SSWL = {uL, vL}, SSWL+ = {uL, vL, vv}.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import Tensor, nn

from graphlab.ops import CSR, check_finite, scatter, segment, spmm

AGGREGATIONS = ("uL", "vL", "uG", "vG", "uu", "vv", "vu")

#: name → (aggregations, pooling)
PRESETS = {
    "SWL(VS)": (("uL",), "VS"),
    "SWL(SV)": (("uL",), "SV"),
    "PSWL(VS)": (("uL", "vv"), "VS"),
    "PSWL(SV)": (("uL", "vv"), "SV"),
    "GSWL": (("uL", "vG"), "VS"),
    "SSWL": (("uL", "vL"), "VS"),
    "SSWL+": (("uL", "vL", "vv"), "VS"),
}


class PairGraph:
    """The index structures of a (batched) subgraph bag, built once per batch: CSRs of the
    local pair graphs and the pair/node index vectors.

    Args:
        pair_index: ``[2, P]`` global node ids ``(u, v)`` of each pair.
        ul_index, vl_index: ``[2, *]`` pair edges (source pair → target pair).
        uu_index, vv_index, vu_index: ``[P]`` pair ids.
        num_nodes: ``N`` in the batch.
    """

    def __init__(self, pair_index: Tensor, ul_index: Tensor, vl_index: Tensor,
                 uu_index: Tensor, vv_index: Tensor, vu_index: Tensor, num_nodes: int,
                 ul_edge: Optional[Tensor] = None, vl_edge: Optional[Tensor] = None):
        p = pair_index.size(1)
        for name, idx in (("uu_index", uu_index), ("vv_index", vv_index),
                          ("vu_index", vu_index)):
            if idx.numel() != p or (p and (int(idx.min()) < 0 or int(idx.max()) >= p)):
                raise ValueError(f"{name} must hold {p} pair ids in [0, {p}), got shape "
                                 f"{list(idx.shape)}")
        self.pair_index, self.num_pairs, self.num_nodes = pair_index, p, num_nodes
        self.ul = CSR.from_edge_index(ul_index, p)
        self.vl = CSR.from_edge_index(vl_index, p)
        self.uu, self.vv, self.vu = uu_index, vv_index, vu_index
        # graph edge of every local pair edge, in each CSR's sorted order
        self.edges = {"uL": None if ul_edge is None else ul_edge[self.ul.perm],
                      "vL": None if vl_edge is None else vl_edge[self.vl.perm]}

    @classmethod
    def from_batch(cls, data) -> "PairGraph":
        for key in ("pair_index", "ul_index", "vl_index", "uu_index", "vv_index", "vu_index"):
            if getattr(data, key, None) is None:
                raise ValueError(f"the batch has no '{key}': build the graphs with "
                                 "graphlab.construct.SubgraphBag")
        return cls(data.pair_index, data.ul_index, data.vl_index, data.uu_index,
                   data.vv_index, data.vu_index, data.num_nodes,
                   getattr(data, "ul_edge", None), getattr(data, "vl_edge", None))

    def aggregate(self, h: Tensor, name: str, edge_emb: Optional[Tensor] = None) -> Tensor:
        r"""Atomic aggregation ``name`` of pair states ``h`` ``[P, F]`` → ``[P, F]``.

        ``edge_emb`` (``[E, F]``, one row per graph edge): the local aggregations ``uL`` /
        ``vL`` become GINE-style, :math:`\sum \mathrm{ReLU}(h + e)`.
        """
        if name in ("uL", "vL") and edge_emb is not None:
            csr, edges = (self.ul if name == "uL" else self.vl), self.edges[name]
            if edges is None:
                raise ValueError("edge features need the bag's ul_edge / vl_edge (rebuild "
                                 "the graphs with graphlab.construct.SubgraphBag)")
            return segment((h[csr.col] + edge_emb[edges]).relu(), csr.rowptr, "sum")
        if name == "uL":
            return spmm(self.ul, h)
        if name == "vL":
            return spmm(self.vl, h)
        if name in ("uG", "vG"):
            key = self.pair_index[0 if name == "uG" else 1]
            return scatter(h, key, self.num_nodes, "sum")[key]
        if name == "uu":
            return h[self.uu]
        if name == "vv":
            return h[self.vv]
        if name == "vu":
            return h[self.vu]
        raise ValueError(f"unknown aggregation '{name}'; choose from {AGGREGATIONS}")


class SWLConv(nn.Module):
    r"""One subgraph-GNN layer with a chosen set of atomic aggregations ``A``:

    .. math::
        h'(u, v) = \mathrm{ReLU}\Big(\mathrm{BN}\Big(\sum_{a \in A}
        \mathrm{MLP}_a\big((1 + \epsilon_a)\, h(u, v) + \mathrm{agg}_a(h)(u, v)\big)\Big)\Big)

    Args:
        in_channels (int), out_channels (int): widths.
        aggregations (sequence of str): a subset of ``AGGREGATIONS``.
        norm (bool): batch norm (default ``True``).
        train_eps (bool): learn :math:`\epsilon_a` (default ``True``).
        edge_dim (int): edge-feature width; ``> 0`` makes ``uL`` / ``vL`` GINE-style
            (default ``0``).

    Shapes:
        h ``[P, F_in]``, a :class:`PairGraph` → ``[P, F_out]``.
    """

    def __init__(self, in_channels: int, out_channels: int, aggregations: Sequence[str],
                 norm: bool = True, train_eps: bool = True, edge_dim: int = 0):
        super().__init__()
        bad = [a for a in aggregations if a not in AGGREGATIONS]
        if bad or not aggregations:
            raise ValueError(f"aggregations must be a non-empty subset of {AGGREGATIONS}, "
                             f"got {list(aggregations)}")
        self.aggregations = tuple(aggregations)
        self.mlps = nn.ModuleList(
            nn.Sequential(nn.Linear(in_channels, out_channels), nn.ReLU(),
                          nn.Linear(out_channels, out_channels)) for _ in self.aggregations)
        self.eps = nn.Parameter(torch.zeros(len(self.aggregations)), requires_grad=train_eps)
        self.norm = nn.BatchNorm1d(out_channels) if norm else None
        # GINE-style local aggregations read the graph's edge features
        self.edge_lins = nn.ModuleDict(
            {a: nn.Linear(edge_dim, in_channels) for a in self.aggregations
             if a in ("uL", "vL")}) if edge_dim > 0 else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for lin in (self.edge_lins.values() if self.edge_lins is not None else []):
            lin.reset_parameters()
        for mlp in self.mlps:
            for layer in mlp:
                if hasattr(layer, "reset_parameters"):
                    layer.reset_parameters()
        nn.init.zeros_(self.eps)
        if self.norm is not None:
            self.norm.reset_parameters()

    def forward(self, h: Tensor, pairs: PairGraph, edge_attr: Optional[Tensor] = None) -> Tensor:
        check_finite(h, "SWLConv: h")
        if edge_attr is not None:
            check_finite(edge_attr, "SWLConv: edge_attr")
        if self.edge_lins is not None and edge_attr is None:
            raise ValueError("this SWLConv was built with edge_dim > 0 and needs edge_attr")
        out = 0
        for i, (name, mlp) in enumerate(zip(self.aggregations, self.mlps, strict=True)):
            emb = None
            if self.edge_lins is not None and name in self.edge_lins:
                emb = self.edge_lins[name](edge_attr.to(h.dtype))
            out = out + mlp((1 + self.eps[i]) * h + pairs.aggregate(h, name, emb))
        if self.norm is not None:
            out = self.norm(out)
        return out.relu()

    def __repr__(self) -> str:
        width = self.mlps[0][-1].out_features
        return (f"{self.__class__.__name__}({self.mlps[0][0].in_features}, {width}, "
                f"aggregations={'+'.join(self.aggregations)})")
