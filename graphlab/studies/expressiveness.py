"""Expressiveness evaluation: does a graph model separate pairs of non-isomorphic graphs?

graphlab's default protocol (documented, not BREC's exactly): models are evaluated at random
initialisation, in float64 and in eval mode, so their output is the architecture's separating
power rather than the result of training. BREC (Wang and Zhang, 2023) additionally trains each
model on each pair with a siamese loss before testing; ``brec_evaluate(..., training=
PairTraining())`` does that too, with the benchmark's own settings (:class:`PairTraining`).

- :func:`separates` (EXP, SR25, CSL pairs): two graphs are separated when their embeddings
  differ by more than ``rtol`` relative to the embedding scale — far above float64
  round-off, far below a real difference.
- :func:`brec_evaluate`: BREC's reliable paired comparison. For each pair, the embeddings of
  32 relabelings of G and of H give differences ``d_k``; Hotelling's
  :math:`T^2 = n\\,\\bar d^\\top (S + \\epsilon I)^{-1} \\bar d` is compared with the
  :math:`F`-based threshold at level ``alpha`` (72.34 for 16 outputs and 32 relabelings, BREC's
  value). The ridge :math:`\\epsilon` (``ridge`` × the squared embedding scale) keeps the test
  defined when an exactly invariant model has near-zero covariance. A pair counts only if the
  reliability check — the same test between two sets of relabelings of one graph — does not
  fire.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Optional, Sequence

import torch
from torch import Tensor, nn
from torch_geometric.data import Batch, Data

from graphlab.data.expressiveness import BREC_CATEGORIES


def _batch(graphs: Sequence[Data], dtype: torch.dtype) -> Batch:
    """The graphs as one batch, every floating-point attribute in ``dtype``."""
    batch = Batch.from_data_list(list(graphs))
    for key, value in batch.items():
        if torch.is_tensor(value) and value.is_floating_point():
            batch[key] = value.to(dtype)
    return batch


#: :func:`embed_graphs` puts at most this many pair states (a subgraph bag's ``num_pairs``,
#: else ``n²``) into one batch beyond its first graph: on the memory-bound big graphs a batch
#: that stays in the caches is faster. Measured (SSWL+, width 32, float64, 1 thread, BREC
#: graphs): 64 graphs of 72 nodes 10.5 s in batches of 64, 3.1 s one by one; 16 graphs of
#: 120 nodes 7.6 s in one batch, 2.2 s one by one; 64 graphs of 10 nodes 0.10 s in one
#: batch, 0.59 s one by one.
EMBED_MAX_PAIRS = 8192


def _embed_size(g: Data) -> int:
    pairs = getattr(g, "num_pairs", None)
    return int(pairs) if pairs is not None else int(g.num_nodes or 0) ** 2


def embed_graphs(model: nn.Module, graphs: Sequence[Data], batch_size: int = 64,
                 max_pairs: int = EMBED_MAX_PAIRS) -> Tensor:
    """``[len(graphs), q]`` float64 outputs of ``model`` (eval mode, no gradients), in
    batches of at most ``batch_size`` graphs and, beyond a batch's first graph, at most
    ``max_pairs`` pair states (:data:`EMBED_MAX_PAIRS`). Eval mode: a graph's output does
    not depend on its batch."""
    model = model.double().eval()
    outs, chunk, size = [], [], 0
    with torch.no_grad():
        for g in graphs:
            n = _embed_size(g)
            if chunk and (len(chunk) == batch_size or size + n > max_pairs):
                outs.append(model(_batch(chunk, torch.float64)))
                chunk, size = [], 0
            chunk.append(g)
            size += n
        if chunk:
            outs.append(model(_batch(chunk, torch.float64)))
    return torch.cat(outs).double()


@dataclass(frozen=True)
class PairTraining:
    """BREC's training of a fresh model on each pair before the test, with the settings of
    the benchmark's own evaluation script for subgraph GNNs: the 32 relabelled pairs
    ``(G_k, H_k)`` in batches of ``batch_size`` graphs (in file order, no shuffling), the
    cosine-embedding loss :math:`\\max(0, \\cos(f(G_k), f(H_k)) - \\text{margin})` (target −1:
    the two outputs are pushed apart), Adam with ``lr`` and ``weight_decay``, the learning
    rate cut ×0.1 when the epoch loss stops falling (``ReduceLROnPlateau`` defaults), at most
    ``epochs`` epochs, stopped once the mean loss over the 32 pairs is below
    ``loss_threshold``. graphlab trains in float32 and tests in float64."""

    epochs: int = 20
    lr: float = 1e-4
    weight_decay: float = 1e-4
    batch_size: int = 16
    margin: float = 0.0
    loss_threshold: float = 0.1

    def __post_init__(self):
        if self.epochs < 1 or self.batch_size < 2 or self.batch_size % 2:
            raise ValueError("PairTraining needs epochs >= 1 and an even batch_size >= 2 "
                             f"(G and H side by side), got epochs={self.epochs}, "
                             f"batch_size={self.batch_size}")
        if not self.lr > 0:
            raise ValueError(f"PairTraining.lr must be positive, got {self.lr}")


def train_on_pair(model: nn.Module, g: Sequence[Data], h: Sequence[Data],
                  training: PairTraining) -> tuple[int, float]:
    """Train ``model`` to separate the relabelings ``g`` and ``h`` (paired by position) as
    :class:`PairTraining` says; returns (epochs run, last epoch's mean loss)."""
    import torch.nn.functional as F

    if len(g) != len(h) or not g:
        raise ValueError(f"train_on_pair needs as many relabelings of G as of H, got "
                         f"{len(g)} and {len(h)}")
    model = model.float().train()
    graphs = [x for pair in zip(g, h, strict=True) for x in pair]  # G_0, H_0, G_1, H_1, …
    opt = torch.optim.Adam(model.parameters(), lr=training.lr,
                           weight_decay=training.weight_decay)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)
    loss_mean = float("nan")
    for epoch in range(1, training.epochs + 1):
        total = 0.0
        for i in range(0, len(graphs), training.batch_size):
            out = model(_batch(graphs[i:i + training.batch_size], torch.float32))
            a, b = out[0::2], out[1::2]
            loss = F.cosine_embedding_loss(a, b, -torch.ones(a.size(0)),
                                           margin=training.margin)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * a.size(0)
        loss_mean = total / len(g)
        if not math.isfinite(loss_mean):
            raise FloatingPointError(f"the pair training's loss became {loss_mean} in epoch "
                                     f"{epoch}; lower PairTraining.lr")
        if loss_mean < training.loss_threshold:
            return epoch, loss_mean
        scheduler.step(loss_mean)
    return training.epochs, loss_mean


