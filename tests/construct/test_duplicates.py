"""RemoveDuplicateNodes: which nodes are duplicates, and what the filtered graph keeps."""
import pytest
import torch
from torch_geometric.data import Data

from graphlab.construct import (
    RemoveDuplicateNodes,
    duplicate_nodes,
    filtered_counts,
    keep_nodes,
    twin_leakage,
)
from graphlab.data import load_dataset


def _graph() -> Data:
    """Eight nodes with known duplicate groups.

    Nodes 0–2 are linked pages (each has an in-link): 0 → {1, 2}, 1 → {2}, 2 → {0}.
    Copies without in-links: 3 → {1, 2} and 4 → {1, 2} repeat node 0's out-links (duplicates);
    5 → {2} repeats node 1 (duplicate). Node 6 → {0, 1} has no in-link, but no linked node
    has out-links {0, 1}: kept. Node 7 → {0, 1} likewise (6 and 7 share out-links, yet
    neither is linked, so neither copies a linked page): kept.
    """
    edges = [(0, 1), (0, 2), (1, 2), (2, 0),
             (3, 1), (3, 2), (4, 2), (4, 1), (4, 1),   # 4's edges unsorted, one repeated
             (5, 2), (6, 0), (6, 1), (7, 1), (7, 0)]
    edge_index = torch.tensor(edges).t()
    x = torch.arange(8, dtype=torch.float).view(-1, 1)
    y = torch.tensor([0, 1, 0, 1, 0, 1, 0, 1])
    split = torch.zeros(8, 2, dtype=torch.bool)
    split[[0, 3, 6], 0] = True
    split[[1, 4, 7], 1] = True
    return Data(x=x, y=y, edge_index=edge_index, train_mask=split,
                val_mask=~split, test_mask=torch.zeros(8, 2, dtype=torch.bool))


def test_duplicates_are_unlinked_copies_of_a_linked_nodes_out_links():
    g = _graph()
    assert duplicate_nodes(g.edge_index, 8).tolist() == [False, False, False, True, True, True,
                                                         False, False]


def test_filtered_graph_keeps_nodes_edges_features_and_masks_in_order():
    out = RemoveDuplicateNodes()(_graph())
    assert out.num_nodes == 5 and out.num_removed_duplicates == 3
    assert out.original_id.tolist() == [0, 1, 2, 6, 7]
    assert out.x.view(-1).tolist() == [0.0, 1.0, 2.0, 6.0, 7.0]
    assert out.y.tolist() == [0, 1, 0, 0, 1]
    # edges among kept nodes only, renumbered (6 → 3, 7 → 4)
    kept = sorted(map(tuple, out.edge_index.t().tolist()))
    assert kept == [(0, 1), (0, 2), (1, 2), (2, 0), (3, 0), (3, 1), (4, 0), (4, 1)]
    assert out.train_mask.shape == (5, 2)
    assert out.train_mask[:, 0].tolist() == [True, False, False, True, False]
    assert out.train_mask[:, 1].tolist() == [False, True, False, False, True]
    assert torch.equal(out.val_mask, ~out.train_mask)


def test_the_input_graph_is_left_unchanged():
    g = _graph()
    before = g.edge_index.clone()
    RemoveDuplicateNodes()(g)
    assert torch.equal(g.edge_index, before) and g.num_nodes == 8


def test_a_symmetrised_graph_has_no_duplicates_by_this_rule():
    g = _graph()
    both = torch.cat([g.edge_index, g.edge_index.flip(0)], 1)
    assert not duplicate_nodes(both, 8).any()


def test_int32_edges_and_isolated_nodes():
    # node 3 is isolated (no edges at all): not linked, and its empty out-set matches no
    # linked node's (every linked node here has an out-link), so it is kept
    ei = torch.tensor([[0, 1, 2], [1, 0, 0]], dtype=torch.int32)
    assert duplicate_nodes(ei, 4).tolist() == [False, False, True, False]


