"""The settings a task run needs, one dataclass per config section.

These are plain dataclasses: the runner's schema (:mod:`graphlab.runner.schema`)
validates a YAML file into them, and Python users can build them directly. Every
field is documented here; the config keys are the field names.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional


@dataclass(frozen=True)
class Range:
    """A declarative bound on a number: ``Range(1)`` is >= 1, ``Range(0, lo_open=True)`` is
    > 0, ``Range(0, 1, hi_open=True)`` is [0, 1). A value inside is always finite."""

    lo: Optional[float] = None
    hi: Optional[float] = None
    lo_open: bool = False
    hi_open: bool = False

    def __contains__(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if not math.isfinite(value):
            return False
        if self.lo is not None and (value <= self.lo if self.lo_open else value < self.lo):
            return False
        return self.hi is None or (value < self.hi if self.hi_open else value <= self.hi)

    def __str__(self) -> str:
        if self.hi is None:
            return f"{'>' if self.lo_open else '>='} {self.lo:g}" if self.lo is not None \
                else "a finite number"
        if self.lo is None:
            return f"{'<' if self.hi_open else '<='} {self.hi:g}"
        return (f"in {'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}"
                f"{')' if self.hi_open else ']'}")


POSITIVE = Range(0, lo_open=True)
AT_LEAST_1 = Range(1)
NON_NEGATIVE = Range(0)
FRACTION = Range(0, 1, lo_open=True, hi_open=True)      # a split ratio
PROBABILITY = Range(0, 1, hi_open=True)                  # a dropout rate


def ranged(default: Any, bound: Range) -> Any:
    """A dataclass field with ``default`` whose value (when not ``None``) must lie in
    ``bound``; the schema and :func:`check_ranges` read it from the field's metadata."""
    return field(default=default, metadata={"range": bound})


def range_error(key: str, bound: Range, value: Any) -> Optional[str]:
    """``None`` when ``value`` (``None`` or a number, or a list of numbers) is in ``bound``,
    else the message naming ``key``."""
    values = value if isinstance(value, (list, tuple)) else [value]
    bad = [v for v in values if v is not None and v not in bound]
    if not bad:
        return None
    return f"key '{key}' must be {bound}, got {value!r}"


def check_ranges(obj: Any, prefix: str = "") -> None:
    """Raise ``ValueError`` naming the first field of dataclass ``obj`` outside its range."""
    for f in dataclasses.fields(obj):
        bound = f.metadata.get("range")
        error = bound and range_error(prefix + f.name, bound, getattr(obj, f.name))
        if error:
            raise ValueError(error)


class Checked:
    """Settings whose numbers are checked against their fields' ranges when built, so that a
    Python caller gets the same error as a config file."""

    def __post_init__(self) -> None:
        check_ranges(self)


#: the range of a model parameter, by its name — the convention every model builder follows
#: (a config's ``model.params`` are checked against it and against the builder's annotated
#: types before any training)
MODEL_PARAM_RANGES: dict[str, Range] = {
    **{name: AT_LEAST_1 for name in (
        "hidden_channels", "channels", "hidden", "num_layers", "heads", "depth", "embed_dim",
        "kernel_size", "num_blocks", "num_node_layers", "num_edge_layers", "num_eigs",
        "num_hops", "pe_channels", "rank", "spe_m", "spe_rho_hidden", "spe_rho_layers",
        "ffn_channels", "match_lora_rank", "K", "mp_layers")},
    **{name: NON_NEGATIVE for name in ("num_virtual", "max_dis")},
    **{name: PROBABILITY for name in (
        "dropout", "gnn_dropout", "gnn_edge_dropout", "input_dropout", "predictor_dropout",
        "predictor_edge_dropout", "tail_dropout")},
    "mlp_ratio": POSITIVE,
}


