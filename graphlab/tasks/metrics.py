"""Metrics, all reported in percent: accuracy, ROC-AUC, Hits@K and MRR (ogb's Evaluator)."""
from __future__ import annotations

import torch
from ogb.linkproppred import Evaluator
from sklearn.metrics import roc_auc_score
from torch import Tensor

# MRR ranks each positive against every shared negative: an n_pos × n_neg matrix.
# Above this many entries the positives are ranked in chunks.
_MRR_CHUNK = 1 << 24


def accuracy(logits: Tensor, y: Tensor) -> float:
    """Percentage of rows whose arg-max equals the label (0 for no rows)."""
    if y.numel() == 0:
        return 0.0
    return 100.0 * float((logits.argmax(-1) == y).double().mean())


def roc_auc(pos: Tensor, neg: Tensor) -> float:
    """ROC-AUC (percent) of positive vs negative scores."""
    scores = torch.cat([pos, neg]).double().numpy()
    labels = torch.cat([torch.ones(pos.numel()), torch.zeros(neg.numel())]).numpy()
    return 100.0 * float(roc_auc_score(labels, scores))


def binary_rocauc(logits: Tensor, y: Tensor) -> float:
    """ROC-AUC (percent) of a two-class classifier: the logit margin of class 1 over class 0
    (the order of ``softmax(logits)[:, 1]``) against labels in {0, 1}. ``nan`` when the rows
    hold only one class, where ROC-AUC is undefined."""
    if logits.dim() != 2 or logits.size(-1) != 2:
        raise ValueError(f"binary_rocauc needs logits of shape [n, 2], got {list(logits.shape)}")
    y = y.view(-1)
    if y.numel() == 0 or bool((y == y[0]).all()):
        return float("nan")
    score = (logits[:, 1] - logits[:, 0]).detach().double().cpu()
    pos, neg = score[y == 1], score[y == 0]
    return roc_auc(pos, neg)


def hits_at_k(pos: Tensor, neg: Tensor, k: int) -> float:
    """Hits@K (percent) with ogb's Evaluator: the fraction of positives scored strictly above
    the K-th best negative (all positives share the negatives)."""
    evaluator = Evaluator(name="ogbl-ppa")
    evaluator.K = k
    return 100.0 * float(evaluator.eval({"y_pred_pos": pos, "y_pred_neg": neg})[f"hits@{k}"])


def mrr(pos: Tensor, neg: Tensor) -> float:
    """Mean reciprocal rank (percent) of each positive among the shared negatives, with ties
    ranked half-way (ogb's ``ogbl-citation2`` rule): :func:`ranking_metrics` with every
    positive ranked against the same negatives."""
    shared = neg.reshape(1, -1).expand(pos.numel(), -1)
    return ranking_metrics(pos, shared, "shared")["shared_mrr"]


def ranking_metrics(pos: Tensor, neg: Tensor, prefix: str) -> dict[str, float]:
    """Each positive ranked among its own negatives (``pos`` ``[P]``, ``neg`` ``[P, K]``) by
    ogb's ``ogbl-citation2`` Evaluator: MRR and Hits@1/3/10 (percent), keys
    ``{prefix}_{metric}``."""
    evaluator = Evaluator(name="ogbl-citation2")
    pos, neg = pos.detach().float().cpu(), neg.detach().float().cpu()
    lists: dict[str, list[Tensor]] = {}
    chunk = max(1, _MRR_CHUNK // max(1, neg.size(1)))
    for start in range(0, pos.numel(), chunk):
        out = evaluator.eval({"y_pred_pos": pos[start:start + chunk],
                              "y_pred_neg": neg[start:start + chunk]})
        for key, value in out.items():
            lists.setdefault(key[:-len("_list")], []).append(value)
    return {f"{prefix}_{key}": 100.0 * float(torch.cat(chunks).float().mean())
            for key, chunks in lists.items()}


def link_metrics(pos: Tensor, neg: Tensor, hits_k: list[int], prefix: str) -> dict[str, float]:
    """Hits@K for each K, MRR and ROC-AUC of one evaluation set, keys ``{prefix}_{metric}``."""
    pos, neg = pos.detach().float().cpu(), neg.detach().float().cpu()
    out = {f"{prefix}_hits@{k}": hits_at_k(pos, neg, k) for k in hits_k}
    out[f"{prefix}_mrr"] = mrr(pos, neg)
    out[f"{prefix}_auc"] = roc_auc(pos, neg)
    return out


def _mask(target: Tensor, ignore_zeros: bool) -> Tensor:
    return target != 0 if ignore_zeros else torch.ones_like(target, dtype=torch.bool)


def masked_mae(pred: Tensor, target: Tensor, ignore_zeros: bool = True) -> Tensor:
    """Mean absolute error over the entries whose target is not 0 (a missing reading) when
    ``ignore_zeros``; 0 when nothing is left."""
    mask = _mask(target, ignore_zeros)
    if not mask.any():
        return pred.new_zeros(())
    return (pred - target).abs()[mask].mean()


def masked_rmse(pred: Tensor, target: Tensor, ignore_zeros: bool = True) -> Tensor:
    """Root mean squared error over the non-missing entries (see :func:`masked_mae`)."""
    mask = _mask(target, ignore_zeros)
    if not mask.any():
        return pred.new_zeros(())
    return (pred - target).pow(2)[mask].mean().sqrt()


def masked_mape(pred: Tensor, target: Tensor) -> Tensor:
    """Mean absolute percentage error (percent) over entries with a non-zero target (always:
    a zero target has no percentage error)."""
    mask = target != 0
    if not mask.any():
        return pred.new_zeros(())
    return 100.0 * ((pred - target).abs() / target.abs())[mask].mean()
