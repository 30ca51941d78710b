"""Sparse aggregation for PyG layers through :mod:`graphlab.ops`.

:func:`to_csr` accepts every adjacency form a PyG user holds — ``edge_index``
(``[2, E]``, also PyG's ``EdgeIndex``), a ``torch.sparse`` CSR/COO ``adj_t``
(``[N_dst, N_src]``, PyG's transposed convention), a ``torch_sparse.SparseTensor`` —
or a :class:`graphlab.ops.CSR`, and returns the CSR (sorted by destination). Building
the CSR sorts the edges; pass a CSR built once per graph to skip that on every call.

:class:`OpsMessagePassing` is a ``MessagePassing`` base for layers whose messages are
(weighted) source features: ``aggregate_neighbors`` and PyG's own
``message_and_aggregate`` hook both run the fused :func:`graphlab.ops.spmm`.
"""
from __future__ import annotations

from typing import Any, Callable, Generic, Optional, TypeVar

import torch
from torch import Tensor
from torch_geometric.nn import MessagePassing

from graphlab.ops import CSR, spmm

_T = TypeVar("_T")


class GraphCache(Generic[_T]):
    """The value a layer builds from a graph (a sorted CSR, normalisation weights), kept for
    the last ``edge_index`` and reused while the next call's is equal — checked element by
    element, so a changed graph of the same shape is never served a stale value. Full-batch
    training passes the same graph every step and pays for the build once.

    Only a plain (strided) ``edge_index`` is cached; other adjacency forms are rebuilt on
    each call. The key is a copy, so changing the caller's tensor in place cannot hide a
    change. A module that holds one should :meth:`clear` it in ``reset_parameters``.

    Example::

        self._cache = GraphCache()
        csr = self._cache.get(edge_index, x.size(0), lambda: to_csr(edge_index, x.size(0)))
    """

    def __init__(self) -> None:
        self._key: Optional[tuple[Tensor, int]] = None
        self._value: Optional[_T] = None

    def get(self, adj: Any, num_nodes: int, build: Callable[[], _T]) -> _T:
        """The value for ``(adj, num_nodes)``: the cached one if both equal the last call's,
        else ``build()`` (cached when ``adj`` is a plain tensor)."""
        plain = isinstance(adj, Tensor) and adj.layout == torch.strided
        if plain and self._key is not None:
            key, n = self._key
            if (n == num_nodes and key.shape == adj.shape and key.dtype == adj.dtype
                    and key.device == adj.device and torch.equal(key, adj)):
                return self._value  # type: ignore[return-value]
        value = build()
        if plain:
            self._key, self._value = (adj.detach().as_subclass(Tensor).clone(), num_nodes), value
        return value

    def clear(self) -> None:
        self._key = self._value = None


