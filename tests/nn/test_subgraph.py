"""SWL aggregations against dense n × n × F references, and the hierarchy's theory checks."""
import pytest
import torch
from torch_geometric.data import Batch, Data
from torch_geometric.utils import to_undirected

from graphlab.construct import SubgraphBag, subgraph_bag
from graphlab.models import SubgraphGNN, build_model
from graphlab.nn import AGGREGATIONS, PRESETS, PairGraph, SWLConv
from tests.helpers import (
    WL_EQUIVALENT_PAIRS as PAIRS,
)
from tests.helpers import (
    cycle,
    dense_adjacency,
    graph,
    random_graph,
    rook_4x4,
    shrikhande,
)


def pair_graph(ei, n, hops=None):
    bag = subgraph_bag(ei, n, hops=hops)
    return bag, PairGraph(bag["pair_index"], bag["ul_index"], bag["vl_index"],
                          bag["uu_index"], bag["vv_index"], bag["vu_index"], n,
                          bag["ul_edge"], bag["vl_edge"])


def dense_reference(name, h, a, member):
    """h: [n, n, F] zero outside the bag; a: symmetric adjacency; member: [n, n] bool."""
    out = {
        "uL": torch.einsum("vw,uwf->uvf", a, h),
        "vL": torch.einsum("uw,wvf->uvf", a, h),
        "uG": h.sum(1, keepdim=True).expand_as(h),
        "vG": h.sum(0, keepdim=True).expand_as(h),
        "uu": torch.diagonal(h).t()[:, None, :].expand_as(h),
        "vv": torch.diagonal(h).t()[None, :, :].expand_as(h),
        "vu": h.transpose(0, 1),
    }[name]
    return out * member[..., None]


@pytest.mark.parametrize("hops", [None, 1, 2])
@pytest.mark.parametrize("name", AGGREGATIONS)
def test_aggregations_equal_dense_references(name, hops):
    n = 9
    _, ei = random_graph(n, 14, seed=5, self_loops=False)
    bag, pg = pair_graph(ei, n, hops)
    u, v = bag["pair_index"]
    member = torch.zeros(n, n, dtype=torch.bool)
    member[u, v] = True
    h = torch.randn(u.numel(), 3, dtype=torch.float64)
    dense = torch.zeros(n, n, 3, dtype=torch.float64)
    dense[u, v] = h
    a = dense_adjacency(to_undirected(ei), n).to(torch.float64).clamp(max=1)
    ref = dense_reference(name, dense, a, member)
    torch.testing.assert_close(pg.aggregate(h, name), ref[u, v])


def embed(model, data, bag=True):
    model = model.double().eval()
    data = SubgraphBag()(data) if bag else data
    with torch.no_grad():
        return model(Batch.from_data_list([data]))


def distinguishes(model, g, h, bag=True) -> bool:
    a, b = embed(model, g, bag), embed(model, h, bag)
    return bool((a - b).abs().max() > 1e-6 * (a.abs().max() + 1))


def test_the_pairs_are_1wl_equivalent_and_not_isomorphic():
    from graphlab.models import GINGraph

    torch.manual_seed(0)
    gin = GINGraph(1, 16, 4, num_layers=4)
    for g, h in PAIRS.values():
        assert g.edge_index.size(1) == h.edge_index.size(1)
        assert not distinguishes(gin, g, h, bag=False)  # GIN (1-WL) cannot


@pytest.mark.parametrize("pair", list(PAIRS))
def test_sswl_separates_1wl_equivalent_pairs(pair):
    torch.manual_seed(0)
    g, h = PAIRS[pair]
    for preset in ("SSWL", "SSWL+"):
        assert distinguishes(SubgraphGNN(1, 16, 4, preset, num_layers=3), g, h)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_no_preset_separates_the_srg_16_6_2_2_pair(preset):
    torch.manual_seed(0)
    model = SubgraphGNN(1, 16, 4, preset, num_layers=3)
    assert not distinguishes(model, rook_4x4(), shrikhande())


