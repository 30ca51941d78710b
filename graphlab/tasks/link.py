"""Link prediction: a fresh random edge split per seed, Hits@K / MRR / AUC at the best
validation epoch. The model sees only training edges."""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch_geometric.data import Data

from graphlab.data import LinkSplit, check_graph, given_link_split, random_link_split
from graphlab.io import Checkpoint
from graphlab.models import LearnedNodeInput, build_model
from graphlab.tasks.common import (
    EpochCallback,
    EpochClock,
    Selector,
    TaskResult,
    checkpointed_epochs,
)
from graphlab.tasks.distributed import Distributed
from graphlab.tasks.metrics import link_metrics, ranking_metrics
from graphlab.tasks.settings import EvalSettings, ModelSettings, SplitSettings, TrainSettings


def with_input(net: torch.nn.Module, num_nodes: int, embedding_dim: Optional[int]
               ) -> torch.nn.Module:
    """``net`` fed by a learnable node table of ``embedding_dim`` columns when that is set and
    ``net`` has parameters to train with it (a heuristic has none: it is returned as is)."""
    if embedding_dim is None or not any(p.requires_grad for p in net.parameters()):
        return net
    return LearnedNodeInput(net, num_nodes, embedding_dim)


def selection_k(hits_k: list[int]) -> int:
    """The K that selects the epoch and is reported by default: 100 when measured (the
    Planetoid protocol), else the largest K measured."""
    return 100 if 100 in hits_k else max(hits_k)


def default_metrics(evaluation: EvalSettings) -> tuple[str, str]:
    """(default monitor, primary metric) of the link task."""
    k = selection_k(evaluation.hits_k)
    return f"val_hits@{k}", f"test_hits@{k}"


def link_split(data: Data, split: SplitSettings, seed: int) -> LinkSplit:
    """``'random_edge'`` (a fresh split per seed; the default for a graph without a split
    of its own) or ``'given'`` (the split the data ships as ``data.given_links``, e.g. an
    OGB dataset's official one; the default when there is one)."""
    given = getattr(data, "given_links", None)
    kind = split.kind or ("given" if given is not None else "random_edge")
    if kind == "given":
        if given is None:
            raise ValueError("split kind 'given' needs a link split shipped with the data "
                             "(an OGB link dataset has one); this graph has none: use "
                             "'random_edge'")
        return given_link_split(given, data.num_nodes, split.val_edges_as_input)
    if split.val_edges_as_input:
        raise ValueError("split.val_edges_as_input is for the 'given' link split")
    if kind != "random_edge":
        raise ValueError(f"split kind '{kind}' is not a link split; use 'random_edge' or "
                         "'given'")
    return random_link_split(data.edge_index, data.num_nodes,
                             0.1 if split.val_ratio is None else split.val_ratio,
                             split.test_ratio or 0.2, split.val_neg_ratio, split.test_neg_ratio,
                             seed)


def remove_target_links(train_pos: torch.Tensor, batch: torch.Tensor) -> torch.Tensor:
    """The training adjacency (both directions) without the undirected edges
    ``train_pos[:, batch]`` — what the model may see while it is trained on them."""
    keep = torch.ones(train_pos.size(1), dtype=torch.bool, device=train_pos.device)
    keep[batch.to(train_pos.device)] = False
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
                opt: torch.optim.Optimizer, train: TrainSettings,
                ddp: Optional[Distributed] = None,
                generator: Optional[torch.Generator] = None) -> float:
    """One pass over the training positives in shuffled batches, each scored against as many
    uniform random pairs with binary cross-entropy; returns the mean loss.

    With ``ddp`` (and its ``generator``), every rank draws the same global batches and
    negatives and trains on its shard of each; the loss is weighted so that DDP's gradient
    average is the gradient of the global batch's mean loss.
    """
    net.train()
    num_pos = sp.train_pos.size(1)
    total = 0.0
    for chunk in torch.randperm(num_pos, generator=generator).split(
            train.batch_size or num_pos):
        neg = torch.randint(sp.num_nodes, (2, chunk.numel()), generator=generator)
        adj = (remove_target_links(sp.train_pos, chunk) if train.target_link_removal
               else sp.train_edge_index)
        if ddp is not None:
            local = ddp.shard(chunk.numel())
            chunk_local, neg = chunk[local], neg[:, local]
        else:
            chunk_local = chunk
        pos = sp.train_pos[:, chunk_local.to(sp.train_pos.device)]
        neg = neg.to(pos.device)
        opt.zero_grad()
        logits = net(x, adj, torch.cat([pos, neg], dim=1))
        target = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))]).to(logits)
        if pos.size(1):
            loss = F.binary_cross_entropy_with_logits(logits, target)
        else:  # an empty shard still joins the gradient all-reduce, with zero gradients
            loss = logits.sum() * 0.0
        weight = 1.0 if ddp is None else ddp.loss_weight(pos.size(1), chunk.numel())
        (loss * weight).backward()
        opt.step()
        total += float(loss.detach()) * pos.size(1)
    return total / num_pos if ddp is None else ddp.all_sum(total) / num_pos