def to_csr(adj: Any, num_nodes: int | tuple[int, int],
           edge_weight: Optional[Tensor] = None) -> CSR:
    """Convert an adjacency in any PyG form to a :class:`graphlab.ops.CSR`.

    Every form is checked once here (an index out of range, a malformed row-pointer array),
    so that the kernels that use the CSR can trust it.

    Args:
        adj: ``CSR``, ``edge_index`` ``[2, E]``, ``torch.sparse`` ``adj_t`` or ``SparseTensor``.
        num_nodes: ``N`` or ``(num_src, num_dst)``; used for ``edge_index`` input.
        edge_weight: ``[E]`` weights in ``edge_index`` order (``edge_index`` / ``CSR`` input).
    """
    if isinstance(adj, CSR):
        return adj if edge_weight is None else adj.with_weight(edge_weight[adj.perm])
    if isinstance(adj, Tensor) and adj.is_sparse_csr:
        crow, col = adj.crow_indices().long(), adj.col_indices().long()
        values = adj.values() if adj.values().is_floating_point() else None
        n = col.numel()
        return CSR(crow, col, torch.arange(n, device=col.device), adj.size(0), adj.size(1),
                   values)
    if isinstance(adj, Tensor) and adj.is_sparse:
        if adj.sparse_dim() != 2:
            raise ValueError(f"adjacency (sparse COO tensor) must be a matrix, got "
                             f"{adj.sparse_dim()} sparse dimensions")
        # checked before coalescing, which aborts the process on an out-of-range index
        for part, idx, bound in zip(("row", "column"), adj._indices(), adj.shape[:2],
                                    strict=True):
            if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= bound):
                bad = int(idx.min()) if int(idx.min()) < 0 else int(idx.max())
                raise ValueError(f"adjacency (sparse COO tensor) has a {part} index out of "
                                 f"range: found {bad}, but the matrix has {bound} {part}s")
        adj = adj.coalesce()
        dst, src = adj.indices()
        values = adj.values() if adj.values().is_floating_point() else None
        return CSR.from_edge_index(torch.stack([src, dst]), (adj.size(1), adj.size(0)), values,
                                   name="adjacency (sparse COO tensor)")
    if type(adj).__name__ == "SparseTensor":  # torch_sparse, without importing it
        crow, col, values = adj.csr()
        n = col.numel()
        return CSR(crow, col, torch.arange(n, device=col.device), adj.size(0), adj.size(1),
                   values if values is not None and values.is_floating_point() else None)
    if isinstance(adj, Tensor):
        return CSR.from_edge_index(adj.as_subclass(Tensor), num_nodes, edge_weight)
    raise TypeError(f"unsupported adjacency type {type(adj).__name__}; pass an edge_index, a "
                    "torch.sparse tensor, a SparseTensor or a graphlab.ops.CSR")


class OpsMessagePassing(MessagePassing):
    """A ``MessagePassing`` whose neighbour aggregation runs through :func:`graphlab.ops.spmm`.

    Subclasses call :meth:`aggregate_neighbors` in ``forward``; PyG's fused path
    (``propagate`` with a sparse ``adj_t``) lands in :meth:`message_and_aggregate`, which
    uses the same kernel. ``aggr`` must be one of ``'sum'``/``'add'``, ``'mean'``, ``'max'``,
    ``'min'``.
    """

    _REDUCE = {"add": "sum", "sum": "sum", "mean": "mean", "max": "max", "min": "min"}

    def __init__(self, aggr: str = "add", **kwargs: Any):
        if aggr not in self._REDUCE:
            raise ValueError(f"aggr must be one of {sorted(self._REDUCE)}, got '{aggr}'")
        super().__init__(aggr=aggr, **kwargs)

    @property
    def reduce(self) -> str:
        return self._REDUCE[self.aggr]

    def _check_input(self, edge_index: Any, size: Any) -> Any:
        # a negative index would reach PyG's scatter as an untyped RuntimeError
        if (isinstance(edge_index, Tensor) and edge_index.layout == torch.strided
                and not edge_index.is_floating_point() and edge_index.dim() == 2
                and edge_index.numel() and int(edge_index.min()) < 0):
            raise ValueError(f"edge_index has a negative index: found {int(edge_index.min())}")
        return super()._check_input(edge_index, size)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # PyG's ``propagate`` reports an edge_index out of range or negative as IndexError
        # (naming edge_index); graphlab's rule is one ValueError for bad input
        try:
            return super().__call__(*args, **kwargs)
        except IndexError as exc:
            raise ValueError(f"{type(self).__name__}: {exc}") from None

    def aggregate_neighbors(self, adj: Any, x_src: Tensor, num_dst: Optional[int] = None,
                            edge_weight: Optional[Tensor] = None) -> Tensor:
        """``out[i] = aggr_{j → i} w_ji · x_src[j]`` for any adjacency form (see :func:`to_csr`)."""
        size = x_src.size(0) if num_dst is None else (x_src.size(0), num_dst)
        return spmm(to_csr(adj, size, edge_weight), x_src, self.reduce)

    def message_and_aggregate(self, adj_t: Any, x: Any) -> Tensor:
        x_src = x[0] if isinstance(x, tuple) else x
        return spmm(to_csr(adj_t, x_src.size(0)), x_src, self.reduce)
