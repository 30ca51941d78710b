"""The six task kinds: node classification, link prediction, graph-level prediction,
traffic forecasting, language modelling and its adapter fine-tuning."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

import torch

from graphlab.data import load_dataset
from graphlab.io import Checkpoint
from graphlab.tasks import forecast, graph, language, link, node
from graphlab.tasks import settings as s
from graphlab.tasks.base import (
    COMMON_DATASET,
    COMMON_TRAIN,
    FILE_DATASET,
    Task,
    register_task,
)
from graphlab.tasks.common import EpochCallback, TaskResult
from graphlab.tasks.distributed import Distributed


def open_data(dataset: s.DatasetSettings, given=None):
    """The dataset a config names (:meth:`DatasetSettings.open`), or ``given`` — data handed
    over in memory (``run_config(..., dataset=...)``), used as it is."""
    if given is not None:
        from graphlab.data.sources import in_memory

        return in_memory(given, dataset.label)
    return dataset.open()


def ogb_metric(dataset: s.DatasetSettings) -> Optional[str]:
    """The metric of the OGB ``Evaluator`` of the dataset named (``hits@50``, ``mrr``,
    ``rocauc`` …), or ``None`` when the config does not name an OGB dataset. An OGB config
    selects on ``val_<metric>`` and reports ``test_<metric>`` unless it says otherwise."""
    from graphlab.data.ogb import is_ogb_name, ogb_info

    return ogb_info(dataset.name).graphlab_metric if is_ogb_name(dataset.name) else None


def ogb_dataset_info(ds, task: str):
    """The :class:`~graphlab.data.ogb.OGBInfo` of an OGB dataset (``None`` for any other),
    checked to be one for ``task``."""
    info = getattr(ds, "ogb_info", None)
    wants = {"node": "nodeproppred", "link": "linkproppred", "graph": "graphproppred"}
    if info is not None and info.kind != wants.get(task):
        raise ValueError(f"OGB dataset '{info.name}' is a {info.kind} dataset, not one for "
                         f"task '{task}'")
    return info


def with_ogb_defaults(dataset: s.DatasetSettings, train: s.TrainSettings,
                      evaluation: s.EvalSettings) -> tuple[s.TrainSettings, s.EvalSettings]:
    """``train.monitor`` defaults to the OGB metric, and its Hits@K is measured."""
    metric = ogb_metric(dataset)
    if metric is None:
        return train, evaluation
    if train.monitor is None:
        train = replace(train, monitor=f"val_{metric}")
    if metric.startswith("hits@") and int(metric[5:]) not in evaluation.hits_k:
        evaluation = replace(evaluation, hits_k=sorted([*evaluation.hits_k, int(metric[5:])]))
    return train, evaluation


def prepare_data(task: str, dataset: s.DatasetSettings, given=None):
    """Load the single graph of a node or link config: features for a featureless graph
    (``node_features``) and symmetrised edges (``undirected``) when asked; an OGB dataset's
    official split (node masks, or ``given_links`` for the link task); returns
    ``(data, num_classes)``. (The task loops validate the graph themselves.)"""
    from torch_geometric.utils import to_undirected

    from graphlab.data.ogb import official_link_split, official_node_masks
    from graphlab.data.sources import add_node_features

    ds = open_data(dataset, given)
    if len(ds) != 1:
        raise ValueError(f"task '{task}' needs a single-graph dataset; '{dataset.label}' holds "
                         f"{len(ds)} graphs")
    data = ds[0]
    info = ogb_dataset_info(ds, task)
    if info is not None and task == "node":
        data = official_node_masks(ds, data)
    elif info is not None:
        data = data.clone()
        data.given_links = official_link_split(ds)
    if dataset.undirected:
        data = data.clone()
        data.edge_index = to_undirected(data.edge_index, num_nodes=data.num_nodes)
    data = add_node_features(data, dataset.node_features)
    if getattr(data, "x", None) is None:
        raise ValueError(f"dataset '{dataset.label}' has no node features: set "
                         "dataset.node_features to one of 'constant', 'degree', 'one_hot' or "
                         "'embedding'")
    num_classes = 0
    if getattr(data, "y", None) is not None:
        num_classes = ds.num_classes if hasattr(ds, "num_classes") else int(data.y.max()) + 1
    return data, num_classes


def embedding_dim(dataset: s.DatasetSettings, model: s.ModelSettings) -> Optional[int]:
    """The learnable node table's width with ``node_features: embedding`` (else ``None``)."""
    if dataset.node_features != "embedding":
        return None
    return dataset.embedding_dim or int(model.params.get("hidden_channels", 64))


@dataclass(frozen=True)
class _Run:
    """The arguments of :meth:`Task.run` (one seed), as :func:`graphlab.tasks.run_task`
    passes them."""

    dataset: s.DatasetSettings
    model: s.ModelSettings
    split: s.SplitSettings
    train: s.TrainSettings
    evaluation: s.EvalSettings
    seed: int
    progress: bool
    callback: Optional[EpochCallback]
    ddp: Optional[Distributed]
    pretrain: Optional[s.PretrainSettings]
    checkpoint: Optional[Checkpoint]
    #: where a single-process run trains (``None`` under ``ddp``: the rank's device)
    device: Optional[torch.device]
    #: data handed over in memory instead of the config's dataset (``None``: open it)
    data: object = None