#: the depth of the harness's GIN, its 1-WL control: the smallest depth at which a random
#: GIN of width 32 leaves exactly the pairs exact 1-WL leaves on every graph of up to 7 nodes
#: plus random regular graphs (1,282 graphs; ``graphlab wl-control``); at 4 layers it merges
#: 10 pairs that 1-WL separates
GIN_CONTROL_LAYERS = 6
#: the equality tolerance of :func:`separates` (relative to the embedding scale), calibrated
#: on the same set: at 6 layers no pair that 1-WL separates merges
SEPARATION_RTOL = 1e-6


def separates(a: Tensor, b: Tensor, rtol: float = SEPARATION_RTOL) -> bool:
    """Whether embeddings ``a`` and ``b`` differ beyond ``rtol`` × their scale."""
    scale = float(torch.maximum(a.abs().max(), b.abs().max())) + 1e-12
    return bool((a - b).abs().max() > rtol * scale)


def hotelling_t2(a: Tensor, b: Tensor, ridge: float = 1e-12) -> float:
    """Hotelling's :math:`T^2` of the paired differences ``a - b`` (``[n, q]`` each) against
    a zero mean; the covariance gets ``ridge`` × (embedding scale)² on its diagonal."""
    d = (a - b).double()
    n, q = d.shape
    mean = d.mean(0)
    cov = torch.cov(d.t()).reshape(q, q) if n > 1 else torch.zeros(q, q, dtype=d.dtype)
    scale = float(torch.maximum(a.abs().max(), b.abs().max())) ** 2 + 1e-24
    cov = cov + ridge * scale * torch.eye(q, dtype=d.dtype)
    return float(n * mean @ torch.linalg.solve(cov, mean))


