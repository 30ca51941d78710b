"""The forecasting model of "Virtual Nodes Improve Long-term Traffic Prediction" (2025):
an STGCN backbone and a multi-horizon head over one adjacency variant (distance, all-ones,
adaptive, semi-adaptive with virtual nodes), registered for the ``forecast`` task.

A forecast model maps ``[B, T_in, N, C]`` to ``[B, horizon, N, C]``.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor, nn

from graphlab.construct import SemiAdaptiveAdjacency, dense_to_sparse_weighted
from graphlab.heads import FORECAST_VARIANTS, MultiHorizonHead
from graphlab.models.registry import register
from graphlab.nn.spatiotemporal import STGCN


class Forecaster(nn.Module):
    r"""STGCN backbone + multi-horizon head over the graph of one adjacency variant:

    * ``'distance'``: the given (distance-kernel) adjacency, no virtual nodes;
    * ``'ones'``: plus one virtual node linked both ways with weight 1 to every sensor;
    * ``'adaptive'``: :math:`\mathrm{ReLU}(E_1E_2^\top - E_2E_1^\top)` over sensors and
      ``num_virtual`` virtual nodes (the distance adjacency is not used);
    * ``'semi'``: the distance adjacency between sensors, the adaptive blocks for every pair
      touching a virtual node (:class:`graphlab.construct.SemiAdaptiveAdjacency`).

    Virtual nodes get a zero input signal; their outputs are dropped.

    Args:
        num_nodes (int): sensors :math:`N`.
        in_channels (int), out_channels (int): channels per step in and out.
        adjacency (Tensor): ``[N, N]`` sensor adjacency (``adj[i, j]`` = weight of i → j).
        input_steps (int), horizon (int): window lengths.
        variant (str): see above (default ``'distance'``).
        num_virtual (int): virtual nodes (``'adaptive'``, ``'semi'``; ``'ones'`` uses 1).
        embed_dim (int), threshold (float): of the adaptive part.
        hidden_channels, num_blocks, kernel_size, K, dropout: of :class:`graphlab.nn.STGCN`.

    Shapes:
        ``x`` ``[B, T_in, N, C_in]`` → ``[B, horizon, N, C_out]``.
    """

    def __init__(self, num_nodes: int, in_channels: int, out_channels: int, adjacency: Tensor,
                 input_steps: int = 12, horizon: int = 12, variant: str = "distance",
                 num_virtual: int = 0, embed_dim: int = 10, threshold: float = 0.0,
                 hidden_channels: int = 64, num_blocks: int = 2, kernel_size: int = 3,
                 K: int = 2, dropout: float = 0.0):
        super().__init__()
        if variant not in FORECAST_VARIANTS:
            raise ValueError(f"unknown variant '{variant}'; choose one of {FORECAST_VARIANTS}")
        if list(adjacency.shape) != [num_nodes, num_nodes]:
            raise ValueError(f"adjacency is {list(adjacency.shape)} but there are {num_nodes} "
                             "sensors")
        if variant == "ones":
            num_virtual = 1
        if variant in ("adaptive", "semi") and num_virtual < (1 if variant == "semi" else 0):
            raise ValueError(f"variant 'semi' needs num_virtual >= 1, got {num_virtual}")
        if variant == "distance" and num_virtual:
            raise ValueError("variant 'distance' has no virtual nodes; use 'semi', 'adaptive' "
                             "or 'ones'")
        self.num_nodes, self.num_virtual, self.variant = num_nodes, num_virtual, variant
        self.adjacency = (None if variant == "distance" else SemiAdaptiveAdjacency(
            num_nodes, num_virtual, embed_dim, threshold,
            adjacency.float() if variant != "adaptive" else None,
            variant))
        if variant == "distance":
            edge_index, weight = dense_to_sparse_weighted(adjacency.float())
            self.register_buffer("edge_index", edge_index)
            self.register_buffer("edge_weight", weight)
        self.backbone = STGCN(in_channels, hidden_channels, input_steps, num_blocks,
                              kernel_size, K, dropout)
        self.head = MultiHorizonHead(hidden_channels, horizon, out_channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for m in (self.adjacency, self.backbone, self.head):
            if m is not None:
                m.reset_parameters()

    def graph(self) -> tuple[Tensor, Tensor]:
        """The current ``(edge_index, edge_weight)`` over sensors + virtual nodes."""
        if self.adjacency is None:
            return self.edge_index, self.edge_weight
        return self.adjacency(sparse=True)

    def pad(self, x: Tensor) -> Tensor:
        """Append zero signals for the virtual nodes: ``[B, T, N, C]`` → ``[B, T, N + n_v, C]``."""
        if not self.num_virtual:
            return x
        B, T, _, C = x.shape
        return torch.cat([x, x.new_zeros(B, T, self.num_virtual, C)], 2)

    def forward(self, x: Tensor, return_layers: bool = False):
        if x.dim() != 4 or x.size(2) != self.num_nodes:
            raise ValueError(f"x must be [B, T, N={self.num_nodes}, C], got {list(x.shape)}")
        edge_index, weight = self.graph()
        out = self.backbone(self.pad(x), edge_index, weight, return_layers=return_layers)
        h, layers = out if return_layers else (out, None)
        pred = self.head(h[:, :self.num_nodes])
        return (pred, layers) if return_layers else pred

    def virtual_weights(self) -> Optional[Tensor]:
        """The learned weights between sensors and virtual nodes: ``[N, n_v]`` (sensor →
        virtual plus virtual → sensor), or ``None`` without learned virtual nodes."""
        if self.adjacency is None or self.variant == "ones" or not self.num_virtual:
            return None
        a = self.adjacency().detach()
        n = self.num_nodes
        return a[:n, n:] + a[n:, :n].t()

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(num_nodes={self.num_nodes}, variant={self.variant!r}, "
                f"num_virtual={self.num_virtual}, horizon={self.head.horizon})")


register("stgcn", task="forecast",
         description="STGCN with distance / all-ones / adaptive / semi-adaptive adjacency "
                     "(virtual nodes).")(Forecaster)
