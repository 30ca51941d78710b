"""graphlab.nn: encoders usable inside any PyG model, and the model registry."""
from graphlab.nn import baselines as _baselines  # noqa: F401  (fills the registry)
from graphlab.nn.adpa import ADPA
from graphlab.nn.aggregate import OpsMessagePassing, to_csr
from graphlab.nn.baselines import NodeMLP
from graphlab.nn.dirgnn import DirGCNNormConv, DirGNN
from graphlab.nn.gin import GINConv, GINEConv
from graphlab.nn.ncn import NCNCPredictor, NCNLinkModel, NCNPredictor, PureGCN
from graphlab.nn.registry import MODELS, ModelSpec, build_model, get_model_spec, register_model
from graphlab.nn.spe import PE_MODELS, SPE, BasisNet, ElementwiseMLPs, LapPE, SignNet
from graphlab.nn.subgraph import AGGREGATIONS, PRESETS, PairGraph, SubgraphGNN, SWLConv

__all__ = ["ADPA", "AGGREGATIONS", "BasisNet", "DirGCNNormConv", "DirGNN", "ElementwiseMLPs",
           "GINConv", "GINEConv", "LapPE", "MODELS", "ModelSpec", "NCNCPredictor", "NCNLinkModel",
           "NCNPredictor", "NodeMLP", "OpsMessagePassing", "PE_MODELS", "PRESETS", "PairGraph",
           "PureGCN", "SPE", "SWLConv", "SignNet", "SubgraphGNN", "build_model", "get_model_spec",
           "register_model", "to_csr"]
