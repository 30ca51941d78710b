"""GIN-attention: attention matrices read as weighted graphs and aggregated GIN-style, and the
sparse GIN adapter that fine-tunes a frozen transformer over the graph of its attention.

From "Graph-Aware Isomorphic Attention for Adaptive Dynamics in Transformers" (Buehler,
2025); the facts used are in docs/papers/gin_attention.md.
"""
from __future__ import annotations

import inspect
import math
from typing import Any, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from graphlab.construct.attention import attention_graph
from graphlab.nn.attention import (
    allowed_pairs,
    attention_scores,
    check_sequence,
    split_heads,
    to_heads,
)
from graphlab.ops import CSR, spmm

THRESHOLDS = ("none", "relu", "sigmoid", "binary", "topk")
EPS_MODES = ("eps", "one_plus_eps")


def threshold_attention(att: Tensor, mode: str, tau: float = 0.2, sharpness: float = 10.0,
                        top_k: Optional[int] = None) -> Tensor:
    r"""Sparsify an attention matrix ``[..., L, L]`` (rows = queries) around ``tau``.

    graphlab's definitions (the paper names the modes; the formulas are ours):

    * ``'none'``: :math:`A`;
    * ``'relu'``: :math:`\mathrm{ReLU}(A - \tau)`;
    * ``'sigmoid'``: a soft gate :math:`A \cdot \sigma(s (A - \tau))`;
    * ``'binary'``: :math:`\mathbb{1}[A > \tau]`, differentiated as the gate
      :math:`\sigma(s(A - \tau))` (straight-through);
    * ``'topk'``: the ``top_k`` largest entries of each row keep their value, the rest are 0.

    No renormalisation follows: the aggregation is a GIN sum over a weighted graph.
    """
    if mode == "none":
        return att
    if mode == "relu":
        return F.relu(att - tau)
    if mode == "sigmoid":
        return att * torch.sigmoid(sharpness * (att - tau))
    if mode == "binary":
        soft = torch.sigmoid(sharpness * (att - tau))
        return (att > tau).to(att.dtype) + (soft - soft.detach())
    if mode == "topk":
        if top_k is None or top_k < 1:
            raise ValueError(f"threshold 'topk' needs top_k >= 1, got {top_k}")
        k = min(top_k, att.size(-1))
        idx = att.topk(k, dim=-1).indices
        keep = torch.zeros_like(att, dtype=torch.bool).scatter_(-1, idx, True)
        return att * keep
    raise ValueError(f"unknown threshold '{mode}'; choose one of {THRESHOLDS}")


class HeadMLPs(nn.Module):
    r"""One MLP per head, applied to that head's slice, batched over heads:
    ``Linear(d → m) → Dropout → RMSNorm → SiLU → Linear(m → d)`` with :math:`m = \lceil \gamma d
    \rceil`.

    Shapes: ``[B, H, L, d]`` → ``[B, H, L, d]``.
    """

    def __init__(self, heads: int, dim: int, ratio: float = 0.5, dropout: float = 0.0):
        super().__init__()
        if ratio <= 0:
            raise ValueError(f"mlp_ratio must be positive, got {ratio}")
        self.heads, self.dim, self.hidden = heads, dim, max(1, math.ceil(ratio * dim))
        self.w1 = nn.Parameter(torch.empty(heads, dim, self.hidden))
        self.b1 = nn.Parameter(torch.empty(heads, 1, self.hidden))
        self.norm = nn.Parameter(torch.empty(heads, 1, self.hidden))
        self.w2 = nn.Parameter(torch.empty(heads, self.hidden, dim))
        self.b2 = nn.Parameter(torch.empty(heads, 1, dim))
        self.dropout = dropout
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # nn.Linear's default init, per head
        for w, b, fan_in in ((self.w1, self.b1, self.dim), (self.w2, self.b2, self.hidden)):
            bound = 1.0 / math.sqrt(fan_in)
            nn.init.uniform_(w, -bound, bound)
            nn.init.uniform_(b, -bound, bound)
        nn.init.ones_(self.norm)

    def forward(self, x: Tensor) -> Tensor:
        B, H, L, d = x.shape
        h = x.transpose(0, 1).reshape(H, B * L, d) @ self.w1 + self.b1
        h = F.dropout(h, self.dropout, self.training)
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + 1e-6) * self.norm
        h = F.silu(h) @ self.w2 + self.b2
        return h.view(H, B, L, d).transpose(0, 1)


