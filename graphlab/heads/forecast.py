"""Multi-horizon forecasting: a head over the spatio-temporal backbone's node states, and the
forecaster that owns the adjacency variant (distance, all-ones, adaptive, semi-adaptive with
virtual nodes) of "Virtual Nodes Improve Long-term Traffic Prediction" (2025)."""
from __future__ import annotations

from torch import Tensor, nn

FORECAST_VARIANTS = ("distance", "ones", "adaptive", "semi")


class MultiHorizonHead(nn.Module):
    """Node states ``[B, N, H]`` → forecasts ``[B, horizon, N, C_out]`` by a 2-layer MLP that
    emits every horizon step at once.

    Args:
        in_channels (int): state width :math:`H`.
        horizon (int): steps ahead.
        out_channels (int): channels per step (default ``1``).
    """

    def __init__(self, in_channels: int, horizon: int, out_channels: int = 1):
        super().__init__()
        if horizon < 1:
            raise ValueError(f"horizon must be positive, got {horizon}")
        self.horizon, self.out_channels = horizon, out_channels
        self.mlp = nn.Sequential(nn.Linear(in_channels, in_channels), nn.ReLU(),
                                 nn.Linear(in_channels, horizon * out_channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for lin in (self.mlp[0], self.mlp[2]):
            lin.reset_parameters()

    def forward(self, h: Tensor) -> Tensor:
        B, N, _ = h.shape
        return self.mlp(h).view(B, N, self.horizon, self.out_channels).transpose(1, 2)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.mlp[0].in_features}, horizon={self.horizon}, "
                f"out_channels={self.out_channels})")
