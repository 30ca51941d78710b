"""graphlab.construct: graph construction and topology measures."""
from graphlab.construct.adjacency import (
    AdaptiveAdjacency,
    SemiAdaptiveAdjacency,
    dense_to_sparse_weighted,
    distance_matrix,
    gaussian_distance_adjacency,
    transition_matrices,
)
from graphlab.construct.attention import attention_graph
from graphlab.construct.directed import (
    PATTERNS,
    AMUDResult,
    amud_test,
    directed_operator,
    directed_operators,
)
from graphlab.construct.duplicates import (
    RemoveDuplicateNodes,
    duplicate_nodes,
    filtered_counts,
    keep_nodes,
    twin_leakage,
)
from graphlab.construct.heterophily import (
    UndefinedMeasureError,
    adjusted_homophily,
    class_insensitive_homophily,
    edge_homophily,
    format_homophily_table,
    homophily_report,
    label_informativeness,
    node_homophily,
    node_homophily_vector,
)
from graphlab.construct.link_heuristics import HEURISTICS, link_heuristic, undirected_csr
from graphlab.construct.spectral import EigenPE, laplacian_eigenpairs, normalized_laplacian
from graphlab.construct.subgraphs import (
    SubgraphBag,
    SubgraphData,
    shortest_path_distances,
    subgraph_bag,
)
from graphlab.construct.topology import (
    approximate_topological_concentration,
    node_link_quality,
    topological_concentration,
)
from graphlab.construct.virtual_nodes import AddVirtualNodes, virtual_mask

__all__ = ["AMUDResult", "AdaptiveAdjacency", "AddVirtualNodes", "EigenPE", "HEURISTICS",
           "PATTERNS", "RemoveDuplicateNodes", "SemiAdaptiveAdjacency", "SubgraphBag",
           "SubgraphData", "UndefinedMeasureError", "adjusted_homophily", "amud_test",
           "approximate_topological_concentration", "attention_graph",
           "class_insensitive_homophily", "dense_to_sparse_weighted", "directed_operator",
           "directed_operators", "distance_matrix", "duplicate_nodes", "edge_homophily",
           "filtered_counts", "format_homophily_table", "gaussian_distance_adjacency",
           "homophily_report", "keep_nodes", "label_informativeness", "laplacian_eigenpairs",
           "link_heuristic", "node_homophily", "node_homophily_vector", "node_link_quality",
           "normalized_laplacian", "shortest_path_distances", "subgraph_bag",
           "topological_concentration", "transition_matrices", "twin_leakage", "undirected_csr",
           "virtual_mask"]