def test_bad_input_gets_one_clear_error():
    with pytest.raises(ValueError, match="out of range"):
        duplicate_nodes(torch.tensor([[0, 5], [1, 0]]), 3)
    with pytest.raises(TypeError, match="integer dtype"):
        duplicate_nodes(torch.tensor([[0.0, 1.0], [1.0, 0.0]]), 2)
    with pytest.raises(ValueError, match="empty graph"):
        RemoveDuplicateNodes()(Data(edge_index=torch.zeros(2, 0, dtype=torch.long), num_nodes=0))
    with pytest.raises(ValueError, match="keep must be a bool tensor"):
        keep_nodes(_graph(), torch.ones(3, dtype=torch.bool))


def test_filtered_counts_are_undirected_without_self_loops():
    g = Data(edge_index=torch.tensor([[0, 1, 1, 2, 2], [1, 0, 2, 2, 0]]), num_nodes=3)
    assert filtered_counts(g) == {"num_nodes": 3, "num_edges": 3}
    assert filtered_counts(g, undirected=False) == {"num_nodes": 3, "num_edges": 5}


@pytest.mark.parametrize("name, nodes, edges, published", [
    ("chameleon_filtered", 890, 8854, (890, 8854)),
    ("squirrel_filtered", 2222, 46997, (2223, 46998)),
])
def test_filtered_wikipedia_graphs_against_the_published_counts(name, nodes, edges, published,
                                                                mirror):
    """Chameleon matches Platonov et al.'s published counts exactly; squirrel is one node
    (and its one edge) short: the published file keeps one node that the rule removes."""
    data = load_dataset(name)[0]
    counts = filtered_counts(data)
    assert (counts["num_nodes"], counts["num_edges"]) == (nodes, edges)
    assert nodes - published[0] in (0, -1) and edges - published[1] in (0, -1)
    # the splits are the geom-gcn splits restricted to the kept nodes
    raw = load_dataset(name.replace("_filtered", ""))[0]
    assert torch.equal(data.train_mask, raw.train_mask[data.original_id])
    assert torch.equal(data.test_mask, raw.test_mask[data.original_id])
    assert torch.equal(data.x, raw.x[data.original_id])
    # no node left is a duplicate of another (filtering twice changes nothing)
    assert not duplicate_nodes(data.edge_index, data.num_nodes).any()


def test_twin_leakage_counts_test_nodes_with_a_training_twin():
    g = _graph()
    # out-sets: 0 {1,2}, 1 {2}, 2 {0}, 3 {1,2}, 4 {1,2}, 5 {2}, 6 {0,1}, 7 {0,1}
    train = torch.zeros(8, dtype=torch.bool)
    train[[0, 1, 6]] = True
    test = torch.zeros(8, dtype=torch.bool)
    test[[2, 3, 4, 5, 7]] = True
    res = twin_leakage(g.edge_index, g.y, train, test)
    # twins: 3 and 4 (of 0), 5 (of 1), 7 (of 6); node 2's out-set {0} has no training twin
    assert res["test_with_twin"] == pytest.approx(4 / 5)
    # labels: 3 → 1 vs 0's 0 (no), 4 → 0 (yes), 5 → 1 vs 1's 1 (yes), 7 → 1 vs 6's 0 (no)
    assert res["twin_label_agrees"] == pytest.approx(2 / 4)
    none = twin_leakage(g.edge_index, g.y, train, torch.zeros(8, dtype=torch.bool))
    assert none["test_with_twin"] == 0 and none["twin_label_agrees"] != none["twin_label_agrees"]
    with pytest.raises(ValueError, match="test_mask must be a bool tensor"):
        twin_leakage(g.edge_index, g.y, train, test.long())


def test_homophily_command_reports_duplicates_and_twins(mirror, capsys):
    from graphlab.cli import main

    assert main(["homophily", "chameleon_filtered", "--duplicates"]) == 0
    out = capsys.readouterr().out
    assert "| chameleon_filtered | 890 | 0 |" in out and "twin" in out
