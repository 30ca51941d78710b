"""OGB datasets by name, offline: tiny copies in OGB's on-disk layout (written by
tests/ogb_fixture.py) are read by ``ogb``'s own classes, with the official split and the
Evaluator's metric, through ``graphlab run``'s path."""
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ogb_fixture import write_ogb  # noqa: E402

from graphlab.data import DatasetNotAvailableError, given_link_split  # noqa: E402
from graphlab.data.ogb import (  # noqa: E402
    evaluate,
    load_ogb,
    official_graph_parts,
    official_link_split,
    official_node_masks,
    ogb_info,
)
from graphlab.runner import run_config  # noqa: E402
from graphlab.runner.config import config_from_dict  # noqa: E402
from graphlab.runner.schema import ConfigError  # noqa: E402
from graphlab.tasks.metrics import ranking_metrics  # noqa: E402

NAMES = ["ogbl-collab", "ogbl-citation2", "ogbl-ddi", "ogbn-arxiv", "ogbg-molhiv", "ogbg-ppa"]


@pytest.fixture(scope="module")
def ogb_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("ogb")
    for name in NAMES:
        write_ogb(root, name)
    return root


@pytest.fixture
def data_root(ogb_root, monkeypatch):
    monkeypatch.setenv("GRAPHLAB_DATA", str(ogb_root))
    monkeypatch.setenv("GRAPHLAB_OFFLINE", "1")
    return ogb_root


def _split_dict(root, name):
    from ogb_fixture import SPLIT_KIND

    return torch.load(root / name.replace("-", "_") / "split" / SPLIT_KIND[name] /
                      "split_dict.pt")


def test_node_dataset_has_the_official_masks(ogb_root):
    ds = load_ogb("ogbn-arxiv", ogb_root)
    assert ds.ogb_info.metric == "acc"
    data = official_node_masks(ds, ds[0])
    split = _split_dict(ogb_root, "ogbn-arxiv")
    for part, key in (("train", "train_mask"), ("valid", "val_mask"), ("test", "test_mask")):
        assert torch.equal(data[key].nonzero().view(-1), split[part].sort().values)
    assert data.y.dim() == 1


def test_link_dataset_keeps_the_official_edges_and_negatives(ogb_root):
    ds = load_ogb("ogbl-collab", ogb_root)
    given = official_link_split(ds)
    sp = given_link_split(given, ds[0].num_nodes)
    split = _split_dict(ogb_root, "ogbl-collab")
    assert torch.equal(sp.val_pos, split["valid"]["edge"].t())
    assert torch.equal(sp.test_neg, split["test"]["edge_neg"].t())
    assert sp.train_pos.size(1) == split["train"]["edge"].size(0)
    assert sp.neg_per_pos == 0 and sp.test_edge_index is None
    # with the validation edges as input, test pairs see them and validation pairs do not
    sp2 = given_link_split(given, ds[0].num_nodes, val_edges_as_input=True)
    both = {tuple(e) for e in sp2.test_edge_index.t().tolist()}
    assert all(tuple(e) in both for e in sp.val_pos.t().tolist())
    assert torch.equal(sp2.train_edge_index, sp.train_edge_index)


def test_citation2_negatives_are_per_positive(ogb_root):
    sp = given_link_split(official_link_split(load_ogb("ogbl-citation2", ogb_root)), 60)
    split = _split_dict(ogb_root, "ogbl-citation2")
    assert sp.neg_per_pos == split["valid"]["target_node_neg"].size(1)
    assert torch.equal(sp.val_neg[1].view(-1, sp.neg_per_pos), split["valid"]["target_node_neg"])
    assert torch.equal(sp.val_neg[0].view(-1, sp.neg_per_pos)[:, 0], split["valid"]["source_node"])


def test_graph_dataset_parts(ogb_root):
    ds = load_ogb("ogbg-molhiv", ogb_root)
    parts = official_graph_parts(ds)
    split = _split_dict(ogb_root, "ogbg-molhiv")
    for code, part in enumerate(("train", "valid", "test")):
        assert torch.equal((parts == code).nonzero().view(-1), split[part].sort().values)


