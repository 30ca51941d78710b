"""Test helpers written once and used everywhere (e3nn's ``assert_equivariant`` habit)."""
from __future__ import annotations

import itertools
from typing import Callable

import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.utils import to_undirected


def random_graph(num_nodes: int, num_edges: int, num_features: int = 8, seed: int = 0,
                 self_loops: bool = True, duplicates: bool = True) -> tuple[Tensor, Tensor]:
    """``(x, edge_index)`` of a random directed graph (isolated nodes likely)."""
    gen = torch.Generator().manual_seed(seed)
    edge_index = torch.randint(num_nodes, (2, num_edges), generator=gen)
    if not self_loops:
        edge_index = edge_index[:, edge_index[0] != edge_index[1]]
    if not duplicates:
        edge_index = torch.unique(edge_index, dim=1)
    x = torch.randn(num_nodes, num_features, generator=gen)
    return x, edge_index


def assert_node_equivariant(fn: Callable[[Tensor, Tensor], Tensor], x: Tensor,
                            edge_index: Tensor, seed: int = 1, atol: float = 1e-5) -> None:
    """``fn(x, edge_index)`` returns per-node outputs: relabelling the nodes by a random
    permutation must permute the outputs the same way."""
    n = x.size(0)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    inv = torch.empty_like(perm)
    inv[perm] = torch.arange(n)
    out = fn(x, edge_index)
    out_perm = fn(x[perm], inv[edge_index])
    torch.testing.assert_close(out_perm, out[perm], atol=atol, rtol=1e-4)


def assert_pair_symmetric(fn: Callable[[Tensor], Tensor], pairs: Tensor,
                          atol: float = 1e-5) -> None:
    """``fn(pairs)`` scores pairs of an undirected graph: swapping (i, j) must not matter."""
    torch.testing.assert_close(fn(pairs), fn(pairs.flip(0)), atol=atol, rtol=1e-4)


def dense_adjacency(edge_index: Tensor, num_nodes: int) -> Tensor:
    """Binary float64 ``A[u, v] = 1`` for each edge ``u → v``, self-loops dropped."""
    a = torch.zeros(num_nodes, num_nodes, dtype=torch.float64)
    keep = edge_index[0] != edge_index[1]
    a[edge_index[0][keep], edge_index[1][keep]] = 1.0
    return a


def dense_directed_operator(a: Tensor, pattern: str, r: float, self_loops: bool = True) -> Tensor:
    """The obviously-correct ADPA operator: the dense pattern product, ``I`` added to
    ``A`` / ``Aᵀ``, normalised ``D^(r−1) M D^(−r)`` with row-sum degrees (0 where 0)."""
    eye = torch.eye(a.size(0), dtype=a.dtype)
    m = {"A": a + eye * self_loops, "At": a.t() + eye * self_loops, "AA": a @ a,
         "AAt": a @ a.t(), "AtA": a.t() @ a, "AtAt": a.t() @ a.t()}[pattern]
    d = m.sum(1)
    left = torch.where(d > 0, d.clamp(min=1e-300) ** (r - 1), torch.zeros_like(d))
    right = torch.where(d > 0, d.clamp(min=1e-300) ** (-r), torch.zeros_like(d))
    return left[:, None] * m * right[None, :]


def graph_dataset(graphs: list):
    """An in-memory PyG dataset holding ``graphs`` (a list of ``Data``), for graph-task tests."""
    from graphlab.data import SyntheticDataset

    return SyntheticDataset(graphs)


def assert_graph_invariant(fn: Callable[[Tensor, Tensor], Tensor], x: Tensor,
                           edge_index: Tensor, seed: int = 1, atol: float = 1e-5) -> None:
    """``fn(x, edge_index)`` returns a graph-level output: relabelling the nodes must not
    change it."""
    n = x.size(0)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    inv = torch.empty_like(perm)
    inv[perm] = torch.arange(n)
    torch.testing.assert_close(fn(x[perm], inv[edge_index]), fn(x, edge_index), atol=atol,
                               rtol=1e-4)


def relabel(data: Data, seed: int) -> Data:
    """``data`` with its nodes permuted at random (``seed``): an isomorphic copy."""
    perm = torch.randperm(data.num_nodes, generator=torch.Generator().manual_seed(seed))
    inv = torch.empty_like(perm)
    inv[perm] = torch.arange(data.num_nodes)
    return Data(x=data.x[perm], edge_index=inv[data.edge_index], num_nodes=data.num_nodes)


def cycle(n, offset=0):
    """Directed cycle edges 0 → 1 → … → n−1 → 0, node ids shifted by ``offset``."""
    i = torch.arange(n)
    return torch.stack([i, (i + 1) % n]) + offset


def graph(ei, n):
    """An undirected graph with constant features from edges ``ei``."""
    return Data(x=torch.ones(n, 1), edge_index=to_undirected(ei, num_nodes=n))


def rook_4x4():
    """The 4×4 rook graph, SRG(16, 6, 2, 2)."""
    nodes = list(itertools.product(range(4), range(4)))
    edges = [(i, j) for i, a in enumerate(nodes) for j, b in enumerate(nodes)
             if i < j and (a[0] == b[0] or a[1] == b[1])]
    return graph(torch.tensor(edges).t(), 16)


def shrikhande():
    """The Shrikhande graph, SRG(16, 6, 2, 2), not isomorphic to the rook graph."""
    nodes = list(itertools.product(range(4), range(4)))
    steps = {(0, 1), (0, 3), (1, 0), (3, 0), (1, 1), (3, 3)}
    edges = [(i, j) for i, a in enumerate(nodes) for j, b in enumerate(nodes)
             if i < j and ((b[0] - a[0]) % 4, (b[1] - a[1]) % 4) in steps]
    return graph(torch.tensor(edges).t(), 16)


#: non-isomorphic pairs that 1-WL (and GIN) cannot separate
WL_EQUIVALENT_PAIRS = {
    "C6 vs 2xC3": (graph(cycle(6), 6), graph(torch.cat([cycle(3), cycle(3, 3)], 1), 6)),
    "decalin vs bicyclopentyl": (
        graph(torch.tensor([[0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9],
                            [1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 0]]), 10),
        graph(torch.tensor([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0],
                            [1, 2, 3, 4, 0, 6, 7, 8, 9, 5, 5]]), 10)),
}
