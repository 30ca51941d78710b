"""graphlab.ops: the sparse kernels every layer uses, and the input checks.

* :class:`CSR` — a graph sorted by destination once, cached with its transpose;
  :func:`undirected_pairs` — the unique ``i < j`` pairs of an edge list.
* :func:`spmm` — fused gather-scatter aggregation (sum / mean / max / min, weighted).
* :func:`sddmm`, :func:`edge_softmax` — per-edge scores and their row softmax.
* :func:`scatter`, :func:`segment` — reductions with argmax / argmin.
* :func:`spgemm` — sparse × sparse products (two-hop operators).
* :func:`common_neighbors`, :func:`cn_aggregate` — sorted-key intersection (NCN / NCNC).

Backends: Triton on CUDA, torch native on CPU, torch_scatter on request
(:func:`resolve_backend`). This package imports torch only (never torch_geometric),
so a layer file plus ``graphlab/ops`` can be copied into another project.
"""
from graphlab.ops.backend import BACKENDS, resolve_backend
from graphlab.ops.checks import (
    check_csr,
    check_dense_signal,
    check_edge_index,
    check_features,
    check_finite,
    check_width,
)
from graphlab.ops.csr import CSR, as_csr, undirected_pairs
from graphlab.ops.intersect import cn_aggregate, common_neighbors
from graphlab.ops.reduce import scatter, segment
from graphlab.ops.spgemm import sparse_coo, spgemm
from graphlab.ops.spmm import edge_softmax, sddmm, spmm

__all__ = ["BACKENDS", "CSR", "as_csr", "check_csr", "check_dense_signal", "check_edge_index",
           "check_features", "check_finite", "check_width", "cn_aggregate", "common_neighbors",
           "edge_softmax",
           "resolve_backend", "scatter", "sddmm", "segment", "sparse_coo", "spgemm", "spmm",
           "undirected_pairs"]
