import pytest
import torch
import torch_geometric.io.fs as pyg_fs

from graphlab.data import DATASETS, DatasetNotAvailableError, get_dataset_spec, load_dataset
from graphlab.data.mirror import copy_from_mirror

REAL = sorted(name for name, spec in DATASETS.items() if not spec.synthetic)


@pytest.mark.mirror
@pytest.mark.parametrize("name", REAL)
def test_every_registered_dataset_loads_from_the_mirror_with_documented_counts(name, mirror):
    spec = get_dataset_spec(name)
    if not (mirror / spec.mirror_path).is_dir():
        pytest.skip(f"{name} is not in the offline mirror (it needs a networked machine)")
    mirrored = mirror / spec.raw_dir
    if any(not (mirrored / f).exists() for f in spec.raw_files):
        pytest.skip(f"{name}: part of its raw files is not mirrored (see its own test)")
    ds = load_dataset(name)
    counts = spec.counts
    assert counts, f"{name} has no documented counts"
    if "num_classes" in counts:
        assert ds.num_classes == counts["num_classes"]
    if spec.kind == "graph":
        assert len(ds) == counts["num_graphs"]
    elif spec.kind == "traffic":
        assert (ds.num_nodes, ds.num_steps) == (counts["num_nodes"], counts["num_steps"])
    else:
        data = ds[0]
        assert len(ds) == 1
        assert data.num_nodes == counts["num_nodes"]
        assert data.edge_index.size(1) == counts["num_edges"]
        assert data.x.size(0) == data.num_nodes and data.y.size(0) == data.num_nodes


@pytest.mark.mirror
def test_geom_gcn_datasets_ship_ten_splits(mirror):
    data = load_dataset("cornell")[0]
    assert data.train_mask.shape == (183, 10)
    assert not bool((data.train_mask & data.test_mask).any())


def test_mirror_copy_is_per_file_and_skips_existing(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / "Toy" / "raw").mkdir(parents=True)
    (mirror / "Toy" / "raw" / "a.txt").write_text("mirror")
    (mirror / "Toy" / "raw" / "b.txt").write_text("mirror")
    root = tmp_path / "root"
    (root / "Toy" / "raw").mkdir(parents=True)
    (root / "Toy" / "raw" / "a.txt").write_text("local")
    monkeypatch.setenv("GRAPHLAB_MIRROR", str(mirror))
    assert copy_from_mirror("Toy", root) == 1
    assert (root / "Toy" / "raw" / "a.txt").read_text() == "local"
    assert (root / "Toy" / "raw" / "b.txt").read_text() == "mirror"
    assert not list(root.rglob("*.partial"))
    monkeypatch.delenv("GRAPHLAB_MIRROR")
    assert copy_from_mirror("Toy", root) == 0


def test_missing_dataset_offline_gives_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHLAB_MIRROR", str(tmp_path / "empty-mirror"))
    monkeypatch.setenv("GRAPHLAB_OFFLINE", "1")
    with pytest.raises(DatasetNotAvailableError) as info:
        load_dataset("texas", root=tmp_path / "root")
    msg = str(info.value)
    for needle in ("'texas'", "out1_node_feature_label.txt", "GRAPHLAB_MIRROR", "GRAPHLAB_DATA",
                   "empty-mirror"):
        assert needle in msg


def test_failed_download_becomes_the_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("GRAPHLAB_MIRROR", raising=False)
    calls = []

    def no_network(*args, **kwargs):
        calls.append(args)
        raise OSError("network is unreachable")

    monkeypatch.setattr(pyg_fs, "cp", no_network)
    with pytest.raises(DatasetNotAvailableError, match=r"'cora'.*download failed.*OSError.*"
                       r"ind\.cora\.x.*GRAPHLAB_MIRROR \(now unset\)"):
        load_dataset("cora", root=tmp_path / "root")
    assert calls, "PyG's download should have been attempted"


def test_unknown_dataset_and_parameter():
    with pytest.raises(KeyError, match="unknown dataset 'coraa'.*registered: .*cora"):
        load_dataset("coraa")
    with pytest.raises(TypeError, match=r"'dcsbm' got unknown parameter\(s\) \['homophilly'\]"):
        load_dataset("dcsbm", homophilly=0.5)


def test_synthetic_dataset_needs_no_files(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHLAB_DATA", str(tmp_path))
    monkeypatch.setenv("GRAPHLAB_OFFLINE", "1")
    ds = load_dataset("dcsbm", num_nodes=50, num_classes=3)
    assert ds.num_classes == 3 and ds[0].num_nodes == 50
    assert isinstance(ds[0].x, torch.Tensor)
    assert not list(tmp_path.iterdir())


@pytest.mark.mirror
def test_first_load_waits_for_another_process_holding_the_dataset_lock(mirror, tmp_path):
    """Two seeds starting at once must not read a half-written processed file: a loader
    blocks while another process holds the dataset's lock, then loads normally."""
    import os
    import subprocess
    import sys

    from graphlab.data.registry import dataset_lock
    root = tmp_path / "root"
    code = ("import sys; from graphlab.data import load_dataset; "
            "print(load_dataset('texas', root=sys.argv[1])[0].num_nodes)")
    env = {**os.environ, "GRAPHLAB_MIRROR": str(mirror)}
    with dataset_lock(root, "WebKB"):
        proc = subprocess.Popen([sys.executable, "-c", code, str(root)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=8)             # blocked on the lock (imports take ~3 s)
        assert not (root / "WebKB").exists()
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0 and out.strip() == "183"
