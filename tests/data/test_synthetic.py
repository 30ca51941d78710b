import pytest
import torch

from graphlab.data import directed_csbm


def edge_homophily(data):
    row, col = data.edge_index
    return float((data.y[row] == data.y[col]).float().mean())


@pytest.mark.parametrize("h", [0.1, 0.5, 0.9])
def test_realised_homophily_follows_the_knob(h):
    data = directed_csbm(num_nodes=2000, num_classes=4, avg_degree=8, homophily=h, seed=3)
    assert abs(edge_homophily(data) - h) < 0.03


def test_asymmetry_one_makes_every_cross_class_edge_follow_the_class_cycle():
    data = directed_csbm(num_nodes=600, num_classes=3, homophily=0.0, asymmetry=1.0, seed=1)
    row, col = data.edge_index
    assert bool(((data.y[row] + 1) % 3 == data.y[col]).all())
    # an undirected view would mix c-1 and c+1; the directed view separates them
    sym = directed_csbm(num_nodes=600, num_classes=3, homophily=0.0, asymmetry=0.0, seed=1)
    r, c = sym.edge_index
    frac_forward = float(((sym.y[r] + 1) % 3 == sym.y[c]).float().mean())
    assert 0.4 < frac_forward < 0.6


def test_graph_is_a_pure_function_of_its_arguments():
    a, b = directed_csbm(seed=7), directed_csbm(seed=7)
    for key in ("x", "edge_index", "y", "train_mask"):
        assert torch.equal(a[key], b[key])
    assert not torch.equal(a.edge_index, directed_csbm(seed=8).edge_index)


def test_structure_is_clean_and_split_partitions_the_nodes():
    data = directed_csbm(num_nodes=300, seed=0)
    row, col = data.edge_index
    assert bool((row != col).all())
    assert torch.unique(data.edge_index, dim=1).size(1) == data.edge_index.size(1)
    assert torch.equal(torch.bincount(data.y), torch.full((4,), 75))
    total = data.train_mask.int() + data.val_mask.int() + data.test_mask.int()
    assert bool((total == 1).all())
    assert int(data.train_mask.sum()) == 180


def test_feature_signal_zero_carries_no_class_information():
    data = directed_csbm(num_nodes=4000, feature_signal=0.0, seed=0)
    means = torch.stack([data.x[data.y == c].mean(0) for c in range(4)])
    assert float(means.abs().max()) < 0.15


@pytest.mark.parametrize("kwargs, match", [
    ({"homophily": 1.5}, "homophily must lie in"),
    ({"asymmetry": -0.1}, "asymmetry must lie in"),
    ({"num_classes": 1}, "num_classes must be at least 2"),
    ({"num_nodes": 0}, "num_nodes must be at least 1"),
    ({"train_ratio": 0.9, "val_ratio": 0.2}, "train_ratio"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        directed_csbm(**kwargs)


def test_substructure_counts_equal_brute_force_monomorphism_counts():
    import networkx as nx
    from networkx.algorithms.isomorphism import GraphMatcher

    from graphlab.data.synthetic import substructure_counts

    patterns = {"triangle": (nx.cycle_graph(3), 6), "cycle4": (nx.cycle_graph(4), 8),
                "star": (nx.star_graph(3), 6),
                "tailed_triangle": (nx.Graph([(0, 1), (1, 2), (2, 0), (0, 3)]), 2)}
    for seed in range(4):
        g = nx.gnp_random_graph(8, 0.45, seed=seed)
        ei = torch.tensor(list(g.edges())).t()
        counts = substructure_counts(ei, 8)
        for name, (pattern, automorphisms) in patterns.items():
            monos = sum(1 for _ in GraphMatcher(g, pattern).subgraph_monomorphisms_iter())
            assert counts[name] == monos // automorphisms, (seed, name)


def test_counting_dataset_targets_are_normalised_counts():
    from graphlab.data import load_dataset
    from graphlab.data.synthetic import SUBSTRUCTURES

    ds = load_dataset("counting", num_graphs=200, seed=1)
    y = torch.cat([g.y for g in ds])
    counts = torch.cat([g.counts for g in ds]).double()
    assert y.shape == (200, 4)
    torch.testing.assert_close(y.double(), counts / counts.std(0), atol=1e-5, rtol=1e-5)
    tri = load_dataset("counting", num_graphs=200, seed=1, target="triangle")
    torch.testing.assert_close(torch.cat([g.y for g in tri]), y[:, :1])
    assert SUBSTRUCTURES[0] == "triangle"
    with pytest.raises(ValueError, match="unknown counting target"):
        load_dataset("counting", target="pentagon")
