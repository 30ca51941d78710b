"""Task kinds are classes that declare the settings they read and their capabilities; a
key a task does not read is refused at load, naming the key, the task and the file."""
import dataclasses

import pytest

from graphlab.runner import ConfigError, load_config
from graphlab.tasks import (
    CHECKPOINT_TASKS,
    DDP_TASKS,
    DEVICE_TASKS,
    TASKS,
    DatasetSettings,
    EvalSettings,
    Task,
    TrainSettings,
    get_task,
    register_task,
)

NODE = "experiments/demo/node_homophilous_gcn.yaml"
LINK = "experiments/demo/link_gae.yaml"
GRAPH = "experiments/tu/mutag_gin.yaml"


def test_every_task_is_a_class_with_its_capabilities():
    assert sorted(TASKS) == ["forecast", "graph", "link", "lm", "lm_finetune", "node"]
    assert all(issubclass(t, Task) and t.name == n for n, t in TASKS.items())
    assert CHECKPOINT_TASKS == {"forecast", "graph", "link", "lm", "lm_finetune"}
    assert DDP_TASKS == {"link", "graph"} and DEVICE_TASKS == set(TASKS)
    assert get_task("lm_finetune").data == "text"
    with pytest.raises(ValueError, match="unknown task 'nodes'"):
        get_task("nodes")


def test_every_declared_key_is_a_setting():
    """A typo in a task's key list would silently allow every other key."""
    sections = {"train": TrainSettings, "dataset": DatasetSettings, "eval": EvalSettings}
    for task in TASKS.values():
        for section, keys in (("train", task.train_keys), ("dataset", task.dataset_keys),
                              ("eval", task.eval_keys)):
            known = {f.metadata.get("key", f.name)        # the config key ('class')
                     for f in dataclasses.fields(sections[section])}
            assert keys <= known, (task.name, section, keys - known)


@pytest.mark.parametrize("path, override, key, task", [
    (NODE, "train.scheduler=step", "train.scheduler", "node"),
    (NODE, "train.batch_size=32", "train.batch_size", "node"),
    (NODE, "eval.hits_k=[10]", "eval.hits_k", "node"),
    (NODE, "dataset.eigen_pe=4", "dataset.eigen_pe", "node"),
    (NODE, "dataset.subset=4", "dataset.subset", "node"),
    (LINK, "train.eval_batch_size=64", "train.eval_batch_size", "link"),
    (LINK, "train.lr_step=10", "train.lr_step", "link"),
    (GRAPH, "dataset.undirected=true", "dataset.undirected", "graph"),
    (GRAPH, "train.predictor_lr=0.01", "train.predictor_lr", "graph"),
])
def test_a_key_the_task_does_not_read_is_refused(path, override, key, task):
    with pytest.raises(ConfigError, match=rf"{path}: key '{key}'.* task '{task}'"):
        load_config(path, overrides=[override])


def test_keys_the_task_reads_and_defaults_pass():
    assert load_config(GRAPH, overrides=["train.scheduler=step"]).train.scheduler == "step"
    assert load_config(LINK, overrides=["eval.hits_k=[10]"]).eval.hits_k == [10]
    # a key written at its default changes nothing and is accepted
    assert load_config(NODE, overrides=["train.batch_size=null"]).train.batch_size is None


def test_a_task_name_is_registered_once():
    with pytest.raises(ValueError, match="registered twice"):
        register_task(type("Again", (Task,), {"name": "node"}))