def t2_threshold(q: int, n: int, alpha: float = 0.05) -> float:
    """The :math:`T^2` critical value for ``n`` paired samples in ``q`` dimensions:
    :math:`\\frac{q(n-1)}{n-q} F_{q, n-q}(1 - \\alpha)`."""
    from scipy.stats import f

    if n <= q:
        raise ValueError(f"the T² test needs more samples than dimensions (n={n}, q={q})")
    return q * (n - 1) / (n - q) * float(f.ppf(1 - alpha, q, n - q))


@dataclass
class PairResult:
    """One BREC pair: the test statistic, the reliability statistic and the decision."""

    pair: int
    category: str
    t2: float
    t2_reliability: float
    threshold: float
    seed: int = 0
    #: with :class:`PairTraining`: epochs trained and the last epoch's loss
    train_epochs: int = 0
    train_loss: Optional[float] = None

    @property
    def reliable(self) -> bool:
        return self.t2_reliability <= self.threshold

    @property
    def distinguished(self) -> bool:
        return self.reliable and self.t2 > self.threshold


def brec_category(pair: int) -> str:
    for name, ids in BREC_CATEGORIES.items():
        if pair in ids:
            return name
    raise ValueError(f"BREC pair {pair} is in no category")


def brec_evaluate(make_model: Callable[[], nn.Module], ds, pairs: Optional[Iterable[int]] = None,
                  transform: Optional[Callable[[Data], Data]] = None, alpha: float = 0.05,
                  ridge: float = 1e-12, seed: int = 0, progress: bool = False,
                  inits: int = 1, training: Optional[PairTraining] = None,
                  known: Optional[Mapping[int, PairResult]] = None,
                  on_result: Optional[Callable[[PairResult], None]] = None) -> list[PairResult]:
    """Run the reliable paired comparison on BREC pairs (all 400 by default).

    ``make_model()`` builds a fresh model (its output width is the test's dimension ``q``);
    one model, seeded with ``seed``, is built per pair. ``transform`` prepares each graph
    (e.g. :class:`graphlab.construct.SubgraphBag`, :class:`graphlab.construct.EigenPE`).

    ``inits > 1``: a pair that the model seeded ``seed`` does not separate is tried again
    with seeds ``seed + 1, …, seed + inits − 1`` until one separates it (reliably). An
    untrained model separates some pairs only for some initialisations; expressiveness is
    about the existence of parameters, so "any of k" is the tighter lower bound. The result
    records the seed that decided.

    ``training``: each fresh model is first trained on the pair (BREC's protocol, see
    :class:`PairTraining`), then tested in float64. ``known``: results of an earlier,
    interrupted evaluation with the same settings (pair id → result), returned as they are
    instead of recomputed; ``on_result`` is called with each new result as soon as it is
    decided (the command line keeps a journal with it, so a killed run resumes).
    """
    if inits < 1:
        raise ValueError(f"inits must be at least 1, got {inits}")
    from tqdm.auto import tqdm

    from graphlab.data.expressiveness import BREC_PAIRS, brec_pair

    ids = list(range(BREC_PAIRS) if pairs is None else pairs)
    results = []
    known = known or {}
    for pair in tqdm(ids, desc="BREC pairs", disable=not progress, dynamic_ncols=True):
        if pair in known:
            results.append(known[pair])
            continue
        g, h, rel = brec_pair(ds, pair)
        if transform is not None:
            g, h, rel = ([transform(x) for x in part] for part in (g, h, rel))
        for s in range(seed, seed + inits):
            torch.manual_seed(s)
            model = make_model()
            trained = (0, None) if training is None else train_on_pair(model, g, h, training)
            emb_g, emb_h = embed_graphs(model, g), embed_graphs(model, h)
            emb_rel = embed_graphs(model, rel)
            n, q = emb_g.shape
            half = emb_rel.size(0) // 2
            result = PairResult(
                pair, brec_category(pair), hotelling_t2(emb_g, emb_h, ridge),
                hotelling_t2(emb_rel[:half], emb_rel[half:], ridge), t2_threshold(q, n, alpha),
                s, *trained)
            if result.distinguished:
                break
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def brec_summary(results: Sequence[PairResult]) -> dict[str, int]:
    """Pairs distinguished per category and per part of the regular category, ``total``,
    and ``unreliable`` (pairs excluded because the reliability check fired)."""
    from graphlab.data.expressiveness import BREC_PARTS

    out = {name: 0 for name in BREC_CATEGORIES}
    out.update({f"regular/{name}": 0 for name in BREC_PARTS})
    for r in results:
        out[r.category] += int(r.distinguished)
        for name, ids in BREC_PARTS.items():
            if r.pair in ids:
                out[f"regular/{name}"] += int(r.distinguished)
    out["total"] = sum(out[name] for name in BREC_CATEGORIES)
    out["unreliable"] = sum(not r.reliable for r in results)
    return out


