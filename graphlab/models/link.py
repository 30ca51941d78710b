"""Link-prediction models: the graph auto-encoder, the parameter-free heuristics (CN, AA,
RA) and NCN / NCNC (Wang et al., "Neural Common Neighbor with Completion for Link
Prediction", ICLR 2024), registered for the ``link`` task.

Every link model maps ``(x, adj, pairs) -> logits [P]``, where ``adj`` is the adjacency the
model may see (the training edges) and ``pairs`` is ``[2, P]``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from torch import Tensor, nn
from torch_geometric.nn.models import GCN

from graphlab.construct import HEURISTICS, link_heuristic
from graphlab.heads import DotScorer, MLPScorer
from graphlab.models.registry import register
from graphlab.nn import NCNCPredictor, NCNPredictor, PureGCN, to_csr


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



@register("gae", task="link")
def gae(in_channels: int, hidden_channels: int = 128, num_layers: int = 2, dropout: float = 0.0,
        decoder: str = "dot") -> nn.Module:
    """GAE: GCN encoder + dot-product or MLP decoder (Kipf & Welling, 2016)."""
    if decoder not in ("dot", "mlp"):
        raise ValueError(f"decoder must be 'dot' or 'mlp', got '{decoder}'")
    encoder = GCN(in_channels, hidden_channels, num_layers, dropout=dropout)
    scorer = DotScorer() if decoder == "dot" else MLPScorer(hidden_channels, dropout=dropout)
    return GAE(encoder, scorer)


for _kind, _title in (("cn", "common-neighbours"), ("aa", "Adamic-Adar"),
                      ("ra", "resource-allocation")):
    register(_kind, task="link", fixed={"kind": _kind},
             description=f"{_title} heuristic (no parameters)")(HeuristicLinkModel)


class NCNLinkModel(nn.Module):
    """Encoder + NCN/NCNC predictor as one link model ``(x, adj, pairs) -> logits``.

    ``adj`` is the symmetric adjacency the model may see (any PyG form, or a ``CSR``);
    the encoder and the common-neighbour computation both use it.
    """

    def __init__(self, encoder: nn.Module, predictor: nn.Module):
        super().__init__()
        self.encoder, self.predictor = encoder, predictor

    def reset_parameters(self) -> None:
        self.encoder.reset_parameters()
        self.predictor.reset_parameters()

    def forward(self, x: Tensor, adj: Any, pairs: Tensor) -> Tensor:
        adj = to_csr(adj, x.size(0))
        return self.predictor(self.encoder(x, adj), adj, pairs)


@dataclass(frozen=True)
class NCNParams:
    """NCN's configurable parameters: the PureGCN encoder's (:class:`graphlab.nn.PureGCN`:
    ``hidden_channels``, ``mp_layers``, ``input_dropout``, ``gnn_dropout``, ``tail_dropout``,
    ``gnn_edge_dropout``, ``residual``, ``jk``) and the predictor's
    (:class:`graphlab.nn.NCNPredictor`, its ``dropout`` / ``edge_dropout`` named
    ``predictor_dropout`` / ``predictor_edge_dropout`` here)."""

    hidden_channels: int = 256
    mp_layers: int = 1
    input_dropout: float = 0.0
    gnn_dropout: float = 0.0
    tail_dropout: float = 0.0
    gnn_edge_dropout: float = 0.0
    residual: bool = False
    jk: bool = True
    predictor_dropout: float = 0.0
    predictor_edge_dropout: float = 0.0
    use_xlin: bool = True
    tailact: bool = True
    twolayerlin: bool = False
    layer_norm: bool = True
    beta: float = 1.0


@dataclass(frozen=True)
class NCNCParams(NCNParams):
    """NCNC's parameters: NCN's plus the completion's (:class:`graphlab.nn.NCNCPredictor`:
    ``alpha``, ``pt``, ``scale``, ``offset``, ``depth``, ``learnable_pt``)."""

    alpha: float = 1.0
    pt: float = 0.5
    scale: float = 5.0
    offset: float = 3.0
    depth: int = 1
    learnable_pt: bool = False


_ENCODER_KEYS = {"hidden_channels": "hidden_channels", "mp_layers": "num_layers",
                 "input_dropout": "input_dropout", "gnn_dropout": "dropout",
                 "tail_dropout": "tail_dropout", "gnn_edge_dropout": "edge_dropout",
                 "residual": "residual", "jk": "jk"}


def _assemble(predictor_cls: type, in_channels: int, params: NCNParams) -> NCNLinkModel:
    values = asdict(params)
    encoder = PureGCN(in_channels, **{arg: values.pop(key) for key, arg in
                                      _ENCODER_KEYS.items()})
    values["dropout"] = values.pop("predictor_dropout")
    values["edge_dropout"] = values.pop("predictor_edge_dropout")
    return NCNLinkModel(encoder, predictor_cls(params.hidden_channels, 1, **values))


def _builder(predictor_cls: type):
    def build(in_channels: int, params: NCNParams) -> NCNLinkModel:
        return _assemble(predictor_cls, in_channels, params)
    return build


register("ncn", task="link", params=NCNParams,
         description="NCN: PureGCN encoder + neural common-neighbour predictor (Wang et al., "
                     "ICLR 2024).")(_builder(NCNPredictor))
register("ncnc", task="link", params=NCNCParams,
         description="NCNC: NCN with common-neighbour completion (Wang et al., ICLR "
                     "2024).")(_builder(NCNCPredictor))
