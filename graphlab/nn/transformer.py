"""Pre-norm transformer blocks with a choice of attention (standard or GIN-attention), and a
small decoder-only language model built from them.

A block can carry an adapter (:class:`graphlab.nn.SparseGINAdapter`) that sees the block's
attention and adds to the residual stream before the feed-forward part.
"""
from __future__ import annotations

from typing import Any, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from graphlab.nn.attention import SelfAttention
from graphlab.nn.gin_attention import (
    GINAttention,
    SparseGINAdapter,
    lambda_schedule,
)
from graphlab.nn.lora import LoRALinear, apply_lora

ATTENTIONS = ("standard", "gin")


class TransformerBlock(nn.Module):
    r"""A pre-norm transformer block:

    .. math::
        \mathbf{h} = \mathbf{x} + \mathrm{Attn}(\mathrm{RMSNorm}(\mathbf{x})), \quad
        \mathbf{h} \leftarrow \mathrm{Adapter}(\mathbf{h}, A), \quad
        \mathbf{x}' = \mathbf{h} + \mathrm{FFN}(\mathrm{RMSNorm}(\mathbf{h}))

    with FFN = Linear(D, fD) → GELU → Linear(fD, D) and the adapter the identity unless one
    is attached (``block.adapter = SparseGINAdapter(...)``).

    Args:
        channels (int): width :math:`D`.
        heads (int): attention heads.
        attention (str): ``'standard'`` (:class:`SelfAttention`) or ``'gin'``
            (:class:`GINAttention`).
        ffn_channels (int, optional): FFN hidden width (default ``4 D``).
        causal (bool): causal attention (default ``False``).
        dropout (float): dropout after attention and FFN (default ``0.0``).
        **attention_kwargs: passed to the attention module (GIN-attention options).

    Shapes:
        ``x`` ``[B, L, D]``, ``mask`` ``[B, L]`` bool (optional) → ``[B, L, D]`` (and the
        attention ``[B, H, L, L]`` with ``return_attention=True``).
    """

    def __init__(self, channels: int, heads: int, attention: str = "standard",
                 ffn_channels: Optional[int] = None, causal: bool = False, dropout: float = 0.0,
                 **attention_kwargs: Any):
        super().__init__()
        if attention not in ATTENTIONS:
            raise ValueError(f"unknown attention '{attention}'; choose one of {ATTENTIONS}")
        if attention == "standard" and attention_kwargs:
            raise ValueError(f"standard attention takes no options {sorted(attention_kwargs)} "
                             "(they are GIN-attention's)")
        self.kind = attention
        self.attn = (SelfAttention(channels, heads, causal=causal) if attention == "standard"
                     else GINAttention(channels, heads, causal=causal, **attention_kwargs))
        ffn_channels = ffn_channels or 4 * channels
        self.norm1 = nn.RMSNorm(channels, eps=1e-6)
        self.norm2 = nn.RMSNorm(channels, eps=1e-6)
        self.ffn = nn.Sequential(nn.Linear(channels, ffn_channels), nn.GELU(),
                                 nn.Linear(ffn_channels, channels))
        self.dropout = dropout
        self.adapter: Optional[nn.Module] = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.attn.reset_parameters()
        self.norm1.reset_parameters()
        self.norm2.reset_parameters()
        for lin in (self.ffn[0], self.ffn[2]):
            lin.reset_parameters()

    def forward(self, x: Tensor, mask: Optional[Tensor] = None,
                return_attention: bool = False, **attn_args: Tensor):
        need = return_attention or self.adapter is not None
        out = self.attn(self.norm1(x), mask=mask, return_attention=need, **attn_args)
        out, att = out if need else (out, None)
        h = x + F.dropout(out, self.dropout, self.training)
        if self.adapter is not None:
            h = self.adapter(h, att, mask)
        h = h + F.dropout(self.ffn(self.norm2(h)), self.dropout, self.training)
        return (h, att) if return_attention else h

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.ffn[0].in_features}, attention={self.kind!r}, "
                f"ffn_channels={self.ffn[0].out_features})")


