"""The graph-level task: cross-validation folds, classification and regression, selection,
node features for feature-less datasets, bad input."""
import pytest
import torch
from torch_geometric.data import Data

from graphlab.data import graph_cv_split
from graphlab.tasks import (
    DatasetSettings,
    EvalSettings,
    ModelSettings,
    SplitSettings,
    TrainSettings,
    run_task,
)
from graphlab.tasks.common import Selector, without_timing
from graphlab.tasks.graph import add_node_features, run_graph
from tests.helpers import graph_dataset, random_graph


def test_cv_folds_partition_the_graphs_and_are_stratified():
    y = torch.tensor([0] * 30 + [1] * 20 + [2] * 10)
    tests = []
    for fold in range(10):
        train, val, test = graph_cv_split(y, 10, fold, val_ratio=0.1)
        assert not set(train.tolist()) & set(test.tolist())
        assert not set(train.tolist()) & set(val.tolist())
        assert not set(val.tolist()) & set(test.tolist())
        assert len(train) + len(val) + len(test) == 60
        assert torch.bincount(y[test], minlength=3).tolist() == [3, 2, 1]
        tests.append(test)
    assert sorted(torch.cat(tests).tolist()) == list(range(60))
    # the partition is fixed: the same call gives the same fold
    assert torch.equal(graph_cv_split(y, 10, 3)[2], tests[3])


def test_cv_split_regression_and_errors():
    y = torch.randn(25)
    train, val, test = graph_cv_split(y, 5, 0, val_ratio=0.0)
    assert len(test) == 5 and len(val) == 0 and len(train) == 20
    with pytest.raises(ValueError, match="at least 2 folds"):
        graph_cv_split(y, 1, 0)
    with pytest.raises(ValueError, match="fold 5 out of range"):
        graph_cv_split(y, 5, 5)
    with pytest.raises(ValueError, match="smallest class has 2"):
        graph_cv_split(torch.tensor([0] * 20 + [1] * 2), 5, 0)


def test_selector_minimises_errors_and_can_take_the_last_epoch():
    rows = [{"val_mae": 3.0, "val_acc": 50.0}, {"val_mae": 1.0, "val_acc": 40.0},
            {"val_mae": 2.0, "val_acc": 60.0}]
    for monitor, best in (("val_mae", 2), ("val_acc", 3), ("last", 3)):
        sel = Selector(monitor, None)
        for epoch, row in enumerate(rows, 1):
            sel.update(epoch, row)
        assert sel.best_epoch == best, monitor


def test_selector_tiebreak_first_last_or_by_a_second_metric():
    """Ties on the monitor: the first epoch by default, the latest with 'last', the lowest
    val_loss with 'val_loss' (a tie there too keeps the earlier); a tie-break win resets
    patience, a non-improving tie does not."""
    rows = [{"val_acc": 50.0, "val_loss": 0.9}, {"val_acc": 70.0, "val_loss": 0.8},
            {"val_acc": 70.0, "val_loss": 0.5}, {"val_acc": 60.0, "val_loss": 0.1},
            {"val_acc": 70.0, "val_loss": 0.6}, {"val_acc": 70.0, "val_loss": 0.5}]
    for tiebreak, best in ((None, 2), ("last", 6), ("val_loss", 3)):
        sel = Selector("val_acc", None, tiebreak)
        for epoch, row in enumerate(rows, 1):
            sel.update(epoch, row)
        assert sel.best_epoch == best, tiebreak
        assert sel.best == rows[best - 1]
    # a maximised tie-break metric prefers the larger value
    sel = Selector("val_mae", None, "val_acc")
    for epoch, row in enumerate([{"val_mae": 1.0, "val_acc": 1.0},
                                 {"val_mae": 1.0, "val_acc": 2.0}], 1):
        sel.update(epoch, row)
    assert sel.best_epoch == 2
    sel = Selector("val_acc", 2, "val_loss")
    assert [sel.log(e, dict(r), []) for e, r in enumerate(rows, 1)][:5] == [
        False, False, False, False, True]
    with pytest.raises(KeyError, match="tiebreak metric 'val_f1' is not measured"):
        s = Selector("val_acc", None, "val_f1")
        s.update(1, rows[0])
        s.update(2, rows[0])
    with pytest.raises(ValueError, match="no meaning with monitor='last'"):
        Selector("last", None, "last")