def test_subgraph_gnn_is_invariant_and_batches_independently():
    torch.manual_seed(0)
    model = SubgraphGNN(3, 8, 2, "SSWL+", num_layers=2).double().eval()
    graphs = []
    for seed, n in ((0, 5), (1, 7)):
        x, ei = random_graph(n, 2 * n, 3, seed=seed, self_loops=False)
        graphs.append(SubgraphBag()(Data(x=x.double(), edge_index=ei)))
    together = model(Batch.from_data_list(graphs))
    alone = torch.cat([model(Batch.from_data_list([g])) for g in graphs])
    torch.testing.assert_close(together, alone)
    g = graphs[1]
    perm = torch.randperm(7, generator=torch.Generator().manual_seed(2))
    inv = torch.empty_like(perm)
    inv[perm] = torch.arange(7)
    relabelled = SubgraphBag()(Data(x=g.x[perm], edge_index=inv[g.edge_index]))
    torch.testing.assert_close(model(Batch.from_data_list([relabelled])), alone[1:])


def test_configuration_errors():
    with pytest.raises(ValueError, match="unknown preset"):
        SubgraphGNN(1, 64, 1, "SSWL++")
    with pytest.raises(ValueError, match="non-empty subset"):
        SWLConv(4, 4, ["uL", "wu"])
    with pytest.raises(ValueError, match="pooling must be"):
        SubgraphGNN(1, 64, 1, None, aggregations=["uL"], pooling="UV")
    model = build_model("swl", "graph", {"preset": "GSWL", "max_dis": 2}, in_channels=1,
                        out_channels=1)
    with pytest.raises(ValueError, match="SubgraphBag"):
        model(Batch.from_data_list([graph(cycle(4), 4)]))
    with pytest.raises(ValueError, match="max_dis=2"):
        model(Batch.from_data_list([SubgraphBag(max_dis=5)(graph(cycle(8), 8))]))


@pytest.mark.parametrize("hops", [None, 1])
@pytest.mark.parametrize("name", ["uL", "vL"])
def test_local_aggregations_with_edge_features_equal_dense_references(name, hops):
    n = 8
    _, ei = random_graph(n, 12, seed=6, self_loops=False, duplicates=False)
    ei = ei[:, ei[0] < ei[1]]  # each undirected edge listed once: the bag uses both ways
    bag, pg = pair_graph(ei, n, hops)
    u, v = bag["pair_index"]
    member = torch.zeros(n, n, dtype=torch.bool)
    member[u, v] = True
    h = torch.randn(u.numel(), 3, dtype=torch.float64)
    emb = torch.randn(ei.size(1), 3, dtype=torch.float64)
    dense_emb = torch.zeros(n, n, 3, dtype=torch.float64)
    dense_emb[ei[0], ei[1]] = emb
    dense_emb[ei[1], ei[0]] = emb
    a = dense_adjacency(to_undirected(ei), n).to(torch.float64).clamp(max=1)
    dense = torch.zeros(n, n, 3, dtype=torch.float64)
    dense[u, v] = h
    ref = torch.zeros(n, n, 3, dtype=torch.float64)
    for x, y in member.nonzero().tolist():
        for w in range(n):
            if name == "uL" and a[y, w] and member[x, w]:
                ref[x, y] += (dense[x, w] + dense_emb[w, y]).relu()
            if name == "vL" and a[x, w] and member[w, y]:
                ref[x, y] += (dense[w, y] + dense_emb[w, x]).relu()
    torch.testing.assert_close(pg.aggregate(h, name, emb), ref[u, v])


def test_subgraph_gnn_reads_edge_features_and_batches_them():
    torch.manual_seed(0)
    graphs = []
    for seed, n in ((0, 5), (1, 6)):
        x, ei = random_graph(n, 2 * n, 2, seed=seed, self_loops=False)
        graphs.append(SubgraphBag()(Data(x=x.double(), edge_index=ei,
                                         edge_attr=torch.randn(ei.size(1), 3))))
    model = build_model("swl", "graph", {"hidden_channels": 8, "num_layers": 2},
                        in_channels=2, out_channels=1, edge_channels=3).double().eval()
    together = model(Batch.from_data_list(graphs))
    alone = torch.cat([model(Batch.from_data_list([g])) for g in graphs])
    torch.testing.assert_close(together, alone)
    changed = graphs[1].clone()
    changed.edge_attr = changed.edge_attr + 1.0
    assert not torch.allclose(model(Batch.from_data_list([changed])), alone[1:])
