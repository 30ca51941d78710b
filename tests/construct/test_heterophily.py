"""Homophily measures: hand-computed values on a 5-node digraph, PyG parity, 2-hop, errors."""
import math

import pytest
import torch
from torch_geometric.utils import coalesce, homophily, to_undirected

from graphlab.construct.heterophily import (
    adjusted_homophily,
    class_insensitive_homophily,
    edge_homophily,
    format_homophily_table,
    homophily_report,
    label_informativeness,
    neighbour_pairs,
    node_homophily,
    node_homophily_vector,
)

# 0→1, 1→2, 2→0, 2→3, 3→4 ; classes: {0, 1, 4} = 0, {2, 3} = 1
EDGES = torch.tensor([[0, 1, 2, 2, 3], [1, 2, 0, 3, 4]])
Y = torch.tensor([0, 0, 1, 1, 0])


def test_edge_homophily_by_hand():
    # undirected pairs {0,1} {1,2} {0,2} {2,3} {3,4}: same label for {0,1} and {2,3}
    assert edge_homophily(EDGES, Y) == pytest.approx(2 / 5)
    assert edge_homophily(EDGES, Y, "out") == pytest.approx(2 / 5)


def test_node_homophily_vector_by_hand_in_every_direction():
    und = node_homophily_vector(EDGES, Y)
    assert torch.allclose(und, torch.tensor([1 / 2, 1 / 2, 1 / 3, 1 / 2, 0.0],
                                            dtype=torch.float64))
    out = node_homophily_vector(EDGES, Y, "out")          # successors; node 4 has none
    assert torch.allclose(out[:4], torch.tensor([1.0, 0.0, 0.5, 0.0], dtype=torch.float64))
    assert math.isnan(float(out[4]))
    inn = node_homophily_vector(EDGES, Y, "in")           # predecessors
    assert torch.allclose(inn, torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0], dtype=torch.float64))
    assert node_homophily(EDGES, Y) == pytest.approx((0.5 + 0.5 + 1 / 3 + 0.5) / 5)
    assert node_homophily(EDGES, Y, "out") == pytest.approx(1.5 / 4)   # nan left out
    assert node_homophily(EDGES, Y, "in") == pytest.approx(2 / 5)


def test_adjusted_homophily_and_label_informativeness_by_hand():
    # degrees 2, 2, 3, 2, 1: class-degree mass D_0 = 5, D_1 = 5, so chance agreement = 1/2
    assert adjusted_homophily(EDGES, Y) == pytest.approx((0.4 - 0.5) / (1 - 0.5))
    # ordered pairs: (0,0) 2, (1,1) 2, (0,1) 3, (1,0) 3 out of 10
    joint = [0.2, 0.2, 0.3, 0.3]
    h_joint = -sum(p * math.log(p) for p in joint)
    expected = (2 * math.log(2) - h_joint) / math.log(2)
    assert label_informativeness(EDGES, Y) == pytest.approx(expected)


def test_class_insensitive_by_hand():
    # pairs centred on class 0: 5, of which 2 same (h_0 = .4 < 3/5); class 1: h_1 = .4 = 2/5
    assert class_insensitive_homophily(EDGES, Y) == pytest.approx(0.0)
    y = torch.tensor([0, 0, 1, 1, 1])     # now h_0 = 2/4 vs 2/5, h_1 = 4/6 vs 3/5
    expected = max(0, 2 / 4 - 2 / 5) + max(0, 4 / 6 - 3 / 5)
    assert class_insensitive_homophily(EDGES, y) == pytest.approx(expected)


def _random_undirected(seed: int, n: int = 60, m: int = 240, classes: int = 4):
    g = torch.Generator().manual_seed(seed)
    ei = torch.randint(0, n, (2, m), generator=g)
    ei = ei[:, ei[0] != ei[1]]
    ei = to_undirected(ei, num_nodes=n)
    # give every node a neighbour so PyG's convention (isolated nodes count 0) agrees
    ring = torch.stack([torch.arange(n), (torch.arange(n) + 1) % n])
    ei = coalesce(to_undirected(torch.cat([ei, ring], 1), num_nodes=n), num_nodes=n)
    y = torch.arange(n) % classes
    y = y[torch.randperm(n, generator=g)]
    return ei, y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_pyg_where_pyg_has_the_measure(seed):
    ei, y = _random_undirected(seed)
    assert edge_homophily(ei, y) == pytest.approx(homophily(ei, y, method="edge"))
    assert node_homophily(ei, y) == pytest.approx(homophily(ei, y, method="node"), abs=1e-6)
    assert class_insensitive_homophily(ei, y) == pytest.approx(
        homophily(ei, y, method="edge_insensitive"), abs=1e-6)


def test_in_direction_is_pygs_convention_on_a_digraph():
    g = torch.Generator().manual_seed(3)
    n = 40
    ei = torch.randint(0, n, (2, 200), generator=g)
    ring = torch.stack([torch.arange(n), (torch.arange(n) + 1) % n])
    ei = coalesce(torch.cat([ei, ring], 1), num_nodes=n)
    ei = ei[:, ei[0] != ei[1]]
    y = torch.randint(0, 3, (n,), generator=g)
    assert node_homophily(ei, y, "in") == pytest.approx(homophily(ei, y, method="node"),
                                                        abs=1e-6)


