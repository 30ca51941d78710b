"""Multi-head self-attention on dense ``[B, L, D]`` sequences: the standard block, and the
mask / bias handling every attention in graphlab shares (causal, padding, an allowed-pair
mask such as a graph's adjacency, an additive bias).

Masks follow PyG's ``to_dense_batch`` convention: ``True`` marks a real token / an allowed
pair.
"""
from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from graphlab.ops import check_dense_signal


def check_sequence(x: Tensor, channels: int, owner: str) -> None:
    """``x`` must be a floating ``[B, L, channels]`` tensor without NaN."""
    check_dense_signal(x, channels, owner, "B, L, D")


def split_heads(channels: int, heads: int, owner: str) -> int:
    """The per-head width; ``heads`` must divide ``channels``."""
    if heads < 1 or channels % heads:
        raise ValueError(f"{owner}: heads ({heads}) must be a positive divisor of the width "
                         f"({channels})")
    return channels // heads


def to_heads(t: Tensor, heads: int) -> Tensor:
    """``[B, L, H·d]`` → ``[B, H, L, d]``."""
    B, L, D = t.shape
    return t.view(B, L, heads, D // heads).transpose(1, 2)


def _broadcast(t: Tensor, name: str, B: int, H: int, L: int) -> Tensor:
    """``[L, L]``, ``[B, L, L]`` or ``[B, H, L, L]`` → a view broadcastable to ``[B, H, L, L]``."""
    shape = list(t.shape)
    ok = (t.dim() == 2 and shape == [L, L]) or (t.dim() == 3 and shape == [B, L, L]) or (
        t.dim() == 4 and shape[0] == B and shape[1] in (1, H) and shape[2:] == [L, L])
    if not ok:
        raise ValueError(f"{name} must have shape [L, L], [B, L, L] or [B, H, L, L] with "
                         f"B={B}, H={H}, L={L}; got {shape}")
    if t.dim() == 2:
        return t.view(1, 1, L, L)
    return t.unsqueeze(1) if t.dim() == 3 else t


def allowed_pairs(B: int, H: int, L: int, device: torch.device, causal: bool = False,
                  mask: Optional[Tensor] = None, attn_mask: Optional[Tensor] = None
                  ) -> Optional[Tensor]:
    """The boolean ``[B|1, H|1, L, L]`` of pairs (query i, key j) that may attend, or ``None``
    when every pair may.

    Args:
        causal: forbid j > i.
        mask: ``[B, L]`` bool, ``True`` for real tokens (padded keys are forbidden).
        attn_mask: bool ``[L, L]``, ``[B, L, L]`` or ``[B, H, L, L]``, ``True`` = allowed.
    """
    allowed = None
    if causal:
        allowed = torch.ones(L, L, dtype=torch.bool, device=device).tril().view(1, 1, L, L)
    if mask is not None:
        if mask.dtype != torch.bool or list(mask.shape) != [B, L]:
            raise ValueError(f"mask must be a bool tensor [B, L] = [{B}, {L}], got "
                             f"{mask.dtype} {list(mask.shape)}")
        keys = mask.view(B, 1, 1, L)
        allowed = keys if allowed is None else allowed & keys
    if attn_mask is not None:
        if attn_mask.dtype != torch.bool:
            raise ValueError(f"attn_mask must be bool (True = allowed), got {attn_mask.dtype}")
        pairs = _broadcast(attn_mask, "attn_mask", B, H, L)
        allowed = pairs if allowed is None else allowed & pairs
    return allowed


def attention_scores(q: Tensor, k: Tensor, scale: Tensor | float,
                     allowed: Optional[Tensor] = None, bias: Optional[Tensor] = None) -> Tensor:
    """Row-softmax attention ``[B, H, L, L]`` from ``q, k`` ``[B, H, L, d]``; forbidden pairs
    get exactly 0 (a query with no allowed key gets an all-zero row, never NaN)."""
    B, H, L, _ = q.shape
    scores = (q @ k.transpose(-1, -2)) * scale
    if bias is not None:
        if not bias.is_floating_point():
            raise ValueError(f"attn_bias must be a floating tensor, got {bias.dtype}")
        scores = scores + _broadcast(bias, "attn_bias", B, H, L)
    if allowed is None:
        return scores.softmax(-1)
    scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
    return scores.softmax(-1).masked_fill(~allowed, 0.0)


class SelfAttention(nn.Module):
    r"""Standard multi-head self-attention (Vaswani et al., NeurIPS 2017), the baseline that
    :class:`graphlab.nn.GINAttention` replaces:

    .. math::
        \mathrm{head}_h = \mathrm{softmax}\big(Q_h K_h^\top / \sqrt{d}\big)\, V_h, \qquad
        \mathbf{X}' = [\mathrm{head}_1 \Vert \dots \Vert \mathrm{head}_H]\, W_O

    Args:
        channels (int): width :math:`D`.
        heads (int): number of heads :math:`H` (must divide ``channels``).
        causal (bool): position t attends to t' <= t only (default ``False``).
        dropout (float): dropout on the attention weights (default ``0.0``).
        bias (bool): biases in the projections (default ``False``).

    Shapes:
        - **input:** ``x`` ``[B, L, D]``; ``mask`` ``[B, L]`` bool (``True`` = real token);
          ``attn_mask`` bool and ``attn_bias`` float of shape ``[L, L]``, ``[B, L, L]`` or
          ``[B, H, L, L]``.
        - **output:** ``[B, L, D]`` (and the attention ``[B, H, L, L]`` with
          ``return_attention=True``).
    """

    def __init__(self, channels: int, heads: int, causal: bool = False, dropout: float = 0.0,
                 bias: bool = False):
        super().__init__()
        self.head_dim = split_heads(channels, heads, type(self).__name__)
        self.channels, self.heads, self.causal, self.dropout = channels, heads, causal, dropout
        self.q = nn.Linear(channels, channels, bias=bias)
        self.k = nn.Linear(channels, channels, bias=bias)
        self.v = nn.Linear(channels, channels, bias=bias)
        self.out = nn.Linear(channels, channels, bias=bias)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for lin in (self.q, self.k, self.v, self.out):
            lin.reset_parameters()

    def forward(self, x: Tensor, mask: Optional[Tensor] = None,
                attn_mask: Optional[Tensor] = None, attn_bias: Optional[Tensor] = None,
                return_attention: bool = False):
        check_sequence(x, self.channels, type(self).__name__)
        B, L, D = x.shape
        q, k, v = (to_heads(lin(x), self.heads) for lin in (self.q, self.k, self.v))
        if not return_attention and mask is None and attn_mask is None and attn_bias is None:
            # the fused kernel, same numbers as the explicit path below
            out = F.scaled_dot_product_attention(
                q, k, v, dropout_p=self.dropout if self.training else 0.0, is_causal=self.causal)
            return self.out(out.transpose(1, 2).reshape(B, L, D))
        allowed = allowed_pairs(B, self.heads, L, x.device, self.causal, mask, attn_mask)
        att = attention_scores(q, k, 1.0 / math.sqrt(self.head_dim), allowed, attn_bias)
        out = F.dropout(att, self.dropout, self.training) @ v
        out = self.out(out.transpose(1, 2).reshape(B, L, D))
        return (out, att) if return_attention else out

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.channels}, heads={self.heads}, "
                f"causal={self.causal})")
