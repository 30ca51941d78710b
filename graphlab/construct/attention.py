"""Graphs read off attention: the sparse, weighted token graph that the sparse GIN adapter
(:class:`graphlab.nn.SparseGINAdapter`) aggregates over."""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor


def attention_graph(attention: Tensor, mask: Optional[Tensor] = None, causal: bool = True,
                    clamp: float = 1.0, sharpness: float = 10.0, center: float = 0.1,
                    keep: float = 0.6) -> tuple[Tensor, Tensor]:
    r"""A sparse weighted graph over the tokens of a batch, from attention weights.

    Following "Graph-Aware Isomorphic Attention for Adaptive Dynamics in Transformers"
    (Buehler, 2025): sum the heads, clamp at ``clamp``, sharpen with
    :math:`s_{ij} = \sigma(\mathrm{sharpness}\,(A_{ij} - \mathrm{center}))` and keep the
    pairs with :math:`s_{ij} > \mathrm{keep}` (the defaults keep raw summed attention above
    ≈ 0.14), and only j <= i when ``causal``. Edges go from key j to query i (messages flow
    into the query), weighted by :math:`s_{ij}`. Token t of sequence b is node ``b·L + t``,
    so the batch is one block-diagonal graph. Padded tokens (``mask`` False) get no edges.

    Args:
        attention: ``[B, H, L, L]`` (summed over H) or ``[B, L, L]``; rows are queries.
        mask: ``[B, L]`` bool, ``True`` for real tokens.

    Returns:
        ``(edge_index [2, E], edge_weight [E])``, ``edge_index`` rows = (source key, target
        query), sorted by target then source.
    """
    if not isinstance(attention, Tensor) or attention.dim() not in (3, 4) or \
            attention.size(-1) != attention.size(-2) or not attention.is_floating_point():
        raise ValueError("attention must be a floating tensor [B, H, L, L] or [B, L, L], got "
                         f"{getattr(attention, 'dtype', type(attention).__name__)} "
                         f"{list(getattr(attention, 'shape', []))}")
    if torch.isnan(attention).any():
        raise ValueError("attention contains NaN")
    if not 0.0 < keep < 1.0:
        raise ValueError(f"keep must lie in (0, 1) (a sigmoid level), got {keep}")
    summed = attention.sum(1) if attention.dim() == 4 else attention
    B, L, _ = summed.shape
    score = torch.sigmoid(sharpness * (summed.clamp(max=clamp) - center))
    kept = score > keep
    if causal:
        kept &= torch.ones(L, L, dtype=torch.bool, device=summed.device).tril()
    if mask is not None:
        if mask.dtype != torch.bool or list(mask.shape) != [B, L]:
            raise ValueError(f"mask must be a bool tensor [B, L] = [{B}, {L}], got "
                             f"{mask.dtype} {list(mask.shape)}")
        kept &= mask.view(B, L, 1) & mask.view(B, 1, L)
    b, i, j = kept.nonzero(as_tuple=True)
    edge_index = torch.stack([b * L + j, b * L + i])
    return edge_index, score[b, i, j]