def test_a_given_split_with_bad_ids_is_refused():
    bad = {"train": {"edge": torch.tensor([[0, 1]])},
           "valid": {"edge": torch.tensor([[0, 9]]), "edge_neg": torch.tensor([[1, 2]])},
           "test": {"edge": torch.tensor([[0, 2]]), "edge_neg": torch.tensor([[1, 2]])}}
    with pytest.raises(ValueError, match=r"valid\.edge.*outside \[0, 5\)"):
        given_link_split(bad, 5)
    bad["valid"] = {"edge": torch.tensor([[0, 1]])}
    with pytest.raises(ValueError, match="no 'edge_neg'"):
        given_link_split(bad, 5)


def test_ranking_metrics_rank_ties_half_way():
    pos = torch.tensor([1.0, 0.5])
    neg = torch.tensor([[0.0, 2.0, 0.5], [0.5, 0.5, 0.0]])
    out = ranking_metrics(pos, neg, "test")
    # first: one negative above -> rank 2; second: two ties -> rank 1 + 2/2 = 2
    assert out["test_mrr"] == pytest.approx(100 * (1 / 2 + 1 / 2) / 2)
    assert out["test_hits@1"] == 0.0 and out["test_hits@3"] == 100.0


def test_graph_metric_is_the_evaluators():
    from sklearn.metrics import roc_auc_score

    y = torch.tensor([[0.0], [1.0], [1.0], [0.0], [1.0]])
    pred = torch.tensor([[0.1], [0.9], [0.3], [0.4], [0.8]])
    assert evaluate("ogbg-molhiv", y, pred) == pytest.approx(
        100 * roc_auc_score(y.view(-1).numpy(), pred.view(-1).numpy()))


@pytest.mark.parametrize("name, why", [
    ("ogbn-mag", "heterogeneous"), ("ogbl-wikikg2", "knowledge-graph"),
    ("ogbn-proteins", "one class per node"), ("ogbg-code2", "sub-token"),
    ("ogbl-nosuch", "unknown OGB dataset")])
def test_datasets_no_task_trains_on_are_refused(name, why):
    with pytest.raises(ValueError, match=why):
        ogb_info(name)


def test_offline_without_the_folder_names_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHLAB_OFFLINE", "1")
    monkeypatch.delenv("GRAPHLAB_MIRROR", raising=False)
    with pytest.raises(DatasetNotAvailableError, match="ogbl_ppa"):
        load_ogb("ogbl-ppa", tmp_path)


def test_an_incomplete_folder_is_an_error_not_a_prompt(tmp_path):
    (tmp_path / "ogbl_ddi").mkdir()
    with pytest.raises(DatasetNotAvailableError, match="RELEASE_v1.txt"):
        load_ogb("ogbl-ddi", tmp_path)