def dataset_label(d: dict[str, Any]) -> str:
    """A short name for the data of a ``dataset:`` section (a dict, as in a record): the
    registered name, the class's name (with its ``params.name``), the file's stem, or
    ``in_memory``."""
    if d.get("name") is not None:
        return d["name"]
    if d.get("class") is not None:
        base = d["class"].rpartition(".")[2]
        name = (d.get("params") or {}).get("name")
        return f"{base}/{name}" if name is not None else base
    return Path(d["path"]).stem if d.get("path") is not None else "in_memory"


@dataclass
class DatasetSettings(Checked):
    """``dataset:`` — which data to load.

    Exactly one of ``name``, ``class`` and ``path`` names the data
    (:func:`graphlab.data.sources.open_dataset`).

    Attributes:
        name: a registered dataset (``graphlab data list``), ``tu/NAME`` for any TU
            dataset, or an OGB name (``ogbn-arxiv``, ``ogbl-collab``, ``ogbg-molhiv`` …:
            its official split and its Evaluator's metric, :mod:`graphlab.data.ogb`).
        params: keyword parameters of the loader (synthetic generators: size, homophily, …)
            or of the ``class``.
        cls: config key ``class``: a PyG dataset class by its dotted path
            (``torch_geometric.datasets.Amazon``), loaded under ``<data root>/<ClassName>``
            through the mirror's ``<ClassName>/``.
        path: a graph file (``.csv`` / ``.tsv`` / ``.txt`` / ``.edges`` edge list, ``.npz``,
            ``.mat``, ``.pt``; see :func:`graphlab.data.sources.read_graph_file`).
        directed: with ``path``: ``false`` symmetrises the file's edges as they are read.
        num_nodes: with ``path``: the number of nodes (ids must be below it; default the
            largest id + 1).
        variable: with a ``.mat`` path: the adjacency's variable (default ``net``).
        in_memory: set by ``run_config(cfg, out, dataset=...)``, never in a file: the
            digest of the data handed over (:func:`graphlab.data.sources.data_digest`), so
            runs on different data never share a fingerprint.
        undirected: symmetrise ``edge_index`` before training (directed datasets stay
            directed otherwise).
        node_features: for data without node features (IMDB-BINARY, an edge list):
            ``'degree'`` (one-hot degree up to the data's maximum, as in GIN),
            ``'constant'`` (a single 1), ``'one_hot'`` (one column per node, node and
            link tasks) or ``'embedding'`` (node and link tasks: a learnable table of
            ``embedding_dim`` features per node, trained with the model, replacing any
            ``x``); ``None`` = use the dataset's ``x``.
        embedding_dim: with ``node_features: embedding``: the table's width (default the
            model's ``hidden_channels``, else 64).
        eigen_pe: graph task: compute the first ``eigen_pe`` Laplacian eigenpairs of every
            graph once before training (:class:`graphlab.construct.EigenPE`), for models
            with a positional encoding (``model.params.pe``).
        subset: graph task: keep only this many graphs, drawn by a fixed permutation
            (seed 0) — for smoke profiles of large datasets; ``None`` = all.
        bag: graph task: turn every graph into a subgraph bag once before training
            (:class:`graphlab.construct.SubgraphBag`; keys ``max_dis``, ``hops``), for
            subgraph GNNs (model ``swl``).
    """

    name: Optional[str] = None
    params: dict[str, Any] = field(default_factory=dict)
    cls: Optional[str] = field(default=None, metadata={"key": "class"})
    path: Optional[str] = None
    directed: bool = True
    num_nodes: Optional[int] = ranged(None, AT_LEAST_1)
    variable: str = "net"
    in_memory: Optional[str] = None
    undirected: bool = False
    node_features: Optional[str] = None
    embedding_dim: Optional[int] = ranged(None, AT_LEAST_1)
    eigen_pe: Optional[int] = ranged(None, AT_LEAST_1)
    bag: Optional[dict[str, Any]] = None
    subset: Optional[int] = ranged(None, AT_LEAST_1)

    @property
    def label(self) -> str:
        """A short name for tables (:func:`dataset_label`)."""
        return dataset_label({"name": self.name, "class": self.cls, "params": self.params,
                              "path": self.path})

    def open(self):
        """The dataset these settings name (:func:`graphlab.data.sources.open_dataset`)."""
        from graphlab.data.sources import open_dataset

        return open_dataset(self.name, self.params, self.cls, self.path,
                            self.directed, self.num_nodes, self.variable,
                            in_memory=self.in_memory)


