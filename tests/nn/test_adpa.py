"""ADPA: precomputation against dense products, equivariance, cache, gradients, errors."""
import math

import pytest
import torch
import torch.nn.functional as F

from graphlab.construct.directed import PATTERNS
from graphlab.models import build_model
from graphlab.nn import ADPA
from graphlab.nn.adpa import hop_weight, precompute_patterns
from tests.helpers import (
    assert_node_equivariant,
    dense_adjacency,
    dense_directed_operator,
    random_graph,
)


def test_hop_weights_follow_the_paper():
    assert hop_weight(1) == 1.0
    assert hop_weight(2) == pytest.approx(1 - math.log(2))


def test_precompute_matches_dense_recursion():
    x, ei = random_graph(20, 60, 5, seed=0)
    x = x.double()
    feats = precompute_patterns(x, ei, PATTERNS, num_hops=3, r=0.43)
    a = dense_adjacency(ei, 20)
    for pattern, got in zip(PATTERNS, feats, strict=True):
        h = x
        for k in range(1, 4):
            h = dense_directed_operator(a, pattern, 0.43) @ (hop_weight(k) * h)
            torch.testing.assert_close(got[:, k - 1], h)


def test_adpa_is_permutation_equivariant():
    x, ei = random_graph(30, 90, 6, seed=1)
    torch.manual_seed(0)
    model = ADPA(6, 8, 3).eval()
    assert_node_equivariant(lambda x_, e_: model(x_, e_), x, ei)


def test_an_input_edited_in_place_is_never_answered_from_an_old_propagation():
    """Without ``cached`` every call propagates its own input: an in-place edit (also one
    through ``.data``, which leaves no version trace) changes the output."""
    x, ei = random_graph(15, 40, 4, seed=2)
    model = ADPA(4, 8, 2).eval()
    before = model(x, ei)
    x.data.mul_(2.0)
    after = model(x, ei)
    fresh = ADPA(4, 8, 2).eval()
    fresh.load_state_dict(model.state_dict())
    torch.testing.assert_close(after, fresh(x.clone(), ei.clone()))
    assert not torch.allclose(before, after)


def test_cached_propagates_once_until_reset():
    """``cached=True`` is PyG's transductive pattern: the first call's propagation serves
    every later call; reset_parameters() forgets it."""
    x, ei = random_graph(15, 40, 4, seed=2)
    model = ADPA(4, 8, 2, cached=True).eval()
    out = model(x, ei)
    feats = model._cached_inputs[1]
    torch.testing.assert_close(model(x, ei), out)
    assert model._cached_inputs[1] is feats and "cached=True" in repr(model)
    model.reset_parameters()
    assert model._cached_inputs is None


