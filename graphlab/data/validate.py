"""The check a task runs on its graph before training: one clear error per problem."""
from __future__ import annotations

import torch
from torch_geometric.data import Data

from graphlab.ops import check_edge_index, check_features


def check_graph(data: Data, name: str = "graph", need_labels: bool = True) -> None:
    """Validate a node-level graph at the task boundary.

    Checks: at least one node; ``edge_index`` integer ``[2, E]`` within range; ``x``
    floating ``[N, F]`` and finite; ``y`` (when ``need_labels``) integer with one entry
    per node. Raises ``ValueError`` / ``TypeError`` naming the dataset and the problem.
    """
    num_nodes = data.num_nodes
    if not num_nodes:
        raise ValueError(f"{name}: the graph is empty (0 nodes)")
    if data.edge_index is None:
        raise ValueError(f"{name}: the graph has no edge_index")
    if getattr(data, "x", None) is None:
        raise ValueError(f"{name}: the graph has no node features 'x'")
    try:
        check_edge_index(data.edge_index, num_nodes)
        check_features(data.x, num_nodes)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{name}: {exc}") from None
    if need_labels:
        y = getattr(data, "y", None)
        if y is None:
            raise ValueError(f"{name}: node labels 'y' are missing")
        if y.dtype not in (torch.int64, torch.int32) or y.dim() != 1 or y.numel() != num_nodes:
            raise ValueError(f"{name}: y must be an integer vector with one label per node "
                             f"({num_nodes}), got dtype {y.dtype} and shape {list(y.shape)}")
        if y.numel() and int(y.min()) < 0:
            raise ValueError(f"{name}: y contains negative labels (min {int(y.min())})")
