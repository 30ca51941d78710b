"""Graph-level heads: pooling node states into one vector per graph, and the graph-task
models built from an encoder and a head.

Every graph model maps a PyG ``Batch`` (``x``, ``edge_index``, ``batch``, plus whatever
its encoder reads, e.g. positional encodings) to ``[G, out_channels]``: class logits or
regression targets.
"""
from __future__ import annotations

from typing import Optional

from torch import Tensor, nn
from torch_geometric.nn import (
    MLP,
    AttentionalAggregation,
    global_add_pool,
    global_max_pool,
    global_mean_pool,
)

POOLS = ("sum", "mean", "max", "attention")


class GraphPool(nn.Module):
    r"""Readout of node states into graph states.

    ``'sum'`` / ``'mean'`` / ``'max'`` over each graph's nodes, or ``'attention'``:
    :math:`\mathbf{h}_G = \sum_{v \in G} \mathrm{softmax}_{v \in G}(\mathrm{gate}(\mathbf{h}_v))
    \, \mathbf{h}_v` (Li et al., "Gated Graph Sequence Neural Networks", ICLR 2016) with a
    2-layer MLP gate.

    Args:
        kind (str): ``'sum'`` (default), ``'mean'``, ``'max'`` or ``'attention'``.
        channels (int): node-state width (needed for ``'attention'`` only).

    Shapes:
        h ``[N, F]``, batch ``[N]`` (graph of each node, sorted) → ``[G, F]``.
    """

    def __init__(self, kind: str = "sum", channels: Optional[int] = None):
        super().__init__()
        if kind not in POOLS:
            raise ValueError(f"unknown pooling '{kind}'; choose one of {POOLS}")
        if kind == "attention" and channels is None:
            raise ValueError("attention pooling needs the node-state width (channels)")
        self.kind = kind
        self.attention = (AttentionalAggregation(MLP([channels, channels, 1], norm=None))
                          if kind == "attention" else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.attention is not None:
            self.attention.reset_parameters()

    def forward(self, h: Tensor, batch: Tensor, num_graphs: Optional[int] = None) -> Tensor:
        if self.kind == "sum":
            return global_add_pool(h, batch, num_graphs)
        if self.kind == "mean":
            return global_mean_pool(h, batch, num_graphs)
        if self.kind == "max":
            return global_max_pool(h, batch, num_graphs)
        return self.attention(h, batch, dim_size=num_graphs)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}('{self.kind}')"
