"""A GraphGPS-style graph-transformer layer: a local GIN over the edges plus global attention
(standard or GIN-attention) over each graph's nodes, with the adjacency optionally as an
attention mask or bias."""
from __future__ import annotations

from typing import Any, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.utils import to_dense_adj, to_dense_batch

from graphlab.nn.attention import SelfAttention
from graphlab.nn.gin import GINConv
from graphlab.nn.gin_attention import GINAttention
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

    The attention runs per graph on a dense batch (``to_dense_batch``; padded nodes are
    masked). ``adjacency='mask'`` lets node i attend only to itself and its in-neighbours;
    ``'bias'`` adds a learnable per-head scalar to the scores of adjacent pairs.

    Args:
        channels (int): width :math:`D`.
        heads (int): attention heads.
        attention (str): ``'gin'`` (:class:`GINAttention`, default) or ``'standard'``.
        local (str): ``'gin'`` (default) or ``'none'`` (attention only).
        adjacency (str): ``'none'`` (default), ``'mask'`` or ``'bias'``.
        dropout (float): dropout on the local, global and FFN branches (default ``0.0``).
        **attention_kwargs: GIN-attention options.

    Shapes:
        - **input:** ``x`` ``[N, D]``, ``edge_index`` ``[2, E]``, ``batch`` ``[N]`` (sorted;
          ``None`` = one graph).
        - **output:** ``[N, D]``.
    """

    def __init__(self, channels: int, heads: int, attention: str = "gin", local: str = "gin",
                 adjacency: str = "none", dropout: float = 0.0, **attention_kwargs: Any):
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

    def forward(self, x: Tensor, edge_index: Tensor, batch: Optional[Tensor] = None,
                adj: Optional[CSR] = None) -> Tensor:
        check_features(x, name="x")
        if x.size(-1) != self.channels:
            raise ValueError(f"GraphTransformerLayer: x has width {x.size(-1)}, the layer "
                             f"expects {self.channels}")
        check_edge_index(edge_index, x.size(0))
        if batch is None:
            batch = torch.zeros(x.size(0), dtype=torch.long, device=x.device)
        y = self.norm1(x)
        dense, mask = to_dense_batch(y, batch)
        args: dict[str, Tensor] = {}
        if self.adjacency != "none":
            # to_dense_adj gives [B, src, dst]; query i reads key j along an edge j → i
            a = to_dense_adj(edge_index, batch, max_num_nodes=dense.size(1)).transpose(1, 2)
            if self.adjacency == "mask":
                eye = torch.eye(a.size(1), dtype=torch.bool, device=x.device)
                args["attn_mask"] = (a > 0) | eye
            else:
                args["attn_bias"] = a.unsqueeze(1) * self.adj_bias.view(1, -1, 1, 1)
        glob = self.attn(dense, mask=mask, **args)[mask]
        h = x + F.dropout(glob, self.dropout, self.training)
        if self.local is not None:
            adj = adj if adj is not None else CSR.from_edge_index(edge_index, x.size(0))
            h = h + F.dropout(self.local(y, adj), self.dropout, self.training)
        return h + F.dropout(self.ffn(self.norm2(h)), self.dropout, self.training)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.channels}, heads={self.heads}, "
                f"attention='{self.kind}', local='{self.local_kind}', "
                f"adjacency='{self.adjacency}')")
