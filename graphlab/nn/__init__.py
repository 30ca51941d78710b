"""graphlab.nn: encoders usable inside any PyG model, and the model registry."""
from graphlab.nn import baselines as _baselines  # noqa: F401  (fills the registry)
from graphlab.nn.adpa import ADPA
from graphlab.nn.aggregate import OpsMessagePassing, to_csr
from graphlab.nn.baselines import NodeMLP
from graphlab.nn.dirgnn import DirGCNNormConv, DirGNN
from graphlab.nn.gin import GINConv
from graphlab.nn.ncn import NCNCPredictor, NCNLinkModel, NCNPredictor, PureGCN
from graphlab.nn.registry import MODELS, ModelSpec, build_model, get_model_spec, register_model

__all__ = ["ADPA", "DirGCNNormConv", "DirGNN", "GINConv", "MODELS", "ModelSpec",
           "NCNCPredictor", "NCNLinkModel", "NCNPredictor", "NodeMLP", "OpsMessagePassing",
           "PureGCN", "build_model", "get_model_spec", "register_model", "to_csr"]
