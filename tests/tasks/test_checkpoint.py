"""Mid-seed checkpoints: a training loop interrupted after some epochs and resumed from its
checkpoint ends with exactly the metrics and curve of an uninterrupted run (model,
optimiser, scheduler, generators, selection and the global RNGs all restored)."""
import random

import numpy as np
import pytest
import torch

from graphlab.tasks import (
    Checkpoint,
    CheckpointError,
    ModelSettings,
    SplitSettings,
    TrainSettings,
)
from graphlab.tasks.common import without_timing
from graphlab.tasks.forecast import run_forecast
from graphlab.tasks.graph import run_graph
from tests.tasks.test_forecast import _toy
from tests.tasks.test_graph_task import size_graphs


class Stop(Exception):
    pass


def stop_at(epoch_to_stop):
    def callback(epoch, row):
        if epoch == epoch_to_stop:
            raise Stop
    return callback


def forecast(checkpoint=None, callback=None, test_at="every_epoch"):
    torch.manual_seed(0)
    return run_forecast(_toy(), ModelSettings("stgcn", {"variant": "semi", "num_virtual": 2,
                                                        "hidden_channels": 8}),
                        SplitSettings(input_steps=12, horizon=4),
                        TrainSettings(epochs=6, lr=0.01, batch_size=16, test_at=test_at),
                        seed=0, callback=callback, checkpoint=checkpoint)


def graph(checkpoint=None, callback=None, scheduler="plateau"):
    torch.manual_seed(0)
    # dropout 0.5 and shuffled batches: the resumed run must replay the same random draws
    return run_graph(size_graphs(40), ModelSettings("gin", {"hidden_channels": 8,
                                                            "dropout": 0.5}),
                     SplitSettings(folds=4),
                     TrainSettings(epochs=7, lr=0.01, batch_size=8, scheduler=scheduler,
                                   lr_patience=1, lr_step=2, eval_every=2, test_at="best"),
                     seed=0, callback=callback, checkpoint=checkpoint)


def interrupted_then_resumed(loop, tmp_path, stop_epoch, **kwargs):
    path = tmp_path / "seed_0.ckpt"
    with pytest.raises(Stop):
        loop(Checkpoint(path, every_s=0, key="k"), stop_at(stop_epoch), **kwargs)
    assert path.exists()
    # other code between the runs must not matter: the RNGs come from the checkpoint
    torch.rand(7), random.random(), np.random.rand()
    ckpt = Checkpoint(path, every_s=0, key="k")
    result = loop(ckpt, **kwargs)
    return result, ckpt


@pytest.mark.parametrize("test_at", ["every_epoch", "best"])
def test_a_resumed_forecast_equals_an_uninterrupted_one(tmp_path, test_at):
    whole = forecast(test_at=test_at)
    resumed, ckpt = interrupted_then_resumed(forecast, tmp_path, 4, test_at=test_at)
    # the callback raised in epoch 4, before its save: the last save was after epoch 3
    assert ckpt.resumed_epoch == 3 and ckpt.resumes == 1 and ckpt.elapsed_before_s > 0
    assert resumed.metrics == whole.metrics
    assert without_timing(resumed.curve) == without_timing(whole.curve)
    # the test could fail: a different run gives other numbers
    assert forecast(test_at=test_at).metrics == whole.metrics
    torch.manual_seed(1)
    other = run_forecast(_toy(), ModelSettings("stgcn", {"variant": "semi", "num_virtual": 2,
                                                         "hidden_channels": 8}),
                         SplitSettings(input_steps=12, horizon=4),
                         TrainSettings(epochs=6, lr=0.01, batch_size=16, test_at=test_at),
                         seed=1)
    assert other.metrics != whole.metrics