class TransformerLM(nn.Module):
    r"""A decoder-only (causal) transformer language model over a byte / character vocabulary:
    token + learned position embeddings, ``num_layers`` :class:`TransformerBlock` s, RMSNorm
    and a linear read-out to next-token logits.

    Args:
        vocab_size (int): vocabulary (256 for bytes).
        max_length (int): longest context.
        channels (int): width (default ``256``).
        num_layers (int): blocks (default ``4``).
        heads (int): heads (default ``8``).
        attention (str): ``'standard'`` or ``'gin'`` (default ``'standard'``).
        ffn_channels (int, optional): FFN hidden width (default ``4 · channels``).
        dropout (float): dropout (default ``0.0``).
        **attention_kwargs: GIN-attention options (:class:`GINAttention`).

    Shapes:
        ``tokens`` ``[B, L]`` (int64, ``L <= max_length``) → logits ``[B, L, vocab_size]``.
    """

    def __init__(self, vocab_size: int, max_length: int, channels: int = 256,
                 num_layers: int = 4, heads: int = 8, attention: str = "standard",
                 ffn_channels: Optional[int] = None, dropout: float = 0.0,
                 **attention_kwargs: Any):
        super().__init__()
        self.vocab_size, self.max_length = vocab_size, max_length
        self.tok = nn.Embedding(vocab_size, channels)
        self.pos = nn.Embedding(max_length, channels)
        self.blocks = nn.ModuleList(
            TransformerBlock(channels, heads, attention, ffn_channels, causal=True,
                             dropout=dropout, **attention_kwargs)
            for _ in range(num_layers))
        self.norm = nn.RMSNorm(channels, eps=1e-6)
        self.head = nn.Linear(channels, vocab_size, bias=False)
        self.dropout = dropout
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.tok.weight, std=0.02)
        nn.init.normal_(self.pos.weight, std=0.02)
        for block in self.blocks:
            block.reset_parameters()
        self.norm.reset_parameters()
        self.head.reset_parameters()

    def forward(self, tokens: Tensor, return_attention: bool = False):
        if tokens.dim() != 2 or tokens.dtype != torch.long:
            raise ValueError(f"tokens must be int64 [B, L], got {tokens.dtype} "
                             f"{list(tokens.shape)}")
        B, L = tokens.shape
        if L > self.max_length:
            raise ValueError(f"sequence length {L} exceeds max_length {self.max_length}")
        if tokens.numel() and (int(tokens.min()) < 0 or int(tokens.max()) >= self.vocab_size):
            raise ValueError(f"token ids must lie in [0, {self.vocab_size}), got "
                             f"[{int(tokens.min())}, {int(tokens.max())}]")
        h = self.tok(tokens) + self.pos(torch.arange(L, device=tokens.device))
        h = F.dropout(h, self.dropout, self.training)
        maps = []
        for block in self.blocks:
            if return_attention:
                h, att = block(h, return_attention=True)
                maps.append(att)
            else:
                h = block(h)
        logits = self.head(self.norm(h))
        return (logits, maps) if return_attention else logits

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.vocab_size}, {self.max_length}, "
                f"channels={self.tok.embedding_dim}, layers={len(self.blocks)}, "
                f"attention={self.blocks[0].kind!r})")


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (only those with ``requires_grad`` when ``trainable_only``)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def matched_ffn_channels(channels: int, num_layers: int, heads: int, target: int,
                         vocab_size: int, max_length: int, **attention_kwargs: Any) -> int:
    """The FFN width that makes a GIN-attention :class:`TransformerLM` have the parameter
    count closest to ``target`` (the attention blocks differ in size; the FFN absorbs it)."""
    def size(ffn: int) -> int:
        return count_parameters(TransformerLM(vocab_size, max_length, channels, num_layers, heads,
                                              "gin", ffn, **attention_kwargs))

    base = size(1)
    per_unit = size(2) - base  # each FFN unit adds 2·D + 1 per layer
    return max(1, 1 + round((target - base) / per_unit))


def freeze(model: nn.Module) -> nn.Module:
    """Stop gradients to every parameter of ``model`` and put it in eval mode for dropout."""
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def attach_sparse_gin(model: TransformerLM, hidden: int, lam_start: float = 0.0,
                      lam_end: float = 0.5, **graph_kwargs: Any) -> list[SparseGINAdapter]:
    """Freeze ``model`` and give every block a :class:`SparseGINAdapter` (width ``hidden``,
    initial λ rising from ``lam_start`` to ``lam_end`` across depth); returns the adapters."""
    freeze(model)
    channels = model.tok.embedding_dim
    lams = lambda_schedule(len(model.blocks), lam_start, lam_end)
    adapters = []
    for block, lam in zip(model.blocks, lams, strict=True):
        block.adapter = SparseGINAdapter(channels, hidden, lam, causal=True, **graph_kwargs)
        adapters.append(block.adapter)
    return adapters


def attach_lora(model: TransformerLM, rank: int, targets: tuple[str, ...] = ("q", "v"),
                alpha: Optional[float] = None) -> list[LoRALinear]:
    """Freeze ``model`` and put :class:`LoRALinear` adapters on the attention projections
    named ``targets`` of every block; returns the adapters."""
    freeze(model)
    return [a for block in model.blocks for a in apply_lora(block.attn, rank, targets, alpha)]


def lora_parameter_count(channels: int, num_layers: int, rank: int, targets: int = 2) -> int:
    """Trainable parameters of LoRA rank ``rank`` on ``targets`` square projections per layer."""
    return num_layers * targets * LoRALinear.parameter_count(channels, channels, rank)