def test_two_hop_pairs_are_the_binarised_square_without_the_diagonal():
    ei, _ = _random_undirected(4, n=25, m=40)
    n = 25
    dense = torch.zeros(n, n)
    dense[ei[0], ei[1]] = 1
    two = (dense @ dense > 0).float()
    two.fill_diagonal_(0)
    c, nb = neighbour_pairs(ei, n, "undirected", hops=2)
    got = torch.zeros(n, n)
    got[c, nb] = 1
    assert torch.equal(got, two)
    # directed: out 2-hop is A·A, in 2-hop its transpose
    a = torch.zeros(5, 5)
    a[EDGES[0], EDGES[1]] = 1
    aa = (a @ a > 0).float()
    aa.fill_diagonal_(0)
    c, nb = neighbour_pairs(EDGES, 5, "out", hops=2)
    got = torch.zeros(5, 5)
    got[c, nb] = 1
    assert torch.equal(got, aa)
    c, nb = neighbour_pairs(EDGES, 5, "in", hops=2)
    got = torch.zeros(5, 5)
    got[c, nb] = 1
    assert torch.equal(got, aa.t())


def test_self_loops_and_duplicates_do_not_count():
    noisy = torch.cat([EDGES, EDGES, torch.tensor([[0, 3], [0, 3]])], 1)
    for fn in (edge_homophily, node_homophily, adjusted_homophily, label_informativeness):
        assert fn(noisy, Y) == pytest.approx(fn(EDGES, Y))


def test_report_has_every_variant_and_measure_and_a_table():
    report = homophily_report(EDGES, Y)
    assert set(report) == {"undirected", "out", "in", "undirected_2hop", "out_2hop",
                           "in_2hop"}
    assert report["undirected"]["edge"] == pytest.approx(0.4)
    table = format_homophily_table({"toy": report})
    assert table.splitlines()[2].startswith("| toy | 0.400 |")


def test_report_gives_nan_for_a_variant_without_pairs():
    star_out = torch.tensor([[0, 0, 0], [1, 2, 3]])
    report = homophily_report(star_out, torch.tensor([0, 1, 0, 1]), variants=["out_2hop"])
    assert all(math.isnan(v) for v in report["out_2hop"].values())


def test_negative_labels_error_or_are_ignored():
    y = Y.clone()
    y[4] = -1
    with pytest.raises(ValueError, match="negative label"):
        edge_homophily(EDGES, y)
    # ignoring node 4 drops the pair {3,4}: 2 of the remaining 4 pairs agree
    assert edge_homophily(EDGES, y, unlabelled="ignore") == pytest.approx(2 / 4)
    assert math.isnan(float(node_homophily_vector(EDGES, y, unlabelled="ignore")[4]))


def test_missing_classes_are_not_counted():
    y = Y * 2                        # classes 0 and 2; class 1 has no node
    assert class_insensitive_homophily(EDGES, y) == pytest.approx(
        class_insensitive_homophily(EDGES, Y))
    assert label_informativeness(EDGES, y) == pytest.approx(label_informativeness(EDGES, Y))


def test_bad_input_gets_one_clear_error():
    with pytest.raises(ValueError, match="no 1-hop 'undirected' neighbour pairs"):
        edge_homophily(torch.tensor([[0, 1], [0, 1]]), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="no 1-hop"):
        edge_homophily(torch.empty(2, 0, dtype=torch.long), torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="integer"):
        edge_homophily(EDGES, Y.float())
    with pytest.raises(ValueError, match="one label per node"):
        edge_homophily(EDGES, Y[:3])
    with pytest.raises(ValueError, match="shape"):
        edge_homophily(EDGES, Y.view(1, -1))
    with pytest.raises(ValueError, match="direction"):
        edge_homophily(EDGES, Y, "sideways")
    with pytest.raises(ValueError, match="out of range|index"):
        edge_homophily(torch.tensor([[0], [9]]), Y)
    with pytest.raises(ValueError, match="variant"):
        homophily_report(EDGES, Y, variants=["diagonal"])


def test_a_single_class_graph_names_the_undefined_measure():
    """On a one-class graph the class-based measures are undefined: called alone each says
    so; the report, which covers many variants, shows nan for them."""
    from graphlab.construct import UndefinedMeasureError
    y = torch.zeros(5, dtype=torch.long)
    assert edge_homophily(EDGES, y) == 1.0
    for measure, name in ((adjusted_homophily, "adjusted homophily"),
                          (label_informativeness, "label informativeness"),
                          (class_insensitive_homophily, "class-insensitive homophily")):
        with pytest.raises(UndefinedMeasureError, match=f"{name} is undefined.*single"):
            measure(EDGES, y)
    report = homophily_report(EDGES, y, variants=["undirected"])["undirected"]
    assert report["edge"] == 1.0 and math.isnan(report["adjusted"])
