"""LoRA: low-rank adapters on the linear maps of a frozen model, the baseline of the sparse
GIN adapter."""
from __future__ import annotations

import math
from typing import Iterable

import torch
from torch import Tensor, nn


class LoRALinear(nn.Module):
    r"""A frozen ``nn.Linear`` plus a trainable low-rank update, from "LoRA: Low-Rank Adaptation
    of Large Language Models" (Hu et al., ICLR 2022):

    .. math::
        \mathbf{y} = W_0 \mathbf{x} + \frac{\alpha}{r} B A \mathbf{x}, \qquad
        A \in \mathbb{R}^{r \times d_\text{in}},\ B \in \mathbb{R}^{d_\text{out} \times r}

    with :math:`A` Kaiming-uniform and :math:`B = 0` at initialisation (the adapted model
    starts equal to the frozen one).

    Args:
        base (nn.Linear): the layer to adapt (its parameters are frozen).
        rank (int): :math:`r`.
        alpha (float): scale :math:`\alpha` (default ``rank``, i.e. scale 1).

    Shapes: ``[..., d_in]`` → ``[..., d_out]``.
    """

    def __init__(self, base: nn.Linear, rank: int, alpha: float | None = None):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"LoRALinear adapts an nn.Linear, got {type(base).__name__}")
        if rank < 1:
            raise ValueError(f"LoRA rank must be positive, got {rank}")
        self.base, self.rank = base, rank
        self.scale = (alpha if alpha is not None else rank) / rank
        for p in base.parameters():
            p.requires_grad_(False)
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.empty(base.out_features, rank))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
        nn.init.zeros_(self.lora_b)

    def forward(self, x: Tensor) -> Tensor:
        return self.base(x) + self.scale * (x @ self.lora_a.t()) @ self.lora_b.t()

    @staticmethod
    def parameter_count(in_features: int, out_features: int, rank: int) -> int:
        return rank * (in_features + out_features)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.base.in_features}, {self.base.out_features}, "
                f"rank={self.rank})")


def apply_lora(model: nn.Module, rank: int, targets: Iterable[str] = ("q", "v"),
               alpha: float | None = None) -> list[LoRALinear]:
    """Replace every ``nn.Linear`` child whose attribute name is in ``targets`` (default the
    query and value projections) by a :class:`LoRALinear`; returns the adapters. Freeze the
    rest of the model yourself (``requires_grad_(False)`` before calling)."""
    targets = set(targets)
    adapters: list[LoRALinear] = []
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if name in targets and isinstance(child, nn.Linear):
                adapter = LoRALinear(child, rank, alpha)
                setattr(parent, name, adapter)
                adapters.append(adapter)
    if not adapters:
        raise ValueError(f"no nn.Linear named {sorted(targets)} found to adapt")
    return adapters