def evaluate_link(net: torch.nn.Module, x: torch.Tensor, sp: LinkSplit,
                  hits_k: list[int], ddp: Optional[Distributed] = None) -> dict[str, float]:
    """Validation and test metrics; with ``ddp`` each rank scores its shard of the pairs
    and all ranks compute the metrics from the gathered scores."""
    net.eval()

    def score(adj: torch.Tensor, sets: list[torch.Tensor]) -> list[torch.Tensor]:
        pairs = torch.cat(sets, dim=1)
        with torch.no_grad():
            if ddp is None:
                scores = net(x, adj, pairs)
            else:
                scores = ddp.gather(net(x, adj, pairs[:, ddp.shard(pairs.size(1))]))
        return list(scores.float().cpu().split([s.size(1) for s in sets]))

    sets = [sp.val_pos, sp.val_neg, sp.test_pos, sp.test_neg]
    if sp.test_edge_index is None:
        scores = score(sp.train_edge_index, sets)
    else:   # test pairs see the validation edges too
        scores = score(sp.train_edge_index, sets[:2]) + score(sp.test_edge_index, sets[2:])

    def metrics(pos: torch.Tensor, neg: torch.Tensor, prefix: str) -> dict[str, float]:
        if sp.neg_per_pos:
            return ranking_metrics(pos, neg.view(pos.numel(), sp.neg_per_pos), prefix)
        return link_metrics(pos, neg, hits_k, prefix)

    out = metrics(scores[0], scores[1], "val") if sp.val_pos.size(1) else {}
    out.update(metrics(scores[2], scores[3], "test"))
    return out


def run_link(data: Data, model: ModelSettings, split: SplitSettings, train: TrainSettings,
             evaluation: EvalSettings, seed: int, progress: bool = False,
             callback: Optional[EpochCallback] = None,
             ddp: Optional[Distributed] = None,
             checkpoint: Optional[Checkpoint] = None,
             device: Optional[torch.device] = None,
             embedding_dim: Optional[int] = None) -> TaskResult:
    """Train ``model`` for link prediction on an edge split of ``data`` (:func:`link_split`).

    Each step scores a batch of training positives and as many uniform random pairs
    as negatives with binary cross-entropy. Models without trainable parameters
    (heuristics) are evaluated once. Metrics: ``{val,test}_{hits@K,mrr,auc}``.

    ``ddp``: train data-parallel across the ranks of an initialised process group (see
    :mod:`graphlab.tasks.distributed`): each global batch of ``train.batch_size`` positives
    is split among the ranks. Batch order and negatives then come from a dedicated
    generator seeded by ``seed`` (the same on all ranks), so a run differs from a plain
    single-process run in its random stream; with the same global batch it matches a
    one-process ``ddp`` run up to floating point as long as the model has no dropout or
    batch statistics (those are drawn / computed per rank).

    ``checkpoint``: save the loop's state as it trains and resume from it (see
    :class:`~graphlab.io.Checkpoint`); not with ``ddp``. ``device``: where a single-process
    run trains (default the CPU; under ``ddp`` the rank's device); ``info['device']``
    records it. ``embedding_dim``: the model's node features are a learnable table of this
    width (:class:`~graphlab.models.LearnedNodeInput`), trained with it; ``data.x`` only
    gives the number of nodes.
    """
    if checkpoint is not None and ddp is not None:
        raise ValueError("mid-seed checkpoints are not supported with ddp")
    if ddp is not None and device is not None and torch.device(device) != ddp.device:
        raise ValueError(f"device {device} given, but this ddp rank trains on {ddp.device}")
    check_graph(data, name="link task input", need_labels=False)
    sp = link_split(data, split, seed)
    net = with_input(build_model(model.name, "link", model.params,
                                 in_channels=embedding_dim or data.num_features),
                     data.num_nodes, embedding_dim)
    x = data.x
    generator = None
    device = ddp.device if ddp is not None else torch.device(device or "cpu")
    if device.type != "cpu":
        sp, x, net = sp.to(device), x.to(device), net.to(device)
    if ddp is not None:
        generator = ddp.sampling_generator(seed)
        progress = progress and ddp.is_main
    params = [p for p in net.parameters() if p.requires_grad]
    monitor = train.monitor or default_metrics(evaluation)[0]
    if not params:
        metrics = evaluate_link(net.to(x.device), x, sp, evaluation.hits_k, ddp)
        metrics["best_epoch"] = 0
        return TaskResult(metrics, [dict(epoch=0, **metrics)], {"device": str(device)})
    if sp.val_pos.size(1) == 0:
        raise ValueError("a trained link model needs validation edges to select an epoch; "
                         "set split.val_ratio > 0")
    # the optimiser holds the parameters that DDP keeps in sync (the wrapped module's own)
    trained = net if ddp is None else ddp.wrap(net)
    opt = torch.optim.Adam(param_groups(net, train), lr=train.lr,
                           weight_decay=train.weight_decay, foreach=True)
    selector = Selector(monitor, train.patience, train.tiebreak)
    curve: list[dict[str, float]] = []
    # batches and negatives come from the global RNG (single process), which the
    # checkpoint holds
    state = {"net": net, "opt": opt, "selector": selector, "curve": curve}
    clock = EpochClock()
    for epoch in checkpointed_epochs(train.epochs, progress, f"{model.name} seed {seed}",
                                     checkpoint, state):
        clock.start()
        loss = train_epoch(trained, x, sp, opt, train, ddp, generator)
        clock.trained()
        if epoch % train.eval_every and epoch != train.epochs:
            continue
        row = {"epoch": epoch, "loss": loss}
        # evaluation runs the bare module: DDP's forward would sync buffers collectively
        row.update(evaluate_link(net, x, sp, evaluation.hits_k, ddp))
        if selector.log(epoch, clock.stamp(row), curve,
                        callback if ddp is None or ddp.is_main else None):
            break
    result = selector.result(curve)
    result.info["device"] = str(device)
    return result
