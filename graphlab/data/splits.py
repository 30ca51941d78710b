"""Split protocols: given / random node splits and the random link split.

Every function here is a pure function of its arguments and ``seed``: the same
seed gives the same split on every machine.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
from torch import Tensor


def random_node_split(num_nodes: int, train_ratio: float, val_ratio: float,
                      seed: int) -> tuple[Tensor, Tensor, Tensor]:
    """Boolean train / val / test masks from a seeded permutation (test = the rest)."""
    if train_ratio <= 0 or val_ratio < 0 or train_ratio + val_ratio >= 1:
        raise ValueError(f"need 0 < train, 0 <= val and train + val < 1; got train={train_ratio}, "
                         f"val={val_ratio}")
    perm = torch.randperm(num_nodes, generator=torch.Generator().manual_seed(seed))
    n_train = int(round(train_ratio * num_nodes))
    n_val = int(round(val_ratio * num_nodes))
    masks = []
    for part in (perm[:n_train], perm[n_train:n_train + n_val], perm[n_train + n_val:]):
        mask = torch.zeros(num_nodes, dtype=torch.bool)
        mask[part] = True
        masks.append(mask)
    return masks[0], masks[1], masks[2]


def given_node_split(data, index: Optional[int], seed: int) -> tuple[Tensor, Tensor, Tensor]:
    """The masks the dataset ships. For datasets with several splits (``[N, S]`` masks,
    e.g. the 10 geom-gcn splits) column ``index`` is used, or ``seed % S`` when ``index`` is
    ``None`` — so seeds 0..9 walk through the 10 published splits."""
    for key in ("train_mask", "val_mask", "test_mask"):
        if getattr(data, key, None) is None:
            raise ValueError(f"split kind 'given' needs data.{key}, which this dataset does not "
                             "have; use split kind 'random'")
    masks = (data.train_mask, data.val_mask, data.test_mask)
    if masks[0].dim() == 1:
        if index not in (None, 0):
            raise ValueError(f"split index {index} requested but the dataset ships one split")
        return masks
    num_splits = masks[0].size(1)
    col = seed % num_splits if index is None else index
    if not 0 <= col < num_splits:
        raise ValueError(f"split index {col} out of range: the dataset ships {num_splits} splits")
    return tuple(m[:, col] for m in masks)


@dataclass
class LinkSplit:
    """Positive and negative pairs of a random link split, all as ``[2, P]`` tensors.

    ``train_edge_index`` is the training adjacency in both directions (what an encoder
    may see); ``train_pos`` lists each training edge once (``i < j``).
    """

    num_nodes: int
    train_edge_index: Tensor
    train_pos: Tensor
    val_pos: Tensor
    val_neg: Tensor
    test_pos: Tensor
    test_neg: Tensor


def undirected_pairs(edge_index: Tensor, num_nodes: int) -> Tensor:
    """Unique undirected pairs ``(i, j)`` with ``i < j`` (self-loops dropped), sorted."""
    row, col = edge_index
    lo, hi = torch.minimum(row, col), torch.maximum(row, col)
    keep = lo != hi
    key = torch.unique(lo[keep].long() * num_nodes + hi[keep].long())
    return torch.stack([key // num_nodes, key % num_nodes])


def sample_non_edges(num_nodes: int, num_samples: int, forbidden: Tensor,
                     generator: torch.Generator) -> Tensor:
    """``num_samples`` distinct pairs ``i < j`` that are not in ``forbidden`` (``[2, P]``,
    ``i < j``), drawn uniformly by rejection."""
    max_pairs = num_nodes * (num_nodes - 1) // 2 - forbidden.size(1)
    if num_samples > max_pairs:
        raise ValueError(f"cannot draw {num_samples} negative pairs: the graph has only "
                         f"{max_pairs} non-edges")
    taken = forbidden[0] * num_nodes + forbidden[1]
    found = torch.empty(0, dtype=torch.long)
    while found.numel() < num_samples:
        need = num_samples - found.numel()
        cand = torch.randint(num_nodes, (2, 2 * need + 16), generator=generator)
        lo, hi = cand.min(0).values, cand.max(0).values
        key = lo[lo != hi] * num_nodes + hi[lo != hi]
        key = key[~torch.isin(key, taken)]
        key = key[~torch.isin(key, found)]
        # keep first occurrences only, in draw order, so the result is reproducible
        uniq, inverse = torch.unique(key, return_inverse=True)
        first = torch.full((uniq.numel(),), key.numel(), dtype=torch.long)
        first.scatter_reduce_(0, inverse, torch.arange(key.numel()), "amin")
        key = key[first.sort().values]
        found = torch.cat([found, key[:need]])
    return torch.stack([found // num_nodes, found % num_nodes])


def random_link_split(edge_index: Tensor, num_nodes: int, val_ratio: float = 0.1,
                      test_ratio: float = 0.2, val_neg_ratio: float = 1.0,
                      test_neg_ratio: float = 1.0, seed: int = 0) -> LinkSplit:
    """A fresh random split of the undirected edges of a graph.

    Positives are the unique undirected edges; ``val_ratio`` and ``test_ratio`` of them
    are held out (training gets the rest). Negatives are uniform non-edges of the whole
    graph, disjoint from every positive and from each other: ``val_neg_ratio`` ×
    #val positives for validation, ``test_neg_ratio`` × #test positives for test.
    """
    if val_ratio < 0 or test_ratio <= 0 or val_ratio + test_ratio >= 1:
        raise ValueError(f"need 0 <= val, 0 < test and val + test < 1; got val={val_ratio}, "
                         f"test={test_ratio}")
    gen = torch.Generator().manual_seed(seed)
    pairs = undirected_pairs(edge_index, num_nodes)
    num = pairs.size(1)
    if num < 3:
        raise ValueError(f"a link split needs at least 3 undirected edges, the graph has {num}")
    perm = torch.randperm(num, generator=gen)
    n_val = int(round(val_ratio * num))
    n_test = max(1, int(round(test_ratio * num)))
    val_pos = pairs[:, perm[:n_val]]
    test_pos = pairs[:, perm[n_val:n_val + n_test]]
    train_pos = pairs[:, perm[n_val + n_test:]]
    negs = sample_non_edges(num_nodes, int(round(val_neg_ratio * n_val))
                            + int(round(test_neg_ratio * n_test)), pairs, gen)
    n_val_neg = int(round(val_neg_ratio * n_val))
    train_edge_index = torch.cat([train_pos, train_pos.flip(0)], dim=1)
    return LinkSplit(num_nodes, train_edge_index, train_pos, val_pos, negs[:, :n_val_neg],
                     test_pos, negs[:, n_val_neg:])


def graph_cv_split(y: Tensor, folds: int, fold: int, val_ratio: float = 0.1,
                   seed: int = 0) -> tuple[Tensor, Tensor, Tensor]:
    """Graph indices ``(train, val, test)`` of fold ``fold`` of a ``folds``-fold
    cross-validation, the TU-dataset protocol.

    The folds are stratified by class for integer ``y`` (one label per graph) and plain
    K-fold for float targets; the partition depends only on ``seed`` (default 0), so every
    fold of a run sees the same partition. Test = the fold; a stratified ``val_ratio`` of the
    remaining graphs is held out for model selection (``val_ratio = 0`` gives an empty
    validation set, for selection rules that do not use one; a hold-out too small to hold
    every class is drawn unstratified).
    """
    from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

    n = y.size(0)
    if folds < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, got {folds}")
    if not 0 <= fold < folds:
        raise ValueError(f"fold {fold} out of range for {folds} folds")
    if n < folds:
        raise ValueError(f"{folds}-fold cross-validation needs at least {folds} graphs, got {n}")
    if not 0 <= val_ratio < 1:
        raise ValueError(f"val_ratio must be in [0, 1), got {val_ratio}")
    labels = None if y.is_floating_point() else y.view(n, -1)[:, 0]
    classes = None if labels is None else labels.numpy()
    index = torch.arange(n).numpy()
    if labels is not None:
        counts = torch.bincount(labels)
        smallest = int(counts[counts > 0].min())
        if smallest < folds:
            raise ValueError(f"stratified {folds}-fold cross-validation needs at least {folds} "
                             f"graphs per class; the smallest class has {smallest}")
        splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    else:
        splitter = KFold(folds, shuffle=True, random_state=seed)
    train, test = list(splitter.split(index, classes))[fold]
    val = train[:0]
    if val_ratio > 0:
        stratify = None if classes is None else classes[train]
        if stratify is not None:
            _, counts = torch.unique(torch.as_tensor(stratify), return_counts=True)
            n_val = int(-(-val_ratio * len(train) // 1))
            if n_val < len(counts) or int(counts.min()) < 2:
                stratify = None  # too few graphs to stratify the hold-out: a plain shuffle
        train, val = train_test_split(train, test_size=val_ratio, random_state=seed,
                                      stratify=stratify)
    return tuple(torch.as_tensor(sorted(part), dtype=torch.long) for part in (train, val, test))


def random_graph_split(num_graphs: int, train_ratio: float, val_ratio: float,
                       seed: int) -> tuple[Tensor, Tensor, Tensor]:
    """Graph indices ``(train, val, test)`` from a seeded permutation (test = the rest)."""
    masks = random_node_split(num_graphs, train_ratio, val_ratio, seed)
    return tuple(m.nonzero().view(-1) for m in masks)
