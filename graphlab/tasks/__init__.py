"""graphlab.tasks: one train/eval loop per task kind, and :func:`run_task` that ties
dataset, split, model and loop together for one seed."""
from __future__ import annotations

from typing import Optional

import graphlab.heads  # noqa: F401  (registers the link models)
from graphlab.data import load_dataset
from graphlab.tasks import link, node
from graphlab.tasks.common import EpochCallback, TaskResult
from graphlab.tasks.settings import (
    DatasetSettings,
    EvalSettings,
    ModelSettings,
    SplitSettings,
    TrainSettings,
)

#: task name → ``default_metrics(eval_settings) -> (default monitor, primary metric)``
TASKS = {
    "node": node.default_metrics,
    "link": link.default_metrics,
}


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
             callback: Optional[EpochCallback] = None) -> TaskResult:
    """Run one seed of ``task``. The caller seeds the RNGs (see ``graphlab.runner.seeding``)."""
    if task not in TASKS:
        raise ValueError(f"unknown task '{task}'; choose one of {sorted(TASKS)}")
    data, num_classes = prepare_data(task, dataset)
    if task == "node":
        return node.run_node(data, num_classes, model, split, train, seed, progress, callback)
    return link.run_link(data, model, split, train, evaluation, seed, progress, callback)


__all__ = ["TASKS", "DatasetSettings", "EpochCallback", "EvalSettings", "ModelSettings",
           "SplitSettings", "TaskResult", "TrainSettings", "prepare_data", "run_task"]
