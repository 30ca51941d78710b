"""Node-classification baselines: PyG's own MLP / GCN / GraphSAGE / GAT, registered by name.

These are thin registrations of ``torch_geometric.nn.models`` so that configs can
name them; a researcher importing graphlab layers into their own model does not
need this file.
"""
from __future__ import annotations

from torch import Tensor, nn
from torch_geometric.nn import MLP
from torch_geometric.nn.models import GAT, GCN, GraphSAGE

from graphlab.nn.registry import register_model
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


@register_model("mlp", task="node")
def mlp(in_channels: int, out_channels: int, hidden_channels: int = 64, num_layers: int = 2,
        dropout: float = 0.5) -> nn.Module:
    """MLP on features only (no message passing)."""
    return NodeMLP(in_channels, hidden_channels, out_channels, num_layers, dropout)


@register_model("gcn", task="node")
def gcn(in_channels: int, out_channels: int, hidden_channels: int = 64, num_layers: int = 2,
        dropout: float = 0.5) -> nn.Module:
    """GCN (Kipf & Welling, ICLR 2017), PyG's ``GCN``."""
    return GCN(in_channels, hidden_channels, num_layers, out_channels, dropout=dropout)


@register_model("sage", task="node")
def sage(in_channels: int, out_channels: int, hidden_channels: int = 64, num_layers: int = 2,
         dropout: float = 0.5, aggr: str = "mean") -> nn.Module:
    """GraphSAGE (Hamilton et al., NeurIPS 2017), PyG's ``GraphSAGE``."""
    return GraphSAGE(in_channels, hidden_channels, num_layers, out_channels, dropout=dropout,
                     aggr=aggr)


@register_model("gat", task="node")
def gat(in_channels: int, out_channels: int, hidden_channels: int = 64, num_layers: int = 2,
        dropout: float = 0.5, heads: int = 8, v2: bool = False) -> nn.Module:
    """GAT (Veličković et al., ICLR 2018) or GATv2, PyG's ``GAT`` (hidden split over heads)."""
    if hidden_channels % heads:
        raise ValueError(f"hidden_channels ({hidden_channels}) must be divisible by heads "
                         f"({heads})")
    return GAT(in_channels, hidden_channels, num_layers, out_channels, dropout=dropout,
               heads=heads, v2=v2)
