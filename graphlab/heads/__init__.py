"""graphlab.heads: task heads — pair scorers, graph pooling, the multi-horizon forecast head."""
from graphlab.heads.forecast import FORECAST_VARIANTS, MultiHorizonHead
from graphlab.heads.graph import POOLS, GraphPool
from graphlab.heads.link import DotScorer, MLPScorer

__all__ = ["FORECAST_VARIANTS", "POOLS", "DotScorer", "GraphPool", "MLPScorer",
           "MultiHorizonHead"]
