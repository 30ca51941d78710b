"""The CSR cache: a graph sorted by destination once, with its transpose for backward.

``CSR.from_edge_index(edge_index, num_nodes)`` turns a PyG ``edge_index``
(row 0 = source ``j``, row 1 = destination ``i``, messages flow ``j → i``) into
compressed rows indexed by the destination: row ``i`` lists the in-neighbours
``j`` of ``i`` in ascending order. Aggregations then read each output row once,
without atomics. ``perm`` maps every CSR entry back to its position in the input
edge list, and :meth:`CSR.t` is the transposed (CSC) view, built once and cached,
that the backward passes use.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from graphlab.ops.checks import check_csr, check_edge_index


class CSR:
    """A sparse ``num_rows × num_cols`` matrix in compressed-row form.

    Built by hand, the structure is checked once here (:func:`~graphlab.ops.check_csr`:
    row pointers from 0 to ``nnz``, never decreasing; columns in range; ``perm`` and
    ``weight`` of length ``nnz``), so that kernels can trust it; graphlab's own
    constructions, whose structure is right by construction, pass ``check=False``.

    Attributes:
        rowptr (Tensor): ``[num_rows + 1]`` int64 offsets.
        col (Tensor): ``[E]`` int64 column (source) of each entry, ascending within a row.
        perm (Tensor): ``[E]`` int64; entry ``k`` is input edge ``perm[k]``.
        weight (Tensor, optional): ``[E]`` edge weights in CSR order.
        num_rows, num_cols (int): shape.
    """

    def __init__(self, rowptr: Tensor, col: Tensor, perm: Tensor, num_rows: int, num_cols: int,
                 weight: Optional[Tensor] = None, *, check: bool = True):
        if check:
            check_csr(rowptr, col, num_rows, num_cols)
            if not isinstance(perm, Tensor) or perm.shape != col.shape:
                raise ValueError(f"CSR: perm must have shape {list(col.shape)}, got "
                                 f"{list(getattr(perm, 'shape', []))}")
            if weight is not None:
                weight = check_edge_weight(weight, col.numel(), name="CSR weight")
            rowptr, col, perm = rowptr.long(), col.long(), perm.long()
        self.rowptr, self.col, self.perm = rowptr, col, perm
        self.num_rows, self.num_cols = num_rows, num_cols
        self.weight = weight
        self._row: Optional[Tensor] = None
        self._t: Optional[CSR] = None
        self._t_perm: Optional[Tensor] = None
        self._torch_csr: dict = {}

    @classmethod
    def from_edge_index(cls, edge_index: Tensor, num_nodes: int | tuple[int, int],
                        edge_weight: Optional[Tensor] = None,
                        name: str = "edge_index") -> "CSR":
        """Build the CSR of ``edge_index`` (``[2, E]``, int64 or int32).

        Args:
            edge_index: ``edge_index[0]`` = source ``j``, ``edge_index[1]`` = destination ``i``.
            num_nodes: ``N`` for a square graph, or ``(num_src, num_dst)`` for a bipartite one.
            edge_weight: optional ``[E]`` floating weights, in input order.
            name: what the error messages call ``edge_index``.

        Raises:
            TypeError / ValueError: a malformed ``edge_index`` or ``edge_weight``.
        """
        num_src, num_dst = (num_nodes, num_nodes) if isinstance(num_nodes, int) else num_nodes
        check_edge_index(edge_index, max(num_src, num_dst), name)
        src, dst = edge_index[0].long(), edge_index[1].long()
        if edge_index.numel() and (int(src.max()) >= num_src or int(dst.max()) >= num_dst):
            raise ValueError(f"{name} has an index out of range for a bipartite graph of "
                             f"{num_src} sources and {num_dst} destinations")
        if edge_weight is not None:
            edge_weight = check_edge_weight(edge_weight, edge_index.size(1))
        perm = torch.argsort(dst * max(num_src, 1) + src, stable=True)
        col = src[perm]
        counts = torch.bincount(dst, minlength=num_dst)
        rowptr = torch.zeros(num_dst + 1, dtype=torch.long, device=edge_index.device)
        torch.cumsum(counts, 0, out=rowptr[1:])
        weight = edge_weight[perm] if edge_weight is not None else None
        return cls(rowptr, col, perm, num_dst, num_src, weight, check=False)

    # ------------------------------------------------------------------ derived views
    @property
    def nnz(self) -> int:
        return self.col.numel()

    @property
    def device(self) -> torch.device:
        return self.col.device

    def degree(self) -> Tensor:
        """Entries per row (in-degree), int64 ``[num_rows]``."""
        return self.rowptr[1:] - self.rowptr[:-1]

    def row(self) -> Tensor:
        """The row of every entry, int64 ``[E]`` (cached)."""
        if self._row is None:
            self._row = torch.repeat_interleave(
                torch.arange(self.num_rows, device=self.device), self.degree(),
                output_size=self.nnz)
        return self._row

    def t(self) -> "CSR":
        """The transpose (CSC view, rows = sources), cached. Its ``perm`` maps each of its
        entries to the position of the same entry in *this* CSR."""
        if self._t is None:
            row = self.row()
            order = torch.argsort(self.col * max(self.num_rows, 1) + row, stable=True)
            counts = torch.bincount(self.col, minlength=self.num_cols)
            rowptr = torch.zeros(self.num_cols + 1, dtype=torch.long, device=self.device)
            torch.cumsum(counts, 0, out=rowptr[1:])
            weight = self.weight[order] if self.weight is not None else None
            self._t = CSR(rowptr, row[order], order, self.num_cols, self.num_rows, weight,
                          check=False)
            self._t._t = self
        return self._t

    def with_weight(self, weight: Optional[Tensor]) -> "CSR":
        """The same structure with other weights (in CSR order); shares the cached views."""
        if weight is not None:
            weight = check_edge_weight(weight, self.nnz)
        out = CSR(self.rowptr, self.col, self.perm, self.num_rows, self.num_cols, weight,
                  check=False)
        out._row = self._row
        if self._t is not None:  # reuse the transposed structure, with these weights
            t = self._t
            out._t = CSR(t.rowptr, t.col, t.perm, t.num_rows, t.num_cols,
                         weight[t.perm] if weight is not None else None, check=False)
            out._t._row, out._t._t = t._row, out
        return out

    def select(self, mask: Tensor, weight: Optional[Tensor] = None) -> "CSR":
        """The entries where ``mask`` (``[E]`` bool, CSR order) holds, still sorted; ``weight``
        (CSR order, full length) replaces the weights before selection. Edge dropout and
        target-link removal use this instead of re-sorting."""
        if mask.dtype != torch.bool or mask.numel() != self.nnz:
            raise ValueError(f"mask must be a bool tensor of length {self.nnz}, got "
                             f"{mask.dtype} of length {mask.numel()}")
        w = weight if weight is not None else self.weight
        counts = torch.zeros(self.num_rows, dtype=torch.long, device=self.device)
        counts.index_add_(0, self.row()[mask], torch.ones_like(self.col[mask]))
        rowptr = torch.zeros(self.num_rows + 1, dtype=torch.long, device=self.device)
        torch.cumsum(counts, 0, out=rowptr[1:])
        return CSR(rowptr, self.col[mask], self.perm[mask], self.num_rows, self.num_cols,
                   w[mask] if w is not None else None, check=False)

    def to_dense(self) -> Tensor:
        """Dense ``[num_rows, num_cols]`` matrix (duplicate entries add up); for tests."""
        w = self.weight if self.weight is not None else torch.ones(self.nnz, device=self.device)
        out = torch.zeros(self.num_rows, self.num_cols, dtype=w.dtype, device=self.device)
        return out.index_put_((self.row(), self.col), w, accumulate=True)

    def to(self, device: torch.device | str) -> "CSR":
        w = self.weight.to(device) if self.weight is not None else None
        return CSR(self.rowptr.to(device), self.col.to(device), self.perm.to(device),
                   self.num_rows, self.num_cols, w, check=False)

    def __repr__(self) -> str:
        return (f"CSR(shape=({self.num_rows}, {self.num_cols}), nnz={self.nnz}, "
                f"weighted={self.weight is not None}, device={self.device})")


def check_edge_weight(edge_weight: Tensor, num_edges: int, name: str = "edge_weight") -> Tensor:
    if not isinstance(edge_weight, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(edge_weight).__name__}")
    if not edge_weight.is_floating_point():
        raise TypeError(f"{name} must be floating-point, got {edge_weight.dtype}")
    if edge_weight.dim() != 1 or edge_weight.numel() != num_edges:
        raise ValueError(f"{name} must have shape [E] = [{num_edges}], got "
                         f"{list(edge_weight.shape)}")
    return edge_weight


def as_csr(adj: "CSR | Tensor", num_nodes: Optional[int] = None,
           edge_weight: Optional[Tensor] = None) -> CSR:
    """Accept a :class:`CSR` or an ``edge_index`` (then ``num_nodes`` is needed)."""
    if isinstance(adj, CSR):
        return adj if edge_weight is None else adj.with_weight(edge_weight[adj.perm])
    if num_nodes is None:
        raise ValueError("num_nodes is required when passing an edge_index instead of a CSR")
    return CSR.from_edge_index(adj, num_nodes, edge_weight)


def undirected_pairs(edge_index: Tensor, num_nodes: int) -> Tensor:
    """Unique undirected pairs ``(i, j)`` with ``i < j`` (self-loops dropped), sorted
    (int64 ``[2, P]``).

    Raises:
        TypeError / ValueError: a malformed ``edge_index`` (see :func:`check_edge_index`).
    """
    check_edge_index(edge_index, num_nodes)
    row, col = edge_index
    lo, hi = torch.minimum(row, col), torch.maximum(row, col)
    keep = lo != hi
    key = torch.unique(lo[keep].long() * num_nodes + hi[keep].long())
    return torch.stack([key // num_nodes, key % num_nodes])