class GINAttention(nn.Module):
    r"""Multi-head attention whose attention matrix is a weighted adjacency aggregated by a GIN
    update, from "Graph-Aware Isomorphic Attention for Adaptive Dynamics in Transformers"
    (Buehler, 2025). A drop-in replacement for a multi-head self-attention block.

    Per head :math:`h` with slice :math:`X_h` of the input (or of a value projection):

    .. math::
        A_h = \mathrm{thr}\big(\mathrm{softmax}(\alpha\, Q_h K_h^\top / \sqrt{d})\big)
        \odot M, \qquad
        X'_h = \mathrm{MLP}_h\big(\epsilon X_h + A_h X_h\big)
        \ \text{or}\ \mathrm{MLP}_h\big((1 + \epsilon) X_h + A_h X_h\big)

    with a learnable sharpening :math:`\alpha` (init 1), the mask :math:`M` (causal, padding,
    ``attn_mask``) applied before the softmax and again after the threshold, and
    :math:`\mathrm{MLP}_h` = Linear(d → γd) → Dropout → RMSNorm → SiLU → Linear(γd → d).
    Heads are concatenated, then an optional output projection.

    Args:
        channels (int): width :math:`D`.
        heads (int): heads :math:`H` (must divide ``channels``); :math:`d = D / H`.
        threshold (str): ``'none'`` (default), ``'relu'``, ``'sigmoid'``, ``'binary'`` or
            ``'topk'``, see :func:`threshold_attention`.
        tau (float): threshold :math:`\tau` (default ``0.2``).
        top_k (int, optional): entries kept per row for ``'topk'``.
        sharpness (float): slope of the sigmoid gates (default ``10``).
        causal (bool): position t sees t' <= t only (default ``False``).
        value_proj (bool): aggregate a value projection instead of the raw slices
            (default ``False``, the paper's choice).
        eps_mode (str): ``'eps'`` (:math:`\epsilon X`, the paper's code; default) or
            ``'one_plus_eps'`` (:math:`(1+\epsilon)X`, the paper's text).
        eps (float): initial :math:`\epsilon` (default ``0.0``); learned when ``train_eps``.
        train_eps (bool): learn :math:`\epsilon` (default ``True``).
        eps_per_head (bool): one :math:`\epsilon` per head, as the paper's code has (one GIN
            layer per head); default ``False``: one shared by the heads.
        mlp (bool): the per-head update MLP; ``False`` makes it the identity (default ``True``).
        mlp_ratio (float): :math:`\gamma` (default ``0.5``, the paper's best).
        dropout (float): dropout inside the MLPs (default ``0.0``).
        out_proj (bool): a final ``Linear(D, D)`` (default ``True``).
        bias (bool): biases in the Q/K (and V, output) projections (default ``False``).

    Shapes:
        - **input:** ``x`` ``[B, L, D]``; ``mask`` ``[B, L]`` bool (``True`` = real token);
          ``attn_mask`` bool / ``attn_bias`` float of shape ``[L, L]``, ``[B, L, L]`` or
          ``[B, H, L, L]``.
        - **output:** ``[B, L, D]`` (and the thresholded attention ``[B, H, L, L]`` with
          ``return_attention=True``).
    """

    def __init__(self, channels: int, heads: int, threshold: str = "none", tau: float = 0.2,
                 top_k: Optional[int] = None, sharpness: float = 10.0, causal: bool = False,
                 value_proj: bool = False, eps_mode: str = "eps", eps: float = 0.0,
                 train_eps: bool = True, mlp: bool = True, mlp_ratio: float = 0.5,
                 dropout: float = 0.0, out_proj: bool = True, bias: bool = False,
                 eps_per_head: bool = False):
        super().__init__()
        name = type(self).__name__
        self.head_dim = split_heads(channels, heads, name)
        if threshold not in THRESHOLDS:
            raise ValueError(f"{name}: unknown threshold '{threshold}'; choose one of "
                             f"{THRESHOLDS}")
        if threshold == "topk" and (top_k is None or top_k < 1):
            raise ValueError(f"{name}: threshold 'topk' needs top_k >= 1, got {top_k}")
        if eps_mode not in EPS_MODES:
            raise ValueError(f"{name}: unknown eps_mode '{eps_mode}'; choose one of {EPS_MODES}")
        self.channels, self.heads, self.causal = channels, heads, causal
        self.threshold, self.tau, self.top_k, self.sharpness = threshold, tau, top_k, sharpness
        self.eps_mode, self.initial_eps = eps_mode, eps
        self.q = nn.Linear(channels, channels, bias=bias)
        self.k = nn.Linear(channels, channels, bias=bias)
        self.v = nn.Linear(channels, channels, bias=bias) if value_proj else None
        self.alpha = nn.Parameter(torch.empty(1))
        # [H, 1, 1] broadcasts over the values' [B, H, L, d]
        eps_shape = (heads, 1, 1) if eps_per_head else (1,)
        if train_eps:
            self.eps = nn.Parameter(torch.empty(eps_shape))
        else:
            self.register_buffer("eps", torch.empty(eps_shape))
        self.mlp = HeadMLPs(heads, self.head_dim, mlp_ratio, dropout) if mlp else None
        self.out = nn.Linear(channels, channels, bias=bias) if out_proj else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for module in (self.q, self.k, self.v, self.mlp, self.out):
            if module is not None:
                module.reset_parameters()
        nn.init.ones_(self.alpha)
        self.eps.data.fill_(self.initial_eps)

    def forward(self, x: Tensor, mask: Optional[Tensor] = None,
                attn_mask: Optional[Tensor] = None, attn_bias: Optional[Tensor] = None,
                return_attention: bool = False):
        check_sequence(x, self.channels, type(self).__name__)
        B, L, D = x.shape
        q, k = to_heads(self.q(x), self.heads), to_heads(self.k(x), self.heads)
        values = to_heads(x if self.v is None else self.v(x), self.heads)
        allowed = allowed_pairs(B, self.heads, L, x.device, self.causal, mask, attn_mask)
        att = attention_scores(q, k, self.alpha / math.sqrt(self.head_dim), allowed, attn_bias)
        att = threshold_attention(att, self.threshold, self.tau, self.sharpness, self.top_k)
        if allowed is not None and self.threshold in ("sigmoid", "binary"):
            att = att * allowed  # gates turn forbidden zeros into σ(-sτ) > 0
        self_weight = self.eps if self.eps_mode == "eps" else 1 + self.eps
        h = self_weight * values + att @ values
        if self.mlp is not None:
            h = self.mlp(h)
        out = h.transpose(1, 2).reshape(B, L, D)
        if self.out is not None:
            out = self.out(out)
        return (out, att) if return_attention else out

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.channels}, heads={self.heads}, "
                f"threshold='{self.threshold}', eps_mode='{self.eps_mode}', "
                f"mlp_ratio={self.mlp.hidden / self.head_dim if self.mlp else None}, "
                f"causal={self.causal})")


