"""OGB datasets by name (``ogbn-*``, ``ogbl-*``, ``ogbg-*``) with their official splits and
the metric of their ``ogb`` ``Evaluator``.

A name is looked up in ``ogb``'s own list of datasets (its ``master.csv``), so every OGB
dataset the installed ``ogb`` knows can be named; the ones no graphlab task can train on
are refused with the reason (heterogeneous graphs, knowledge-graph completion with
relation types, multi-label node classification, sub-token prediction).

Data lives in OGB's on-disk layout under the data root, ``<root>/<name with _>/``
(``raw/*.csv.gz``, ``split/<kind>/*.pt``, ``RELEASE_v<N>.txt``); a copy under
``$GRAPHLAB_MIRROR/<name with _>/`` is copied in first, so an OGB dataset loads without a
network when its folder is mirrored. Otherwise ``ogb`` downloads it, unless
``GRAPHLAB_OFFLINE`` is set (then the error names the folder to fill).
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import torch

from graphlab.data.mirror import DatasetNotAvailableError, copy_from_mirror, data_root, offline

PREFIXES = {"ogbn-": "nodeproppred", "ogbl-": "linkproppred", "ogbg-": "graphproppred"}


def is_ogb_name(name: Optional[str]) -> bool:
    return isinstance(name, str) and name.lower().startswith(tuple(PREFIXES))


@dataclass(frozen=True)
class OGBInfo:
    """What graphlab reads from ``ogb``'s description of a dataset."""

    name: str
    kind: str               # nodeproppred | linkproppred | graphproppred
    task_type: str          # e.g. 'link prediction', 'binary classification'
    metric: str             # the Evaluator's metric: acc, rocauc, ap, rmse, hits@K, mrr, F1
    folder: str             # OGB's folder name, e.g. ogbl_collab
    version: str
    num_tasks: int

    @property
    def graphlab_metric(self) -> str:
        """The metric's name in graphlab's records (``hits@50``, ``mrr``, ``rocauc`` …)."""
        return self.metric.lower()


def _master(kind: str):
    import ogb
    import pandas as pd

    path = Path(ogb.__file__).parent / kind / "master.csv"
    return pd.read_csv(path, index_col=0, keep_default_na=False)


def ogb_info(name: str) -> OGBInfo:
    """``name``'s entry in ``ogb``'s list; a ``ValueError`` naming the known datasets of its
    kind when there is none."""
    prefix = name[:5].lower()
    if prefix not in PREFIXES:
        raise ValueError(f"'{name}' is not an OGB name (ogbn-*, ogbl-*, ogbg-*)")
    kind = PREFIXES[prefix]
    master = _master(kind)
    match = {c.lower(): c for c in master.columns}.get(name.lower())
    if match is None:
        raise ValueError(f"unknown OGB dataset '{name}'; the installed ogb knows "
                         f"{', '.join(master.columns)}")
    meta = master[match]
    info = OGBInfo(match, kind, meta["task type"], meta["eval metric"],
                   "_".join(match.split("-")), str(meta["version"]),
                   int(meta["num tasks"]) if "num tasks" in meta and meta["num tasks"] else 1)
    _refuse_unsupported(info, meta)
    return info


def _refuse_unsupported(info: OGBInfo, meta) -> None:
    why = None
    if meta.get("is hetero", "False") == "True":
        why = "a heterogeneous graph (several node or edge types)"
    elif info.task_type == "KG completion":
        why = "knowledge-graph completion with relation types"
    elif info.kind == "nodeproppred" and info.task_type != "multiclass classification":
        why = (f"{info.task_type} with {info.num_tasks} tasks per node; graphlab's node task "
               "predicts one class per node")
    elif info.kind == "graphproppred" and info.task_type == "subtoken prediction":
        why = "sub-token sequence prediction"
    if why:
        raise ValueError(f"OGB dataset '{info.name}' is {why}, which no graphlab task trains "
                         "on")


def _dataset_class(kind: str):
    if kind == "nodeproppred":
        from ogb.nodeproppred import PygNodePropPredDataset as cls
    elif kind == "linkproppred":
        from ogb.linkproppred import PygLinkPropPredDataset as cls
    else:
        from ogb.graphproppred import PygGraphPropPredDataset as cls
    return cls


@contextlib.contextmanager
def _no_prompts(kind: str):
    """``ogb`` asks on stdin before a download over 1 GB; a config that names the dataset
    has already said yes (and a run has no terminal). Answer for it, nothing else."""
    import importlib

    module = importlib.import_module(f"ogb.{kind}.dataset_pyg")
    saved = module.decide_download
    module.decide_download = lambda url: True
    try:
        yield
    finally:
        module.decide_download = saved


@contextlib.contextmanager
def _ogb_pickles():
    """``ogb`` (written before torch 2.6) reads its processed file and split files with a
    plain ``torch.load``; they hold PyG ``Data`` objects and numpy arrays, which torch's
    ``weights_only`` default refuses. While ``ogb`` reads the dataset a config named (its own
    download, or the user's copy of it), ``torch.load`` gets ``weights_only=False``."""
    import functools

    saved = torch.load
    torch.load = functools.partial(saved, weights_only=False)
    try:
        yield
    finally:
        torch.load = saved


