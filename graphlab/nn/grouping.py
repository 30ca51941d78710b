"""Dense per-graph layouts of PyG batches: the graphs of a batch grouped by node count, each
group padded to its own largest graph, so that dense ``[graphs, L, L]`` work (the graph
transformer's attention, SPE's ``V diag(φ(λ)) Vᵀ``) does not pay for one padded block of the
batch's largest graph."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Optional

import torch
from torch import Tensor

from graphlab.ops import check_edge_index

#: Graphs of a batch are grouped by node count for dense per-graph work (attention, SPE's
#: ``[n, n, m]`` tensors): with the counts in
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
    graphs: Optional[Tensor] = None   # [num_graphs] the group's graphs' ids in the batch


class DenseGroups:
    r"""The dense per-graph layout of a PyG batch (for
    :class:`~graphlab.nn.GraphTransformerLayer` and :class:`~graphlab.nn.SPE`): graphs
    grouped by node count (see :data:`GROUP_RATIO`), each group padded to its own largest
    graph. Build it once per batch with :func:`dense_groups` and pass it to every layer.

    Attributes:
        num_nodes (int): nodes of the batch.
        groups (list): per group the node indices, (graph, position) coordinates, the padding
            mask, the graphs' ids in the batch and, when asked for, the dense adjacency (edge
            counts, ``[graph, dst, src]``).
        inverse (Tensor): ``[num_nodes]``, where each node sits in the groups' concatenation.
        node_group (Tensor): ``[num_nodes]``, each node's group.
        node_local (Tensor): ``[num_nodes]``, each node's index in its group's ``nodes``.
    """

    def __init__(self, num_nodes: int, groups: list[_Group], inverse: Tensor,
                 node_group: Tensor, node_local: Tensor, batch: Tensor):
        self.num_nodes, self.groups, self.inverse = num_nodes, groups, inverse
        self.node_group, self.node_local, self._batch = node_group, node_local, batch

    def split_edges(self, edge_index: Tensor) -> list[tuple[Tensor, Tensor]]:
        """Per group, the positions ``sel`` of its edges in ``edge_index`` (``[2, E]``,
        source, destination) and those edges in the group's local numbering (``[2, |sel|]``,
        indices into the group's ``nodes``). Raises on an edge between graphs."""
        src, dst = edge_index[0], edge_index[1]
        if src.numel() and bool((self._batch[src] != self._batch[dst]).any()):
            raise ValueError("edge_index links nodes of different graphs of the batch")
        edge_group = self.node_group[dst]
        out = []
        for g in range(len(self.groups)):
            sel = (edge_group == g).nonzero().view(-1)
            out.append((sel, torch.stack([self.node_local[src[sel]],
                                          self.node_local[dst[sel]]])))
        return out

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
    if adjacency:
        check_edge_index(edge_index, num_nodes)
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
    node_group = torch.empty(num_nodes, dtype=torch.long, device=device)
    node_local = torch.empty_like(node_group)
    groups: list[_Group] = []
    for g, (lo, hi) in enumerate(pairwise(cuts)):
        gid = order[lo:hi]
        lens = counts[gid]
        graph = torch.repeat_interleave(torch.arange(gid.numel(), device=device), lens)
        pos = torch.arange(graph.numel(), device=device) - (lens.cumsum(0) - lens)[graph]
        nodes = starts[gid][graph] + pos
        mask = torch.zeros(gid.numel(), sizes[hi - 1], dtype=torch.bool, device=device)
        mask[graph, pos] = True
        groups.append(_Group(nodes, graph, pos, mask, graphs=gid))
        node_group[nodes] = g
        node_local[nodes] = torch.arange(nodes.numel(), device=device)
    flat = (torch.cat([grp.nodes for grp in groups]) if groups
            else torch.zeros(0, dtype=torch.long, device=device))
    inverse = torch.empty_like(flat)
    inverse[flat] = torch.arange(flat.numel(), device=device)
    layout = DenseGroups(num_nodes, groups, inverse, node_group, node_local, batch)
    if adjacency and groups:
        for grp, (sel, (src, dst)) in zip(groups, layout.split_edges(edge_index), strict=True):
            k, L = grp.mask.shape
            a = torch.zeros(k, L, L, device=device)
            a.index_put_((grp.graph[dst], grp.pos[dst], grp.pos[src]),
                         torch.ones(sel.numel(), device=device), accumulate=True)
            grp.adj = a
            grp.allowed = (a > 0) | torch.eye(L, dtype=torch.bool, device=device)
    return layout
