"""Eigen-decomposition positional encodings: the first ``d`` eigenpairs of the
symmetric-normalised Laplacian, λ = 0 included, zero-padded to ``d`` with a mask.

PyG's ``AddLaplacianEigenvectorPE`` drops λ = 0, flips signs at random, keeps no
eigenvalues and cannot pad; SPE, SignNet and BasisNet need all of that (docs/papers/spe.md).
"""
from __future__ import annotations

import warnings

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.transforms import BaseTransform

from graphlab.ops import check_edge_index


def normalized_laplacian(edge_index: Tensor, num_nodes: int) -> "scipy.sparse.csr_matrix":  # noqa: F821
    r""":math:`L = D^{-1/2}(D - A)D^{-1/2}` as a symmetric SciPy matrix (the edge set is
    symmetrised, duplicates and self-loops dropped, :math:`0^{-1/2} := 0`). An isolated node
    is its own component: its row is zero and it contributes an eigenvalue 0."""
    import scipy.sparse as sp

    check_edge_index(edge_index, num_nodes)
    row, col = edge_index.cpu().numpy()
    keep = row != col
    row, col = row[keep], col[keep]
    a = sp.coo_matrix((np.ones(row.size), (row, col)), shape=(num_nodes, num_nodes)).tocsr()
    a = ((a + a.T) > 0).astype(np.float64)
    deg = np.asarray(a.sum(1)).ravel()
    inv_sqrt = np.zeros_like(deg)
    inv_sqrt[deg > 0] = deg[deg > 0] ** -0.5
    d_inv = sp.diags(inv_sqrt)
    lap = sp.diags((deg > 0).astype(np.float64)) - d_inv @ a @ d_inv
    return lap.tocsr()


def laplacian_eigenpairs(edge_index: Tensor, num_nodes: int, k: int,
                         dense_below: int = 500, tol: float = 1e-8,
                         max_iter: int | None = None) -> tuple[Tensor, Tensor]:
    """The ``min(k, n)`` smallest eigenvalues ``[k']`` and orthonormal eigenvectors
    ``[n, k']`` (float64) of :func:`normalized_laplacian`, ascending.

    Graphs with fewer than ``dense_below`` nodes (or ``k`` close to ``n``) use a dense
    ``eigh``; larger ones SciPy's Lanczos ``eigsh``. When ``eigsh`` does not converge the
    dense solver takes over with a warning (a graph too large for it raises).
    """
    import scipy.sparse.linalg as sla

    if num_nodes < 1:
        raise ValueError("eigen-PE of an empty graph (0 nodes)")
    check_edge_index(edge_index, num_nodes)
    k = min(k, num_nodes)
    lap = normalized_laplacian(edge_index, num_nodes)
    if num_nodes >= dense_below and k < num_nodes - 1:
        try:
            # shift so that the wanted (smallest) eigenvalues are the largest of 2I - L
            vals, vecs = sla.eigsh(2.0 * _identity(num_nodes) - lap, k=k, which="LA", tol=tol,
                                   maxiter=max_iter)
            vals = 2.0 - vals
            order = np.argsort(vals)
            return torch.from_numpy(vals[order]), torch.from_numpy(vecs[:, order])
        except sla.ArpackNoConvergence:
            if num_nodes > 20000:
                raise RuntimeError(f"the sparse eigensolver did not converge on a graph of "
                                   f"{num_nodes} nodes, too large for the dense fallback") from None
            warnings.warn(f"eigsh did not converge ({num_nodes} nodes, k={k}); using the "
                          "dense solver", RuntimeWarning, stacklevel=2)
    vals, vecs = np.linalg.eigh(lap.toarray())
    return torch.from_numpy(vals[:k]), torch.from_numpy(vecs[:, :k])


def _identity(n: int):
    import scipy.sparse as sp
    return sp.identity(n, format="csr")


class EigenPE(BaseTransform):
    r"""Store the first ``k`` eigenpairs of :math:`L = D^{-1/2}(D - A)D^{-1/2}`, including
    λ = 0, zero-padded to ``k``.

    Writes ``data.eigvals`` ``[1, k]`` (graph-level, so batches stack to ``[G, k]``),
    ``data.eigvecs`` ``[N, k]`` and ``data.eig_mask`` ``[1, k]`` (``True`` for real pairs,
    ``False`` for padding when the graph has fewer than ``k`` nodes). Signs and bases
    inside repeated eigenvalues are whatever the solver returns: models must be invariant
    to them (SPE, SignNet, BasisNet are). The input is not modified.

    Args:
        k (int): number of eigenpairs.
        dtype (torch.dtype): storage dtype (default ``torch.float32``).
        dense_below (int): graphs smaller than this use a dense solver (default ``500``).

    Raises ``ValueError`` for a graph with 0 nodes.
    """

    def __init__(self, k: int, dtype: torch.dtype = torch.float32, dense_below: int = 500):
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self.k, self.dtype, self.dense_below = k, dtype, dense_below

    def forward(self, data: Data) -> Data:
        n = data.num_nodes or 0
        if n < 1:
            raise ValueError("EigenPE: the graph is empty (0 nodes)")
        vals, vecs = laplacian_eigenpairs(data.edge_index, n, self.k, self.dense_below)
        m = vals.numel()
        eigvals = torch.zeros(1, self.k, dtype=self.dtype)
        eigvecs = torch.zeros(n, self.k, dtype=self.dtype)
        mask = torch.zeros(1, self.k, dtype=torch.bool)
        eigvals[0, :m] = vals.clamp_min(0.0).to(self.dtype)  # round-off below 0
        eigvecs[:, :m] = vecs.to(self.dtype)
        mask[0, :m] = True
        data = data.clone()
        data.eigvals, data.eigvecs, data.eig_mask = eigvals, eigvecs, mask
        return data

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(k={self.k})"