@register_task
class NodeTask(Task):
    """Transductive node classification, full batch (accuracy)."""

    name = "node"
    dataset_keys = COMMON_DATASET | FILE_DATASET | {"undirected", "node_features",
                                                    "embedding_dim"}
    default_metrics = staticmethod(node.default_metrics)

    @classmethod
    def run(cls, r: _Run) -> TaskResult:
        data, num_classes = prepare_data(cls.name, r.dataset, r.data)
        return node.run_node(data, num_classes, r.model, r.split, r.train, r.seed, r.progress,
                             r.callback, device=r.device,
                             embedding_dim=embedding_dim(r.dataset, r.model))


@register_task
class LinkTask(Task):
    """Link prediction on held-out edges against sampled negatives (Hits@K, MRR, AUC)."""

    name = "link"
    train_keys = COMMON_TRAIN | {"batch_size", "predictor_lr", "target_link_removal"}
    dataset_keys = COMMON_DATASET | FILE_DATASET | {"undirected", "node_features",
                                                    "embedding_dim"}
    eval_keys = frozenset({"hits_k"})
    checkpoint = ddp = True
    default_metrics = staticmethod(link.default_metrics)

    @classmethod
    def run(cls, r: _Run) -> TaskResult:
        data, _ = prepare_data(cls.name, r.dataset, r.data)
        train, evaluation = with_ogb_defaults(r.dataset, r.train, r.evaluation)
        return link.run_link(data, r.model, r.split, train, evaluation, r.seed, r.progress,
                             r.callback, r.ddp, r.checkpoint, device=r.device,
                             embedding_dim=embedding_dim(r.dataset, r.model))


@register_task
class GraphTask(Task):
    """Graph classification or regression over a dataset of graphs."""

    name = "graph"
    train_keys = COMMON_TRAIN | {"batch_size", "eval_batch_size", "scheduler", "lr_step",
                                 "lr_factor", "lr_patience", "test_at"}
    dataset_keys = COMMON_DATASET | FILE_DATASET | {"node_features", "eigen_pe", "bag",
                                                    "subset"}
    checkpoint = ddp = True
    default_metrics = staticmethod(graph.default_metrics)

    @classmethod
    def run(cls, r: _Run) -> TaskResult:
        ds = open_data(r.dataset, r.data)
        info, split, train = ogb_dataset_info(ds, cls.name), r.split, r.train
        if info is not None:
            ds = graph.with_official_split(ds)
            split = replace(split, kind=split.kind or "given")
            train, _ = with_ogb_defaults(r.dataset, train, r.evaluation)
        ds = graph.add_node_features(ds, r.dataset.node_features)
        ds = graph.take_subset(ds, r.dataset.subset)
        ds = graph.precompute(ds, r.dataset.eigen_pe, r.dataset.bag, r.progress)
        return graph.run_graph(ds, r.model, split, train, r.seed, r.progress, r.callback,
                               r.ddp, name=r.dataset.label, checkpoint=r.checkpoint,
                               device=r.device, ogb=info)


@register_task
class ForecastTask(Task):
    """Multi-horizon traffic forecasting over sensor series (MAE, RMSE, MAPE)."""

    name = "forecast"
    data = "sensor time series"
    train_keys = COMMON_TRAIN | {"batch_size", "test_at"}
    checkpoint = True
    default_metrics = staticmethod(forecast.default_metrics)

    @classmethod
    def run(cls, r: _Run) -> TaskResult:
        return forecast.run_forecast(load_dataset(r.dataset.name, **r.dataset.params), r.model,
                                     r.split, r.train, r.seed, r.progress, r.callback,
                                     name=r.dataset.name, checkpoint=r.checkpoint,
                                     device=r.device)


@register_task
class LanguageTask(Task):
    """Next-token language modelling on a byte corpus (loss, perplexity)."""

    name = "lm"
    data = "text"
    train_keys = COMMON_TRAIN | {"batch_size", "block_size", "steps_per_epoch"}
    checkpoint = True
    default_metrics = staticmethod(language.default_metrics)

    @classmethod
    def run(cls, r: _Run) -> TaskResult:
        return language.run_lm(load_dataset(r.dataset.name, **r.dataset.params), r.model,
                               r.train, r.seed, r.progress, r.callback, name=r.dataset.name,
                               checkpoint=r.checkpoint, device=r.device)


@register_task
class FinetuneTask(LanguageTask):
    """Adapters (LoRA, sparse GIN) fine-tuned on a frozen pre-trained language model."""

    name = "lm_finetune"
    pretrain = True

    @classmethod
    def run(cls, r: _Run) -> TaskResult:
        if r.pretrain is None:
            raise ValueError("task 'lm_finetune' needs a pretrain section (the base model)")
        return language.run_lm_finetune(
            load_dataset(r.dataset.name, **r.dataset.params),
            load_dataset(r.dataset.name, **r.pretrain.params), r.model, r.pretrain, r.train,
            r.seed, r.progress, r.callback, name=r.dataset.name, checkpoint=r.checkpoint,
            device=r.device)
