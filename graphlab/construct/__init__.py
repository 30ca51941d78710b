"""graphlab.construct: graph construction and topology measures."""
from graphlab.construct.link_heuristics import HEURISTICS, link_heuristic

__all__ = ["HEURISTICS", "link_heuristic"]
