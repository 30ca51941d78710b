"""ADPA: adaptive directed-pattern aggregation for (directed, heterophilous) node classification."""
from __future__ import annotations

import math
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from graphlab.construct.directed import PATTERNS, directed_operators, propagate
from graphlab.ops import check_edge_index, check_features


def hop_weight(k: int) -> float:
    """ADPA's decay ``w_k = ln(1/k) + 1`` (``w_1 = 1``, ``w_2 ≈ 0.307``)."""
    return math.log(1.0 / k) + 1.0


def precompute_patterns(x: Tensor, edge_index: Tensor, patterns: Sequence[str] = PATTERNS,
                        num_hops: int = 2, r: float = 0.43) -> list[Tensor]:
    """``X_M^(k) = M̂ (w_k X_M^(k−1))`` for every pattern ``M`` and ``k = 1..K``.

    Returns one ``[N, K, F]`` tensor per pattern (hop ``k`` at index ``k − 1``).
    Parameter-free, so a transductive model runs it once per graph
    (``ADPA(cached=True)``).
    """
    return _propagate_patterns(x, edge_index, patterns, num_hops, r)


def standardize_columns(t: Tensor, eps: float = 1e-12) -> Tensor:
    """Z-score every feature column over the node axis (dim 0) of ``[N, F]`` or ``[N, K, F]``.

    Uses only the features (no labels, no split): a column with zero spread becomes zero.
    """
    mean = t.mean(dim=0, keepdim=True)
    std = t.std(dim=0, unbiased=False, keepdim=True)
    return (t - mean) / torch.where(std > eps, std, torch.ones_like(std))


def _propagate_patterns(x: Tensor, edge_index: Tensor, patterns: Sequence[str], num_hops: int,
                        r: float) -> list[Tensor]:
    ops = directed_operators(edge_index, x.size(0), patterns, r=r, dtype=x.dtype)
    feats = []
    for pattern in patterns:
        out = x.new_empty(x.size(0), num_hops, x.size(1))
        h = x
        for k in range(1, num_hops + 1):
            h = propagate(ops[pattern], hop_weight(k) * h)
            out[:, k - 1] = h
        feats.append(out)
    return feats


