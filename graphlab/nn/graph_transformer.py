"""A GraphGPS-style graph-transformer layer: a local GIN over the edges plus global attention
(standard or GIN-attention) over each graph's nodes, with the adjacency optionally as an
attention mask or bias."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from graphlab.nn.attention import SelfAttention
from graphlab.nn.gin import GINConv
from graphlab.nn.gin_attention import GINAttention
from graphlab.ops import CSR, check_edge_index, check_features

LOCALS = ("gin", "none")
ADJACENCY = ("none", "mask", "bias")

#: Graphs of a batch are grouped by node count for the dense attention: with the counts in
#: ascending order, a group closes before the first graph with more than ``GROUP_RATIO`` times
#: the group's smallest count, so a group's padded ``[graphs, L, L]`` work is at most
#: ``GROUP_RATIO²`` times its graphs' own ``Σ n²``. One padded batch costs ``B · max n²``
#: instead: 8.2x the attention entries of the grouping over batches of 32 PROTEINS graphs
#: (39 nodes on average, up to 620; ``graphlab bench graph_transformer``).
GROUP_RATIO = 1.5
#: ... unless one padded group would compute fewer than ``GROUP_MIN_SAVING`` times the
#: grouping's attention entries: then the per-group overhead outweighs the saving (MUTAG,
#: 10–28 nodes: 1.5x fewer entries, no faster), and one group it is.
GROUP_MIN_SAVING = 2.0


@dataclass
class _Group:
    nodes: Tensor                 # [n] the group's nodes in the batch's numbering
    graph: Tensor                 # [n] each node's graph inside the group, 0 … num_graphs - 1
    pos: Tensor                   # [n] each node's position inside its graph
    mask: Tensor                  # [num_graphs, max_nodes] bool, True = real node
    adj: Optional[Tensor] = None  # [num_graphs, max_nodes, max_nodes] edge counts, query-major
    allowed: Optional[Tensor] = None  # adj > 0 or the diagonal (the 'mask' adjacency)


class DenseGroups:
    r"""The dense per-graph layout of a PyG batch for :class:`GraphTransformerLayer`: graphs
    grouped by node count (see :data:`GROUP_RATIO`), each group padded to its own largest
    graph. Build it once per batch with :func:`dense_groups` and pass it to every layer.

    Attributes:
        num_nodes (int): nodes of the batch.
        groups (list): per group the node indices, (graph, position) coordinates, the padding
            mask and, when asked for, the dense adjacency (edge counts, ``[graph, dst, src]``).
        inverse (Tensor): ``[num_nodes]``, where each node sits in the groups' concatenation.
    """

    def __init__(self, num_nodes: int, groups: list[_Group], inverse: Tensor):
        self.num_nodes, self.groups, self.inverse = num_nodes, groups, inverse

    @property
    def padded_pairs(self) -> int:
        """Σ over groups of graphs · L²: the attention entries computed per head."""
        return sum(int(g.mask.size(0)) * int(g.mask.size(1)) ** 2 for g in self.groups)

    def __repr__(self) -> str:
        sizes = [tuple(g.mask.shape) for g in self.groups]
        return f"{type(self).__name__}(num_nodes={self.num_nodes}, groups={sizes})"


def dense_groups(edge_index: Tensor, batch: Optional[Tensor], num_nodes: int,
                 adjacency: bool = False, ratio: Optional[float] = GROUP_RATIO) -> DenseGroups:
    """Group the graphs of a batch by node count for dense attention.

    Args:
        edge_index: ``[2, E]`` (source, destination); used only when ``adjacency``.
        batch: ``[N]`` graph of each node, sorted (PyG's ``Batch``); ``None`` = one graph.
        num_nodes: ``N``.
        adjacency: also build each group's dense adjacency (for ``adjacency='mask'|'bias'``).
        ratio: the grouping ratio (default :data:`GROUP_RATIO`; one group when grouping
            saves less than :data:`GROUP_MIN_SAVING`); ``None`` or ``0`` puts every graph
            into one group padded to the largest (the padding of PyG's ``to_dense_batch``).
    """
    device = edge_index.device
    if batch is None:
        batch = torch.zeros(num_nodes, dtype=torch.long, device=device)
    if batch.dim() != 1 or batch.numel() != num_nodes:
        raise ValueError(f"batch must have shape [{num_nodes}], got {list(batch.shape)}")
    if num_nodes > 1 and bool((batch[1:] < batch[:-1]).any()):
        raise ValueError("batch must be sorted (the nodes of each graph contiguous, as in "
                         "PyG's Batch)")
    num_graphs = int(batch[-1]) + 1 if num_nodes else 0
    counts = torch.bincount(batch, minlength=num_graphs)
    starts = counts.cumsum(0) - counts
    order = torch.argsort(counts, stable=True)
    sizes = counts[order].tolist()
    cuts, first = [], None
    for i, n in enumerate(sizes):
        if n == 0:
            continue                       # an empty graph has nothing to attend over
        if first is None or (ratio and n > ratio * sizes[first]):
            cuts.append(i)
            first = i
    cuts.append(len(sizes))
    if len(cuts) > 2:
        grouped = sum((hi - lo) * sizes[hi - 1] ** 2 for lo, hi in pairwise(cuts))
        if (len(sizes) - cuts[0]) * sizes[-1] ** 2 < GROUP_MIN_SAVING * grouped:
            cuts = [cuts[0], len(sizes)]
    node_group = node_graph = node_pos = None
    if adjacency:
        node_group = torch.empty(num_nodes, dtype=torch.long, device=device)
        node_graph, node_pos = torch.empty_like(node_group), torch.empty_like(node_group)
    groups: list[_Group] = []
    for g, (lo, hi) in enumerate(pairwise(cuts)):
        gid = order[lo:hi]
        lens = counts[gid]
        graph = torch.repeat_interleave(torch.arange(gid.numel(), device=device), lens)
        pos = torch.arange(graph.numel(), device=device) - (lens.cumsum(0) - lens)[graph]
        nodes = starts[gid][graph] + pos
        mask = torch.zeros(gid.numel(), sizes[hi - 1], dtype=torch.bool, device=device)
        mask[graph, pos] = True
        groups.append(_Group(nodes, graph, pos, mask))
        if adjacency:
            node_group[nodes], node_graph[nodes], node_pos[nodes] = g, graph, pos
    flat = (torch.cat([grp.nodes for grp in groups]) if groups
            else torch.zeros(0, dtype=torch.long, device=device))
    inverse = torch.empty_like(flat)
    inverse[flat] = torch.arange(flat.numel(), device=device)
    if adjacency and groups:
        src, dst = edge_index[0], edge_index[1]
        if bool((batch[src] != batch[dst]).any()):
            raise ValueError("edge_index links nodes of different graphs of the batch")
        edge_group = node_group[dst]
        for g, grp in enumerate(groups):
            sel = (edge_group == g).nonzero().view(-1)
            k, L = grp.mask.shape
            a = torch.zeros(k, L, L, device=device)
            a.index_put_((node_graph[dst[sel]], node_pos[dst[sel]], node_pos[src[sel]]),
                         torch.ones(sel.numel(), device=device), accumulate=True)
            grp.adj = a
            grp.allowed = (a > 0) | torch.eye(L, dtype=torch.bool, device=device)
    return DenseGroups(num_nodes, groups, inverse)


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