@pytest.mark.parametrize("scheduler", ["plateau", "step"])
def test_a_resumed_graph_run_equals_an_uninterrupted_one(tmp_path, scheduler):
    whole = graph(scheduler=scheduler)
    # eval_every 2: the callback runs at epoch 4; epochs 1-3 were saved after each
    resumed, ckpt = interrupted_then_resumed(graph, tmp_path, 4, scheduler=scheduler)
    assert ckpt.resumed_epoch == 3
    assert resumed.metrics == whole.metrics
    assert without_timing(resumed.curve) == without_timing(whole.curve)
    assert [row["lr"] for row in resumed.curve] == [row["lr"] for row in whole.curve]


def test_a_checkpoint_after_the_last_epoch_only_scores(tmp_path):
    path = tmp_path / "seed_0.ckpt"
    whole = graph(Checkpoint(path, every_s=0, key="k"))
    calls = []
    again = graph(Checkpoint(path, every_s=0, key="k"), callback=lambda e, r: calls.append(e))
    assert calls == [] and again.metrics == whole.metrics
    assert without_timing(again.curve) == without_timing(whole.curve)


def test_the_interval_limits_saves(tmp_path, monkeypatch):
    path = tmp_path / "seed_0.ckpt"
    saves = []
    real = Checkpoint.epoch_done

    def counted(self, epoch, objects, force=False):
        saved = real(self, epoch, objects, force)
        if saved:
            saves.append(epoch)
        return saved

    monkeypatch.setattr(Checkpoint, "epoch_done", counted)
    forecast(Checkpoint(path, every_s=3600, key="k"))
    assert saves == [] and not path.exists()
    forecast(Checkpoint(path, every_s=0, key="k"))
    assert saves == [1, 2, 3, 4, 5, 6]


def test_a_foreign_or_broken_checkpoint_is_refused_with_its_name(tmp_path):
    path = tmp_path / "seed_0.ckpt"
    with pytest.raises(Stop):
        forecast(Checkpoint(path, every_s=0, key="config a seed 0"), stop_at(2))
    with pytest.raises(CheckpointError, match="belongs to another run.*--overwrite"):
        forecast(Checkpoint(path, every_s=0, key="config b seed 0"))
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot read the checkpoint .*seed_0.ckpt"):
        forecast(Checkpoint(path, every_s=0, key="config a seed 0"))
    torch.save({"something": 1}, path)
    with pytest.raises(CheckpointError, match="not a graphlab checkpoint"):
        forecast(Checkpoint(path, every_s=0, key="config a seed 0"))
    with pytest.raises(ValueError, match=">= 0 seconds"):
        Checkpoint(path, every_s=-1)


def test_a_checkpoint_the_model_no_longer_fits_is_named(tmp_path):
    """Same key, other code (here: another width): one clear error, not a state-dict dump."""
    path = tmp_path / "seed_0.ckpt"
    with pytest.raises(Stop):
        forecast(Checkpoint(path, every_s=0, key="k", note={"who": "first"}), stop_at(2))
    torch.manual_seed(0)
    with pytest.raises(CheckpointError, match="does not fit this run's net .*code may have "
                                              "changed"):
        run_forecast(_toy(), ModelSettings("stgcn", {"variant": "semi", "num_virtual": 2,
                                                     "hidden_channels": 12}),
                     SplitSettings(input_steps=12, horizon=4),
                     TrainSettings(epochs=6, lr=0.01, batch_size=16), seed=0,
                     checkpoint=Checkpoint(path, every_s=0, key="k"))
    ckpt = Checkpoint(path, every_s=0, key="k", note={"who": "second"})
    forecast(ckpt)
    assert ckpt.earlier == [{"who": "first"}]


def test_checkpoints_are_refused_where_they_are_not_saved(tmp_path):
    from graphlab.tasks import DatasetSettings, EvalSettings, run_task
    with pytest.raises(ValueError, match="task .node. does not save mid-seed checkpoints"):
        run_task("node", DatasetSettings("dcsbm"), ModelSettings("gcn"), SplitSettings(),
                 TrainSettings(), EvalSettings(), 0, checkpoint=Checkpoint(tmp_path / "c"))


