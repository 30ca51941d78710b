"""Data beyond the registered names: graph files (edge lists, .npz, .mat, .pt), any PyG
dataset class, every TU dataset by name, in-memory data; each malformed input gets one
error naming the file and the line or field."""
import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp
import torch
from torch_geometric.data import Data

from graphlab.data import DatasetNotAvailableError
from graphlab.data.sources import (
    GraphFileError,
    add_node_features,
    data_digest,
    file_digest,
    in_memory,
    load_pyg_class,
    open_dataset,
    read_graph_file,
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


# ------------------------------------------------------------------------ edge lists


def test_edge_lists_with_header_weights_comments_and_separators(tmp_path):
    csv = write(tmp_path, "g.csv", "src,dst,w\n0,1,0.5\n1,2,2\n\n2,0,1\n")
    (g,) = read_graph_file(csv)
    assert g.edge_index.tolist() == [[0, 1, 2], [1, 2, 0]] and g.num_nodes == 3
    assert g.edge_weight.tolist() == [0.5, 2.0, 1.0]
    tsv = write(tmp_path, "g.tsv", "0\t3\n3\t1\n")
    (g,) = read_graph_file(tsv, num_nodes=6)
    assert g.edge_index.tolist() == [[0, 3], [3, 1]] and g.num_nodes == 6
    txt = write(tmp_path, "g.txt", "# a comment\n0 1\n1   2\n2,3\n")
    (g,) = read_graph_file(txt)
    assert g.edge_index.size(1) == 3 and g.num_nodes == 4 and "edge_weight" not in g


def test_directed_false_symmetrises_a_file(tmp_path):
    path = write(tmp_path, "g.csv", "0,1\n1,2\n")
    ds = open_dataset(path=path, directed=False)
    assert sorted(map(tuple, ds[0].edge_index.t().tolist())) == [(0, 1), (1, 0), (1, 2), (2, 1)]
    assert open_dataset(path=path)[0].edge_index.size(1) == 2


@pytest.mark.parametrize("text,match", [
    ("0,1\n1,2,3\n", r"g\.csv, line 2: 3 fields, but the first edge has 2"),
    ("0,1\n1,x\n", r"g\.csv, line 2: node id 'x' is not a non-negative integer"),
    ("0,1\n1.5,2\n", r"g\.csv, line 2: node id '1.5' is not a non-negative integer"),
    ("0,1\n-1,2\n", r"g\.csv, line 2: node id -1 is negative"),
    ("0,1,1\n1,2,nan\n", r"g\.csv, line 2: weight 'nan' is not a finite number"),
    ("0,1,1\n1,2,heavy\n", r"g\.csv, line 2: weight 'heavy' is not a finite number"),
    ("0,1,2,3\n", r"g\.csv, line 1: 4 fields; an edge list has 2"),
    ("source,target\n", r"g\.csv: no edges"),
    ("", r"g\.csv: the file is empty"),
])
def test_malformed_edge_lists_name_the_file_and_line(tmp_path, text, match):
    with pytest.raises(GraphFileError, match=match):
        read_graph_file(write(tmp_path, "g.csv", text))


def test_ids_beyond_num_nodes_and_unknown_files(tmp_path):
    with pytest.raises(GraphFileError, match=r"line 2: node id 7 is out of range for "
                                             r"num_nodes = 5"):
        read_graph_file(write(tmp_path, "g.csv", "0,1\n7,2\n"), num_nodes=5)
    with pytest.raises(GraphFileError, match=r"unknown graph file extension '\.json'"):
        read_graph_file(write(tmp_path, "g.json", "{}"))
    with pytest.raises(FileNotFoundError, match="graph file .*nope.csv' does not exist"):
        read_graph_file(tmp_path / "nope.csv")


# ------------------------------------------------------------------------ npz / mat / pt


def test_npz_with_features_labels_and_masks(tmp_path):
    adj = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 2.0], [0, 2.0, 0]]))
    path = tmp_path / "g.npz"
    np.savez(path, format="csr", shape=adj.shape, data=adj.data, indices=adj.indices,
             indptr=adj.indptr, x=np.eye(3), y=np.array([0, 1, 0]),
             train_mask=np.array([1, 1, 0]))
    (g,) = read_graph_file(path)
    assert g.num_nodes == 3 and g.edge_index.size(1) == 4
    assert g.edge_weight.tolist() == [1.0, 1.0, 2.0, 2.0]
    assert g.x.shape == (3, 3) and g.y.tolist() == [0, 1, 0]
    assert g.train_mask.tolist() == [True, True, False]
    plain = tmp_path / "plain.npz"
    sp.save_npz(plain, sp.csr_matrix(np.array([[0, 1], [1, 0]])))
    (g,) = read_graph_file(plain)
    assert g.edge_index.tolist() == [[0, 1], [1, 0]] and "edge_weight" not in g


