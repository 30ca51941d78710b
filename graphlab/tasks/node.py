"""Node classification: full-batch training, test accuracy at the best validation epoch.

Two-class datasets also report ROC-AUC (``train_rocauc``, ``val_rocauc``, ``test_rocauc``),
the metric of Platonov et al.'s binary heterophilous benchmarks; select on it with
``train.monitor: val_rocauc``.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch_geometric.data import Data

from graphlab.data import check_graph, given_node_split, random_node_split
from graphlab.models import LearnedNodeInput, build_model
from graphlab.tasks.common import EpochCallback, EpochClock, Selector, TaskResult, epoch_bar
from graphlab.tasks.metrics import accuracy, binary_rocauc
from graphlab.tasks.settings import EvalSettings, ModelSettings, SplitSettings, TrainSettings


def default_metrics(evaluation: Optional[EvalSettings] = None) -> tuple[str, str]:
    """(default monitor, primary metric) of the node task (``evaluation`` does not matter)."""
    return "val_acc", "test_acc"


def node_masks(data: Data, split: SplitSettings, seed: int):
    kind = split.kind or "given"
    if kind == "given":
        return given_node_split(data, split.index, seed)
    if kind == "random":
        return random_node_split(data.num_nodes, split.train_ratio or 0.6,
                                 0.2 if split.val_ratio is None else split.val_ratio, seed)
    raise ValueError(f"split kind '{kind}' is not a node split; use 'given' or 'random'")


def run_node(data: Data, num_classes: int, model: ModelSettings, split: SplitSettings,
             train: TrainSettings, seed: int, progress: bool = False,
             callback: Optional[EpochCallback] = None,
             device: Optional[torch.device] = None,
             embedding_dim: Optional[int] = None) -> TaskResult:
    """Train ``model`` on ``data`` and report accuracy (percent) at the best validation epoch.

    Metrics: ``train_acc``, ``val_acc``, ``test_acc`` (and ``best_epoch``); the curve
    holds ``loss`` and the three accuracies per evaluated epoch. With two classes the
    three ROC-AUCs (``*_rocauc``) are measured too. ``device``: where the model
    and the graph go (default the CPU); ``info['device']`` records it. ``embedding_dim``:
    the node features are a learnable table of this width, trained with the model
    (:class:`~graphlab.models.LearnedNodeInput`).
    """
    check_graph(data, name="node task input")
    if int(data.y.max()) >= num_classes:
        raise ValueError(f"node task input: label {int(data.y.max())} found but num_classes is "
                         f"{num_classes}")
    train_mask, val_mask, test_mask = node_masks(data, split, seed)
    for part, mask in (("training", train_mask), ("validation", val_mask), ("test", test_mask)):
        if not bool(mask.any()):
            raise ValueError(f"the node split has no {part} nodes (split kind "
                             f"'{split.kind or 'given'}'); check the ratios or the dataset's "
                             "masks")
    device = torch.device("cpu") if device is None else torch.device(device)
    net = build_model(model.name, "node", model.params,
                      in_channels=embedding_dim or data.num_features, out_channels=num_classes)
    if embedding_dim is not None:
        net = LearnedNodeInput(net, data.num_nodes, embedding_dim)
    net = net.to(device)
    train_mask, val_mask, test_mask = (m.to(device) for m in (train_mask, val_mask, test_mask))
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=train.lr, weight_decay=train.weight_decay, foreach=True)
    selector = Selector(train.monitor or default_metrics()[0], train.patience, train.tiebreak)
    curve = []
    x, edge_index, y = data.x.to(device), data.edge_index.to(device), data.y.to(device)
    clock = EpochClock()
    for epoch in epoch_bar(train.epochs, progress, f"{model.name} seed {seed}"):
        clock.start()
        net.train()
        opt.zero_grad()
        loss = F.cross_entropy(net(x, edge_index)[train_mask], y[train_mask])
        loss.backward()
        opt.step()
        clock.trained()
        if epoch % train.eval_every and epoch != train.epochs:
            continue
        net.eval()
        with torch.no_grad():
            out = net(x, edge_index)
        row = {"epoch": epoch, "loss": float(loss.detach()),
               "train_acc": accuracy(out[train_mask], y[train_mask]),
               "val_acc": accuracy(out[val_mask], y[val_mask]),
               "test_acc": accuracy(out[test_mask], y[test_mask])}
        if num_classes == 2:
            for part, mask in (("train", train_mask), ("val", val_mask), ("test", test_mask)):
                row[f"{part}_rocauc"] = binary_rocauc(out[mask], y[mask])
        if selector.log(epoch, clock.stamp(row), curve, callback):
            break
    result = selector.result(curve)
    result.info["device"] = str(device)
    return result
