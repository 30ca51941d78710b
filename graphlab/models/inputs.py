"""Learnable node features for graphs that have none (``node_features: embedding``)."""
from __future__ import annotations

from typing import Any

from torch import Tensor, nn


class LearnedNodeInput(nn.Module):
    r"""A model whose node features are a learnable table, one row per node.

    ``forward(x, *rest)`` calls ``model(E, *rest)`` with the table :math:`E \in
    \mathbb{R}^{N \times d}` (an ``nn.Embedding``'s weight, orthogonally initialised as NCN's
    code does for featureless OGB graphs); ``x`` only has to have ``N`` rows (its columns
    are ignored, ``[N, 0]`` will do). Memory is :math:`O(N d)`, not the :math:`O(N^2)` of
    one-hot features, and the model's own input dropout acts on the table's entries.
    The wrapped model's ``predictor`` (if any) is exposed, so a separate predictor learning
    rate still finds it.

    Args:
        model (nn.Module): a model built for ``in_channels = dim``.
        num_nodes (int): rows of the table.
        dim (int): its width.
    """

    def __init__(self, model: nn.Module, num_nodes: int, dim: int):
        super().__init__()
        if num_nodes < 1 or dim < 1:
            raise ValueError(f"LearnedNodeInput needs num_nodes >= 1 and dim >= 1, got "
                             f"{num_nodes} and {dim}")
        self.embedding = nn.Embedding(num_nodes, dim)
        self.model = model
        self.reset_parameters()

    @property
    def predictor(self) -> Any:
        return getattr(self.model, "predictor", None)

    def reset_parameters(self) -> None:
        nn.init.orthogonal_(self.embedding.weight)
        if hasattr(self.model, "reset_parameters"):
            self.model.reset_parameters()

    def forward(self, x: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if x.size(0) != self.embedding.num_embeddings:
            raise ValueError(f"LearnedNodeInput holds {self.embedding.num_embeddings} nodes' "
                             f"features, but the graph has {x.size(0)} nodes")
        return self.model(self.embedding.weight, *args, **kwargs)

    def __repr__(self) -> str:
        return (f"LearnedNodeInput({self.embedding.num_embeddings} x "
                f"{self.embedding.embedding_dim}, {self.model!r})")
