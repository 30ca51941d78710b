import networkx as nx
import pytest
import torch
from scipy.stats import spearmanr

from graphlab.construct import (
    approximate_topological_concentration,
    node_link_quality,
    topological_concentration,
)
from graphlab.data import load_dataset, random_link_split


def test_tc_at_one_hop_is_the_clustering_coefficient():
    G = nx.karate_club_graph()
    ei = torch.tensor(list(G.edges())).t()
    tc = topological_concentration(ei, 34, K=1)
    cc = nx.clustering(G)
    torch.testing.assert_close(tc, torch.tensor([cc[i] for i in range(34)], dtype=tc.dtype))


def brute_force_tc(G, K, beta, targets):
    """Walk-count multisets by explicit matrix powers, i and j left out."""
    import numpy as np
    A = nx.to_numpy_array(G, nodelist=range(G.number_of_nodes()))
    powers = [np.linalg.matrix_power(A, k) for k in range(1, K + 1)]
    out = {}
    for i in range(len(A)):
        js = [j for j in targets.neighbors(i)] if i in targets else []
        if not js:
            continue
        ratios = []
        for j in js:
            hi = [p[i].copy() for p in powers]
            hj = [p[j].copy() for p in powers]
            for v in hi + hj:
                v[[i, j]] = 0
            num = sum(beta ** (a + c) * np.minimum(hi[a], hj[c]).sum()
                      for a in range(K) for c in range(K))
            den = sum(beta ** (a + c) * hi[a].sum() for a in range(K) for c in range(K))
            ratios.append(num / den if den > 0 else 0.0)
        out[i] = sum(ratios) / len(ratios)
    return out


def test_tc_two_hops_and_held_out_targets_match_brute_force():
    G = nx.gnm_random_graph(30, 70, seed=1)
    ei = torch.tensor(list(G.edges())).t()
    test_edges = [(0, 5), (3, 17), (9, 28)]
    T = nx.Graph(test_edges)
    got = topological_concentration(ei, 30, K=2, beta=0.5,
                                    target_edge_index=torch.tensor(test_edges).t())
    ref = brute_force_tc(G, 2, 0.5, T)
    for i in range(30):
        if i in ref:
            assert got[i].item() == pytest.approx(ref[i], rel=1e-5)
        else:
            assert torch.isnan(got[i])


@pytest.mark.mirror
@pytest.mark.parametrize("K", [1, 2])
def test_atc_agrees_with_tc_on_cora(mirror, K):
    data = load_dataset("cora")[0]
    sp = random_link_split(data.edge_index, data.num_nodes, seed=0)
    tc = topological_concentration(sp.train_edge_index, data.num_nodes, K=K)
    atc = approximate_topological_concentration(sp.train_edge_index, data.num_nodes, K=K,
                                                dim=2048)
    keep = ~torch.isnan(tc)
    assert torch.equal(keep, ~torch.isnan(atc))
    assert spearmanr(tc[keep], atc[keep]).statistic >= 0.8


def test_node_link_quality_by_hand():
    pairs = torch.tensor([[0, 0, 1], [1, 2, 2]])
    pos = torch.tensor([0.9, 0.2, 0.6])
    neg = torch.tensor([0.8, 0.5, 0.1, 0.6])
    q = node_link_quality(pairs, pos, neg, num_nodes=4, k=2)
    # threshold = 2nd best negative = 0.6: only 0.9 passes (0.6 ties and misses)
    # ranks: 0.9 → 1; 0.2 → 1 + 3 = 4; 0.6 → 1 + 1 + 0.5 (tie) = 2.5
    assert q["hits"][:3].tolist() == pytest.approx([50.0, 50.0, 0.0])
    assert q["mrr"][0].item() == pytest.approx((1 + 1 / 4) / 2)
    assert q["mrr"][2].item() == pytest.approx((1 / 4 + 1 / 2.5) / 2)
    assert torch.isnan(q["hits"][3]) and torch.isnan(q["mrr"][3])


def test_bad_input():
    ei = torch.tensor([[0, 1], [1, 2]])
    with pytest.raises(ValueError, match="K must be at least 1"):
        topological_concentration(ei, 3, K=0)
    with pytest.raises(ValueError, match="out of range"):
        approximate_topological_concentration(torch.tensor([[0], [5]]), 3)
    with pytest.raises(ValueError, match="need at least k=100 negative scores"):
        node_link_quality(ei, torch.rand(2), torch.rand(5), 3)