def test_tiebreak_is_checked_in_the_config(write_config):
    from graphlab.runner import ConfigError, load_config
    from tests.conftest import TINY
    with pytest.raises(ConfigError, match="'train.tiebreak' must name a validation metric"):
        load_config(write_config(TINY.replace("lr: 0.05", "lr: 0.05, tiebreak: loss")))
    with pytest.raises(ConfigError, match="'train.tiebreak' needs a selection"):
        load_config(write_config(TINY.replace("lr: 0.05",
                                              "lr: 0.05, monitor: last, tiebreak: last")))
    cfg = load_config(write_config(TINY.replace("lr: 0.05", "lr: 0.05, tiebreak: val_loss")))
    assert cfg.train.tiebreak == "val_loss"


def test_classification_reports_the_cross_entropy_and_breaks_ties_on_it():
    """val_loss is the mean cross-entropy of the validation graphs; with tiebreak val_loss
    the selected epoch has the best val_acc and, among those, the lowest val_loss. One
    thread: the tie this test needs is a property of the float arithmetic, which the thread
    count changes."""
    from graphlab.runner.seeding import seed_everything
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _ties_broken_on_the_cross_entropy(seed_everything)
    finally:
        torch.set_num_threads(threads)


def _ties_broken_on_the_cross_entropy(seed_everything):
    seed_everything(0)
    res = run_graph(size_graphs(40), ModelSettings("gin", {"hidden_channels": 8}),
                    SplitSettings(folds=4), TrainSettings(epochs=15, lr=0.02, batch_size=8,
                                                          tiebreak="val_loss"), seed=0)
    curve = res.curve
    assert all(r["val_loss"] > 0 and r["train_loss"] > 0 and r["test_loss"] > 0 for r in curve)
    top = max(r["val_acc"] for r in curve)
    tied = [r for r in curve if r["val_acc"] == top]
    chosen = min(tied, key=lambda r: (r["val_loss"], r["epoch"]))
    assert chosen is not tied[0]  # the run has a tie that the default rule decides otherwise
    assert res.metrics["best_epoch"] == chosen["epoch"]
    assert res.metrics["val_loss"] == chosen["val_loss"]
    # the same numbers with the selected epoch's weights scored once at the end
    seed_everything(0)
    best = run_graph(size_graphs(40), ModelSettings("gin", {"hidden_channels": 8}),
                     SplitSettings(folds=4), TrainSettings(epochs=15, lr=0.02, batch_size=8,
                                                           tiebreak="val_loss",
                                                           test_at="best"), seed=0)
    assert best.metrics == res.metrics


def size_graphs(n_graphs=60, seed=0, regression=False):
    """Graphs whose class / target is their size: learnable from sum pooling."""
    gen = torch.Generator().manual_seed(seed)
    graphs = []
    for i in range(n_graphs):
        n = int(torch.randint(3, 15, (1,), generator=gen))
        x, ei = random_graph(n, 2 * n, 3, seed=seed * 1000 + i, self_loops=False)
        y = torch.tensor([n / 10.0]) if regression else torch.tensor([int(n >= 9)])
        graphs.append(Data(x=torch.ones(n, 3), edge_index=ei, y=y))
    return graph_dataset(graphs)


# The two learning tests below use 150 graphs with 24 for validation: with 60 graphs (5 for
# validation) the epoch picked on validation was luck, and a machine's float path alone
# moved test MAE from 0.14 to 1.38 (CI, stop 23). Checked over torch seeds 0-15: test
# accuracy 90.0-96.7 (bound 75) and test MAE 0.09-0.22 (bound 0.5).


def test_classification_learns_graph_size():
    # one GIN layer: the pooled input (the node count) is the signal; four layers of width
    # 16 fit the training graphs' noise and tested at 73-97 % across seeds
    res = run_graph(size_graphs(150), ModelSettings("gin", {"hidden_channels": 16,
                                                            "num_layers": 1}),
                    SplitSettings(folds=5, val_ratio=0.2),
                    TrainSettings(epochs=40, lr=0.01, batch_size=16), seed=0)
    assert res.metrics["test_acc"] >= 75.0  # chance ~ 50 %
    assert res.info["target"] == "classification"
    assert (res.info["num_train"], res.info["num_val"], res.info["num_test"]) == (96, 24, 30)


