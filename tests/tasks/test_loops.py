import pytest
import torch

from graphlab.data import directed_csbm
from graphlab.tasks import (
    DatasetSettings,
    EvalSettings,
    ModelSettings,
    SplitSettings,
    TrainSettings,
    run_task,
)
from graphlab.tasks.link import run_link
from graphlab.tasks.node import run_node

DATA = DatasetSettings("dcsbm", {"num_nodes": 300, "homophily": 0.9, "feature_signal": 1.0},
                       undirected=True)


def test_node_task_learns_on_a_homophilous_graph():
    res = run_task("node", DATA, ModelSettings("gcn", {"hidden_channels": 16}), SplitSettings(),
                   TrainSettings(epochs=60), EvalSettings(), seed=0)
    assert res.metrics["test_acc"] > 80.0  # chance is 25 %
    assert 1 <= res.metrics["best_epoch"] <= 60
    assert len(res.curve) == 60 and {"loss", "val_acc"} <= set(res.curve[0])


def test_two_class_node_task_reports_and_selects_on_rocauc():
    data = DatasetSettings("dcsbm", {"num_nodes": 300, "num_classes": 2, "homophily": 0.9},
                           undirected=True)
    res = run_task("node", data, ModelSettings("gcn", {"hidden_channels": 16}), SplitSettings(),
                   TrainSettings(epochs=30, monitor="val_rocauc"), EvalSettings(), seed=0)
    assert {"train_rocauc", "val_rocauc", "test_rocauc"} <= set(res.metrics)
    assert res.metrics["test_rocauc"] > 80.0  # chance is 50
    best = max(res.curve, key=lambda row: row["val_rocauc"])
    assert res.metrics["best_epoch"] == best["epoch"]
    # more than two classes: accuracy only
    res = run_task("node", DATA, ModelSettings("mlp"), SplitSettings(), TrainSettings(epochs=2),
                   EvalSettings(), seed=0)
    assert not any(k.endswith("rocauc") for k in res.metrics)


def test_early_stopping_and_eval_every():
    res = run_task("node", DATA, ModelSettings("mlp"), SplitSettings(kind="random"),
                   TrainSettings(epochs=300, patience=5, eval_every=2), EvalSettings(), seed=0)
    epochs = [row["epoch"] for row in res.curve]
    assert all(e % 2 == 0 for e in epochs)
    # patience counts epochs: the run stops at the first evaluation >= 5 epochs after the best
    assert 5 <= epochs[-1] - res.metrics["best_epoch"] < 5 + 2


def test_link_task_beats_chance_and_heuristics_skip_training():
    res = run_task("link", DATA, ModelSettings("gae", {"hidden_channels": 16}), SplitSettings(),
                   TrainSettings(epochs=30), EvalSettings(hits_k=[10, 50]), seed=0)
    assert res.metrics["test_auc"] > 70.0
    assert {"val_hits@10", "test_hits@50", "test_mrr"} <= set(res.metrics)
    cn = run_task("link", DATA, ModelSettings("cn"), SplitSettings(), TrainSettings(epochs=30),
                  EvalSettings(), seed=0)
    assert cn.metrics["best_epoch"] == 0 and len(cn.curve) == 1


def test_monitor_must_exist():
    with pytest.raises(KeyError, match="monitor metric 'val_f1' is not measured.*val_acc"):
        run_task("node", DATA, ModelSettings("mlp"), SplitSettings(),
                 TrainSettings(epochs=2, monitor="val_f1"), EvalSettings(), seed=0)


def test_wrong_split_kind_for_the_task():
    with pytest.raises(ValueError, match="'random_edge' is not a node split"):
        run_task("node", DATA, ModelSettings("mlp"), SplitSettings(kind="random_edge"),
                 TrainSettings(epochs=1), EvalSettings(), seed=0)
    with pytest.raises(ValueError, match="'given' needs a link split shipped with the data"):
        run_task("link", DATA, ModelSettings("cn"), SplitSettings(kind="given"),
                 TrainSettings(epochs=1), EvalSettings(), seed=0)
    with pytest.raises(ValueError, match="'cv' is not a link split"):
        run_task("link", DATA, ModelSettings("cn"), SplitSettings(kind="cv"),
                 TrainSettings(epochs=1), EvalSettings(), seed=0)


@pytest.mark.parametrize("corrupt, err, match", [
    (lambda d: d.x.__setitem__((0, 0), float("nan")), ValueError, "x contains NaN"),
    (lambda d: setattr(d, "edge_index", d.edge_index.float()), TypeError, "integer dtype"),
    (lambda d: d.edge_index.__setitem__((1, 0), 10_000), ValueError, "out of range: found 10000"),
])
def test_bad_graph_input_at_the_task_boundary(corrupt, err, match):
    data = directed_csbm(num_nodes=100)
    corrupt(data)
    with pytest.raises(err, match=match):
        run_node(data, 4, ModelSettings("mlp"), SplitSettings(), TrainSettings(epochs=1), 0)
    with pytest.raises(err, match=match):
        run_link(data, ModelSettings("cn"), SplitSettings(), TrainSettings(epochs=1),
                 EvalSettings(), 0)


def test_labels_beyond_num_classes():
    data = directed_csbm(num_nodes=100, num_classes=4)
    with pytest.raises(ValueError, match="label 3 found but num_classes is 3"):
        run_node(data, 3, ModelSettings("mlp"), SplitSettings(), TrainSettings(epochs=1), 0)


def test_unknown_task():
    with pytest.raises(ValueError, match="unknown task 'translate'"):
        run_task("translate", DATA, ModelSettings("mlp"), SplitSettings(), TrainSettings(),
                 EvalSettings(), 0)
    assert torch.is_tensor(directed_csbm(num_nodes=10).x)


@pytest.mark.parametrize("mask", ["train_mask", "val_mask", "test_mask"])
def test_an_empty_split_part_is_an_error(mask):
    data = directed_csbm(num_nodes=100)
    getattr(data, mask).zero_()
    part = {"train_mask": "training", "val_mask": "validation", "test_mask": "test"}[mask]
    with pytest.raises(ValueError, match=f"no {part} nodes"):
        run_node(data, 4, ModelSettings("mlp"), SplitSettings(kind="given"),
                 TrainSettings(epochs=1), 0)


def test_negative_labels_are_an_error_at_the_node_task():
    data = directed_csbm(num_nodes=100)
    data.y[3] = -1
    with pytest.raises(ValueError, match="negative|label"):
        run_node(data, 4, ModelSettings("mlp"), SplitSettings(), TrainSettings(epochs=1), 0)
