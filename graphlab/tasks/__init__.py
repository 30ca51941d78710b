"""graphlab.tasks: one train/eval loop per task kind, and :func:`run_task` that ties
dataset, split, model and loop together for one seed."""
from __future__ import annotations

from typing import Optional

import graphlab.heads  # noqa: F401  (registers the link models)
from graphlab.data import load_dataset
from graphlab.tasks import forecast, graph, language, link, node
from graphlab.tasks.common import (
    Checkpoint,
    CheckpointError,
    EpochCallback,
    TaskResult,
    resolve_device,
    valid_device_spec,
)
from graphlab.tasks.distributed import Distributed, DistributedUnsupportedError
from graphlab.tasks.settings import (
    DatasetSettings,
    EvalSettings,
    ModelSettings,
    PretrainSettings,
    SplitSettings,
    TrainSettings,
)

#: task name → ``default_metrics(eval_settings) -> (default monitor, primary metric)``
TASKS = {
    "node": node.default_metrics,
    "link": link.default_metrics,
    "graph": graph.default_metrics,
    "lm": language.default_metrics,
    "lm_finetune": language.default_metrics,
    "forecast": forecast.default_metrics,
}


#: tasks whose loops save mid-seed checkpoints; the node task (full-batch, minutes per run)
#: restarts a killed seed
CHECKPOINT_TASKS = {"forecast", "graph", "link", "lm", "lm_finetune"}

#: tasks that train data-parallel under ``--ddp``
DDP_TASKS = {"link", "graph"}

#: tasks whose single-process runs train on ``resources.device`` (a GPU); the others train
#: on the CPU
DEVICE_TASKS = {"graph"}
NODE_NO_DDP = ("it trains full-batch, one forward pass over the whole graph per step, so there "
               "is no batch to shard: K processes would repeat the same work. Run its seeds in "
               "parallel instead (--jobs N or --launcher ray)")


def check_ddp_task(task: str) -> None:
    """Raise :class:`DistributedUnsupportedError`, saying why, unless ``task`` trains
    data-parallel."""
    if task not in DDP_TASKS:
        why = NODE_NO_DDP if task == "node" else "data-parallel training is not implemented for it"
        raise DistributedUnsupportedError(f"task '{task}' cannot be trained with --ddp: {why}")


def check_device(task: str, device: str) -> None:
    """``resources.device`` for ``task``: a known spec, and a GPU only for
    :data:`DEVICE_TASKS` (whether torch sees that GPU is checked when the run starts).

    Raises:
        ValueError: an unknown spec, or a GPU for a task that trains on the CPU.
    """
    if not valid_device_spec(device):
        raise ValueError(f"key 'resources.device' must be 'auto', 'cpu', 'cuda' or 'cuda:K', "
                         f"got {device!r}")
    if device.startswith("cuda") and task not in DEVICE_TASKS:
        raise ValueError(f"resources.device '{device}': task '{task}' trains on the CPU (a GPU "
                         f"is supported for {sorted(DEVICE_TASKS)}; the link and graph tasks "
                         "also run on GPUs under torchrun --ddp)")


def prepare_data(task: str, dataset: DatasetSettings):
    """Load the dataset and symmetrise it when asked; returns ``(data, num_classes)``.
    (The task loops validate the graph themselves.)"""
    from torch_geometric.utils import to_undirected

    ds = load_dataset(dataset.name, **dataset.params)
    if len(ds) != 1:
        raise ValueError(f"task '{task}' needs a single-graph dataset; '{dataset.name}' holds "
                         f"{len(ds)} graphs")
    data = ds[0]
    if dataset.undirected:
        data = data.clone()
        data.edge_index = to_undirected(data.edge_index, num_nodes=data.num_nodes)
    return data, ds.num_classes


def run_task(task: str, dataset: DatasetSettings, model: ModelSettings, split: SplitSettings,
             train: TrainSettings, evaluation: EvalSettings, seed: int, progress: bool = False,
             callback: Optional[EpochCallback] = None,
             ddp: Optional[Distributed] = None,
             pretrain: Optional[PretrainSettings] = None,
             checkpoint: Optional[Checkpoint] = None, device: str = "cpu") -> TaskResult:
    """Run one seed of ``task``. The caller seeds the RNGs (see ``graphlab.runner.seeding``).

    ``ddp``: train data-parallel in an initialised process group (link and graph tasks; see
    :mod:`graphlab.tasks.distributed` for why the node task refuses). ``pretrain``: the base
    model of task ``lm_finetune``. ``checkpoint``: save the training state as it goes and
    resume from it — tasks in :data:`CHECKPOINT_TASKS`, not with ``ddp``. ``device``: where
    a task in :data:`DEVICE_TASKS` trains (``'auto'``, ``'cpu'``, ``'cuda'``, ``'cuda:K'``; see
    :func:`~graphlab.tasks.common.resolve_device`); the other tasks accept only the CPU
    (``'auto'`` = CPU there); ignored under ``ddp``, where the rank's device is used.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task '{task}'; choose one of {sorted(TASKS)}")
    if ddp is None:
        check_device(task, device)
    else:
        check_ddp_task(task)
    if checkpoint is not None and task not in CHECKPOINT_TASKS:  # (the loops refuse ddp)
        raise ValueError(f"task '{task}' does not save mid-seed checkpoints (only "
                         f"{sorted(CHECKPOINT_TASKS)} do)")
    if task == "forecast":
        return forecast.run_forecast(load_dataset(dataset.name, **dataset.params), model, split,
                                     train, seed, progress, callback, name=dataset.name,
                                     checkpoint=checkpoint)
    if task == "lm":
        return language.run_lm(load_dataset(dataset.name, **dataset.params), model, train, seed,
                               progress, callback, name=dataset.name, checkpoint=checkpoint)
    if task == "lm_finetune":
        if pretrain is None:
            raise ValueError("task 'lm_finetune' needs a pretrain section (the base model)")
        return language.run_lm_finetune(
            load_dataset(dataset.name, **dataset.params),
            load_dataset(dataset.name, **pretrain.params), model, pretrain, train, seed,
            progress, callback, name=dataset.name, checkpoint=checkpoint)
    if task == "graph":
        ds = graph.add_node_features(load_dataset(dataset.name, **dataset.params),
                                     dataset.node_features)
        ds = graph.take_subset(ds, dataset.subset)
        ds = graph.precompute(ds, dataset.eigen_pe, dataset.bag, progress)
        return graph.run_graph(ds, model, split, train, seed, progress, callback, ddp,
                               name=dataset.name, checkpoint=checkpoint,
                               device=None if ddp is not None else resolve_device(device))
    data, num_classes = prepare_data(task, dataset)
    if task == "node":
        return node.run_node(data, num_classes, model, split, train, seed, progress, callback)
    return link.run_link(data, model, split, train, evaluation, seed, progress, callback, ddp,
                         checkpoint)


__all__ = ["CHECKPOINT_TASKS", "DDP_TASKS", "DEVICE_TASKS", "TASKS", "Checkpoint",
           "CheckpointError", "DatasetSettings", "Distributed", "DistributedUnsupportedError",
           "EpochCallback", "EvalSettings", "ModelSettings", "PretrainSettings", "SplitSettings",
           "TaskResult", "TrainSettings", "check_ddp_task", "check_device", "prepare_data",
           "run_task"]