def pair_separation_rate(make_model: Callable[[], nn.Module], pairs: Sequence[tuple[Data, Data]],
                         transform: Optional[Callable[[Data], Data]] = None,
                         rtol: float = SEPARATION_RTOL,
                         seed: int = 0) -> float:
    """Percentage of ``pairs`` whose embeddings :func:`separates` (one model, ``seed``)."""
    if not pairs:
        raise ValueError("no pairs to evaluate")
    torch.manual_seed(seed)
    model = make_model()
    firsts = [a if transform is None else transform(a) for a, _ in pairs]
    seconds = [b if transform is None else transform(b) for _, b in pairs]
    ea, eb = embed_graphs(model, firsts), embed_graphs(model, seconds)
    hits = sum(separates(ea[i], eb[i], rtol) for i in range(len(pairs)))
    return 100.0 * hits / len(pairs)


#: models the harness knows: name → (builder, what each graph needs: None | 'eig' | 'bag')
def harness_models(hidden: int = 32, layers: int = 4, out: int = 16,
                   norm: bool = False, gin_layers: Optional[int] = None) -> dict:
    """The models compared by ``graphlab expressiveness``: GIN (the 1-WL control), GINE + SPE
    (all eigenpairs), and every SWL preset; widths ``hidden``, ``layers`` layers, ``out``
    outputs. GIN has ``gin_layers`` layers (default: ``layers``; the harness passes
    :data:`GIN_CONTROL_LAYERS`). No normalisation by default: untrained, batch norm would only
    rescale (eval mode, initial statistics). ``norm=True``: batch norm in the layers, as BREC's
    models have — for the trained protocol, where it keeps the training from stalling (checked:
    untrained-scale outputs of GSWL on BREC pair 252 agree to 2e-13 at a scale of 300 and the
    cosine loss stays at 1.0 without it). Eval mode uses the running statistics, so the graphs
    of a batch stay independent."""
    from graphlab.models import GINEGraph, GINGraph, SubgraphGNN
    from graphlab.nn import PRESETS

    gin_norm = "batch" if norm else "none"
    models = {
        "GIN": (lambda: GINGraph(1, hidden, out, num_layers=gin_layers or layers,
                                 norm=gin_norm), None),
        "GIN+SPE": (lambda: GINEGraph(1, hidden, out, num_layers=layers,
                                      pe="spe", pe_channels=16, norm=gin_norm), "eig"),
    }
    for preset in PRESETS:
        models[preset] = (lambda p=preset: SubgraphGNN(1, hidden, out, p,
                                                       num_layers=layers, norm=norm), "bag")
    return models
