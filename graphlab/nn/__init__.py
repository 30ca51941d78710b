"""graphlab.nn: layers usable inside any PyG model; they take tensors and PyG adjacencies and
register nothing (the configurable models are in :mod:`graphlab.models`)."""
from graphlab.nn.adpa import ADPA
from graphlab.nn.aggregate import OpsMessagePassing, to_csr
from graphlab.nn.attention import SelfAttention
from graphlab.nn.baselines import NodeMLP
from graphlab.nn.dirgnn import DirGCNNormConv, DirGNN
from graphlab.nn.gin import GINConv, GINEConv
from graphlab.nn.gin_attention import (
    THRESHOLDS,
    GINAttention,
    SparseGINAdapter,
    lambda_schedule,
    threshold_attention,
)
from graphlab.nn.graph_transformer import GraphTransformerLayer
from graphlab.nn.grouping import DenseGroups, dense_groups
from graphlab.nn.lora import LoRALinear, apply_lora
from graphlab.nn.ncn import NCNCPredictor, NCNPredictor, PureGCN
from graphlab.nn.residual import ResidualGNN
from graphlab.nn.spe import PE_MODELS, SPE, BasisNet, ElementwiseMLPs, LapPE, SignNet
from graphlab.nn.subgraph import AGGREGATIONS, PRESETS, PairGraph, SWLConv
from graphlab.nn.transformer import (
    TransformerBlock,
    TransformerLM,
    attach_lora,
    attach_sparse_gin,
    count_parameters,
    lora_parameter_count,
)

__all__ = ["ADPA", "AGGREGATIONS", "BasisNet", "DenseGroups", "DirGCNNormConv", "DirGNN",
           "ElementwiseMLPs", "GINAttention", "GINConv", "GINEConv", "GraphTransformerLayer",
           "LapPE", "LoRALinear", "NCNCPredictor", "NCNPredictor", "NodeMLP", "OpsMessagePassing",
           "PE_MODELS", "PRESETS", "PairGraph", "PureGCN", "ResidualGNN", "SPE", "SWLConv",
           "SelfAttention", "SignNet", "SparseGINAdapter", "THRESHOLDS", "TransformerBlock",
           "TransformerLM", "apply_lora", "attach_lora", "attach_sparse_gin", "count_parameters",
           "dense_groups", "lambda_schedule", "lora_parameter_count", "threshold_attention",
           "to_csr"]
