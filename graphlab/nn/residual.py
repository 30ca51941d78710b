"""Residual GNNs with layer normalisation: the baselines of Platonov et al.'s benchmark."""
from __future__ import annotations

from typing import Any, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from graphlab.nn.aggregate import GraphCache, to_csr
from graphlab.ops import CSR, check_features, check_width, spmm

#: the neighbourhood aggregations :class:`ResidualGNN` offers
RESIDUAL_AGGREGATIONS = ("none", "gcn", "sage")


class ResidualGNN(nn.Module):
    r"""A pre-norm residual GNN: every block adds a feed-forward map of the aggregated,
    layer-normalised representation to the representation it started from.

    From "A critical look at the evaluation of GNNs under heterophily: are we really making
    progress?" (Platonov et al., ICLR 2023), whose GCN, GraphSAGE and ResNet baselines all
    have this form:

    .. math::
        h^{(0)} &= \mathrm{GELU}(\mathrm{Dropout}(W_{in} x)) \\
        h^{(l+1)} &= h^{(l)} + \mathrm{FFN}_l\big(\mathrm{AGG}(\mathrm{LN}_l(h^{(l)}))\big) \\
        y &= W_{out}\, \mathrm{LN}(h^{(L)})

    with :math:`\mathrm{FFN}(z) = \mathrm{Dropout}(W_2\, \mathrm{GELU}(\mathrm{Dropout}(W_1 z)))`
    and the aggregation

    - ``'none'``: :math:`\mathrm{AGG}(u) = u` (the paper's ResNet, no graph);
    - ``'gcn'``: :math:`\mathrm{AGG}(u)_i = \sum_{j \to i} d_j^{-1/2} d_i^{-1/2} u_j` over the
      graph with a self-loop added to every node, :math:`d` the out-degree counting it (on an
      undirected graph, the degree + 1), as the paper's code does for its GCN;
    - ``'sage'``: :math:`\mathrm{AGG}(u)_i = [u_i \,\|\, \mathrm{mean}_{j \to i} u_j]`
      (``W_1`` then takes ``2H`` inputs).

    ``self_loops`` overrides whether the loops are added (``'sage'`` adds none by default;
    without loops a node with no out-edges counts as degree 1). Aggregation runs through
    :func:`graphlab.ops.spmm`. The adjacency may be any PyG form
    (``edge_index``, ``torch.sparse`` ``adj_t``, ``SparseTensor``, a :class:`~graphlab.ops.CSR`);
    only its structure is used (edge weights are ignored). The aggregation CSR of the last
    ``edge_index`` is kept and reused while the next call's ``edge_index`` is equal (checked
    element-wise), so full-batch training sorts once.

    Args:
        in_channels (int), hidden_channels (int), out_channels (int).
        num_layers (int): residual blocks ``L`` ≥ 1 (default ``2``).
        aggregation (str): ``'none'``, ``'gcn'`` or ``'sage'`` (default ``'gcn'``).
        dropout (float): every dropout, in ``[0, 1)`` (default ``0.2``).
        ffn_multiplier (float): width of the FFN's hidden layer in units of ``H``
            (default ``1``).
        layer_norm (bool): ``LN`` as above; ``False`` replaces it by the identity
            (default ``True``).
        self_loops (bool, optional): add a self-loop to every node before aggregating
            (default ``None``: ``True`` for ``'gcn'``, ``False`` for ``'sage'``).

    Shapes:
        - **input:** ``x`` ``[N, F]``, ``adj`` (``[2, E]`` ``edge_index`` or another form;
          ignored by ``'none'``)
        - **output:** ``[N, out_channels]``
    """

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int,
                 num_layers: int = 2, aggregation: str = "gcn", dropout: float = 0.2,
                 ffn_multiplier: float = 1.0, layer_norm: bool = True,
                 self_loops: Optional[bool] = None):
        super().__init__()
        if aggregation not in RESIDUAL_AGGREGATIONS:
            raise ValueError(f"aggregation must be one of {RESIDUAL_AGGREGATIONS}, "
                             f"got '{aggregation}'")
        if num_layers < 1:
            raise ValueError(f"num_layers must be >= 1, got {num_layers}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1), got {dropout}")
        ffn_width = int(hidden_channels * ffn_multiplier)
        if ffn_width < 1:
            raise ValueError(f"ffn_multiplier {ffn_multiplier} leaves the feed-forward layer "
                             f"no width (hidden_channels {hidden_channels})")
        self.in_channels, self.hidden_channels, self.out_channels = (in_channels, hidden_channels,
                                                                     out_channels)
        self.num_layers, self.aggregation, self.dropout = num_layers, aggregation, dropout
        self.self_loops = aggregation == "gcn" if self_loops is None else bool(self_loops)
        H = hidden_channels
        norm = (lambda: nn.LayerNorm(H)) if layer_norm else nn.Identity
        self.input = nn.Linear(in_channels, H)
        self.norms = nn.ModuleList(norm() for _ in range(num_layers))
        width_in = 2 * H if aggregation == "sage" else H
        self.ffn_in = nn.ModuleList(nn.Linear(width_in, ffn_width) for _ in range(num_layers))
        self.ffn_out = nn.ModuleList(nn.Linear(ffn_width, H) for _ in range(num_layers))
        self.output_norm = norm()
        self.output = nn.Linear(H, out_channels)
        self._cache: GraphCache[CSR] = GraphCache()
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for module in self.modules():
            if module is not self and hasattr(module, "reset_parameters"):
                module.reset_parameters()
        self._cache.clear()

    def _structure(self, csr: CSR) -> CSR:
        """The CSR the aggregation multiplies by: self-loops if asked for, then GCN weights
        or no weights."""
        if self.self_loops:
            loops = torch.arange(csr.num_rows, device=csr.col.device)
            edges = torch.stack([torch.cat([csr.col, loops]), torch.cat([csr.row(), loops])])
            csr = CSR.from_edge_index(edges, csr.num_rows)
        if self.aggregation != "gcn":
            return csr.with_weight(None)
        d = torch.bincount(csr.col, minlength=csr.num_cols).float().clamp(min=1)
        return csr.with_weight(d[csr.col].rsqrt() * d[csr.row()].rsqrt())

    def _csr(self, adj: Any, num_nodes: int) -> CSR:
        return self._cache.get(adj, num_nodes,
                               lambda: self._structure(to_csr(adj, num_nodes)))

    def _aggregate(self, u: Tensor, csr: Optional[CSR]) -> Tensor:
        if csr is None:
            return u
        if self.aggregation == "gcn":
            return spmm(csr.with_weight(csr.weight.to(u.dtype)), u, "sum")
        return torch.cat([u, spmm(csr, u, "mean")], dim=1)

    def forward(self, x: Tensor, adj: Any = None) -> Tensor:
        name = type(self).__name__
        check_features(x, name=f"{name}: x")
        check_width(x, self.in_channels, name)
        csr = None
        if self.aggregation != "none":
            if adj is None:
                raise ValueError(f"{name} with aggregation '{self.aggregation}' needs an "
                                 f"adjacency (edge_index)")
            csr = self._csr(adj, x.size(0))
        p = self.dropout
        h = F.gelu(F.dropout(self.input(x), p, self.training))
        for norm, lin_in, lin_out in zip(self.norms, self.ffn_in, self.ffn_out, strict=True):
            z = self._aggregate(norm(h), csr)
            z = F.gelu(F.dropout(lin_in(z), p, self.training))
            h = h + F.dropout(lin_out(z), p, self.training)
        return self.output(self.output_norm(h))

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.in_channels}, {self.hidden_channels}, "
                f"{self.out_channels}, num_layers={self.num_layers}, "
                f"aggregation='{self.aggregation}', self_loops={self.self_loops})")
