"""graphlab.heads: task heads (pair scorers and link models; graph pooling and graph models)."""
from graphlab.heads.graph import POOLS, GINEGraph, GINGraph, GraphPool, GraphTransformer
from graphlab.heads.link import GAE, DotScorer, HeuristicLinkModel, MLPScorer

__all__ = ["GAE", "POOLS", "DotScorer", "GINEGraph", "GINGraph", "GraphPool", "GraphTransformer",
           "HeuristicLinkModel", "MLPScorer"]
