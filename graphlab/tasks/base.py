"""Task kinds as classes: each declares the settings its loop reads, its metrics and its
capabilities, and runs one seed; :data:`TASKS` holds them by name.

A config key that a task does not read is refused when the config loads
(:meth:`Task.unused_settings`). For example, ``train.scheduler`` belongs to the graph task
only; on a node config it would change nothing, so it is an error that names the key and
the task.
"""
from __future__ import annotations

from typing import Any, ClassVar

from graphlab.tasks.settings import DatasetSettings, EvalSettings, TrainSettings, non_default

#: the ``train`` keys every loop reads
COMMON_TRAIN = frozenset({"epochs", "lr", "weight_decay", "patience", "monitor", "tiebreak",
                          "eval_every"})
#: the ``dataset`` keys every task reads
COMMON_DATASET = frozenset({"name", "params"})
#: the ``dataset`` keys of the tasks that read any PyG class or graph file
FILE_DATASET = frozenset({"class", "path", "directed", "num_nodes", "variable", "in_memory"})


class Task:
    """One task kind (subclass it and decorate with :func:`register_task`).

    Class attributes:
        name: the config's ``task:`` value.
        data: what its dataset must hold (``'graphs'``, ``'text'``, ``'sensor time series'``).
        train_keys, dataset_keys, eval_keys: the keys of ``train:``, ``dataset:`` and
            ``eval:`` its loop reads; any other key set away from its default is refused.
        checkpoint: the loop saves mid-seed checkpoints (a killed seed resumes inside).
        ddp: the loop trains data-parallel under ``torchrun … --ddp``.
        device: a single-process run trains on ``resources.device`` (a GPU where asked or
            where ``'auto'`` finds one); otherwise on the CPU.
        pretrain: the config needs a ``pretrain:`` section (the base model it adapts);
            other tasks refuse one.
    """

    name: ClassVar[str]
    data: ClassVar[str] = "graphs"
    train_keys: ClassVar[frozenset[str]] = COMMON_TRAIN
    dataset_keys: ClassVar[frozenset[str]] = COMMON_DATASET
    eval_keys: ClassVar[frozenset[str]] = frozenset()
    checkpoint: ClassVar[bool] = False
    ddp: ClassVar[bool] = False
    device: ClassVar[bool] = True
    pretrain: ClassVar[bool] = False

    @staticmethod
    def default_metrics(evaluation: EvalSettings) -> tuple[str, str]:
        """``(default monitor, primary metric)``."""
        raise NotImplementedError

    @classmethod
    def run(cls, r: Any):
        """Train and evaluate one seed (``r``: the arguments :func:`graphlab.tasks.run_task`
        was given, with the device resolved)."""
        raise NotImplementedError

    @classmethod
    def unused_settings(cls, train: TrainSettings, dataset: DatasetSettings,
                        evaluation: EvalSettings) -> list[str]:
        """The dotted keys set away from their default that this task does not read."""
        return [f"{section}.{key}" for section, obj, keys in
                (("train", train, cls.train_keys), ("dataset", dataset, cls.dataset_keys),
                 ("eval", evaluation, cls.eval_keys))
                for key in non_default(obj) if key not in keys]


#: every task kind, by name
TASKS: dict[str, type[Task]] = {}


def register_task(cls: type[Task]) -> type[Task]:
    """Class decorator: make ``cls`` the task named ``cls.name``."""
    if cls.name in TASKS:
        raise ValueError(f"task '{cls.name}' is registered twice")
    TASKS[cls.name] = cls
    return cls


def get_task(name: str) -> type[Task]:
    """The task class for ``name``; ``ValueError`` listing the known ones."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task '{name}'; choose one of {sorted(TASKS)}") from None
