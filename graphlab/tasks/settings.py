"""The settings a task run needs, one dataclass per config section.

These are plain dataclasses: the runner's schema (:mod:`graphlab.runner.schema`)
validates a YAML file into them, and Python users can build them directly. Every
field is documented here; the config keys are the field names.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass
class DatasetSettings:
    """``dataset:`` — which data to load.

    Attributes:
        name: a registered dataset (``graphlab data list``).
        params: keyword parameters of the loader (synthetic generators: size, homophily, …).
        undirected: symmetrise ``edge_index`` before training (directed datasets stay
            directed otherwise).
        node_features: graph task, for datasets without node features (IMDB-BINARY):
            ``'degree'`` (one-hot degree up to the dataset's maximum, as in GIN) or
            ``'constant'`` (a single 1); ``None`` = use the dataset's ``x``.
        eigen_pe: graph task: compute the first ``eigen_pe`` Laplacian eigenpairs of every
            graph once before training (:class:`graphlab.construct.EigenPE`), for models
            with a positional encoding (``model.params.pe``).
        subset: graph task: keep only this many graphs, drawn by a fixed permutation
            (seed 0) — for smoke profiles of large datasets; ``None`` = all.
        bag: graph task: turn every graph into a subgraph bag once before training
            (:class:`graphlab.construct.SubgraphBag`; keys ``max_dis``, ``hops``), for
            subgraph GNNs (model ``swl``).
    """

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    undirected: bool = False
    node_features: Optional[str] = None
    eigen_pe: Optional[int] = None
    bag: Optional[dict[str, Any]] = None
    subset: Optional[int] = None


@dataclass
class SplitSettings:
    """``split:`` — how nodes or edges are split.

    Attributes:
        kind: node task: ``'given'`` (the dataset's masks; default) or ``'random'`` (a
            fresh split per seed); link task: ``'random_edge'`` (default, a fresh edge split
            per seed); graph task: ``'cv'`` (default: stratified ``folds``-fold
            cross-validation, fold ``seed % folds``; the partition is fixed, a stratified
            ``val_ratio`` of the training folds is held out for selection), ``'random'``, or
            ``'given'`` (the dataset's per-graph ``split``: ZINC).
        index: for datasets shipping several splits (``[N, S]`` masks), the split to use;
            ``None`` = ``seed % S``. Graph task ``'cv'``: the fold (``None`` = ``seed % folds``).
        folds: graph task ``'cv'``: number of folds (default 10).
        train_ratio, val_ratio, test_ratio: fractions (node random: train 0.6, val 0.2, test
            the rest; link: val 0.1, test 0.2, train the rest).
        val_neg_ratio, test_neg_ratio: link task: negatives per positive in val / test.
        input_steps, horizon: forecast task: window of past steps fed to the model and steps
            predicted (``None`` = 12 each); forecast splits are chronological (train 0.7,
            val 0.1 of the time axis by default).
    """

    kind: Optional[str] = None
    index: Optional[int] = None
    train_ratio: Optional[float] = None
    val_ratio: Optional[float] = None
    test_ratio: Optional[float] = None
    val_neg_ratio: float = 1.0
    test_neg_ratio: float = 1.0
    folds: int = 10
    input_steps: Optional[int] = None
    horizon: Optional[int] = None


@dataclass
class ModelSettings:
    """``model:`` — a registered model (``graphlab models``) and its parameters."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainSettings:
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

    epochs: int = 200
    lr: float = 0.01
    weight_decay: float = 0.0
    patience: Optional[int] = None
    batch_size: Optional[int] = None
    monitor: Optional[str] = None
    tiebreak: Optional[str] = None
    eval_every: int = 1
    predictor_lr: Optional[float] = None
    target_link_removal: bool = False
    scheduler: Optional[str] = None
    lr_step: int = 50
    lr_factor: float = 0.5
    lr_patience: int = 20
    eval_batch_size: Optional[int] = None
    block_size: Optional[int] = None
    steps_per_epoch: Optional[int] = None
    test_at: str = "every_epoch"


@dataclass
class PretrainSettings:
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
    epochs: int = 10
    lr: float = 1e-3


@dataclass
class EvalSettings:
    """``eval:`` — what is measured.

    Attributes:
        hits_k: link task: the K of Hits@K (ogb ``Evaluator``, shared negatives).
    """

    hits_k: list[int] = field(default_factory=lambda: [20, 50, 100])
