"""A GraphGPS-style graph-transformer layer: a local GIN over the edges plus global attention
(standard or GIN-attention) over each graph's nodes, with the adjacency optionally as an
attention mask or bias."""
from __future__ import annotations

from typing import Any, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from graphlab.nn.attention import SelfAttention
from graphlab.nn.gin import GINConv
from graphlab.nn.gin_attention import GINAttention
from graphlab.nn.grouping import GROUP_RATIO, DenseGroups, dense_groups
from graphlab.ops import CSR, check_edge_index, check_features

LOCALS = ("gin", "none")
ADJACENCY = ("none", "mask", "bias")


class GraphTransformerLayer(nn.Module):
    r"""Local message passing + global attention on PyG batches, after "Recipe for a General,
    Powerful, Scalable Graph Transformer" (GraphGPS, Rampášek et al., NeurIPS 2022), with
    GIN-attention (Buehler, 2025) as an option for the global part:

    .. math::
        \mathbf{y} = \mathrm{RMSNorm}(\mathbf{x}), \quad
        \mathbf{h} = \mathbf{x} + \mathrm{GIN}(\mathbf{y}, E) + \mathrm{Attn}(\mathbf{y}), \quad
        \mathbf{x}' = \mathbf{h} + \mathrm{FFN}(\mathrm{RMSNorm}(\mathbf{h}))

    The attention runs per graph on dense blocks: the batch's graphs are grouped by node
    count (:func:`dense_groups`, padded nodes masked), so a few large graphs do not pad every
    small one to their size. ``adjacency='mask'`` lets node i attend only to itself and its
    in-neighbours; ``'bias'`` adds a learnable per-head scalar to the scores of adjacent
    pairs.

    Args:
        channels (int): width :math:`D`.
        heads (int): attention heads.
        attention (str): ``'gin'`` (:class:`GINAttention`, default) or ``'standard'``.
        local (str): ``'gin'`` (default) or ``'none'`` (attention only).
        adjacency (str): ``'none'`` (default), ``'mask'`` or ``'bias'``.
        dropout (float): dropout on the local, global and FFN branches (default ``0.0``).
        group_ratio (float, optional): the size ratio that closes a group of graphs
            (default :data:`GROUP_RATIO`); ``None`` pads every graph to the batch's largest.
            Changes the cost only, not the result (beyond float rounding).
        **attention_kwargs: GIN-attention options.

    Shapes:
        - **input:** ``x`` ``[N, D]``, ``edge_index`` ``[2, E]``, ``batch`` ``[N]`` (sorted;
          ``None`` = one graph); optionally ``adj`` (the :class:`graphlab.ops.CSR` of
          ``edge_index``) and ``groups`` (:func:`dense_groups` of this batch) to reuse across
          layers — the caller then vouches for ``x`` and ``edge_index``, which are not
          re-checked.
        - **output:** ``[N, D]``.
    """

    def __init__(self, channels: int, heads: int, attention: str = "gin", local: str = "gin",
                 adjacency: str = "none", dropout: float = 0.0,
                 group_ratio: Optional[float] = GROUP_RATIO, **attention_kwargs: Any):
        super().__init__()
        for key, value, allowed in (("attention", attention, ("gin", "standard")),
                                    ("local", local, LOCALS), ("adjacency", adjacency, ADJACENCY)):
            if value not in allowed:
                raise ValueError(f"GraphTransformerLayer: unknown {key} '{value}'; choose one "
                                 f"of {allowed}")
        if attention == "standard" and attention_kwargs:
            raise ValueError(f"standard attention takes no options {sorted(attention_kwargs)}")
        self.channels, self.heads = channels, heads
        self.kind, self.local_kind, self.adjacency = attention, local, adjacency
        self.attn = (GINAttention(channels, heads, **attention_kwargs) if attention == "gin"
                     else SelfAttention(channels, heads))
        self.local = (GINConv(nn.Sequential(nn.Linear(channels, channels), nn.ReLU(),
                                            nn.Linear(channels, channels)))
                      if local == "gin" else None)
        self.adj_bias = nn.Parameter(torch.empty(heads)) if adjacency == "bias" else None
        self.norm1 = nn.RMSNorm(channels, eps=1e-6)
        self.norm2 = nn.RMSNorm(channels, eps=1e-6)
        self.ffn = nn.Sequential(nn.Linear(channels, 2 * channels), nn.GELU(),
                                 nn.Linear(2 * channels, channels))
        self.dropout = dropout
        self.group_ratio = group_ratio
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.attn.reset_parameters()
        if self.local is not None:
            self.local.reset_parameters()
        if self.adj_bias is not None:
            nn.init.ones_(self.adj_bias)
        self.norm1.reset_parameters()
        self.norm2.reset_parameters()
        for lin in (self.ffn[0], self.ffn[2]):
            lin.reset_parameters()

    def dense_groups(self, edge_index: Tensor, batch: Optional[Tensor],
                     num_nodes: int) -> DenseGroups:
        """The :class:`DenseGroups` this layer needs for a batch (build once, reuse)."""
        return dense_groups(edge_index, batch, num_nodes, self.adjacency != "none",
                            self.group_ratio)

    def forward(self, x: Tensor, edge_index: Tensor, batch: Optional[Tensor] = None,
                adj: Optional[CSR] = None, groups: Optional[DenseGroups] = None) -> Tensor:
        if x.dim() != 2 or x.size(-1) != self.channels:
            raise ValueError(f"GraphTransformerLayer: x has width {x.size(-1)}, the layer "
                             f"expects {self.channels}")
        if groups is None:
            check_features(x, name="x")
            check_edge_index(edge_index, x.size(0))
            groups = self.dense_groups(edge_index, batch, x.size(0))
        elif groups.num_nodes != x.size(0):
            raise ValueError(f"GraphTransformerLayer: groups were built for {groups.num_nodes} "
                             f"nodes, x has {x.size(0)}")
        y = self.norm1(x)
        h = x + F.dropout(self._attend(y, groups), self.dropout, self.training)
        if self.local is not None:
            adj = adj if adj is not None else CSR.from_edge_index(edge_index, x.size(0))
            h = h + F.dropout(self.local(y, adj), self.dropout, self.training)
        return h + F.dropout(self.ffn(self.norm2(h)), self.dropout, self.training)

    def _attend(self, y: Tensor, groups: DenseGroups) -> Tensor:
        """Global attention of every node over its own graph, group by group."""
        outs = []
        for grp in groups.groups:
            if self.adjacency != "none" and grp.adj is None:
                raise ValueError("GraphTransformerLayer: the groups carry no adjacency; build "
                                 "them with dense_groups(..., adjacency=True)")
            dense = y.new_zeros(*grp.mask.shape, y.size(-1))
            dense[grp.graph, grp.pos] = y[grp.nodes]
            args: dict[str, Tensor] = {}
            if self.adjacency == "mask":
                args["attn_mask"] = grp.allowed
            elif self.adjacency == "bias":
                args["attn_bias"] = grp.adj.unsqueeze(1) * self.adj_bias.view(1, -1, 1, 1)
            outs.append(self.attn(dense, mask=grp.mask, **args)[grp.graph, grp.pos])
        if not outs:
            return y.new_zeros(y.shape)
        return torch.cat(outs)[groups.inverse]

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.channels}, heads={self.heads}, "
                f"attention='{self.kind}', local='{self.local_kind}', "
                f"adjacency='{self.adjacency}')")
