"""graphlab.ops: the sparse kernels and the input checks every layer above relies on.

This package imports torch only (never torch_geometric), so that a layer file
plus ``graphlab/ops`` can be copied into another project.
"""
from graphlab.ops.checks import check_edge_index, check_features

__all__ = ["check_edge_index", "check_features"]
