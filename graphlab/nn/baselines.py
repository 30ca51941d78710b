"""A structure-free node baseline: an MLP on node features that ignores the graph."""
from __future__ import annotations

from torch import Tensor, nn
from torch_geometric.nn import MLP

from graphlab.ops import check_features, check_width


class NodeMLP(nn.Module):
    """An MLP on node features that ignores the graph (the structure-free control)."""

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int,
                 num_layers: int = 2, dropout: float = 0.5):
        super().__init__()
        self.mlp = MLP(in_channels=in_channels, hidden_channels=hidden_channels,
                       out_channels=out_channels, num_layers=num_layers, dropout=dropout,
                       norm=None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.mlp.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor | None = None) -> Tensor:
        check_features(x, name="NodeMLP: x")
        check_width(x, self.mlp.channel_list[0], "NodeMLP")
        return self.mlp(x)

    def __repr__(self) -> str:
        return f"NodeMLP({self.mlp.channel_list})"
