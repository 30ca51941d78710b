import networkx as nx
import numpy as np
import pytest
import torch
from torch_geometric.data import Data
from torch_geometric.utils import to_undirected

from graphlab.construct import EigenPE, laplacian_eigenpairs, normalized_laplacian
from tests.helpers import random_graph


def cycle(n: int) -> torch.Tensor:
    i = torch.arange(n)
    return to_undirected(torch.stack([i, (i + 1) % n]))


def test_laplacian_equals_networkx_normalized_laplacian():
    _, ei = random_graph(12, 30, seed=3, self_loops=True)
    ei = to_undirected(ei)
    g = nx.Graph()
    g.add_nodes_from(range(12))
    g.add_edges_from((int(a), int(b)) for a, b in ei.t() if a != b)
    ref = nx.normalized_laplacian_matrix(g, nodelist=range(12)).toarray()
    np.testing.assert_allclose(normalized_laplacian(ei, 12).toarray(), ref, atol=1e-12)


def test_eigenpairs_of_a_cycle_include_zero_and_are_orthonormal():
    vals, vecs = laplacian_eigenpairs(cycle(6), 6, k=6)
    # C6: 1 - cos(2 pi j / 6) -> 0, .5, .5, 1.5, 1.5, 2
    np.testing.assert_allclose(vals.numpy(), [0, .5, .5, 1.5, 1.5, 2], atol=1e-12)
    lap = normalized_laplacian(cycle(6), 6).toarray()
    np.testing.assert_allclose(lap @ vecs.numpy(), vecs.numpy() * vals.numpy(), atol=1e-10)
    np.testing.assert_allclose(vecs.numpy().T @ vecs.numpy(), np.eye(6), atol=1e-10)


def test_sparse_solver_agrees_with_the_dense_one():
    _, ei = random_graph(80, 400, seed=1, self_loops=False)
    ei = to_undirected(ei)
    dense_vals, _ = laplacian_eigenpairs(ei, 80, k=6)
    sparse_vals, sparse_vecs = laplacian_eigenpairs(ei, 80, k=6, dense_below=10)
    np.testing.assert_allclose(sparse_vals.numpy(), dense_vals.numpy(), atol=1e-7)
    lap = normalized_laplacian(ei, 80).toarray()
    np.testing.assert_allclose(lap @ sparse_vecs.numpy(), sparse_vecs.numpy() * sparse_vals.numpy(),
                               atol=1e-6)


def test_sparse_solver_falls_back_to_dense_when_it_does_not_converge():
    _, ei = random_graph(60, 300, seed=2, self_loops=False)
    ei = to_undirected(ei)
    with pytest.warns(RuntimeWarning, match="dense solver"):
        vals, _ = laplacian_eigenpairs(ei, 60, k=5, dense_below=10, max_iter=1, tol=1e-14)
    np.testing.assert_allclose(vals.numpy(), laplacian_eigenpairs(ei, 60, k=5)[0].numpy(),
                               atol=1e-10)


def test_eigen_pe_pads_and_masks_small_graphs():
    data = Data(x=torch.ones(3, 2), edge_index=torch.tensor([[0, 1], [1, 2]]))
    out = EigenPE(5)(data)
    assert out.eigvals.shape == (1, 5) and out.eigvecs.shape == (3, 5)
    assert out.eig_mask.tolist() == [[True, True, True, False, False]]
    assert out.eigvals[0, 0].item() == pytest.approx(0.0, abs=1e-6)
    assert out.eigvecs[:, 3:].abs().sum() == 0 and out.eigvals[0, 3:].abs().sum() == 0
    assert not hasattr(data, "eigvals") or data.eigvals is None  # input untouched


def test_single_node_disconnected_and_isolated_nodes():
    one = EigenPE(3)(Data(edge_index=torch.zeros(2, 0, dtype=torch.long), num_nodes=1))
    assert one.eig_mask.tolist() == [[True, False, False]]
    assert one.eigvals[0, 0] == 0 and one.eigvecs[0, 0].abs() == pytest.approx(1.0)
    # two triangles plus an isolated node: three components, three zero eigenvalues
    tri = torch.tensor([[0, 1, 2, 3, 4, 5], [1, 2, 0, 4, 5, 3]])
    two = EigenPE(4)(Data(edge_index=to_undirected(tri), num_nodes=7))
    np.testing.assert_allclose(two.eigvals[0, :4].numpy(), [0, 0, 0, 1.5], atol=1e-6)


def test_eigen_pe_errors():
    with pytest.raises(ValueError, match="empty"):
        EigenPE(3)(Data(edge_index=torch.zeros(2, 0, dtype=torch.long), num_nodes=0))
    with pytest.raises(ValueError, match="k must be at least 1"):
        EigenPE(0)
    with pytest.raises(ValueError, match="out of range|num_nodes"):
        laplacian_eigenpairs(torch.tensor([[0], [7]]), 3, 2)
