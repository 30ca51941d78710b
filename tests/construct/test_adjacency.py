import math

import pytest
import torch

from graphlab.construct import (
    AdaptiveAdjacency,
    SemiAdaptiveAdjacency,
    distance_matrix,
    gaussian_distance_adjacency,
    transition_matrices,
)


def test_gaussian_kernel_matches_the_dcrnn_rule_by_hand():
    dist = torch.tensor([[0.0, 1.0, math.inf], [2.0, 0.0, 3.0], [math.inf, 1.0, 0.0]])
    finite = torch.tensor([0.0, 1.0, 2.0, 0.0, 3.0, 1.0, 0.0], dtype=torch.float64)
    sigma = float(finite.std())
    w = gaussian_distance_adjacency(dist)
    ref = torch.exp(-(dist.double() / sigma) ** 2)
    ref[ref < 0.1] = 0
    torch.testing.assert_close(w, ref)
    assert w[0, 2] == 0 and w[0, 1] != w[1, 0]                     # not symmetrised
    assert gaussian_distance_adjacency(dist, sigma=1.0, threshold=0.5)[1, 0] == 0


def test_distance_matrix_from_an_edge_list():
    d = distance_matrix(torch.tensor([[0, 1], [1, 2]]), torch.tensor([5.0, 7.0]), 3)
    assert d[0, 1] == 5 and d[1, 2] == 7 and math.isinf(d[1, 0]) and d[2, 2] == 0
    with pytest.raises(ValueError, match=r"lie in \[0, 3\)"):
        distance_matrix(torch.tensor([[0], [3]]), torch.tensor([1.0]), 3)


def test_transition_matrices_are_row_stochastic_random_walks():
    a = torch.tensor([[0.0, 2.0, 1.0], [0.0, 0.0, 4.0], [0.0, 0.0, 0.0]])
    fwd, bwd = transition_matrices(a)
    torch.testing.assert_close(fwd, torch.tensor([[0, 2 / 3, 1 / 3], [0, 0, 1.0], [0, 0, 0]]))
    torch.testing.assert_close(bwd, torch.tensor([[0, 0, 0], [1.0, 0, 0], [0.2, 0.8, 0]]))


def test_adaptive_adjacency_is_graph_wavenet_softmax_relu():
    adj = AdaptiveAdjacency(5, 3)
    ref = torch.softmax(torch.relu(adj.e1 @ adj.e2.t()), 1)
    torch.testing.assert_close(adj(), ref)


def _semi(variant="semi", threshold=0.0, n=4, k=2):
    torch.manual_seed(0)
    base = torch.rand(n, n)
    return SemiAdaptiveAdjacency(n, k, 3, threshold, base if variant != "adaptive" else None,
                                 variant), base


def test_semi_adaptive_real_block_is_the_base_exactly_and_virtual_blocks_are_adaptive():
    adj, base = _semi()
    a = adj()
    assert a.shape == (6, 6)
    assert torch.equal(a[:4, :4], base)
    full = torch.relu(adj.scores())
    torch.testing.assert_close(a[:4, 4:], full[:4, 4:])
    torch.testing.assert_close(a[4:], full[4:])


def test_scores_are_antisymmetric_so_each_pair_keeps_one_direction():
    adj, _ = _semi("adaptive")
    s = adj.scores()
    torch.testing.assert_close(s, -s.t())
    a = adj()
    assert ((a > 0) & (a.t() > 0)).sum() == 0


def test_gradients_reach_the_embeddings_only_through_virtual_blocks():
    adj, _ = _semi()
    a = adj()
    (g,) = torch.autograd.grad(a[:4, :4].sum(), adj.e1, retain_graph=True, allow_unused=True)
    assert g is None or g.abs().sum() == 0
    g1, g2 = torch.autograd.grad(a[:4, 4:].sum() + a[4:].sum(), [adj.e1, adj.e2])
    assert g1.abs().sum() > 0 and g2.abs().sum() > 0


def test_threshold_prunes_weak_links():
    adj, _ = _semi("adaptive", threshold=0.5)
    a = adj()
    assert ((a > 0) & (a < 0.5)).sum() == 0
    raw = torch.relu(adj.scores())
    assert torch.equal(a[raw >= 0.5], raw[raw >= 0.5])


def test_all_ones_variant():
    torch.manual_seed(0)
    base = torch.rand(3, 3)
    a = SemiAdaptiveAdjacency(3, 1, base_adjacency=base, variant="ones")()
    assert torch.equal(a[:3, :3], base)
    assert torch.equal(a[:3, 3], torch.ones(3)) and torch.equal(a[3, :3], torch.ones(3))
    assert a[3, 3] == 0


def test_sparse_output_equals_dense_and_keeps_gradients():
    adj, _ = _semi(threshold=0.3)
    dense = adj()
    edge_index, weight = adj(sparse=True)
    rebuilt = torch.zeros_like(dense)
    rebuilt[edge_index[0], edge_index[1]] = weight
    torch.testing.assert_close(rebuilt, dense)
    assert weight.requires_grad


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="unknown variant"):
        SemiAdaptiveAdjacency(3, 1, variant="full")
    with pytest.raises(ValueError, match="needs base_adjacency"):
        SemiAdaptiveAdjacency(3, 1)
    with pytest.raises(ValueError, match=r"base_adjacency is \[4, 4\] but there are 3"):
        SemiAdaptiveAdjacency(3, 1, base_adjacency=torch.rand(4, 4))
    with pytest.raises(ValueError, match="exactly one virtual node"):
        SemiAdaptiveAdjacency(3, 2, base_adjacency=torch.rand(3, 3), variant="ones")
    with pytest.raises(ValueError, match="NaN"):
        SemiAdaptiveAdjacency(2, 1, base_adjacency=torch.full((2, 2), float("nan")))
    with pytest.raises(ValueError, match="non-negative distances"):
        gaussian_distance_adjacency(torch.tensor([[0.0, -1.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="sigma must be positive"):
        gaussian_distance_adjacency(torch.zeros(2, 2))
