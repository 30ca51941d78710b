"""Split protocols: given / random node splits and the random link split.

Every function here is a pure function of its arguments and ``seed``: the same
seed gives the same split on every machine.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Optional

import torch
from torch import Tensor

from graphlab.ops import undirected_pairs


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
    """Positive and negative pairs of a link split, all as ``[2, P]`` tensors.

    ``train_edge_index`` is the training adjacency in both directions (what an encoder
    may see); ``train_pos`` lists each training edge once (``i < j``). Negatives are shared
    by all positives of their part (Hits@K), unless ``neg_per_pos`` is set: then the
    negatives of positive ``p`` are columns ``p * neg_per_pos … (p + 1) * neg_per_pos - 1``
    (a ranking of each positive among its own negatives, MRR). ``test_edge_index``, when
    set, is the adjacency the test pairs are scored with (a protocol that lets the model
    see the validation edges at test time); ``None``: ``train_edge_index``.
    """

    num_nodes: int
    train_edge_index: Tensor
    train_pos: Tensor
    val_pos: Tensor
    val_neg: Tensor
    test_pos: Tensor
    test_neg: Tensor
    neg_per_pos: int = 0
    test_edge_index: Optional[Tensor] = None

    def to(self, device) -> "LinkSplit":
        """The split with every tensor on ``device``."""
        moved = {f.name: (getattr(self, f.name).to(device)
                          if isinstance(getattr(self, f.name), Tensor) else getattr(self, f.name))
                 for f in fields(self)}
        return LinkSplit(**moved)


def given_link_split(given: dict, num_nodes: int, val_edges_as_input: bool = False
                     ) -> LinkSplit:
    """A :class:`LinkSplit` from a split shipped with the data, in ``ogb``'s form:
    ``{'train'|'valid'|'test': {...}}`` with ``edge`` ``[P, 2]`` and ``edge_neg`` ``[Q, 2]``
    (shared negatives), or ``source_node`` / ``target_node`` ``[P]`` and
    ``target_node_neg`` ``[P, K]`` (each positive's own negatives). Training edges are
    used undirected. ``val_edges_as_input``: test pairs are scored on the training plus
    validation edges."""
    def pairs(part: str, key: str) -> Tensor:
        entry = given.get(part)
        if not isinstance(entry, dict):
            raise ValueError(f"the given link split has no '{part}' part")
        if "edge" in entry:
            if key == "pos":
                return _pair_tensor(entry["edge"], f"{part}.edge", num_nodes)
            if "edge_neg" not in entry:
                raise ValueError(f"the given link split's '{part}' part has positives but no "
                                 "'edge_neg'")
            return _pair_tensor(entry["edge_neg"], f"{part}.edge_neg", num_nodes)
        if {"source_node", "target_node"} <= set(entry):
            src = torch.as_tensor(entry["source_node"]).long().view(-1)
            if key == "pos":
                return _pair_tensor(torch.stack([src, torch.as_tensor(
                    entry["target_node"]).long().view(-1)], 1), f"{part}.target_node", num_nodes)
            neg = torch.as_tensor(entry["target_node_neg"]).long()
            if neg.dim() != 2 or neg.size(0) != src.numel():
                raise ValueError(f"the given link split's '{part}.target_node_neg' must be "
                                 f"[P, K] with P = {src.numel()}, got {tuple(neg.shape)}")
            return _pair_tensor(torch.stack([src.repeat_interleave(neg.size(1)),
                                             neg.reshape(-1)], 1),
                                f"{part}.target_node_neg", num_nodes)
        raise ValueError(f"the given link split's '{part}' part needs 'edge' or "
                         "'source_node'/'target_node'")

    train_pos = undirected_pairs(pairs("train", "pos"), num_nodes)
    train_edge_index = torch.cat([train_pos, train_pos.flip(0)], 1)
    val_pos, test_pos = pairs("valid", "pos"), pairs("test", "pos")
    val_neg, test_neg = pairs("valid", "neg"), pairs("test", "neg")
    per_query = "edge" not in given["valid"]
    neg_per_pos = val_neg.size(1) // max(val_pos.size(1), 1) if per_query else 0
    if per_query and test_neg.size(1) != neg_per_pos * test_pos.size(1):
        raise ValueError("the given link split's valid and test parts have different numbers "
                         "of negatives per positive")
    test_edge_index = None
    if val_edges_as_input:
        both = undirected_pairs(torch.cat([train_pos, val_pos], 1), num_nodes)
        test_edge_index = torch.cat([both, both.flip(0)], 1)
    return LinkSplit(num_nodes, train_edge_index, train_pos, val_pos, val_neg, test_pos,
                     test_neg, neg_per_pos, test_edge_index)


def _pair_tensor(value, where: str, num_nodes: int) -> Tensor:
    """``[P, 2]`` node pairs (ogb's layout) as ``[2, P]`` ids, checked against ``num_nodes``."""
    t = torch.as_tensor(value)
    if t.is_floating_point() or t.dim() != 2 or t.size(1) != 2:
        raise ValueError(f"the given link split's '{where}' must be integer pairs [P, 2], got "
                         f"{t.dtype} {tuple(t.shape)}")
    t = t.long().t().contiguous()
    if t.numel() and (int(t.min()) < 0 or int(t.max()) >= num_nodes):
        raise ValueError(f"the given link split's '{where}' holds node ids outside [0, "
                         f"{num_nodes})")
    return t


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
