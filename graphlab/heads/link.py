"""Link-prediction heads: pair scorers, the GAE model and the heuristic models.

Every link model maps ``(x, edge_index, pairs) -> logits [P]`` where ``edge_index`` is
the adjacency the model may see (the training edges) and ``pairs`` is ``[2, P]``.
"""
from __future__ import annotations

from torch import Tensor, nn
from torch_geometric.nn import MLP


class DotScorer(nn.Module):
    r"""Inner-product pair scorer :math:`s_{ij} = \langle h_i, h_j \rangle` (symmetric)."""

    def reset_parameters(self) -> None:
        pass

    def forward(self, h: Tensor, pairs: Tensor) -> Tensor:
        return (h[pairs[0]] * h[pairs[1]]).sum(-1)


class MLPScorer(nn.Module):
    r"""MLP on the Hadamard product, :math:`s_{ij} = \mathrm{MLP}(h_i \odot h_j)` (symmetric).

    Args:
        channels (int): input width ``F``.
        hidden_channels (int): hidden width (default ``channels``).
        num_layers (int): MLP depth (default ``2``).
        dropout (float): dropout between layers (default ``0.0``).
    """

    def __init__(self, channels: int, hidden_channels: int | None = None, num_layers: int = 2,
                 dropout: float = 0.0):
        super().__init__()
        self.mlp = MLP(in_channels=channels, hidden_channels=hidden_channels or channels,
                       out_channels=1, num_layers=num_layers, dropout=dropout, norm=None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.mlp.reset_parameters()

    def forward(self, h: Tensor, pairs: Tensor) -> Tensor:
        return self.mlp(h[pairs[0]] * h[pairs[1]]).squeeze(-1)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.mlp.channel_list[0]}, "
                f"dropout={self.mlp.dropout[0]})")