@dataclass
class SplitSettings(Checked):
    """``split:`` — how nodes or edges are split.

    Attributes:
        kind: node task: ``'given'`` (the dataset's masks; default) or ``'random'`` (a
            fresh split per seed); link task: ``'random_edge'`` (a fresh edge split
            per seed; the default) or ``'given'`` (the data's own split, an OGB dataset's
            official one; the default when the data has one); graph task: ``'cv'``
            (default: stratified ``folds``-fold cross-validation, fold ``seed % folds``;
            the partition is fixed, a stratified ``val_ratio`` of the training folds is
            held out for selection), ``'random'``, or ``'given'`` (the dataset's per-graph
            ``split``: ZINC; an OGB dataset's official split, its default).
        index: for datasets shipping several splits (``[N, S]`` masks), the split to use;
            ``None`` = ``seed % S``. Graph task ``'cv'``: the fold (``None`` = ``seed % folds``).
        folds: graph task ``'cv'``: number of folds (default 10).
        train_ratio, val_ratio, test_ratio: fractions (node random: train 0.6, val 0.2, test
            the rest; link: val 0.1, test 0.2, train the rest).
        val_neg_ratio, test_neg_ratio: link task: negatives per positive in val / test.
        val_edges_as_input: link task, ``'given'`` split: score the test pairs on the
            training plus validation edges (the protocol ogbl-collab allows).
        input_steps, horizon: forecast task: window of past steps fed to the model and steps
            predicted (``None`` = 12 each); forecast splits are chronological (train 0.7,
            val 0.1 of the time axis by default).
    """

    kind: Optional[str] = None
    index: Optional[int] = ranged(None, NON_NEGATIVE)
    train_ratio: Optional[float] = ranged(None, FRACTION)
    val_ratio: Optional[float] = ranged(None, PROBABILITY)  # 0: no selection set
    test_ratio: Optional[float] = ranged(None, FRACTION)
    val_neg_ratio: float = ranged(1.0, POSITIVE)
    test_neg_ratio: float = ranged(1.0, POSITIVE)
    folds: int = ranged(10, Range(2))
    val_edges_as_input: bool = False
    input_steps: Optional[int] = ranged(None, AT_LEAST_1)
    horizon: Optional[int] = ranged(None, AT_LEAST_1)


