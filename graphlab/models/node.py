"""Node-classification models: PyG's MLP / GCN / GraphSAGE / GAT / LINKX baselines, residual
baselines with layer normalisation, the directed Dir-GNN and ADPA, registered for the
``node`` task.

Every node model maps ``(x, edge_index) -> logits [N, out_channels]``.
"""
from __future__ import annotations

from torch import Tensor, nn
from torch_geometric.nn.models import GAT, GCN, LINKX, GraphSAGE

from graphlab.models.registry import register
from graphlab.nn import ADPA, DirGNN, NodeMLP, ResidualGNN

register("mlp", task="node", description="MLP on features only (no message passing).",
         defaults={"hidden_channels": 64})(NodeMLP)


@register("gcn", task="node")
def gcn(in_channels: int, out_channels: int, hidden_channels: int = 64, num_layers: int = 2,
        dropout: float = 0.5) -> nn.Module:
    """GCN (Kipf & Welling, ICLR 2017), PyG's ``GCN``."""
    return GCN(in_channels, hidden_channels, num_layers, out_channels, dropout=dropout)


@register("sage", task="node")
def sage(in_channels: int, out_channels: int, hidden_channels: int = 64, num_layers: int = 2,
         dropout: float = 0.5, aggr: str = "mean") -> nn.Module:
    """GraphSAGE (Hamilton et al., NeurIPS 2017), PyG's ``GraphSAGE``."""
    return GraphSAGE(in_channels, hidden_channels, num_layers, out_channels, dropout=dropout,
                     aggr=aggr)


@register("gat", task="node")
def gat(in_channels: int, out_channels: int, hidden_channels: int = 64, num_layers: int = 2,
        dropout: float = 0.5, heads: int = 8, v2: bool = False) -> nn.Module:
    """GAT (Veličković et al., ICLR 2018) or GATv2, PyG's ``GAT`` (hidden split over heads)."""
    if hidden_channels % heads:
        raise ValueError(f"hidden_channels ({hidden_channels}) must be divisible by heads "
                         f"({heads})")
    return GAT(in_channels, hidden_channels, num_layers, out_channels, dropout=dropout,
               heads=heads, v2=v2)


register("dir_gcn", task="node", fixed={"conv": "gcn"}, defaults={"hidden_channels": 128},
         description="Dir-GCN (Rossi et al., LoG 2023) on PyG's DirGNNConv, D_out/D_in "
                     "normalisation.")(DirGNN)
register("dir_sage", task="node", fixed={"conv": "sage"}, defaults={"hidden_channels": 128},
         description="Dir-SAGE (Rossi et al., LoG 2023) on PyG's DirGNNConv with a root "
                     "weight.")(DirGNN)


# Platonov et al.'s baselines: pre-norm residual blocks with layer normalisation
_RESIDUAL = "(Platonov et al., ICLR 2023): pre-norm residual blocks, layer normalisation, GELU"
register("res_gcn", task="node", fixed={"aggregation": "gcn"}, defaults={"hidden_channels": 64},
         description=f"Residual GCN {_RESIDUAL}.")(ResidualGNN)
register("res_sage", task="node", fixed={"aggregation": "sage"}, defaults={"hidden_channels": 64},
         description=f"Residual GraphSAGE {_RESIDUAL}.")(ResidualGNN)
register("resnet", task="node", fixed={"aggregation": "none"}, defaults={"hidden_channels": 64},
         description=f"ResNet, the graph-free control {_RESIDUAL}.")(ResidualGNN)


@register("linkx", task="node")
class LINKXNode(nn.Module):
    """LINKX (Lim et al., NeurIPS 2021), PyG's implementation (adjacency rows as features).

    PyG's ``LINKX`` behind the ``(x, edge_index)`` signature of the node task.
    """

    def __init__(self, in_channels: int, out_channels: int, num_nodes: int,
                 hidden_channels: int = 64, num_layers: int = 1, num_edge_layers: int = 1,
                 num_node_layers: int = 1, dropout: float = 0.5):
        super().__init__()
        self.linkx = LINKX(num_nodes=num_nodes, in_channels=in_channels,
                           hidden_channels=hidden_channels, out_channels=out_channels,
                           num_layers=num_layers, num_edge_layers=num_edge_layers,
                           num_node_layers=num_node_layers, dropout=dropout)

    def reset_parameters(self) -> None:
        self.linkx.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        return self.linkx(x, edge_index)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.linkx!r})"


# the node task trains and evaluates on one fixed graph: ADPA propagates once (cached)
register("adpa", task="node", fixed={"cached": True},
         description="ADPA (Sun et al., ICDE 2024): directed-pattern propagation with hop "
                     "attention.")(ADPA)
