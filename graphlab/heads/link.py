"""Link-prediction heads: pair scorers, the GAE model and the heuristic models.

Every link model maps ``(x, edge_index, pairs) -> logits [P]`` where ``edge_index`` is
the adjacency the model may see (the training edges) and ``pairs`` is ``[2, P]``.
"""
from __future__ import annotations

from torch import Tensor, nn
from torch_geometric.nn import MLP
from torch_geometric.nn.models import GCN

from graphlab.construct import HEURISTICS, link_heuristic
from graphlab.nn.registry import register_model


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


class GAE(nn.Module):
    """Graph auto-encoder: an encoder ``(x, edge_index) -> h`` and a pair scorer.

    Args:
        encoder (nn.Module): node encoder.
        scorer (nn.Module): ``(h, pairs) -> logits``.

    Shapes:
        x ``[N, F]``, edge_index ``[2, E]``, pairs ``[2, P]`` → logits ``[P]``.
    """

    def __init__(self, encoder: nn.Module, scorer: nn.Module):
        super().__init__()
        self.encoder, self.scorer = encoder, scorer
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.encoder.reset_parameters()
        self.scorer.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor, pairs: Tensor) -> Tensor:
        return self.scorer(self.encoder(x, edge_index), pairs)


class HeuristicLinkModel(nn.Module):
    """A parameter-free link model scoring pairs by CN / AA / RA on ``edge_index``."""

    def __init__(self, kind: str):
        super().__init__()
        if kind not in HEURISTICS:
            raise ValueError(f"unknown heuristic '{kind}'; choose one of {HEURISTICS}")
        self.kind = kind

    def forward(self, x: Tensor, edge_index: Tensor, pairs: Tensor) -> Tensor:
        return link_heuristic(edge_index, pairs, x.size(0), self.kind).to(x.dtype)

    def __repr__(self) -> str:
        return f"HeuristicLinkModel(kind='{self.kind}')"


@register_model("gae", task="link")
def gae(in_channels: int, hidden_channels: int = 128, num_layers: int = 2, dropout: float = 0.0,
        decoder: str = "dot") -> nn.Module:
    """GAE: GCN encoder + dot-product or MLP decoder (Kipf & Welling, 2016)."""
    if decoder not in ("dot", "mlp"):
        raise ValueError(f"decoder must be 'dot' or 'mlp', got '{decoder}'")
    encoder = GCN(in_channels, hidden_channels, num_layers, dropout=dropout)
    scorer = DotScorer() if decoder == "dot" else MLPScorer(hidden_channels, dropout=dropout)
    return GAE(encoder, scorer)


def _register_heuristic(kind: str, title: str) -> None:
    @register_model(kind, task="link", description=f"{title} heuristic (no parameters)")
    def build(in_channels: int) -> nn.Module:
        return HeuristicLinkModel(kind)


_register_heuristic("cn", "common-neighbours")
_register_heuristic("aa", "Adamic-Adar")
_register_heuristic("ra", "resource-allocation")