def test_bad_npz_files_name_the_field(tmp_path):
    adj = sp.csr_matrix(np.array([[0, 1], [1, 0.0]]))
    path = tmp_path / "g.npz"
    np.savez(path, format="csr", shape=adj.shape, data=adj.data, indices=adj.indices,
             indptr=adj.indptr, x=np.array([[1.0], [np.nan]]))
    with pytest.raises(GraphFileError, match=r"g\.npz: 'x' holds NaN"):
        read_graph_file(path)
    np.savez(path, format="csr", shape=adj.shape, data=adj.data, indices=adj.indices,
             indptr=adj.indptr, y=np.array([0, 1, 1]))
    with pytest.raises(GraphFileError, match=r"'y' has 3 rows, but the adjacency has 2 nodes"):
        read_graph_file(path)
    np.savez(path, something=np.ones(3))
    with pytest.raises(GraphFileError, match="no sparse adjacency in the archive"):
        read_graph_file(path)
    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    with pytest.raises(GraphFileError, match=r"junk\.npz: not a readable \.npz"):
        read_graph_file(tmp_path / "junk.npz")


def test_mat_file_under_a_named_variable(tmp_path):
    path = tmp_path / "g.mat"
    scipy.io.savemat(path, {"net": sp.csc_matrix(np.array([[0, 1], [1, 0.0]])),
                            "group": np.array([[1], [0]])})
    (g,) = read_graph_file(path)
    assert g.edge_index.size(1) == 2 and g.num_nodes == 2
    with pytest.raises(GraphFileError, match=r"no variable 'A' \(it holds \['group', 'net'\]\)"):
        read_graph_file(path, variable="A")
    scipy.io.savemat(path, {"net": np.ones((2, 3))})
    with pytest.raises(GraphFileError, match=r"'net' must be a square adjacency"):
        read_graph_file(path)


def test_pt_files_hold_data_or_lists(tmp_path):
    one = Data(x=torch.ones(3, 2), edge_index=torch.tensor([[0, 1], [1, 2]]))
    torch.save(one, tmp_path / "one.pt")
    torch.save([one, one], tmp_path / "two.pt")
    torch.save({"a": 1}, tmp_path / "bad.pt")
    assert len(read_graph_file(tmp_path / "one.pt")) == 1
    assert len(open_dataset(path=tmp_path / "two.pt")) == 2
    with pytest.raises(GraphFileError, match="expected a PyG Data or a non-empty list"):
        read_graph_file(tmp_path / "bad.pt")


# ------------------------------------------------------------------------ features, memory


def test_node_features_for_featureless_graphs():
    g = Data(edge_index=torch.tensor([[0, 0, 1], [1, 2, 2]]), num_nodes=4)
    assert add_node_features(g, "constant").x.tolist() == [[1.0]] * 4
    deg = add_node_features(g, "degree").x
    assert deg.shape == (4, 3) and deg.argmax(1).tolist() == [0, 1, 2, 0]
    assert torch.equal(add_node_features(g, "one_hot").x, torch.eye(4))
    assert add_node_features(g, None) is g
    with pytest.raises(ValueError, match="unknown node_features 'random'"):
        add_node_features(g, "random")


def test_in_memory_data_and_digests():
    g = Data(x=torch.ones(3, 1), edge_index=torch.tensor([[0, 1], [1, 2]]))
    ds = in_memory(g, "mine")
    assert len(ds) == 1 and torch.equal(ds[0].edge_index, g.edge_index)
    assert data_digest(g) == data_digest(Data(x=torch.ones(3, 1),
                                              edge_index=torch.tensor([[0, 1], [1, 2]])))
    assert data_digest(g) != data_digest(Data(x=torch.ones(3, 1),
                                              edge_index=torch.tensor([[0, 1], [2, 2]])))
    with pytest.raises(TypeError, match="dataset must be a PyG Data"):
        in_memory([1, 2])
    with pytest.raises(ValueError, match="handed over in memory"):
        open_dataset(in_memory="abc")
    with pytest.raises(ValueError, match="exactly one of name, class or path; got name, path"):
        open_dataset(name="cora", path="g.csv")


def test_file_digest_follows_the_content(tmp_path):
    path = write(tmp_path, "g.csv", "0,1\n")
    first = file_digest(path)
    path.write_text("0,2\n")
    assert file_digest(path) != first and file_digest(tmp_path / "none.csv") == "missing"


# ------------------------------------------------------------------------ classes, TU


def test_any_pyg_class_through_the_mirror(mirror, tmp_path):
    ds = load_pyg_class("torch_geometric.datasets.HeterophilousGraphDataset",
                        {"name": "minesweeper"}, root=tmp_path)
    assert ds[0].num_nodes == 10000
    assert (tmp_path / "HeterophilousGraphDataset" / "minesweeper" / "raw").is_dir()


def test_every_tu_dataset_by_name(mirror, tmp_path):
    ds = open_dataset(name="tu/MUTAG", root=tmp_path)
    assert len(ds) == 188


def test_bad_classes_and_missing_data_are_named(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="cannot be imported"):
        load_pyg_class("torch_geometric.datasets.NoSuchThing", root=tmp_path)
    with pytest.raises(ValueError, match="is not a torch_geometric.data.Dataset subclass"):
        load_pyg_class("torch.nn.Linear", root=tmp_path)
    with pytest.raises(ValueError, match="must be a dotted path"):
        load_pyg_class("Amazon", root=tmp_path)
    monkeypatch.setenv("GRAPHLAB_OFFLINE", "1")
    monkeypatch.delenv("GRAPHLAB_MIRROR", raising=False)
    with pytest.raises(DatasetNotAvailableError, match=r"Amazon with params \{'name': "
                                                       r"'Photo'\} is not available"):
        load_pyg_class("torch_geometric.datasets.Amazon", {"name": "Photo"}, root=tmp_path)