LM_SMALL = {"channels": 32, "num_layers": 2, "heads": 4, "dropout": 0.1}
LM_DATA = {"part": "a", "max_bytes": 400_000}


def lm(checkpoint=None, callback=None):
    from graphlab.data import load_dataset
    from graphlab.tasks.language import run_lm
    torch.manual_seed(0)
    return run_lm(load_dataset("pystdlib", **LM_DATA), ModelSettings("transformer_lm", LM_SMALL),
                  TrainSettings(epochs=4, lr=3e-3, batch_size=4, block_size=16,
                                steps_per_epoch=5),
                  seed=0, callback=callback, checkpoint=checkpoint)



def test_an_interrupted_pretraining_resumes_beside_its_cache_entry(tmp_path, monkeypatch):
    """lm_finetune's base model: killed while pre-training, the next run continues it from
    ``<cache>.pt.ckpt`` and caches the base an uninterrupted pre-training gives."""
    from graphlab.data import load_dataset
    from graphlab.tasks import PretrainSettings, language
    corpus = load_dataset("pystdlib", **LM_DATA)
    pretrain = PretrainSettings(ModelSettings("transformer_lm", LM_SMALL), LM_DATA, epochs=3,
                                lr=3e-3)
    train = TrainSettings(epochs=1, lr=3e-3, batch_size=4, block_size=16, steps_per_epoch=5)

    def base(root, every=0.0):
        monkeypatch.setenv("GRAPHLAB_DATA", str(root))
        torch.manual_seed(0)  # as the runner seeds before the task builds the base
        net, metrics = language.pretrained_lm(pretrain, corpus, train, 0, checkpoint_every=every)
        return {k: v for k, v in metrics.items() if k not in ("checkpoint", "cached")}, net

    whole, whole_net = base(tmp_path / "whole", every=None)
    real, calls = language.evaluate_lm, []

    def dies_in_epoch_2(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise Stop
        return real(*args, **kwargs)

    monkeypatch.setattr(language, "evaluate_lm", dies_in_epoch_2)
    with pytest.raises(Stop):
        base(tmp_path / "killed")
    partial = list((tmp_path / "killed" / "checkpoints").glob("lm-*.pt.ckpt"))
    assert len(partial) == 1 and not list((tmp_path / "killed" / "checkpoints").glob("*.pt"))
    monkeypatch.setattr(language, "evaluate_lm", real)
    resumed, resumed_net = base(tmp_path / "killed")
    assert resumed == whole
    ours, theirs = whole_net.state_dict(), resumed_net.state_dict()
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)
    assert not partial[0].exists()


def link(checkpoint=None, callback=None):
    from graphlab.tasks import DatasetSettings, EvalSettings, run_task
    torch.manual_seed(0)
    data = DatasetSettings("dcsbm", {"num_nodes": 200, "num_classes": 3, "avg_degree": 6,
                                     "num_features": 8, "seed": 0}, undirected=True)
    return run_task("link", data, ModelSettings("gae", {"hidden_channels": 16,
                                                        "dropout": 0.5}),
                    SplitSettings(kind="random_edge", val_ratio=0.1, test_ratio=0.2),
                    TrainSettings(epochs=5, lr=0.01, batch_size=128), EvalSettings([10]),
                    seed=0, callback=callback, checkpoint=checkpoint)


@pytest.mark.parametrize("loop", [lm, link], ids=["lm", "link"])
def test_a_resumed_lm_or_link_run_equals_an_uninterrupted_one(tmp_path, loop):
    whole = loop()
    resumed, ckpt = interrupted_then_resumed(loop, tmp_path, 3)
    assert ckpt.resumed_epoch == 2
    assert resumed.metrics == whole.metrics
    assert without_timing(resumed.curve) == without_timing(whole.curve)