def load_ogb(name: str, root: Optional[str | Path] = None):
    """The OGB dataset ``name`` (``ogb``'s ``Pyg*PropPredDataset``), its folder filled from
    the mirror first. The returned dataset carries ``ogb_info`` (:class:`OGBInfo`).

    Raises:
        ValueError: an unknown name, or a dataset no graphlab task trains on.
        DatasetNotAvailableError: the folder is missing or incomplete and cannot be
            downloaded (offline, or the download failed), naming the folder.
    """
    from graphlab.data.registry import dataset_lock

    info = ogb_info(name)
    base = Path(root) if root is not None else data_root()
    copy_from_mirror(info.folder, base)
    folder = base / info.folder
    release = folder / f"RELEASE_v{info.version}.txt"
    hint = (f"Put OGB's folder for it (raw/, split/, {release.name}) at '{folder}' or "
            f"under $GRAPHLAB_MIRROR/{info.folder}/")
    if folder.is_dir() and not release.is_file():
        # ogb would ask on stdin whether to delete the folder and download again
        raise DatasetNotAvailableError(
            f"OGB dataset '{info.name}': '{folder}' exists but has no {release.name} (an "
            f"incomplete or outdated copy). Remove it to download again, or {hint[0].lower()}"
            f"{hint[1:]}")
    if offline() and not folder.is_dir():
        raise DatasetNotAvailableError(f"OGB dataset '{info.name}' is not available: "
                                       f"GRAPHLAB_OFFLINE is set and '{folder}' does not exist. "
                                       + hint)
    cls = _dataset_class(info.kind)
    with dataset_lock(base, info.folder), _no_prompts(info.kind), _ogb_pickles():
        try:
            ds = cls(info.name, root=str(base))
        except Exception as exc:  # noqa: BLE001 - a failed download or read has many types
            why = "GRAPHLAB_OFFLINE is set" if offline() else "loading it failed"
            raise DatasetNotAvailableError(
                f"OGB dataset '{info.name}' is not available under '{folder}': {why} "
                f"({type(exc).__name__}: {exc}). {hint}, or run where it can download"
            ) from exc
    ds.ogb_info = info
    return ds


def official_node_masks(ds, data) -> Any:
    """``data`` with the official node split as ``train_mask`` / ``val_mask`` /
    ``test_mask`` and ``y`` as one label per node."""
    with _ogb_pickles():
        split = ds.get_idx_split()
    data = data.clone()
    n = data.num_nodes
    for part, key in (("train", "train_mask"), ("valid", "val_mask"), ("test", "test_mask")):
        mask = torch.zeros(n, dtype=torch.bool)
        mask[torch.as_tensor(split[part]).long()] = True
        data[key] = mask
    data.y = data.y.view(-1).long()
    return data


def official_link_split(ds) -> dict[str, dict[str, torch.Tensor]]:
    """The official edge split as ``{'train'|'valid'|'test': {key: tensor}}``: ``edge``
    ``[P, 2]`` and ``edge_neg`` ``[Q, 2]`` (shared negatives, Hits@K), or
    ``source_node`` / ``target_node`` ``[P]`` and ``target_node_neg`` ``[P, K]``
    (per-positive negatives, MRR), as ``ogb`` gives them."""
    with _ogb_pickles():
        split = ds.get_edge_split()
    return {part: {k: torch.as_tensor(v) for k, v in split[part].items()}
            for part in ("train", "valid", "test")}


def official_graph_parts(ds) -> torch.Tensor:
    """Each graph's part of the official split: 0 train, 1 valid, 2 test."""
    with _ogb_pickles():
        split = ds.get_idx_split()
    parts = torch.full((len(ds),), -1, dtype=torch.long)
    for code, part in enumerate(("train", "valid", "test")):
        parts[torch.as_tensor(split[part]).long()] = code
    return parts


def evaluate(info: OGBInfo | str, y_true: torch.Tensor | None = None,
             y_pred: torch.Tensor | None = None, **inputs: torch.Tensor) -> float:
    """``ogb``'s ``Evaluator`` for the dataset on the given inputs, returned as graphlab
    reports it (percent for acc, rocauc, ap, hits@K and mrr; rmse as is).

    Node and graph datasets take ``y_true`` / ``y_pred``; link datasets take
    ``y_pred_pos`` / ``y_pred_neg`` as ``ogb`` names them.
    """
    info = ogb_info(info) if isinstance(info, str) else info
    metric = info.graphlab_metric
    if info.kind == "nodeproppred":
        from ogb.nodeproppred import Evaluator
    elif info.kind == "linkproppred":
        from ogb.linkproppred import Evaluator
    else:
        from ogb.graphproppred import Evaluator
    evaluator = Evaluator(info.name)
    if y_true is not None:
        inputs = dict(inputs, y_true=y_true, y_pred=y_pred)
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        result = evaluator.eval({k: v.detach().cpu() for k, v in inputs.items()})
    key = {"mrr": "mrr_list"}.get(metric, metric)
    value = result[key]
    value = float(value.float().mean()) if isinstance(value, torch.Tensor) else float(value)
    return value if metric == "rmse" else 100.0 * value
