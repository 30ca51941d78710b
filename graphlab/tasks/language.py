"""Language-model tasks on a byte corpus: ``lm`` trains a model from scratch, ``lm_finetune``
pre-trains (or reads back) a base model, freezes it and trains only an adapter.

Every epoch is ``steps_per_epoch`` AdamW steps on random windows of the training stream
(gradients clipped at norm 1), then an evaluation on fixed windows: at most
:data:`EVAL_WINDOWS` non-overlapping windows of each of train / val / test. Metrics per
epoch: ``{train,val,test}_loss`` (nats per byte), ``{train,val,test}_ppl`` (their exp),
``gap`` = val_loss − train_loss (the generalisation gap, both measured the same way), and
``loss`` (the mean training-batch loss of the epoch).
"""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from graphlab.data import data_root
from graphlab.data.text import ByteCorpus
from graphlab.io import Checkpoint, atomic_torch_save
from graphlab.models import build_model
from graphlab.tasks.common import (
    EpochCallback,
    EpochClock,
    Selector,
    TaskResult,
    checkpointed_epochs,
)
from graphlab.tasks.settings import ModelSettings, PretrainSettings, TrainSettings

#: evaluation windows per split (evenly spaced over the stream): a fixed, cheap estimate
EVAL_WINDOWS = 256
DEFAULT_BLOCK = 128
DEFAULT_BATCH = 32


def default_metrics(evaluation=None) -> tuple[str, str]:
    return "val_loss", "test_ppl"


def check_corpus(corpus, name: str) -> ByteCorpus:
    if not isinstance(corpus, ByteCorpus):
        raise ValueError(f"language-model tasks need a text dataset (pystdlib); '{name}' is "
                         f"{type(corpus).__name__}")
    return corpus


@torch.no_grad()
def evaluate_lm(net: nn.Module, corpus: ByteCorpus, block: int, batch: int = 64,
                windows: int = EVAL_WINDOWS) -> dict[str, float]:
    """Mean next-byte cross-entropy (and perplexity) on fixed windows of each split."""
    was_training = net.training
    net.eval()
    out: dict[str, float] = {}
    device = next(net.parameters()).device
    for split in ("train", "val", "test"):
        x, y = (w.to(device) for w in corpus.windows(split, block, windows))
        total = 0.0
        for start in range(0, x.size(0), batch):
            logits = net(x[start:start + batch])
            total += float(F.cross_entropy(logits.reshape(-1, logits.size(-1)),
                                           y[start:start + batch].reshape(-1), reduction="sum"))
        loss = total / y.numel()
        out[f"{split}_loss"], out[f"{split}_ppl"] = loss, math.exp(loss)
    out["gap"] = out["val_loss"] - out["train_loss"]
    net.train(was_training)
    return out


def fit_lm(net: nn.Module, corpus: ByteCorpus, train: TrainSettings, seed: int, epochs: int,
           lr: float, progress: bool = False, callback: Optional[EpochCallback] = None,
           desc: str = "lm", checkpoint: Optional[Checkpoint] = None) -> TaskResult:
    """Train the parameters of ``net`` that require gradients; returns the selected epoch's
    metrics (``train.monitor``, default ``val_loss``) and the curve. ``checkpoint``: save the
    loop's state as it trains and resume from it (:class:`~graphlab.io.Checkpoint`)."""
    block = train.block_size or DEFAULT_BLOCK
    batch = train.batch_size or DEFAULT_BATCH
    max_length = getattr(net, "max_length", block)
    if block > max_length:
        raise ValueError(f"train.block_size {block} exceeds the model's max_length {max_length}")
    steps = train.steps_per_epoch or max(1, corpus.train.numel() // (batch * block))
    params = [p for p in net.parameters() if p.requires_grad]
    if not params:
        raise ValueError(f"{desc}: the model has no trainable parameters")
    device = params[0].device      # the caller puts the model where it trains
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=train.weight_decay)
    generator = torch.Generator().manual_seed(seed)
    selector = Selector(train.monitor or "val_loss", train.patience, train.tiebreak)
    curve: list[dict[str, float]] = []
    state = {"net": net, "opt": opt, "gen": generator, "selector": selector, "curve": curve}
    clock = EpochClock()
    for epoch in checkpointed_epochs(epochs, progress, desc, checkpoint, state):
        clock.start()
        net.train()
        total = 0.0
        for _ in range(steps):
            x, y = corpus.sample("train", block, batch, generator)
            x, y = x.to(device), y.to(device)
            logits = net(x)
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
            if not torch.isfinite(loss):
                raise FloatingPointError(f"{desc}: the training loss became {float(loss)} in "
                                         f"epoch {epoch}; lower train.lr")
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            total += float(loss.detach())
        clock.trained()
        if epoch % train.eval_every and epoch != epochs:
            continue
        row = {"epoch": epoch, "loss": total / steps, **evaluate_lm(net, corpus, block)}
        if selector.log(epoch, clock.stamp(row), curve, callback):
            break
    result = selector.result(curve)
    result.info.update(device=str(device), steps_per_epoch=steps, block_size=block,
                       batch_size=batch,
                       trainable_parameters=sum(p.numel() for p in params),
                       parameters=sum(p.numel() for p in net.parameters()),
                       corpus=dict(corpus.info))
    return result


