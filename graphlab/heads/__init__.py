"""graphlab.heads: task heads (pair scorers, link models)."""
from graphlab.heads.link import GAE, DotScorer, HeuristicLinkModel, MLPScorer

__all__ = ["GAE", "DotScorer", "HeuristicLinkModel", "MLPScorer"]
