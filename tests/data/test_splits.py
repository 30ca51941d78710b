import pytest
import torch

from graphlab.data import given_node_split, load_dataset, random_link_split, random_node_split
from graphlab.data.splits import sample_non_edges, undirected_pairs
from tests.helpers import random_graph


def test_random_node_split_sizes_and_disjointness():
    tr, va, te = random_node_split(101, 0.6, 0.2, seed=0)
    assert (int(tr.sum()), int(va.sum()), int(te.sum())) == (61, 20, 20)
    assert bool(((tr.int() + va.int() + te.int()) == 1).all())
    tr2, _, _ = random_node_split(101, 0.6, 0.2, seed=0)
    assert torch.equal(tr, tr2)
    assert not torch.equal(tr, random_node_split(101, 0.6, 0.2, seed=1)[0])
    with pytest.raises(ValueError, match="train \\+ val < 1"):
        random_node_split(10, 0.9, 0.2, seed=0)


@pytest.mark.mirror
def test_given_split_walks_the_geom_gcn_splits_with_the_seed(mirror):
    data = load_dataset("texas")[0]
    for seed in (0, 3, 13):
        tr, _, _ = given_node_split(data, None, seed)
        assert torch.equal(tr, data.train_mask[:, seed % 10])
    tr, _, _ = given_node_split(data, 4, seed=0)
    assert torch.equal(tr, data.train_mask[:, 4])
    with pytest.raises(ValueError, match="split index 10 out of range.*10 splits"):
        given_node_split(data, 10, seed=0)


def test_link_split_sizes_disjointness_and_no_leak():
    _, edge_index = random_graph(200, 1500, seed=2)
    sp = random_link_split(edge_index, 200, val_ratio=0.1, test_ratio=0.2, val_neg_ratio=2.0,
                           seed=5)
    pairs = undirected_pairs(edge_index, 200)
    n = pairs.size(1)
    assert sp.val_pos.size(1) == round(0.1 * n) and sp.test_pos.size(1) == round(0.2 * n)
    assert sp.train_pos.size(1) == n - sp.val_pos.size(1) - sp.test_pos.size(1)
    assert sp.val_neg.size(1) == 2 * sp.val_pos.size(1)
    assert sp.test_neg.size(1) == sp.test_pos.size(1)

    def keys(p):
        lo, hi = p.min(0).values, p.max(0).values
        return set((lo * 200 + hi).tolist())

    train = keys(sp.train_edge_index)
    assert train == keys(sp.train_pos)
    assert not train & keys(sp.test_pos) and not train & keys(sp.val_pos)
    assert not keys(sp.val_pos) & keys(sp.test_pos)
    positives = keys(pairs)
    negatives = keys(sp.val_neg) | keys(sp.test_neg)
    assert not negatives & positives
    assert len(negatives) == sp.val_neg.size(1) + sp.test_neg.size(1)
    assert bool((sp.val_neg[0] != sp.val_neg[1]).all())
    # the training adjacency holds both directions
    assert sp.train_edge_index.size(1) == 2 * sp.train_pos.size(1)


def test_link_split_is_seeded():
    _, edge_index = random_graph(100, 600, seed=1)
    a = random_link_split(edge_index, 100, seed=3)
    b = random_link_split(edge_index, 100, seed=3)
    c = random_link_split(edge_index, 100, seed=4)
    assert torch.equal(a.test_pos, b.test_pos) and torch.equal(a.test_neg, b.test_neg)
    assert not torch.equal(a.test_pos, c.test_pos)


def test_negative_sampling_refuses_impossible_requests():
    full = undirected_pairs(torch.combinations(torch.arange(5)).t(), 5)
    with pytest.raises(ValueError, match="only 0 non-edges"):
        sample_non_edges(5, 1, full, torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="at least 3 undirected edges"):
        random_link_split(torch.tensor([[0], [1]]), 2)


GEOM_GCN_FILES = {
    "chameleon": "WikipediaNetwork/chameleon/geom_gcn/raw/chameleon",
    "squirrel": "WikipediaNetwork/squirrel/geom_gcn/raw/squirrel",
    "actor": "Actor/raw/film",
    "cornell": "WebKB/cornell/raw/cornell",
    "texas": "WebKB/texas/raw/texas",
    "wisconsin": "WebKB/wisconsin/raw/wisconsin",
}


@pytest.mark.mirror
@pytest.mark.parametrize("name", sorted(GEOM_GCN_FILES))
def test_given_split_per_seed_is_exactly_the_geom_gcn_file(name, mirror):
    import numpy as np

    from graphlab.data import load_dataset
    data = load_dataset(name)[0]
    for i in range(10):
        split = np.load(f"{mirror}/{GEOM_GCN_FILES[name]}_split_0.6_0.2_{i}.npz")
        masks = given_node_split(data, None, seed=i)
        for key, mask in zip(("train_mask", "val_mask", "test_mask"), masks, strict=True):
            assert torch.equal(mask, torch.from_numpy(split[key]).bool()), (name, i, key)