def run_lm(corpus, model: ModelSettings, train: TrainSettings, seed: int,
           progress: bool = False, callback: Optional[EpochCallback] = None,
           name: str = "text", checkpoint: Optional[Checkpoint] = None,
           device: Optional[torch.device] = None) -> TaskResult:
    """Task ``lm``: a language model trained from scratch, on ``device`` (default the
    CPU)."""
    corpus = check_corpus(corpus, name)
    block = train.block_size or DEFAULT_BLOCK
    net = build_model(model.name, "lm", model.params, in_channels=corpus.vocab_size,
                      max_length=block).to(device or "cpu")
    return fit_lm(net, corpus, train, seed, train.epochs, train.lr, progress, callback,
                  f"{model.name} seed {seed}", checkpoint)


def _checkpoint_path(key: dict) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return data_root() / "checkpoints" / f"lm-{digest}.pt"


def pretrained_lm(pretrain: PretrainSettings, corpus: ByteCorpus, train: TrainSettings,
                  seed: int, progress: bool = False,
                  checkpoint_every: Optional[float] = None,
                  device: Optional[torch.device] = None) -> tuple[nn.Module, dict]:
    """The base model of ``pretrain`` trained with ``seed``: read from the checkpoint cache
    when an identical pre-training ran before (any config), else trained and cached
    (written atomically). Returns the model (final epoch's weights) and its metrics.
    ``checkpoint_every``: the pre-training itself saves its state every this many seconds
    beside the cache entry (``….pt.ckpt``, keyed like the cache) and resumes from it."""
    block = train.block_size or DEFAULT_BLOCK
    key = {"model": pretrain.model.name, "params": pretrain.model.params,
           "data": pretrain.params, "corpus": corpus.info, "epochs": pretrain.epochs,
           "lr": pretrain.lr, "block": block, "batch": train.batch_size or DEFAULT_BATCH,
           "steps": train.steps_per_epoch, "weight_decay": train.weight_decay, "seed": seed}
    # the base's initialisation comes from ``seed`` alone, as the cache key says: seeded
    # here, not left to the caller's RNG (the runner seeds with ``seed`` just before, so
    # bases cached before this line existed are the same models)
    torch.manual_seed(seed)
    net = build_model(pretrain.model.name, "lm", pretrain.model.params,
                      in_channels=corpus.vocab_size, max_length=block).to(device or "cpu")
    path = _checkpoint_path(key)
    if path.exists():
        saved = torch.load(path, map_location=device or "cpu", weights_only=True)
        net.load_state_dict(saved["state"])
        return net, {**json.loads(saved["metrics"]), "checkpoint": str(path), "cached": True}
    base_train = TrainSettings(**{**train.__dict__, "monitor": "last", "patience": None})
    torch.manual_seed(seed)
    ckpt = None if checkpoint_every is None else Checkpoint(
        path.with_name(path.name + ".ckpt"), checkpoint_every, key=json.dumps(key))
    result = fit_lm(net, corpus, base_train, seed, pretrain.epochs, pretrain.lr, progress,
                    desc=f"pretrain {pretrain.model.name} seed {seed}", checkpoint=ckpt)
    atomic_torch_save({"state": net.state_dict(), "key": json.dumps(key),
                       "metrics": json.dumps(result.metrics)}, path)
    if ckpt is not None:
        ckpt.clear()
    return net, {**result.metrics, "checkpoint": str(path), "cached": False}


def run_lm_finetune(corpus, base_corpus, model: ModelSettings, pretrain: PretrainSettings,
                    train: TrainSettings, seed: int, progress: bool = False,
                    callback: Optional[EpochCallback] = None, name: str = "text",
                    checkpoint: Optional[Checkpoint] = None,
                    device: Optional[torch.device] = None) -> TaskResult:
    """Task ``lm_finetune``: pre-train (or read back) the base on ``base_corpus``, freeze it,
    attach the adapter ``model`` and train the adapter on ``corpus``. ``info`` holds the base
    model's metrics and its loss on ``corpus`` before adaptation. ``checkpoint``: the
    adapter's training saves and resumes from it; the pre-training, at the same interval,
    from its own file beside the cache entry."""
    corpus = check_corpus(corpus, name)
    base_corpus = check_corpus(base_corpus, name)
    block = train.block_size or DEFAULT_BLOCK
    base, base_metrics = pretrained_lm(pretrain, base_corpus, train, seed, progress,
                                       None if checkpoint is None else checkpoint.every_s,
                                       device)
    before = evaluate_lm(base, corpus, block)
    torch.manual_seed(seed)  # the adapter's initialisation does not depend on the cache
    net = build_model(model.name, "lm_finetune", model.params, frozen=base).to(
        device or "cpu")   # the adapters are built on the CPU
    result = fit_lm(net, corpus, train, seed, train.epochs, train.lr, progress, callback,
                    f"{model.name} seed {seed}", checkpoint)
    result.info.update(pretrain=base_metrics, before_adaptation=before)
    return result
