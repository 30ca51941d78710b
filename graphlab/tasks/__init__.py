"""graphlab.tasks: one class per task kind (:data:`TASKS`: its settings, metrics, capabilities
and loop), and :func:`run_task` that ties dataset, split, model and loop together for one
seed."""
from __future__ import annotations

from typing import Any, Optional

import torch

from graphlab.io import Checkpoint, CheckpointError
from graphlab.io.allocator import allocator_setting
from graphlab.tasks.base import TASKS, Task, get_task, register_task
from graphlab.tasks.common import EpochCallback, TaskResult, resolve_device, valid_device_spec
from graphlab.tasks.distributed import Distributed, DistributedUnsupportedError
from graphlab.tasks.kinds import _Run, prepare_data
from graphlab.tasks.settings import (
    DatasetSettings,
    EvalSettings,
    ModelSettings,
    PretrainSettings,
    SplitSettings,
    TrainSettings,
)

#: tasks whose loops save mid-seed checkpoints; the node task (full-batch, minutes per run)
#: restarts a killed seed (each task class's ``checkpoint``)
CHECKPOINT_TASKS = {name for name, task in TASKS.items() if task.checkpoint}

#: tasks that train data-parallel under ``--ddp`` (``Task.ddp``)
DDP_TASKS = {name for name, task in TASKS.items() if task.ddp}

#: tasks whose single-process runs train on ``resources.device`` (a GPU); the others train
#: on the CPU (``Task.device``)
DEVICE_TASKS = {name for name, task in TASKS.items() if task.device}
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
    """``resources.device`` for ``task``: a known spec, and a GPU only for a task that can
    train on one (:data:`DEVICE_TASKS`: every task; whether torch sees that GPU is checked
    when the run starts).

    Raises:
        ValueError: an unknown spec, or a GPU for a task that trains on the CPU.
    """
    if not valid_device_spec(device):
        raise ValueError(f"key 'resources.device' must be 'auto', 'cpu', 'cuda' or 'cuda:K', "
                         f"got {device!r}")
    if device.startswith("cuda") and task not in DEVICE_TASKS:
        raise ValueError(f"resources.device '{device}': task '{task}' trains on the CPU (a GPU "
                         f"is supported for {sorted(DEVICE_TASKS)})")


def run_task(task: str, dataset: DatasetSettings, model: ModelSettings, split: SplitSettings,
             train: TrainSettings, evaluation: EvalSettings, seed: int, progress: bool = False,
             callback: Optional[EpochCallback] = None,
             ddp: Optional[Distributed] = None,
             pretrain: Optional[PretrainSettings] = None,
             checkpoint: Optional[Checkpoint] = None, device: str = "cpu",
             data: Any = None) -> TaskResult:
    """Run one seed of ``task``. The caller seeds the RNGs (see ``graphlab.runner.seeding``).

    ``ddp``: train data-parallel in an initialised process group (link and graph tasks; see
    :mod:`graphlab.tasks.distributed` for why the node task refuses). ``pretrain``: the base
    model of task ``lm_finetune``. ``checkpoint``: save the training state as it goes and
    resume from it — tasks in :data:`CHECKPOINT_TASKS`, not with ``ddp``. ``device``: where
    the task trains (``'auto'``, ``'cpu'``, ``'cuda'``, ``'cuda:K'``; see
    :func:`~graphlab.tasks.common.resolve_device`); ignored under ``ddp``, where the rank's
    device is used. ``data``: a PyG ``Data``, list of ``Data`` or dataset to train on
    instead of the one ``dataset`` names (node, link and graph tasks; ``dataset``'s other
    settings — features, symmetrising — still apply).

    The result's curve holds each evaluated epoch's ``train_s`` / ``eval_s`` (wall seconds
    of training per epoch and of the evaluation), its ``info`` their medians
    (``train_s_per_epoch``, ``eval_s_per_epoch``), the device and torch's thread count.
    """
    kind = get_task(task)
    if ddp is None:
        check_device(task, device)
    else:
        check_ddp_task(task)
    if checkpoint is not None and not kind.checkpoint:  # (the loops refuse ddp)
        raise ValueError(f"task '{task}' does not save mid-seed checkpoints (only "
                         f"{sorted(CHECKPOINT_TASKS)} do)")
    result = kind.run(_Run(dataset, model, split, train, evaluation, seed, progress, callback,
                           ddp, pretrain, checkpoint,
                           None if ddp is not None else resolve_device(device), data))
    # the record's info says how the seed ran, so its speed can be read from it
    result.info.setdefault("threads", torch.get_num_threads())
    result.info.setdefault("allocator", allocator_setting())
    return result


__all__ = ["CHECKPOINT_TASKS", "DDP_TASKS", "DEVICE_TASKS", "TASKS", "Checkpoint",
           "CheckpointError", "DatasetSettings", "Distributed", "DistributedUnsupportedError",
           "EpochCallback", "EvalSettings", "ModelSettings", "PretrainSettings", "SplitSettings",
           "Task", "TaskResult", "TrainSettings", "check_ddp_task", "check_device", "get_task",
           "prepare_data", "register_task", "run_task"]