def test_gradients_reach_every_parameter_and_training_fits():
    x, ei = random_graph(40, 160, 6, seed=3)
    y = torch.randint(0, 3, (40,), generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    model = ADPA(6, 16, 3, dropout=0.0)
    F.cross_entropy(model(x, ei), y).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    first = None
    for _ in range(60):
        opt.zero_grad()
        loss = F.cross_entropy(model(x, ei), y)
        first = first if first is not None else float(loss)
        loss.backward()
        opt.step()
    assert float(loss) < 0.5 * first


def test_hop_attention_is_a_distribution():
    x, ei = random_graph(12, 30, 4, seed=4)
    model = ADPA(4, 8, 2, num_hops=3)
    att = model.hop_attention_weights(x, ei)
    assert att.shape == (12, 6, 3)
    torch.testing.assert_close(att.sum(-1), torch.ones(12, 6))


def test_registry_builds_adpa_with_a_pattern_subset():
    model = build_model("adpa", "node", {"patterns": ["A", "At"]}, in_channels=4,
                        out_channels=3, num_nodes=10)
    assert isinstance(model, ADPA) and model.patterns == ("A", "At")
    x, ei = random_graph(10, 20, 4)
    assert model(x, ei).shape == (10, 3)


def test_bad_input():
    with pytest.raises(ValueError, match="patterns"):
        ADPA(4, 8, 2, patterns=["A", "B"])
    with pytest.raises(ValueError, match="num_hops"):
        ADPA(4, 8, 2, num_hops=0)
    model = ADPA(4, 8, 2)
    x, ei = random_graph(10, 20, 4)
    with pytest.raises(ValueError, match="expects 4 input features"):
        model(torch.randn(10, 5), ei)
    with pytest.raises(ValueError, match="out of range"):
        model(x, torch.tensor([[0], [10]]))
    x[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN|nan|finite"):
        model(x, ei)


def test_self_loop_only_graph_is_handled_as_documented():
    """Self-loops are dropped: A and Aᵀ become I (normalised: I), the two-hop patterns are
    empty (rows of zeros), so ADPA sees X itself and zeros; no error, no NaN."""
    x = torch.randn(6, 4)
    ei = torch.arange(6).repeat(2, 1)
    feats = precompute_patterns(x, ei, PATTERNS, num_hops=2, r=0.43)
    torch.testing.assert_close(feats[0][:, 0], x)                     # A: hop 1 = I x
    torch.testing.assert_close(feats[0][:, 1], hop_weight(2) * x)     # hop 2 = w_2 I x
    assert torch.count_nonzero(feats[2]) == 0                         # AA: no two-step walks
    out = ADPA(4, 8, 3)(x, ei)
    assert torch.isfinite(out).all()


def test_bfloat16_features_propagate():
    x, ei = random_graph(12, 30, 4, seed=6)
    first = precompute_patterns(x.bfloat16(), ei)
    assert first[0].dtype == torch.bfloat16
    torch.testing.assert_close(first[0].float(), precompute_patterns(x, ei)[0], atol=0.05,
                               rtol=0.05)


def test_standardize_z_scores_every_branch_input_and_leaves_the_raw_propagation():
    x, ei = random_graph(25, 80, 5, seed=7)
    x = 3.0 * x + 7.0
    shared = precompute_patterns(x, ei)
    kept = [f.clone() for f in shared]
    model = ADPA(5, 8, 3, standardize=True, cached=True).eval()
    feats = model.precompute(x, ei)
    x_in = model._cached_inputs[0]
    torch.testing.assert_close(x_in.mean(0), torch.zeros(5), atol=1e-5, rtol=0)
    torch.testing.assert_close(x_in.std(0, unbiased=False), torch.ones(5))
    for got, raw in zip(feats, kept, strict=True):                 # [N, K, F] per pattern
        torch.testing.assert_close(got.mean(0), torch.zeros(got.shape[1:]), atol=1e-5, rtol=0)
        spread = raw.std(0, unbiased=False)
        want = torch.where(spread > 1e-12, torch.ones_like(spread), torch.zeros_like(spread))
        torch.testing.assert_close(got.std(0, unbiased=False), want)
        torch.testing.assert_close(got, (raw - raw.mean(0)) / torch.where(
            spread > 1e-12, spread, torch.ones_like(spread)))
    for a, b in zip(shared, kept, strict=True):                      # raw features untouched
        assert torch.equal(a, b)
    plain = ADPA(5, 8, 3).eval()
    assert not torch.equal(plain.precompute(x, ei)[0], feats[0])
    assert "standardize=True" in repr(model)


def test_standardize_keeps_equivariance_and_the_registry_passes_it():
    x, ei = random_graph(30, 90, 6, seed=8)
    torch.manual_seed(0)
    built = build_model("adpa", "node", {"standardize": True}, in_channels=6,
                        out_channels=3, num_nodes=30).eval()
    assert built.standardize and built.cached        # the node task's one fixed graph
    model = ADPA(6, 32, 3, standardize=True).eval()   # uncached: each permutation propagates
    model.load_state_dict(built.state_dict())
    assert_node_equivariant(lambda x_, e_: model(x_, e_), x, ei)
