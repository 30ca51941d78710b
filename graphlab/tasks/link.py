"""Link prediction: a fresh random edge split per seed, Hits@K / MRR / AUC at the best
validation epoch. The model sees only training edges."""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch_geometric.data import Data

from graphlab.data import LinkSplit, check_graph, random_link_split
from graphlab.nn import build_model
from graphlab.tasks.common import EpochCallback, Selector, TaskResult, epoch_bar
from graphlab.tasks.metrics import link_metrics
from graphlab.tasks.settings import EvalSettings, ModelSettings, SplitSettings, TrainSettings


def selection_k(hits_k: list[int]) -> int:
    """The K that selects the epoch and is reported by default: 100 when measured (the
    Planetoid protocol), else the largest K measured."""
    return 100 if 100 in hits_k else max(hits_k)


def default_metrics(evaluation: EvalSettings) -> tuple[str, str]:
    """(default monitor, primary metric) of the link task."""
    k = selection_k(evaluation.hits_k)
    return f"val_hits@{k}", f"test_hits@{k}"


def link_split(data: Data, split: SplitSettings, seed: int) -> LinkSplit:
    kind = split.kind or "random_edge"
    if kind != "random_edge":
        raise ValueError(f"split kind '{kind}' is not a link split; use 'random_edge'")
    return random_link_split(data.edge_index, data.num_nodes,
                             0.1 if split.val_ratio is None else split.val_ratio,
                             split.test_ratio or 0.2, split.val_neg_ratio, split.test_neg_ratio,
                             seed)


def remove_target_links(train_pos: torch.Tensor, batch: torch.Tensor) -> torch.Tensor:
    """The training adjacency (both directions) without the undirected edges
    ``train_pos[:, batch]`` — what the model may see while it is trained on them."""
    keep = torch.ones(train_pos.size(1), dtype=torch.bool)
    keep[batch] = False
    kept = train_pos[:, keep]
    return torch.cat([kept, kept.flip(0)], dim=1)


def param_groups(net: torch.nn.Module, train: TrainSettings) -> list[dict]:
    """One Adam group, or two when ``train.predictor_lr`` is set: the model's ``predictor``
    at that rate and everything else at ``train.lr``."""
    params = [p for p in net.parameters() if p.requires_grad]
    if train.predictor_lr is None:
        return [{"params": params}]
    predictor = getattr(net, "predictor", None)
    if not isinstance(predictor, torch.nn.Module):
        raise ValueError("train.predictor_lr is set but the model has no 'predictor' "
                         f"sub-module ({type(net).__name__})")
    pred_ids = {id(p) for p in predictor.parameters()}
    return [{"params": [p for p in params if id(p) not in pred_ids]},
            {"params": [p for p in params if id(p) in pred_ids], "lr": train.predictor_lr}]


def train_epoch(net: torch.nn.Module, x: torch.Tensor, sp: LinkSplit,
                opt: torch.optim.Optimizer, train: TrainSettings) -> float:
    """One pass over the training positives in shuffled batches, each scored against as many
    uniform random pairs with binary cross-entropy; returns the mean loss."""
    net.train()
    num_pos = sp.train_pos.size(1)
    total = 0.0
    for chunk in torch.randperm(num_pos).split(train.batch_size or num_pos):
        pos = sp.train_pos[:, chunk]
        neg = torch.randint(sp.num_nodes, pos.shape)
        adj = (remove_target_links(sp.train_pos, chunk) if train.target_link_removal
               else sp.train_edge_index)
        opt.zero_grad()
        logits = net(x, adj, torch.cat([pos, neg], dim=1))
        target = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))])
        loss = F.binary_cross_entropy_with_logits(logits, target)
        loss.backward()
        opt.step()
        total += float(loss.detach()) * pos.size(1)
    return total / num_pos


def evaluate_link(net: torch.nn.Module, x: torch.Tensor, sp: LinkSplit,
                  hits_k: list[int]) -> dict[str, float]:
    net.eval()
    sets = [sp.val_pos, sp.val_neg, sp.test_pos, sp.test_neg]
    with torch.no_grad():
        scores = net(x, sp.train_edge_index, torch.cat(sets, dim=1)).split(
            [s.size(1) for s in sets])
    out = link_metrics(scores[0], scores[1], hits_k, "val") if sp.val_pos.size(1) else {}
    out.update(link_metrics(scores[2], scores[3], hits_k, "test"))
    return out


def run_link(data: Data, model: ModelSettings, split: SplitSettings, train: TrainSettings,
             evaluation: EvalSettings, seed: int, progress: bool = False,
             callback: Optional[EpochCallback] = None) -> TaskResult:
    """Train ``model`` for link prediction on a random edge split of ``data``.

    Each step scores a batch of training positives and as many uniform random pairs
    as negatives with binary cross-entropy. Models without trainable parameters
    (heuristics) are evaluated once. Metrics: ``{val,test}_{hits@K,mrr,auc}``.
    """
    check_graph(data, name="link task input", need_labels=False)
    sp = link_split(data, split, seed)
    net = build_model(model.name, "link", model.params, in_channels=data.num_features)
    params = [p for p in net.parameters() if p.requires_grad]
    monitor = train.monitor or default_metrics(evaluation)[0]
    if not params:
        metrics = evaluate_link(net, data.x, sp, evaluation.hits_k)
        metrics["best_epoch"] = 0
        return TaskResult(metrics, [dict(epoch=0, **metrics)])
    if sp.val_pos.size(1) == 0:
        raise ValueError("a trained link model needs validation edges to select an epoch; "
                         "set split.val_ratio > 0")
    opt = torch.optim.Adam(param_groups(net, train), lr=train.lr,
                           weight_decay=train.weight_decay, foreach=True)
    selector = Selector(monitor, train.patience)
    curve = []
    for epoch in epoch_bar(train.epochs, progress, f"{model.name} seed {seed}"):
        loss = train_epoch(net, data.x, sp, opt, train)
        if epoch % train.eval_every and epoch != train.epochs:
            continue
        row = {"epoch": epoch, "loss": loss}
        row.update(evaluate_link(net, data.x, sp, evaluation.hits_k))
        if selector.log(epoch, row, curve, callback):
            break
    return selector.result(curve)
