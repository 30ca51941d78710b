"""Language models with standard or GIN-attention (Buehler 2025) and their fine-tuning
adapters, registered for the ``lm`` and ``lm_finetune`` tasks.

An ``lm`` model maps tokens ``[B, L]`` to logits ``[B, L, V]``; an ``lm_finetune`` builder
receives the pre-trained base as ``frozen`` and returns it with adapters attached.
"""
from __future__ import annotations

from typing import Optional

from torch import nn

from graphlab.models.registry import register
from graphlab.nn import SparseGINAdapter, TransformerLM, attach_lora, attach_sparse_gin
from graphlab.nn.gin_attention import gin_options
from graphlab.nn.transformer import count_parameters, lora_parameter_count, matched_ffn_channels


@register("transformer_lm", task="lm")
def _transformer_lm(in_channels: int, max_length: int, channels: int = 256,
                    num_layers: int = 4, heads: int = 8, attention: str = "standard",
                    ffn_channels: Optional[int] = None, match_parameters: bool = False,
                    dropout: float = 0.0, threshold: str = "none", tau: float = 0.2,
                    eps_mode: str = "eps", mlp_ratio: float = 0.5,
                    value_proj: bool = False) -> nn.Module:
    """Decoder-only transformer LM, standard or GIN-attention (Buehler 2025)."""
    gin = gin_options(attention, threshold=threshold, tau=tau,
                                eps_mode=eps_mode, mlp_ratio=mlp_ratio, value_proj=value_proj)
    if attention == "gin" and match_parameters:
        # the same parameter count as the standard model with the same width / depth
        target = count_parameters(TransformerLM(in_channels, max_length, channels, num_layers,
                                                heads, "standard", ffn_channels))
        ffn_channels = matched_ffn_channels(channels, num_layers, heads, target, in_channels,
                                            max_length, **gin)
    return TransformerLM(in_channels, max_length, channels, num_layers, heads, attention,
                         ffn_channels, dropout, **gin)


@register("sparse_gin", task="lm_finetune")
def _sparse_gin(frozen: TransformerLM, hidden: Optional[int] = None,
                match_lora_rank: Optional[int] = 8, lam_start: float = 0.0,
                lam_end: float = 0.5, keep: float = 0.6, center: float = 0.1,
                sharpness: float = 10.0) -> nn.Module:
    """Frozen LM + sparse GIN adapters on its attention graphs (Buehler 2025); width
    ``hidden``, or matched to LoRA of rank ``match_lora_rank`` on q and v."""
    channels = frozen.tok.embedding_dim
    if hidden is None:
        if match_lora_rank is None:
            raise ValueError("sparse_gin needs hidden or match_lora_rank")
        per_layer = lora_parameter_count(channels, 1, match_lora_rank)
        hidden = SparseGINAdapter.hidden_for_budget(channels, per_layer)
    attach_sparse_gin(frozen, hidden, lam_start, lam_end, keep=keep, center=center,
                      sharpness=sharpness)
    return frozen


@register("lora", task="lm_finetune")
def _lora(frozen: TransformerLM, rank: int = 8, alpha: Optional[float] = None) -> nn.Module:
    """Frozen LM + LoRA (Hu et al. 2022) on the query and value projections."""
    attach_lora(frozen, rank, ("q", "v"), alpha)
    return frozen
