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
    """

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    undirected: bool = False


@dataclass
class SplitSettings:
    """``split:`` — how nodes or edges are split.

    Attributes:
        kind: node task: ``'given'`` (the dataset's masks; default) or ``'random'`` (a
            fresh split per seed); link task: ``'random_edge'`` (default, a fresh edge split
            per seed).
        index: for datasets shipping several splits (``[N, S]`` masks), the split to use;
            ``None`` = ``seed % S``.
        train_ratio, val_ratio, test_ratio: fractions (node random: train 0.6, val 0.2, test
            the rest; link: val 0.1, test 0.2, train the rest).
        val_neg_ratio, test_neg_ratio: link task: negatives per positive in val / test.
    """

    kind: Optional[str] = None
    index: Optional[int] = None
    train_ratio: Optional[float] = None
    val_ratio: Optional[float] = None
    test_ratio: Optional[float] = None
    val_neg_ratio: float = 1.0
    test_neg_ratio: float = 1.0


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
        batch_size: link task: positive pairs per step (``None`` = all in one step).
        monitor: validation metric that selects the reported epoch (maximised);
            default ``val_acc`` (node) or ``val_hits@100`` (link).
        eval_every: evaluate every this many epochs.
        predictor_lr: link task: a separate learning rate for the model's ``predictor``
            sub-module (``lr`` then applies to the rest, e.g. the encoder).
        target_link_removal: link task: remove each training batch's positive edges from
            the adjacency the model sees for that batch (the encoder is re-run per batch).
    """

    epochs: int = 200
    lr: float = 0.01
    weight_decay: float = 0.0
    patience: Optional[int] = None
    batch_size: Optional[int] = None
    monitor: Optional[str] = None
    eval_every: int = 1
    predictor_lr: Optional[float] = None
    target_link_removal: bool = False


@dataclass
class EvalSettings:
    """``eval:`` — what is measured.

    Attributes:
        hits_k: link task: the K of Hits@K (ogb ``Evaluator``, shared negatives).
    """

    hits_k: list[int] = field(default_factory=lambda: [20, 50, 100])
