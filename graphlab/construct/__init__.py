"""graphlab.construct: graph construction and topology measures."""
from graphlab.construct.link_heuristics import HEURISTICS, link_heuristic, undirected_csr
from graphlab.construct.topology import (
    approximate_topological_concentration,
    node_link_quality,
    topological_concentration,
)

__all__ = ["HEURISTICS", "approximate_topological_concentration", "link_heuristic",
           "node_link_quality", "topological_concentration", "undirected_csr"]
