"""graphlab.heads: task heads (pair scorers and link models; graph pooling and graph models;
multi-horizon forecasters)."""
from graphlab.heads.forecast import FORECAST_VARIANTS, Forecaster, MultiHorizonHead
from graphlab.heads.graph import POOLS, GINEGraph, GINGraph, GraphPool, GraphTransformer
from graphlab.heads.link import GAE, DotScorer, HeuristicLinkModel, MLPScorer

__all__ = ["FORECAST_VARIANTS", "GAE", "POOLS", "DotScorer", "Forecaster", "GINEGraph",
           "GINGraph", "GraphPool", "GraphTransformer", "HeuristicLinkModel", "MLPScorer",
           "MultiHorizonHead"]