def test_regression_uses_l1_and_selects_the_smallest_validation_error():
    res = run_graph(size_graphs(150, regression=True),
                    ModelSettings("gin", {"hidden_channels": 16, "dropout": 0.0}),
                    SplitSettings(folds=5, val_ratio=0.2),
                    TrainSettings(epochs=30, lr=0.01, batch_size=16, scheduler="plateau",
                                  lr_patience=3), seed=1)
    assert res.info["target"] == "regression"
    curve = res.curve
    assert res.metrics["val_mae"] == min(row["val_mae"] for row in curve)
    assert curve[-1]["train_mae"] < curve[0]["train_mae"]
    assert res.metrics["test_mae"] < 0.5  # targets spread over 0.3 .. 1.4


def test_step_schedule_halves_the_learning_rate():
    res = run_graph(size_graphs(30), ModelSettings("gin", {"hidden_channels": 8}),
                    SplitSettings(folds=3),
                    TrainSettings(epochs=5, lr=0.02, batch_size=8, scheduler="step", lr_step=2,
                                  monitor="last"), seed=0)
    assert [row["lr"] for row in res.curve] == [0.02, 0.01, 0.01, 0.005, 0.005]
    assert res.metrics["best_epoch"] == 5


def test_feature_less_graphs_need_node_features():
    graphs = [Data(edge_index=torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]]), num_nodes=3,
                   y=torch.tensor([i % 2])) for i in range(20)]
    ds = graph_dataset(graphs)
    with pytest.raises(ValueError, match="dataset.node_features"):
        run_graph(ds, ModelSettings("gin"), SplitSettings(folds=2), TrainSettings(epochs=1), 0)
    degree = add_node_features(ds, "degree")
    assert degree[0].x.tolist() == [[0, 1, 0], [0, 0, 1], [0, 1, 0]]  # degrees 1, 2, 1
    assert add_node_features(ds, "constant")[0].x.tolist() == [[1.0]] * 3
    assert getattr(ds[0], "x", None) is None  # the input dataset is not changed
    res = run_graph(degree, ModelSettings("gin", {"hidden_channels": 4}), SplitSettings(folds=2),
                    TrainSettings(epochs=1), 0)
    assert "test_acc" in res.metrics


def test_node_features_are_computed_once_with_the_same_graphs_and_numbers():
    """precompute applies the dataset's transform (the node features) once instead of on
    every access; the graphs and a training run on them are unchanged."""
    from graphlab.tasks.graph import precompute

    graphs = [Data(edge_index=random_graph(6 + i % 5, 12, seed=i)[1], num_nodes=6 + i % 5,
                   y=torch.tensor([i % 2])) for i in range(24)]
    lazy = add_node_features(graph_dataset(graphs), "degree")
    eager = precompute(lazy)
    assert eager.transform is None and len(eager) == len(lazy)
    for a, b in zip(lazy, eager, strict=True):
        assert torch.equal(a.x, b.x) and torch.equal(a.edge_index, b.edge_index)
    settings = (ModelSettings("gin", {"hidden_channels": 8, "dropout": 0.5}),
                SplitSettings(folds=3), TrainSettings(epochs=3, batch_size=4))
    torch.manual_seed(0)
    before = run_graph(lazy, *settings, 0)
    torch.manual_seed(0)
    after = run_graph(eager, *settings, 0)
    assert before.metrics == after.metrics
    assert without_timing(before.curve) == without_timing(after.curve)
    plain = graph_dataset(graphs[:3])
    assert precompute(plain) is plain  # nothing to apply