def test_loads_through_the_mirror(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    write_ogb(mirror, "ogbl-ddi")
    monkeypatch.setenv("GRAPHLAB_MIRROR", str(mirror))
    monkeypatch.setenv("GRAPHLAB_OFFLINE", "1")
    ds = load_ogb("ogbl-ddi", tmp_path / "root")
    assert (tmp_path / "root" / "ogbl_ddi" / "RELEASE_v1.txt").is_file()
    assert ds[0].num_nodes == 60


def _cfg(name, **parts):
    raw = {"name": name, "seeds": 1, **parts}
    return config_from_dict(raw, name)


@pytest.mark.parametrize("dataset, task, metric", [
    ("ogbl-collab", "link", "hits@50"), ("ogbl-citation2", "link", "mrr"),
    ("ogbl-ddi", "link", "hits@20"), ("ogbn-arxiv", "node", "acc"),
    ("ogbg-molhiv", "graph", "rocauc"), ("ogbg-ppa", "graph", "acc")])
def test_a_config_selects_and_reports_on_the_evaluator_metric(dataset, task, metric,
                                                               data_root, tmp_path):
    model = {"link": {"name": "ncn", "params": {"hidden_channels": 8}},
             "node": {"name": "gcn"},
             "graph": {"name": "gin", "params": {"hidden_channels": 8}}}[task]
    ds = {"name": dataset}
    if dataset in ("ogbl-ddi", "ogbg-ppa"):       # featureless
        ds["node_features"] = "embedding" if task == "link" else "constant"
    cfg = _cfg("t", task=task, dataset=ds, model=model, train={"epochs": 2})
    assert cfg.monitor == f"val_{metric}" and cfg.primary_metric == f"test_{metric}"
    record = run_config(cfg, tmp_path, progress=False)[0]
    assert {f"val_{metric}", f"test_{metric}"} <= set(record["metrics"])
    assert 0.0 <= record["metrics"][f"test_{metric}"] <= 100.0


def test_collab_protocol_scores_test_pairs_with_validation_edges(data_root, tmp_path):
    cfg = _cfg("t", task="link", dataset={"name": "ogbl-collab"},
               model={"name": "cn"}, split={"val_edges_as_input": True})
    plain = _cfg("t", task="link", dataset={"name": "ogbl-collab"}, model={"name": "cn"})
    with_val = run_config(cfg, tmp_path / "a", progress=False)[0]["metrics"]
    without = run_config(plain, tmp_path / "b", progress=False)[0]["metrics"]
    assert with_val["val_hits@50"] == without["val_hits@50"]
    assert with_val["test_auc"] != without["test_auc"]     # CN sees more common neighbours


@pytest.mark.parametrize("raw, match", [
    ({"task": "node", "dataset": {"name": "ogbl-ddi"}, "model": {"name": "gcn"}},
     "is for task 'link'"),
    ({"task": "link", "dataset": {"name": "ogbl-ddi", "params": {"x": 1}},
      "model": {"name": "cn"}}, "takes none"),
    ({"task": "link", "dataset": {"name": "ogbl-nosuch"}, "model": {"name": "cn"}},
     "unknown OGB dataset"),
    ({"task": "graph", "dataset": {"name": "ogbg-ppa", "node_features": "embedding"},
      "model": {"name": "gin"}}, "node_features"),
    ({"task": "link", "dataset": {"name": "ogbl-ddi", "embedding_dim": 8},
      "model": {"name": "ncn"}}, "embedding_dim"),
])
def test_bad_ogb_configs_are_refused(raw, match):
    with pytest.raises(ConfigError, match=match):
        _cfg("t", **raw)


OGB_CONFIGS = sorted((Path(__file__).resolve().parents[2] / "experiments/ncnc/ogb").glob(
    "*.yaml"))


@pytest.mark.parametrize("path", OGB_CONFIGS, ids=lambda p: p.stem)
def test_the_ncnc_ogb_configs_run_on_a_generated_copy(path, tmp_path, monkeypatch):
    """The paper's OGB configs cannot run offline on the real data; their smoke profile runs
    here on a generated folder of the same name, so they cannot rot."""
    from graphlab.runner import load_configs

    cfg = load_configs(path, "smoke")[0]
    write_ogb(tmp_path / "data", cfg.dataset.name)
    monkeypatch.setenv("GRAPHLAB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("GRAPHLAB_OFFLINE", "1")
    record = run_config(cfg, tmp_path / "out", progress=False)[0]
    assert cfg.primary_metric in record["metrics"]


@pytest.mark.parametrize("task, name", [("node", "ogbl-ddi"), ("graph", "ogbn-arxiv")])
def test_a_task_refuses_an_ogb_dataset_of_another_kind(task, name, data_root):
    from graphlab.tasks import run_task
    from graphlab.tasks.settings import (
        DatasetSettings,
        EvalSettings,
        ModelSettings,
        SplitSettings,
        TrainSettings,
    )

    with pytest.raises(ValueError, match=f"OGB dataset '{name}' is a .* dataset, not one for "
                                         f"task '{task}'"):
        run_task(task, DatasetSettings(name=name), ModelSettings("gcn" if task == "node" else
                                                                 "gin"),
                 SplitSettings(), TrainSettings(epochs=1), EvalSettings(), seed=0)
