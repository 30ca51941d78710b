import pytest
import torch

from graphlab.data import load_dataset
from graphlab.runner import ConfigError, config_from_dict, run_config
from graphlab.tasks import ModelSettings, PretrainSettings, TrainSettings
from graphlab.tasks.language import evaluate_lm, run_lm, run_lm_finetune

SMALL = {"channels": 32, "num_layers": 2, "heads": 4}
DATA = {"part": "a", "max_bytes": 400_000}
TRAIN = TrainSettings(epochs=3, lr=3e-3, batch_size=8, block_size=32, steps_per_epoch=15)


def test_lm_training_lowers_the_validation_loss():
    corpus = load_dataset("pystdlib", **DATA)
    result = run_lm(corpus, ModelSettings("transformer_lm", SMALL), TRAIN, seed=0)
    curve = result.curve
    assert curve[-1]["val_loss"] < curve[0]["val_loss"] < 5.6  # ln 256 = 5.55 at chance
    assert result.metrics["test_ppl"] == pytest.approx(2.718281828 ** result.metrics["test_loss"])
    assert result.metrics["gap"] == pytest.approx(result.metrics["val_loss"]
                                                  - result.metrics["train_loss"])
    assert result.info["trainable_parameters"] == result.info["parameters"]


def test_evaluation_is_deterministic():
    torch.manual_seed(0)
    from graphlab.nn import TransformerLM

    corpus = load_dataset("pystdlib", **DATA)
    net = TransformerLM(256, 32, 16, 1, 2)
    assert evaluate_lm(net, corpus, 32) == evaluate_lm(net, corpus, 32)


@pytest.mark.parametrize("adapter", ["sparse_gin", "lora"])
def test_finetuning_reuses_the_cached_base_and_trains_only_the_adapter(adapter, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setenv("GRAPHLAB_DATA", str(tmp_path))
    pretrain = PretrainSettings(ModelSettings("transformer_lm", SMALL), DATA, epochs=1, lr=3e-3)
    target = load_dataset("pystdlib", part="b", max_bytes=400_000)
    base = load_dataset("pystdlib", **DATA)
    train = TrainSettings(epochs=2, lr=3e-3, batch_size=8, block_size=32, steps_per_epoch=10)
    first = run_lm_finetune(target, base, ModelSettings(adapter, {}), pretrain, train, seed=0)
    second = run_lm_finetune(target, base, ModelSettings(adapter, {}), pretrain, train, seed=0)
    assert not first.info["pretrain"]["cached"] and second.info["pretrain"]["cached"]
    assert first.metrics == second.metrics
    assert first.info["trainable_parameters"] < first.info["parameters"] / 5
    assert first.metrics["val_loss"] < first.info["before_adaptation"]["val_loss"]
    assert len(list((tmp_path / "checkpoints").glob("lm-*.pt"))) == 1


def _cfg(**extra):
    raw = {"task": "lm", "dataset": {"name": "pystdlib", "params": DATA},
           "model": {"name": "transformer_lm", "params": SMALL},
           "train": {"epochs": 1, "lr": 3e-3, "batch_size": 4, "block_size": 16,
                     "steps_per_epoch": 2}}
    raw.update(extra)
    return raw


def test_config_rules_for_language_tasks():
    with pytest.raises(ConfigError, match="task 'lm_finetune' .*pretrain|required by task"):
        config_from_dict(_cfg(task="lm_finetune", model={"name": "lora"}))
    with pytest.raises(ConfigError, match="only for task 'lm_finetune'"):
        config_from_dict(_cfg(pretrain={"model": {"name": "transformer_lm"}}))
    with pytest.raises(ConfigError, match="holds text, task 'graph' needs graphs"):
        config_from_dict(_cfg(task="graph", model={"name": "gin"}))
    with pytest.raises(ConfigError, match="pretrain.model.params.width"):
        config_from_dict(_cfg(task="lm_finetune", model={"name": "lora"},
                              pretrain={"model": {"name": "transformer_lm",
                                                  "params": {"width": 3}}}))
    with pytest.raises(ConfigError, match="train.block_size"):
        config_from_dict(_cfg(train={"epochs": 1, "block_size": 0}))


def test_lm_config_runs_through_the_runner_and_resumes(tmp_path):
    cfg = config_from_dict(_cfg(seeds=2), "lm.yaml")
    records = run_config(cfg, tmp_path, progress=False)
    assert len(records) == 2 and "test_ppl" in records[0]["metrics"]
    again = run_config(cfg, tmp_path, progress=False)
    assert [r["metrics"] for r in again] == [r["metrics"] for r in records]


def test_block_longer_than_the_model_is_named():
    corpus = load_dataset("pystdlib", **DATA)
    from graphlab.nn import TransformerLM
    from graphlab.tasks.language import fit_lm

    with pytest.raises(ValueError, match="exceeds the model's max_length 8"):
        fit_lm(TransformerLM(256, 8, 16, 1, 2), corpus, TRAIN, 0, 1, 1e-3)


def test_the_base_model_depends_on_its_seed_alone_as_its_cache_key(tmp_path, monkeypatch):
    """pretrained_lm seeds the base's initialisation itself, so the cache never holds a base
    that another call with the same key would not have trained: a direct call after
    unrelated RNG use gives the base that the runner's run (seeded just before the task)
    cached — and so the bases cached before pretrained_lm seeded are the same models."""
    from graphlab.tasks.language import pretrained_lm
    pretrain = {"model": {"name": "transformer_lm", "params": SMALL}, "params": DATA,
                "epochs": 1, "lr": 3e-3}
    cfg = config_from_dict(_cfg(task="lm_finetune", model={"name": "lora"},
                                dataset={"name": "pystdlib", "params": {"part": "b",
                                                                        "max_bytes": 400_000}},
                                pretrain=pretrain), "ft.yaml")
    monkeypatch.setenv("GRAPHLAB_DATA", str(tmp_path / "runner"))
    record = run_config(cfg, tmp_path / "out", progress=False)[0]
    monkeypatch.setenv("GRAPHLAB_DATA", str(tmp_path / "direct"))
    torch.manual_seed(123)
    torch.rand(7)
    _, direct = pretrained_lm(cfg.pretrain, load_dataset("pystdlib", **DATA), cfg.train, seed=0)
    drop = ("checkpoint", "cached")
    assert not direct["cached"]
    assert ({k: v for k, v in direct.items() if k not in drop}
            == {k: v for k, v in record["info"]["pretrain"].items() if k not in drop})
