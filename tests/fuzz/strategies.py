"""Hypothesis strategies: small graphs as they come (no nodes, no edges, self-loops,
duplicate edges, isolated nodes, int32 or int64 indices, several graphs in a batch), and the
ways a user gets one wrong (an index out of range or negative, float ids, a transposed or
ragged edge index, NaN / inf features, a feature width that does not match)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

import torch
from hypothesis import strategies as st


@dataclass(frozen=True)
class Graph:
    """``num_nodes`` nodes, ``edge_index`` ``[2, E]``, features ``x`` ``[N, F]``, labels ``y``
    in ``[0, num_classes)``, and ``batch`` (graph of each node, sorted)."""

    num_nodes: int
    edge_index: torch.Tensor
    x: torch.Tensor
    y: torch.Tensor
    batch: torch.Tensor
    num_classes: int = 3

    @property
    def channels(self) -> int:
        return self.x.size(1)

    def long(self) -> "Graph":
        return replace(self, edge_index=self.edge_index.long())


@st.composite
def graphs(draw, min_nodes: int = 0, max_nodes: int = 7, max_edges: int = 18,
           channels: int = 3, max_graphs: int = 1, int32: bool = True) -> Graph:
    sizes = draw(st.lists(st.integers(min_nodes, max_nodes), min_size=1, max_size=max_graphs))
    n = sum(sizes)
    edges: list[tuple[int, int]] = []
    start = 0
    for size in sizes:
        if size:
            count = draw(st.integers(0, max_edges))
            pair = st.tuples(st.integers(start, start + size - 1),
                             st.integers(start, start + size - 1))
            edges += draw(st.lists(pair, min_size=count, max_size=count))
        start += size
    dtype = draw(st.sampled_from([torch.int64, torch.int32])) if int32 else torch.int64
    edge_index = (torch.tensor(edges, dtype=dtype).t().contiguous() if edges
                  else torch.empty(2, 0, dtype=dtype))
    values = draw(st.lists(st.floats(-3, 3, allow_nan=False, width=32), min_size=n * channels,
                           max_size=n * channels))
    x = torch.tensor(values, dtype=torch.float32).view(n, channels)
    y = torch.tensor(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)),
                     dtype=torch.long)
    batch = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    return Graph(n, edge_index, x, y, batch)


#: the ways an edge index goes wrong
INDEX_FAULTS = ("out_of_range", "negative", "float", "transposed", "three_rows")
#: the ways features go wrong
FEATURE_FAULTS = ("nan", "inf", "width")


def break_index(g: Graph, fault: str, pick: int = 0) -> Optional[Graph]:
    """``g`` with its edge index broken by ``fault`` (``None`` when ``g`` cannot carry it:
    no edges to corrupt, or a transposed index that is still ``[2, E]``)."""
    ei = g.edge_index.long().clone()
    if fault in ("out_of_range", "negative"):
        if ei.size(1) == 0:
            return None
        ei[pick % 2, pick % ei.size(1)] = g.num_nodes + pick if fault == "out_of_range" else -1
    elif fault == "float":
        ei = ei.float()
    elif fault == "transposed":
        if ei.size(1) == 2:
            return None
        ei = ei.t().contiguous()
    elif fault == "three_rows":
        ei = torch.cat([ei, ei[:1]])
    return replace(g, edge_index=ei)


def break_features(g: Graph, fault: str, pick: int = 0) -> Optional[Graph]:
    """``g`` with NaN / inf in its features or one column too many (``None`` without
    nodes)."""
    if g.num_nodes == 0:
        return None
    x = g.x.clone()
    if fault == "width":
        x = torch.cat([x, x[:, :1]], dim=1)
    else:
        x[pick % g.num_nodes, pick % g.channels] = float("nan") if fault == "nan" else float("inf")
    return replace(g, x=x)