def test_bad_graph_datasets_are_named():
    good = [Data(x=torch.ones(2, 1), edge_index=torch.tensor([[0], [1]]), y=torch.tensor([0]))
            for _ in range(4)]
    nan = good + [Data(x=torch.tensor([[float("nan")], [1.0]]),
                       edge_index=torch.tensor([[0], [1]]), y=torch.tensor([1]))]
    with pytest.raises(ValueError, match="graph 4: .*NaN"):
        run_graph(graph_dataset(nan), ModelSettings("gin"), SplitSettings(folds=2),
                  TrainSettings(epochs=1), 0)
    out_of_range = good + [Data(x=torch.ones(2, 1), edge_index=torch.tensor([[0], [5]]),
                                y=torch.tensor([1]))]
    with pytest.raises(ValueError, match="graph 4"):
        run_graph(graph_dataset(out_of_range), ModelSettings("gin"), SplitSettings(folds=2),
                  TrainSettings(epochs=1), 0)
    with pytest.raises(ValueError, match="no validation graphs"):
        run_graph(size_graphs(20), ModelSettings("gin"), SplitSettings(folds=2, val_ratio=0.0),
                  TrainSettings(epochs=1), 0)
    with pytest.raises(ValueError, match="needs a per-graph 'split'"):
        run_graph(size_graphs(20), ModelSettings("gin"), SplitSettings(kind="given"),
                  TrainSettings(epochs=1), 0)
    with pytest.raises(ValueError, match="not a graph split"):
        run_graph(size_graphs(20), ModelSettings("gin"), SplitSettings(kind="geom_gcn"),
                  TrainSettings(epochs=1), 0)


def test_tu_dataset_through_run_task():
    res = run_task("graph", DatasetSettings("mutag"), ModelSettings("gin", {"hidden_channels": 8}),
                   SplitSettings(), TrainSettings(epochs=2, batch_size=64), EvalSettings(),
                   seed=3)
    assert res.info["num_test"] in (18, 19)  # fold 3 of 188 graphs
    assert 0 <= res.metrics["test_acc"] <= 100


@pytest.mark.parametrize("dataset, model", [
    (DatasetSettings("mutag", subset=40, eigen_pe=6),
     ModelSettings("gine", {"hidden_channels": 8, "pe": "spe", "num_eigs": 6})),
    (DatasetSettings("mutag", subset=40, bag={"max_dis": 3, "hops": 2}),
     ModelSettings("swl", {"preset": "PSWL(SV)", "hidden_channels": 8, "max_dis": 3})),
])
def test_precomputed_encodings_through_run_task(dataset, model):
    res = run_task("graph", dataset, model, SplitSettings(folds=4), TrainSettings(epochs=1),
                   EvalSettings(), seed=0)
    assert res.info["num_train"] + res.info["num_val"] + res.info["num_test"] == 40


def test_subset_is_a_fixed_sample():
    from graphlab.data import load_dataset
    from graphlab.tasks.graph import take_subset

    ds = load_dataset("mutag")
    a, b = take_subset(ds, 30), take_subset(ds, 30)
    assert len(a) == 30 and torch.equal(a.y, b.y)
    assert set(a.y.tolist()) == {0, 1}
    assert take_subset(ds, None) is ds


def test_given_split_reads_each_graphs_part():
    graphs = [g for g in size_graphs(30, regression=True)]
    for i, g in enumerate(graphs):
        g.split = torch.tensor([0 if i < 20 else 1 if i < 25 else 2])
    res = run_graph(graph_dataset(graphs), ModelSettings("gin", {"hidden_channels": 4}),
                    SplitSettings(kind="given"), TrainSettings(epochs=1), 0)
    assert (res.info["num_train"], res.info["num_val"], res.info["num_test"]) == (20, 5, 5)


@pytest.mark.parametrize("monitor,scheduler", [(None, "plateau"), ("last", None)])
def test_testing_only_the_best_epoch_gives_the_same_metrics(monitor, scheduler):
    """train.test_at: best scores validation per epoch and train / test once with the best
    epoch's weights: the same metrics as scoring every part every epoch (dropout and batch
    norm in the model, so the copy must hold their state)."""
    from graphlab.runner.seeding import seed_everything
    results = {}
    for test_at in ("every_epoch", "best"):
        seed_everything(3)
        results[test_at] = run_graph(
            size_graphs(40), ModelSettings("gin", {"hidden_channels": 8, "dropout": 0.5}),
            SplitSettings(folds=4), TrainSettings(epochs=12, lr=0.02, batch_size=8,
                                                  monitor=monitor, scheduler=scheduler,
                                                  lr_patience=2, test_at=test_at), seed=3)
    every, best = results["every_epoch"], results["best"]
    assert best.metrics == every.metrics
    assert 1 <= best.metrics["best_epoch"] <= 12
    if monitor is None:
        assert best.metrics["best_epoch"] < 12 or every.curve[-1]["val_acc"] == max(
            r["val_acc"] for r in every.curve)
    assert all("test_acc" not in r and "train_acc" not in r and "val_acc" in r
               for r in best.curve)
    assert [r["val_acc"] for r in best.curve] == [r["val_acc"] for r in every.curve]