class ADPA(nn.Module):
    r"""Adaptive Directed Pattern Aggregation (decoupled: propagate once, then learn).

    From "Breaking the Entanglement of Homophily and Heterophily in Semi-supervised Node
    Classification" (Sun et al., ICDE 2024). For each directed pattern
    :math:`M \in \{A, A^\top, AA, AA^\top, A^\top A, A^\top A^\top\}` (see
    :mod:`graphlab.construct.directed`) the propagated features
    :math:`X_M^{(k)} = \hat M (w_k X_M^{(k-1)})`, :math:`w_k = \ln(1/k) + 1`, are computed
    once. Per node and pattern, an attention over hops mixes them:

    .. math::
        s_{M,k}(v) = \mathrm{LeakyReLU}\big(a_M^\top [X_M^{(k)}(v) \,\|\, X(v)]\big),\quad
        Z_M(v) = \sum_k \mathrm{softmax}_k(s_{M,k}(v))\, X_M^{(k)}(v),

    then 7 branches (``X`` and each :math:`Z_M`) pass ``Linear → ReLU → dropout``, are
    scaled by a learnable scalar each, concatenated and classified by a linear layer.
    The hop attention — a score from the hop's features and the node's own — is
    graphlab's formulation of the paper's node-adaptive hop attention.

    Self-loops and duplicate edges in ``edge_index`` are dropped before the operators are
    built (``A`` and ``Aᵀ`` then get exactly one self-loop each); on a graph of self-loops
    only, ``A`` and ``Aᵀ`` are the identity and the two-hop patterns are empty (zero
    features), so ADPA falls back to a model of the node features.

    The propagation has no parameters. With ``cached=True`` (PyG's ``GCNConv`` pattern, for
    transductive full-batch training on one graph) it runs on the first call and the
    result is reused for every later call whatever its input, until
    :meth:`reset_parameters`; with ``cached=False`` (default) every call propagates its
    own input, so an edited or different graph is never answered from an old one.

    ``standardize=True`` is graphlab's option, not the paper's: every branch input (``X``
    and each hop ``X_M^(k)``) is z-scored per feature column over the nodes of the graph
    it is given (features only, no labels). The propagated features of
    ``D^(r−1) M D^(−r)`` scale with node degree like ``deg^r`` and differ in scale between
    patterns and hops; standardising puts the seven branches on one scale. On chameleon
    this is worth several points (RESULTS.md, directed and heterophilic graphs).

    Args:
        in_channels (int): ``F``.
        hidden_channels (int): width of every branch (default ``32``).
        out_channels (int): number of classes.
        patterns (sequence of str): subset of :data:`PATTERNS` (default: all six).
        num_hops (int): ``K`` (default ``2``).
        r (float): normalisation exponent of ``D^(r−1) M D^(−r)`` (default ``0.43``).
        dropout (float): dropout after each branch (default ``0.64``).
        input_dropout (float): dropout on every branch input (default ``0.0``).
        standardize (bool): z-score every branch input per column (default ``False``,
            the paper's model).
        cached (bool): propagate once, on the first call, and reuse it (default ``False``;
            only for training and evaluating on one fixed graph).

    Shapes:
        - **input:** ``x`` ``[N, F]``, ``edge_index`` ``[2, E]`` (directed edges)
        - **output:** ``[N, out_channels]`` logits
    """

    def __init__(self, in_channels: int, hidden_channels: int = 32, out_channels: int = 2,
                 patterns: Sequence[str] = PATTERNS, num_hops: int = 2, r: float = 0.43,
                 dropout: float = 0.64, input_dropout: float = 0.0, standardize: bool = False,
                 cached: bool = False):
        super().__init__()
        unknown = [p for p in patterns if p not in PATTERNS]
        if unknown or not patterns:
            raise ValueError(f"patterns must be a non-empty subset of {PATTERNS}, got "
                             f"{list(patterns)}")
        if num_hops < 1:
            raise ValueError(f"num_hops must be >= 1, got {num_hops}")
        self.in_channels, self.hidden_channels = in_channels, hidden_channels
        self.out_channels, self.patterns = out_channels, tuple(patterns)
        self.num_hops, self.r = num_hops, r
        self.dropout, self.input_dropout = dropout, input_dropout
        self.standardize, self.cached = bool(standardize), bool(cached)
        self.hop_attention = nn.ModuleList(nn.Linear(2 * in_channels, 1)
                                           for _ in self.patterns)
        self.branches = nn.ModuleList(nn.Linear(in_channels, hidden_channels)
                                      for _ in range(len(self.patterns) + 1))
        self.branch_weight = nn.Parameter(torch.ones(len(self.patterns) + 1))
        self.classifier = nn.Linear((len(self.patterns) + 1) * hidden_channels, out_channels)
        self._cached_inputs: Optional[tuple[Tensor, list[Tensor]]] = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for layer in (*self.hop_attention, *self.branches, self.classifier):
            layer.reset_parameters()
        with torch.no_grad():
            self.branch_weight.fill_(1.0)
        self._cached_inputs = None

    def precompute(self, x: Tensor, edge_index: Tensor) -> list[Tensor]:
        """Propagate (no gradient) — and keep the result, when ``cached`` — for this graph.

        Returns the ``[N, K, F]`` hop features per pattern, standardised when the model
        standardises.
        """
        return self._propagate(x, edge_index)[1]

    def _inputs(self, x: Tensor, edge_index: Tensor) -> tuple[Tensor, list[Tensor]]:
        """``(x, [X_M stacked per pattern])`` as the branches see them."""
        if self.cached and self._cached_inputs is not None:
            return self._cached_inputs
        return self._propagate(x, edge_index)

    def _propagate(self, x: Tensor, edge_index: Tensor) -> tuple[Tensor, list[Tensor]]:
        self._check_input(x, edge_index)
        with torch.no_grad():
            feats = precompute_patterns(x, edge_index, self.patterns, self.num_hops, self.r)
            x_in = x
            if self.standardize:
                x_in = standardize_columns(x)
                feats = [standardize_columns(f) for f in feats]
        if self.cached:
            self._cached_inputs = (x_in, feats)
        return x_in, feats

    def _check_input(self, x: Tensor, edge_index: Tensor) -> None:
        check_features(x, name="ADPA input x")
        if x.size(1) != self.in_channels:
            raise ValueError(f"ADPA expects {self.in_channels} input features, got "
                             f"{x.size(1)}")
        check_edge_index(edge_index, x.size(0))

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        x, feats = self._inputs(x, edge_index)
        inputs = [F.dropout(x, self.input_dropout, self.training)]
        for att, stacked in zip(self.hop_attention, feats, strict=True):   # [N, K, F]
            alpha = self._hop_alpha(att, stacked, x)                        # [N, K]
            # bmm instead of broadcasting: never materialises an [N, K, F] product
            mixed = torch.bmm(alpha.unsqueeze(1), stacked).squeeze(1)
            inputs.append(F.dropout(mixed, self.input_dropout, self.training))
        outs = []
        for i, (branch, h) in enumerate(zip(self.branches, inputs, strict=True)):
            h = F.dropout(F.relu(branch(h)), self.dropout, self.training)
            outs.append(self.branch_weight[i] * h)
        return self.classifier(torch.cat(outs, dim=-1))

    def hop_attention_weights(self, x: Tensor, edge_index: Tensor) -> Tensor:
        """The hop attention ``[N, P, K]`` (for inspection)."""
        x, feats = self._inputs(x, edge_index)
        with torch.no_grad():
            return torch.stack([self._hop_alpha(att, stacked, x) for att, stacked
                                in zip(self.hop_attention, feats, strict=True)], dim=1)

    def _hop_alpha(self, att: nn.Linear, stacked: Tensor, x: Tensor) -> Tensor:
        """softmax_k LeakyReLU(a^T [X^(k) || X]) without concatenating: ``[N, K]``."""
        w = att.weight.view(-1)
        score = (stacked @ w[:self.in_channels] + (x @ w[self.in_channels:]).unsqueeze(1)
                 + att.bias)
        return torch.softmax(F.leaky_relu(score, 0.2), dim=1)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.in_channels}, {self.out_channels}, "
                f"hidden={self.hidden_channels}, patterns={list(self.patterns)}, "
                f"K={self.num_hops}, r={self.r}"
                + (", standardize=True" if self.standardize else "")
                + (", cached=True)" if self.cached else ")"))