@dataclass
class ModelSettings:
    """``model:`` — a registered model (``graphlab models``) and its parameters."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainSettings(Checked):
    """``train:`` — the optimisation loop.

    Attributes:
        epochs: maximum number of epochs.
        lr: Adam learning rate.
        weight_decay: Adam weight decay.
        patience: stop after this many epochs without a better validation score
            (``None`` = never stop early).
        batch_size: link task: positive pairs per step (``None`` = all in one step); graph
            task: graphs per step (``None`` = 32).
        monitor: validation metric that selects the reported epoch; default ``val_acc``
            (node, graph classification), ``val_hits@100`` (link), ``val_mae`` (graph
            regression). Error metrics (``mae``, ``rmse``, ``mape``, ``loss``) are minimised,
            the rest maximised; ``'last'`` reports the final epoch (no selection).
        tiebreak: which of the epochs tied on ``monitor`` is selected: ``None`` (default)
            the first, ``'last'`` the latest, or a validation metric (``'val_loss'``: the
            lowest validation loss; graph classification measures ``val_loss``, the mean
            cross-entropy, for this). A tie-break win also resets ``patience``.
        eval_every: evaluate every this many epochs.
        predictor_lr: link task: a separate learning rate for the model's ``predictor``
            sub-module (``lr`` then applies to the rest, e.g. the encoder).
        target_link_removal: link task: remove each training batch's positive edges from
            the adjacency the model sees for that batch (the encoder is re-run per batch).
        scheduler: learning-rate schedule (graph task): ``None``, ``'step'`` (multiply by
            ``lr_factor`` every ``lr_step`` epochs, GIN's protocol) or ``'plateau'`` (by
            ``lr_factor`` after ``lr_patience`` epochs without a better monitored value).
        eval_batch_size: graph task: graphs per evaluation batch (``None`` = ``batch_size``).
        block_size: language-model tasks: context length in bytes (``None`` = 128).
        steps_per_epoch: language-model tasks: optimiser steps per epoch, each on
            ``batch_size`` random windows (``None`` = one pass's worth of windows over the
            training stream).
        test_at: graph and forecast tasks. Graph task: ``'every_epoch'`` (default) scores
            the train, validation and test graphs after every evaluated epoch (all three in
            the curve);
            ``'best'`` scores only the validation graphs per epoch, keeps the weights of the
            best epoch and scores train and test once with them at the end — the same
            metrics (eval mode is deterministic), a curve without train / test scores, and
            a cheaper epoch (scoring every graph per epoch is, by our estimate, 25–45 % of
            it for the TU and counting configs). Forecast task: the same with validation and
            test windows (no train scores there).
    """

    epochs: int = ranged(200, AT_LEAST_1)
    lr: float = ranged(0.01, POSITIVE)
    weight_decay: float = ranged(0.0, NON_NEGATIVE)
    patience: Optional[int] = ranged(None, AT_LEAST_1)
    batch_size: Optional[int] = ranged(None, AT_LEAST_1)
    monitor: Optional[str] = None
    tiebreak: Optional[str] = None
    eval_every: int = ranged(1, AT_LEAST_1)
    predictor_lr: Optional[float] = ranged(None, POSITIVE)
    target_link_removal: bool = False
    scheduler: Optional[str] = None
    lr_step: int = ranged(50, AT_LEAST_1)
    lr_factor: float = ranged(0.5, Range(0, 1, lo_open=True))
    lr_patience: int = ranged(20, NON_NEGATIVE)
    eval_batch_size: Optional[int] = ranged(None, AT_LEAST_1)
    block_size: Optional[int] = ranged(None, AT_LEAST_1)
    steps_per_epoch: Optional[int] = ranged(None, AT_LEAST_1)
    test_at: str = "every_epoch"


@dataclass
class PretrainSettings(Checked):
    """``pretrain:`` — task ``lm_finetune`` only: the base language model that is trained on
    ``params`` (or read back from the checkpoint cache under ``$GRAPHLAB_DATA/checkpoints``),
    frozen, and adapted by the config's ``model`` on the config's ``dataset``.

    Attributes:
        model: an ``lm`` model (``transformer_lm``) and its parameters.
        params: dataset parameters for pre-training (e.g. ``{part: a}``); the dataset name is
            the config's.
        epochs, lr: pre-training length and AdamW learning rate; ``train.batch_size``,
            ``train.block_size`` and ``train.steps_per_epoch`` apply to pre-training too.
    """

    model: ModelSettings
    params: dict[str, Any] = field(default_factory=dict)
    epochs: int = ranged(10, AT_LEAST_1)
    lr: float = ranged(1e-3, POSITIVE)


@dataclass
class EvalSettings(Checked):
    """``eval:`` — what is measured.

    Attributes:
        hits_k: link task: the K of Hits@K (ogb ``Evaluator``, shared negatives).
    """

    hits_k: list[int] = field(default_factory=lambda: [20, 50, 100],
                              metadata={"range": AT_LEAST_1})


def non_default(settings: Any) -> dict[str, Any]:
    """The fields of a settings dataclass that differ from their defaults (every field
    without a default), as plain values: what a config's fingerprint hashes, and what a task
    must read (:meth:`graphlab.tasks.Task.unused_settings`)."""
    out = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = dataclasses.MISSING
        if value != default:
            out[f.metadata.get("key", f.name)] = (dataclasses.asdict(value)
                                                  if dataclasses.is_dataclass(value) else value)
    return out