def test_scoring_leaves_the_global_generator_alone():
    """The evaluation loaders draw from a generator of their own, so scoring a model (any
    number of parts, any number of times) never moves the training stream."""
    from graphlab.tasks.graph import evaluate_graphs
    ds = size_graphs(12)
    from graphlab.models import build_model
    net = build_model("gin", "graph", {"hidden_channels": 4}, in_channels=ds.num_features,
                      out_channels=2, edge_channels=0)
    torch.manual_seed(0)
    before = torch.get_rng_state()
    parts = [("train", torch.arange(6)), ("val", torch.arange(6, 9)),
             ("test", torch.arange(9, 12))]
    evaluate_graphs(net, ds, parts, "classification", 4, torch.device("cpu"))
    evaluate_graphs(net, ds, parts[1:], "classification", 4, torch.device("cpu"))
    assert torch.equal(torch.get_rng_state(), before)


def test_test_at_is_checked_and_graph_only(write_config):
    from graphlab.runner import ConfigError, load_config
    from tests.conftest import TINY
    with pytest.raises(ConfigError, match="'train.test_at' must be one of"):
        load_config(write_config(TINY.replace("lr: 0.05", "lr: 0.05, test_at: sometimes")))
    with pytest.raises(ConfigError, match="key 'train.test_at' is not used by task 'node'"):
        load_config(write_config(TINY.replace("lr: 0.05", "lr: 0.05, test_at: best")))


def test_device_is_resolved_named_and_recorded(monkeypatch):
    """resources.device: 'auto' is the CPU where torch sees no GPU, 'cpu' gives the numbers
    of the default path (and is recorded), a GPU torch does not see is one clear error."""
    from graphlab.tasks.common import resolve_device
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu") == resolve_device("cpu")
    with pytest.raises(ValueError, match="torch sees no CUDA GPU"):
        resolve_device("cuda:0")
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        resolve_device("gpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert resolve_device("auto") == torch.device("cuda") and resolve_device("cuda:1").index == 1
    with pytest.raises(ValueError, match="sees 2 GPU"):
        resolve_device("cuda:2")
    monkeypatch.undo()
    args = (size_graphs(24), ModelSettings("gin", {"hidden_channels": 8}), SplitSettings(folds=3),
            TrainSettings(epochs=3, lr=0.01, batch_size=8))
    torch.manual_seed(0)
    default = run_graph(*args, seed=0)
    torch.manual_seed(0)
    on_cpu = run_graph(*args, seed=0, device=torch.device("cpu"))
    assert on_cpu.metrics == default.metrics and on_cpu.info["device"] == "cpu"


def test_every_task_takes_a_device_and_an_unseen_gpu_is_one_error(write_config, monkeypatch):
    from graphlab.runner import ConfigError, load_config
    from tests.conftest import TINY
    assert load_config(write_config(TINY + "resources: {device: cuda}\n")).resources.device \
        == "cuda"
    with pytest.raises(ConfigError, match="'resources.device' must be 'auto', 'cpu'"):
        load_config(write_config(TINY + "resources: {device: tpu}\n"))
    assert load_config(write_config(TINY + "resources: {device: cpu}\n")).resources.device == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="device 'cuda' asked for, but torch sees no CUDA GPU"):
        run_task("node", DatasetSettings("dcsbm"), ModelSettings("gcn"), SplitSettings(),
                 TrainSettings(epochs=1), EvalSettings(), seed=0, device="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_graph_task_trains_on_the_gpu_like_on_the_cpu():
    args = (size_graphs(24), ModelSettings("gin", {"hidden_channels": 8, "dropout": 0.0}),
            SplitSettings(folds=3), TrainSettings(epochs=2, lr=0.01, batch_size=8))
    torch.manual_seed(0)
    cpu = run_graph(*args, seed=0, device=torch.device("cpu"))
    torch.manual_seed(0)
    gpu = run_graph(*args, seed=0, device=torch.device("cuda"))
    assert gpu.info["device"].startswith("cuda")
    assert gpu.curve[0]["loss"] == pytest.approx(cpu.curve[0]["loss"], rel=1e-4)
