"""Graph-level prediction: classification (cross-entropy, accuracy) or regression (L1, MAE)
over mini-batches of graphs, on a cross-validation fold or a random split.

The target kind follows the labels: integer ``y`` (one per graph) → classification,
floating ``y`` → regression (``[G]`` or ``[G, T]``). Models for this task map a PyG
``Batch`` to ``[G, C]`` (see :mod:`graphlab.heads.graph`).
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.loader import DataLoader

from graphlab.data import graph_cv_split, random_graph_split
from graphlab.io import Checkpoint
from graphlab.models import build_model
from graphlab.ops import check_edge_index, check_features
from graphlab.tasks.common import (
    BestWeights,
    EpochCallback,
    EpochClock,
    Selector,
    TaskResult,
    checkpointed_epochs,
    minimised,
)
from graphlab.tasks.distributed import Distributed
from graphlab.tasks.settings import ModelSettings, SplitSettings, TrainSettings

DEFAULT_BATCH = 32


def default_metrics(evaluation=None) -> tuple[str, str]:
    """(default monitor, primary metric): accuracy. Regression configs set
    ``train.monitor: val_mae`` and report ``test_mae``."""
    return "val_acc", "test_acc"


def add_node_features(ds, kind: Optional[str]):
    """Give a dataset without node features ``x`` the features ``kind`` names:
    ``'degree'`` = one-hot in-degree up to the dataset's maximum (GIN's choice for the
    social TU datasets), ``'constant'`` = a single 1 per node."""
    import torch_geometric.transforms as T
    from torch_geometric.utils import degree

    if kind is None:
        return ds
    if kind == "constant":
        transform = T.Constant(1.0)
    elif kind == "degree":
        max_degree = max(int(degree(g.edge_index[1], g.num_nodes).max()) if g.num_edges else 0
                         for g in ds)
        transform = T.OneHotDegree(max_degree)
    else:
        why = (" ('embedding' and 'one_hot' are per node of one graph: node and link tasks)"
               if kind in ("embedding", "one_hot") else "")
        raise ValueError(f"node_features '{kind}' is not for the graph task{why}; use "
                         "'degree' or 'constant'")
    ds = ds.copy()
    ds.transform = transform if ds.transform is None else T.Compose([ds.transform, transform])
    return ds


def with_official_split(ds):
    """An OGB graph dataset as an in-memory one whose graphs carry their part of the
    official split (``split``: 0 train, 1 valid, 2 test, for split kind ``'given'``) and
    floating-point node and edge features (OGB's molecules store integer atom and bond
    codes; graphlab's graph models read them as numbers through their input linear layer,
    not through OGB's per-column atom / bond embeddings)."""
    from graphlab.data import SyntheticDataset
    from graphlab.data.ogb import official_graph_parts

    parts = official_graph_parts(ds)
    graphs = []
    for i in range(len(ds)):
        g = ds[i]
        g.split = parts[i].view(1)
        for key in ("x", "edge_attr"):
            value = getattr(g, key, None)
            if value is not None and not value.is_floating_point():
                g[key] = value.float()
        graphs.append(g)
    out = SyntheticDataset(graphs, name=ds.ogb_info.name)
    out.ogb_info = ds.ogb_info
    return out


def take_subset(ds, size: Optional[int]):
    """``size`` graphs of ``ds`` chosen by a fixed permutation (seed 0), or ``ds`` itself."""
    if size is None or size >= len(ds):
        return ds
    perm = torch.randperm(len(ds), generator=torch.Generator().manual_seed(0))
    return ds[perm[:size].sort().values]


def precompute(ds, eigen_pe: Optional[int] = None, bag: Optional[dict] = None,
               progress: bool = False):
    """A copy of ``ds`` whose graphs carry, computed once, their first ``eigen_pe``
    Laplacian eigenpairs (:class:`graphlab.construct.EigenPE`) and / or their subgraph bag
    (:class:`graphlab.construct.SubgraphBag` with the options in ``bag``).

    The dataset's own transform (e.g. :func:`add_node_features`) is applied once here too,
    not on every access of every epoch (a third of a GIN epoch on IMDB-BINARY went to
    re-computing the one-hot degrees); graphlab's graph transforms are deterministic, so
    the graphs, and every number trained on them, are the same."""
    from tqdm.auto import tqdm

    from graphlab.construct import EigenPE, SubgraphBag
    from graphlab.data import SyntheticDataset

    transforms = []
    if eigen_pe is not None:
        transforms.append(EigenPE(eigen_pe))
    if bag is not None:
        transforms.append(SubgraphBag(**bag))
    if not transforms and ds.transform is None:
        return ds
    names = ([repr(ds.transform)] if ds.transform is not None else []) + list(map(repr, transforms))
    graphs = []
    for g in tqdm(ds, desc="precomputing " + ", ".join(names),
                  disable=not progress, leave=False):
        for transform in transforms:
            g = transform(g)
        graphs.append(g)
    return SyntheticDataset(graphs, name="precomputed")


def check_graph_dataset(ds, name: str, binary: bool = False) -> tuple[str, Tensor]:
    """Validate every graph of a graph-level dataset; returns ``'classification'``,
    ``'regression'`` or (``binary``: 0/1 labels of ``T`` tasks, ``NaN`` = unlabelled, as
    OGB's molecules) ``'binary'``, and the targets ``[G, T]``."""
    if len(ds) == 0:
        raise ValueError(f"{name}: the dataset holds no graphs")
    first = ds[0]
    if getattr(first, "x", None) is None:
        raise ValueError(f"{name}: the graphs have no node features 'x'; set "
                         "dataset.node_features to 'degree' or 'constant'")
    if getattr(first, "y", None) is None:
        raise ValueError(f"{name}: the graphs have no target 'y'")
    for i, g in enumerate(ds):
        try:
            if not g.num_nodes:
                raise ValueError("the graph is empty (0 nodes)")
            check_edge_index(g.edge_index, g.num_nodes)
            check_features(g.x, g.num_nodes)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{name}: graph {i}: {exc}") from None
    y = torch.cat([g.y.view(1, -1) for g in ds])
    if binary:
        y = y.double()
        known = y[~torch.isnan(y)]
        if not bool(((known == 0) | (known == 1)).all()):
            raise ValueError(f"{name}: binary targets must be 0, 1 or NaN (unlabelled)")
        return "binary", y
    if y.is_floating_point():
        if not torch.isfinite(y).all():
            raise ValueError(f"{name}: the regression targets contain NaN or inf")
        return "regression", y
    if y.size(1) != 1:
        raise ValueError(f"{name}: classification needs one integer label per graph, got "
                         f"y of width {y.size(1)}")
    if int(y.min()) < 0:
        raise ValueError(f"{name}: y contains negative labels (min {int(y.min())})")
    return "classification", y


def graph_split(y: Tensor, split: SplitSettings, seed: int,
                given: Optional[Tensor] = None) -> tuple[Tensor, Tensor, Tensor]:
    """Graph indices ``(train, val, test)``: ``'cv'`` (default), ``'random'``, or ``'given'``
    (``given`` = each graph's part, 0 train / 1 val / 2 test, as ZINC ships)."""
    kind = split.kind or "cv"
    if kind == "given":
        if given is None:
            raise ValueError("split kind 'given' needs a per-graph 'split' attribute (0 train, "
                             "1 val, 2 test), which this dataset does not have; use 'cv' or "
                             "'random'")
        return tuple((given == part).nonzero().view(-1) for part in range(3))
    if kind == "cv":
        fold = seed % split.folds if split.index is None else split.index
        return graph_cv_split(y, split.folds, fold,
                              0.1 if split.val_ratio is None else split.val_ratio)
    if kind == "random":
        return random_graph_split(y.size(0), split.train_ratio or 0.8,
                                  0.1 if split.val_ratio is None else split.val_ratio, seed)
    raise ValueError(f"split kind '{kind}' is not a graph split; use 'cv', 'random' or "
                     "'given'")


def _binary_losses(out: Tensor, y: Tensor) -> Tensor:
    """Per-graph binary cross-entropy over the graph's labelled tasks (``NaN`` = unlabelled;
    a graph without labels scores 0)."""
    y = y.view(out.shape).to(out.dtype)
    known = ~torch.isnan(y)
    losses = F.binary_cross_entropy_with_logits(out, torch.where(known, y, 0.0),
                                                reduction="none") * known
    return losses.sum(-1) / known.sum(-1).clamp(min=1)


def _loss(out: Tensor, y: Tensor, target: str) -> Tensor:
    if target == "classification":
        return F.cross_entropy(out, y.view(-1))
    if target == "binary":
        y = y.view(out.shape)
        known = ~torch.isnan(y)
        return F.binary_cross_entropy_with_logits(out[known], y[known].to(out.dtype))
    return F.l1_loss(out, y.view(out.shape).to(out.dtype))


def _scores(out: Tensor, y: Tensor, target: str) -> dict[str, Tensor]:
    """Per-graph scores by metric name: ``acc`` (1/0 correct) and ``loss`` (cross-entropy)
    for classification, ``loss`` (binary cross-entropy) for binary tasks, ``mae`` (the mean
    absolute error) for regression."""
    if target == "binary":
        return {"loss": _binary_losses(out, y).double()}
    if target == "classification":
        return {"acc": (out.argmax(-1) == y.view(-1)).double(),
                "loss": F.cross_entropy(out, y.view(-1), reduction="none").double()}
    err = (out - y.view(out.shape).to(out.dtype)).abs().view(out.size(0), -1).mean(-1)
    return {"mae": err.double()}


def evaluate_graphs(net: torch.nn.Module, ds, parts: Sequence[tuple[str, Tensor]],
                    target: str, batch_size: int, device: torch.device,
                    ddp: Optional[Distributed] = None, ogb=None) -> dict[str, float]:
    """``{part}_acc`` (percent) and ``{part}_loss`` (mean cross-entropy) for
    classification, ``{part}_loss`` for binary tasks, or ``{part}_mae`` (which is the L1
    loss) for regression, for every named index set; with ``ddp`` each rank scores a
    contiguous shard and the scores are gathered. ``ogb`` (an OGB dataset's
    :class:`~graphlab.data.ogb.OGBInfo`): also ``{part}_<its metric>`` by its
    ``Evaluator`` (not with ``ddp``)."""
    net.eval()
    names = {"classification": ("acc", "loss"), "binary": ("loss",)}.get(target, ("mae",))
    out: dict[str, float] = {}
    for part, index in parts:
        if index.numel() == 0:
            continue
        local = index if ddp is None else index[ddp.shard(index.numel())]
        scores = {name: [torch.zeros(0, dtype=torch.float64, device=device)] for name in names}
        preds, trues = [], []
        with torch.no_grad():
            # a generator of its own: iterating a DataLoader draws a base seed from the
            # generator it is given, so scoring never moves the global (training) stream
            for batch in DataLoader(ds[local], batch_size=batch_size,
                                    generator=torch.Generator()):
                batch = batch.to(device)
                pred = net(batch)
                for name, value in _scores(pred, batch.y, target).items():
                    scores[name].append(value)
                if ogb is not None:
                    preds.append(pred.cpu())
                    trues.append(batch.y.cpu())
        if ogb is not None:
            out[f"{part}_{ogb.graphlab_metric}"] = _ogb_score(ogb, torch.cat(preds),
                                                              torch.cat(trues), target)
        for name, chunks in scores.items():
            s = torch.cat(chunks) if ddp is None else ddp.gather(torch.cat(chunks))
            value = float(s.mean())
            out[f"{part}_{name}"] = 100.0 * value if name == "acc" else value
    return out


def _ogb_score(ogb, pred: Tensor, y: Tensor, target: str) -> float:
    from graphlab.data.ogb import evaluate

    if target == "classification":
        pred = pred.argmax(-1, keepdim=True)
    y = y.view(pred.size(0), -1)
    return evaluate(ogb, y.to(pred.dtype) if target != "classification" else y, pred)


def run_graph(ds, model: ModelSettings, split: SplitSettings, train: TrainSettings, seed: int,
              progress: bool = False, callback: Optional[EpochCallback] = None,
              ddp: Optional[Distributed] = None, name: str = "graph task input",
              checkpoint: Optional[Checkpoint] = None,
              device: Optional[torch.device] = None, ogb=None) -> TaskResult:
    """Train ``model`` on a graph-level dataset; metrics at the selected epoch.

    Metrics: ``{train,val,test}_acc`` (percent) and ``{train,val,test}_loss``
    (classification) or ``{train,val,test}_mae`` (regression), ``best_epoch``; the curve
    holds ``loss`` (the training batches') and those per evaluated epoch.
    ``seed`` picks the split (for ``'cv'`` the fold ``seed % folds`` unless ``split.index``
    is set) and, with ``ddp``, the sampler's order. The model's initialisation and the
    shuffling draw from torch's global generator, as in any PyTorch loop: the runner seeds
    it for every seed (:func:`graphlab.runner.seeding.seed_everything`); a direct call is
    reproducible only after seeding it yourself.
    ``ddp``: data-parallel across a process group — a ``DistributedSampler`` gives each rank
    ``batch_size / world_size`` graphs of every global batch; the loss weight makes DDP's
    averaged gradient the global batch mean. ``checkpoint``: save the loop's state as it
    trains and resume from it (see :class:`~graphlab.io.Checkpoint`); not with
    ``ddp``. ``device``: where the model trains and the batches go (default the CPU; the
    datasets' precomputed features stay on the CPU and move batch by batch); with ``ddp``
    the rank's device (a different one is an error). ``info['device']`` records it.
    ``ogb``: the dataset's :class:`~graphlab.data.ogb.OGBInfo` — its Evaluator's metric is
    reported for every part (``{part}_rocauc`` …) and its binary tasks are trained with a
    binary cross-entropy over the labelled entries.
    """
    if checkpoint is not None and ddp is not None:
        raise ValueError("mid-seed checkpoints are not supported with ddp")
    if ddp is not None and device is not None and torch.device(device) != ddp.device:
        raise ValueError(f"device {device} given, but this ddp rank trains on {ddp.device}")
    if ogb is not None and ddp is not None:
        raise ValueError("an OGB dataset's Evaluator metric is computed in one process; run it "
                         "without ddp")
    target, y = check_graph_dataset(
        ds, name, binary=ogb is not None and ogb.task_type == "binary classification")
    width = y.size(1)
    y = y.view(-1) if y.size(1) == 1 else y
    given = (torch.cat([g.split.view(-1) for g in ds])
             if getattr(ds[0], "split", None) is not None else None)
    train_idx, val_idx, test_idx = graph_split(y, split, seed, given)
    if train_idx.numel() == 0 or test_idx.numel() == 0:
        raise ValueError(f"{name}: the graph split has an empty training or test part")
    monitor = train.monitor or ("val_acc" if target == "classification" else "val_mae")
    if val_idx.numel() == 0 and monitor != "last":
        raise ValueError(f"{name}: no validation graphs to select an epoch (split.val_ratio = "
                         "0); set train.monitor: last to report the final epoch")
    out_channels = int(y.max()) + 1 if target == "classification" else width
    net = build_model(model.name, "graph", model.params, in_channels=ds.num_features,
                      out_channels=out_channels, edge_channels=ds.num_edge_features)
    if ddp is not None:
        device = ddp.device
    else:
        device = torch.device("cpu") if device is None else torch.device(device)
        net = net.to(device)
    trained = net if ddp is None else ddp.wrap(net)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=train.lr, weight_decay=train.weight_decay, foreach=True)
    scheduler = _scheduler(opt, train, monitor)
    batch_size = train.batch_size or DEFAULT_BATCH
    sampler = None
    if ddp is not None:
        from torch.utils.data.distributed import DistributedSampler

        if batch_size % ddp.world_size:
            raise ValueError(f"train.batch_size {batch_size} must be divisible by the "
                             f"{ddp.world_size} DDP processes")
        sampler = DistributedSampler(ds[train_idx], ddp.world_size, ddp.rank, shuffle=True,
                                     seed=seed)
        loader = DataLoader(ds[train_idx], batch_size=batch_size // ddp.world_size,
                            sampler=sampler)
        progress = progress and ddp.is_main
    else:
        loader = DataLoader(ds[train_idx], batch_size=batch_size, shuffle=True)
    eval_batch = train.eval_batch_size or batch_size
    parts = [("train", train_idx), ("val", val_idx), ("test", test_idx)]
    test_at_best = train.test_at == "best"
    per_epoch = [("val", val_idx)] if test_at_best else parts
    selector = Selector(monitor, train.patience, train.tiebreak)
    best = BestWeights(selector, test_at_best)
    curve: list[dict[str, float]] = []
    # the loader's shuffling draws its seed from the global RNG, which the checkpoint holds
    state = {"net": net, "opt": opt, "scheduler": scheduler, "selector": selector,
             "best": best, "curve": curve}
    clock = EpochClock()
    for epoch in checkpointed_epochs(train.epochs, progress, f"{model.name} seed {seed}",
                                     checkpoint, state):
        clock.start()
        if sampler is not None:
            sampler.set_epoch(epoch)
        trained.train()
        total, count = 0.0, 0
        for batch in loader:
            batch = batch.to(device)
            opt.zero_grad()
            loss = _loss(trained(batch), batch.y, target)
            weight = 1.0
            if ddp is not None:
                weight = ddp.loss_weight(batch.num_graphs, int(ddp.all_sum(batch.num_graphs)))
            (loss * weight).backward()
            opt.step()
            total += float(loss.detach()) * batch.num_graphs
            count += batch.num_graphs
        if ddp is not None:
            total, count = ddp.all_sum(total), int(ddp.all_sum(count))
        clock.trained()
        row = {"epoch": epoch, "loss": total / max(count, 1)}
        evaluate = not (epoch % train.eval_every and epoch != train.epochs)
        if evaluate or train.scheduler == "plateau":
            row.update(evaluate_graphs(net, ds, per_epoch, target, eval_batch, device, ddp,
                                        ogb))
        if scheduler is not None:
            if train.scheduler == "plateau":
                scheduler.step(row.get(monitor, row["loss"]))
            else:
                scheduler.step()
        if not evaluate:
            continue
        row["lr"] = opt.param_groups[0]["lr"]
        stop = selector.log(epoch, clock.stamp(row), curve,
                            callback if ddp is None or ddp.is_main else None)
        best.update(epoch, net)
        if stop:
            break
    if test_at_best and curve:
        # the selected epoch's weights ('last': the final ones), scored once on every part:
        # the numbers the per-epoch scoring would have recorded for that epoch
        with best.loaded(net):
            selector.best.update(evaluate_graphs(net, ds, parts, target, eval_batch, device,
                                                 ddp, ogb))
    result = selector.result(curve)
    result.info.update(target=target, num_train=int(train_idx.numel()),
                       num_val=int(val_idx.numel()), num_test=int(test_idx.numel()),
                       device=str(device))
    return result


def _scheduler(opt: torch.optim.Optimizer, train: TrainSettings, monitor: str):
    if train.scheduler is None:
        return None
    if train.scheduler == "step":
        return torch.optim.lr_scheduler.StepLR(opt, train.lr_step, train.lr_factor)
    if train.scheduler == "plateau":
        mode = "min" if monitor == "last" or minimised(monitor) else "max"
        return torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode, train.lr_factor,
                                                          train.lr_patience)
    raise ValueError(f"unknown scheduler '{train.scheduler}'; use 'step' or 'plateau'")
