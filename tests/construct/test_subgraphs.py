import networkx as nx
import pytest
import torch
from torch_geometric.data import Batch, Data

from graphlab.construct import SubgraphBag, shortest_path_distances, subgraph_bag
from tests.helpers import random_graph


def test_distances_equal_networkx():
    _, ei = random_graph(15, 18, seed=4, self_loops=False)
    g = nx.Graph()
    g.add_nodes_from(range(15))
    g.add_edges_from(ei.t().tolist())
    ref = dict(nx.all_pairs_shortest_path_length(g))
    dist = shortest_path_distances(ei, 15)
    for u in range(15):
        for v in range(15):
            assert dist[u, v] == ref[u].get(v, -1)


def test_all_pairs_bag_indexes_the_right_pairs():
    path = torch.tensor([[0, 1, 2], [1, 2, 3]])  # 0 - 1 - 2 - 3
    bag = subgraph_bag(path, 4, max_dis=2)
    u, v = bag["pair_index"]
    assert u.tolist() == [0] * 4 + [1] * 4 + [2] * 4 + [3] * 4
    assert bag["pair_dist"].view(4, 4)[0].tolist() == [0, 1, 2, 2]  # capped at max_dis
    pid = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(u, v, strict=True))}
    assert int(bag["uu_index"][pid[(2, 3)]]) == pid[(2, 2)]
    assert int(bag["vv_index"][pid[(2, 3)]]) == pid[(3, 3)]
    assert int(bag["vu_index"][pid[(2, 3)]]) == pid[(3, 2)]
    ul = {(int(s), int(t)) for s, t in bag["ul_index"].t()}
    # inside subgraph 0, node 2's neighbours are 1 and 3
    assert (pid[(0, 1)], pid[(0, 2)]) in ul and (pid[(0, 3)], pid[(0, 2)]) in ul
    assert len(ul) == 4 * 6  # every root × 6 directed edges
    vl = {(int(s), int(t)) for s, t in bag["vl_index"].t()}
    # for the pair (2, 0): the neighbours of u = 2 are 1 and 3
    assert (pid[(1, 0)], pid[(2, 0)]) in vl and (pid[(3, 0)], pid[(2, 0)]) in vl


def test_ego_bag_keeps_pairs_within_the_radius():
    path = torch.tensor([[0, 1, 2], [1, 2, 3]])
    bag = subgraph_bag(path, 4, hops=1)
    pairs = {tuple(p) for p in bag["pair_index"].t().tolist()}
    assert pairs == {(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 1), (2, 2), (2, 3), (3, 2),
                     (3, 3)}
    p = bag["pair_index"].size(1)
    for key in ("ul_index", "vl_index"):
        assert int(bag[key].max()) < p


def test_batched_bags_shift_pair_indices():
    a = SubgraphBag()(Data(x=torch.ones(3, 1), edge_index=torch.tensor([[0, 1], [1, 2]])))
    b = SubgraphBag()(Data(x=torch.ones(2, 1), edge_index=torch.tensor([[0], [1]])))
    batch = Batch.from_data_list([a, b])
    assert batch.pair_index.size(1) == 9 + 4
    assert batch.pair_index[:, 9:].min() == 3  # nodes of the second graph
    assert batch.uu_index[9:].min() >= 9 and batch.ul_index[:, a.ul_index.size(1):].min() >= 9
    assert batch.batch.tolist() == [0, 0, 0, 1, 1]
    n_ul = a.ul_edge.numel()
    assert batch.ul_edge[:n_ul].max() < 2 and batch.ul_edge[n_ul:].min() >= 2  # edges of b


def test_bag_errors():
    with pytest.raises(ValueError, match="at least one node"):
        subgraph_bag(torch.zeros(2, 0, dtype=torch.long), 0)
    with pytest.raises(ValueError, match="max_dis"):
        subgraph_bag(torch.zeros(2, 0, dtype=torch.long), 2, max_dis=0)
    with pytest.raises(ValueError, match="hops"):
        subgraph_bag(torch.zeros(2, 0, dtype=torch.long), 2, hops=-1)