class SparseGINAdapter(nn.Module):
    r"""Sparse GIN-attention fine-tuning for a frozen transformer layer (Buehler, 2025):
    the layer's attention, summed over heads, becomes a sparse weighted graph
    (:func:`graphlab.construct.attention_graph`: clamp, sigmoid sharpening, threshold,
    causal), a GIN with edge weights runs on it through :func:`graphlab.ops.spmm` (one
    block-diagonal graph for the whole batch), and its normalised output is added to the
    residual stream with a learnable scale:

    .. math::
        \mathbf{h}' = \mathbf{h} + \lambda\, \mathrm{RMSNorm}\Big(\mathrm{MLP}\big((1 +
        \epsilon)\mathbf{h}_i + \textstyle\sum_j w_{ij} \mathbf{h}_j\big)\Big)

    Args:
        channels (int): width :math:`D` of the transformer.
        hidden (int): width of the GIN MLP (``Linear(D, hidden) → SiLU → Linear(hidden, D)``).
        lam (float): initial :math:`\lambda` (default ``0.0``; the paper ramps 0 → 0.5 across
            depth, see :func:`lambda_schedule`).
        causal (bool): keep only edges j <= i (default ``True``).
        clamp, sharpness, center, keep: the graph construction, see
            :func:`graphlab.construct.attention_graph`.

    Shapes:
        - **input:** ``h`` ``[B, L, D]``, ``attention`` ``[B, H, L, L]`` or ``[B, L, L]``,
          ``mask`` ``[B, L]`` bool (optional).
        - **output:** ``[B, L, D]``.
    """

    def __init__(self, channels: int, hidden: int, lam: float = 0.0, causal: bool = True,
                 clamp: float = 1.0, sharpness: float = 10.0, center: float = 0.1,
                 keep: float = 0.6):
        super().__init__()
        if hidden < 1:
            raise ValueError(f"SparseGINAdapter: hidden must be positive, got {hidden}")
        self.channels, self.hidden, self.initial_lam = channels, hidden, lam
        self.causal, self.clamp, self.sharpness = causal, clamp, sharpness
        self.center, self.keep = center, keep
        self.lin1 = nn.Linear(channels, hidden)
        self.lin2 = nn.Linear(hidden, channels)
        self.norm = nn.RMSNorm(channels, eps=1e-6)
        self.eps = nn.Parameter(torch.empty(1))
        self.lam = nn.Parameter(torch.empty(1))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.lin1.reset_parameters()
        self.lin2.reset_parameters()
        self.norm.reset_parameters()
        nn.init.zeros_(self.eps)
        self.lam.data.fill_(self.initial_lam)

    @staticmethod
    def parameter_count(channels: int, hidden: int) -> int:
        """Trainable parameters of one adapter: two linear layers, RMSNorm, ε and λ."""
        return 2 * channels * hidden + hidden + channels + channels + 2

    @staticmethod
    def hidden_for_budget(channels: int, budget: int) -> int:
        """The MLP width whose :meth:`parameter_count` is closest to ``budget``."""
        raw = (budget - 2 * channels - 2) / (2 * channels + 1)
        return max(1, round(raw))

    def graph(self, attention: Tensor, mask: Optional[Tensor] = None) -> tuple[Tensor, Tensor]:
        """The adapter's sparse graph: ``edge_index`` ``[2, E]`` (key → query) over the
        ``B·L`` tokens, and the edge weights ``[E]``."""
        return attention_graph(attention, mask, causal=self.causal, clamp=self.clamp,
                               sharpness=self.sharpness, center=self.center, keep=self.keep)

    def forward(self, h: Tensor, attention: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        check_sequence(h, self.channels, type(self).__name__)
        B, L, D = h.shape
        edge_index, weight = self.graph(attention.detach(), mask)
        flat = h.reshape(B * L, D)
        csr = CSR.from_edge_index(edge_index, B * L, weight.to(flat.dtype))
        agg = spmm(csr, flat)
        out = self.lin2(F.silu(self.lin1((1 + self.eps) * flat + agg)))
        return h + self.lam * self.norm(out).view(B, L, D)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.channels}, hidden={self.hidden}, "
                f"keep={self.keep}, causal={self.causal})")


def lambda_schedule(num_layers: int, start: float = 0.0, end: float = 0.5) -> list[float]:
    """Initial adapter scales rising linearly from ``start`` (first layer) to ``end`` (last),
    as in the paper."""
    if num_layers == 1:
        return [end]
    return [start + (end - start) * i / (num_layers - 1) for i in range(num_layers)]


def gin_options(attention: str, **options: Any) -> dict:
    """The GIN-attention keyword arguments a model passes on to its attention layers:
    ``options`` when ``attention == 'gin'``; otherwise ``{}``, after checking that every
    option still has :class:`GINAttention`'s default (so a setting cannot be silently
    ignored by standard attention).

    Raises:
        ValueError: naming the options that were set although attention is not ``'gin'``.
    """
    if attention == "gin":
        return options
    defaults = inspect.signature(GINAttention).parameters
    changed = [k for k, v in options.items() if v != defaults[k].default]
    if changed:
        raise ValueError(f"GIN-attention options {changed} need attention: gin (got "
                         f"attention: {attention})")
    return {}
