"""Dir-GNN baselines on PyG's ``DirGNNConv``: Dir-GCN (the paper's D_out/D_in normalisation)
and Dir-SAGE, plus a LINKX baseline registration."""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import DirGNNConv, SAGEConv

from graphlab.nn.aggregate import GraphCache, OpsMessagePassing
from graphlab.ops import CSR, check_edge_index, check_features, check_width, spmm


def directed_gcn_weight(edge_index: Tensor, num_nodes: int) -> Tensor:
    """``w_{j→i} = d_out(j)^(−1/2) · d_in(i)^(−1/2)`` for each edge (Rossi et al.'s
    ``D_out^(−1/2) A D_in^(−1/2)``), float32 ``[E]``."""
    src, dst = edge_index[0].long(), edge_index[1].long()
    d_out = torch.bincount(src, minlength=num_nodes).float()
    d_in = torch.bincount(dst, minlength=num_nodes).float()
    return d_out[src].clamp(min=1).rsqrt() * d_in[dst].clamp(min=1).rsqrt()


class DirGCNNormConv(OpsMessagePassing):
    r"""A linear map followed by aggregation with Dir-GCN's directed normalisation.

    From "Edge Directionality Improves Learning on Heterophilic Graphs" (Rossi et al.,
    LoG 2023): :math:`x'_i = \sum_{j \to i} d_{out}(j)^{-1/2} d_{in}(i)^{-1/2}\, W x_j`.
    Wrapped in PyG's ``DirGNNConv`` (which runs it on ``edge_index`` and on its flip) the
    reverse direction gets :math:`D_{in}^{-1/2} A^\top D_{out}^{-1/2}` automatically, as in
    the paper. No self-loops are added. Aggregation runs through :func:`graphlab.ops.spmm`;
    the CSR of the last ``edge_index`` is kept and reused when the next call's
    ``edge_index`` is equal (checked element-wise), so full-batch training sorts once.

    Args:
        in_channels (int), out_channels (int), bias (bool, default ``True``).

    Shapes:
        - **input:** ``x`` ``[N, F]``, ``edge_index`` ``[2, E]``
        - **output:** ``[N, out_channels]``
    """

    def __init__(self, in_channels: int, out_channels: int, bias: bool = True):
        super().__init__(aggr="add")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.lin = nn.Linear(in_channels, out_channels, bias=bias)
        self._cache: GraphCache[CSR] = GraphCache()
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.lin.reset_parameters()
        self._cache.clear()

    def _build_csr(self, edge_index: Tensor, num_nodes: int) -> CSR:
        check_edge_index(edge_index, num_nodes)
        return CSR.from_edge_index(edge_index, num_nodes,
                                   directed_gcn_weight(edge_index, num_nodes))

    def _csr(self, edge_index: Tensor, num_nodes: int) -> CSR:
        return self._cache.get(edge_index, num_nodes,
                               lambda: self._build_csr(edge_index, num_nodes))

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        check_features(x, name=f"{type(self).__name__}: x")
        check_width(x, self.in_channels, type(self).__name__)
        h = self.lin(x)
        csr = self._csr(edge_index, x.size(0))
        return spmm(csr.with_weight(csr.weight.to(h.dtype)), h, "sum")

    def __deepcopy__(self, memo: dict) -> "DirGCNNormConv":
        # DirGNNConv deep-copies the conv twice; the copies must not share a cache
        new = DirGCNNormConv(self.in_channels, self.out_channels, self.lin.bias is not None)
        new.load_state_dict(self.state_dict())
        return new

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.in_channels}, {self.out_channels})"


class DirGNN(nn.Module):
    r"""A stack of PyG ``DirGNNConv`` layers (Dir-GCN or Dir-SAGE) with jumping knowledge.

    From "Edge Directionality Improves Learning on Heterophilic Graphs" (Rossi et al.,
    LoG 2023): each layer is
    :math:`\alpha\, \mathrm{conv}_{\to}(x) + (1-\alpha)\, \mathrm{conv}_{\leftarrow}(x)`
    (+ a root weight for Dir-SAGE), then ReLU and dropout; optional L2 normalisation of
    each layer's output; ``jk='max'``/``'cat'`` combines the layers before a linear
    classifier (``None``: the last layer is the classifier).

    Args:
        in_channels, hidden_channels, out_channels (int).
        num_layers (int): default ``2``.
        conv (str): ``'gcn'`` (:class:`DirGCNNormConv`) or ``'sage'`` (PyG ``SAGEConv``).
        alpha (float): weight of the source→target direction (default ``0.5``).
        jk (str or None): ``'max'``, ``'cat'`` or ``None`` (default ``'max'``).
        normalize (bool): L2-normalise every hidden layer (default ``True``).
        dropout (float): default ``0.0``.

    Shapes:
        - **input:** ``x`` ``[N, F]``, ``edge_index`` ``[2, E]`` (directed)
        - **output:** ``[N, out_channels]``
    """

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int,
                 num_layers: int = 2, conv: str = "gcn", alpha: float = 0.5,
                 jk: Optional[str] = "max", normalize: bool = True, dropout: float = 0.0):
        super().__init__()
        if conv not in ("gcn", "sage"):
            raise ValueError(f"conv must be 'gcn' or 'sage', got '{conv}'")
        if jk not in ("max", "cat", None):
            raise ValueError(f"jk must be 'max', 'cat' or None, got '{jk}'")
        if num_layers < 1:
            raise ValueError(f"num_layers must be >= 1, got {num_layers}")
        self.conv_kind, self.alpha, self.jk = conv, alpha, jk
        self.normalize, self.dropout = normalize, dropout
        self.in_channels, self.hidden_channels, self.out_channels = (in_channels, hidden_channels,
                                                                     out_channels)
        widths = [in_channels] + [hidden_channels] * num_layers
        if jk is None:
            widths[-1] = out_channels
        self.convs = nn.ModuleList(self._conv(a, b)
                                   for a, b in zip(widths[:-1], widths[1:], strict=True))
        if jk is None:
            self.head = None
        else:
            self.head = nn.Linear(hidden_channels * (num_layers if jk == "cat" else 1),
                                  out_channels)
        self.reset_parameters()

    def _conv(self, a: int, b: int) -> nn.Module:
        if self.conv_kind == "gcn":
            return DirGNNConv(DirGCNNormConv(a, b), alpha=self.alpha, root_weight=False)
        return DirGNNConv(SAGEConv(a, b, root_weight=False), alpha=self.alpha,
                          root_weight=True)

    def reset_parameters(self) -> None:
        for conv in self.convs:
            conv.reset_parameters()
        if self.head is not None:
            self.head.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        check_features(x, name="DirGNN: x")
        check_width(x, self.in_channels, "DirGNN")
        outs = []
        for i, conv in enumerate(self.convs):
            x = conv(x, edge_index)
            if i == len(self.convs) - 1 and self.jk is None:
                return x
            x = F.relu(x)
            x = F.dropout(x, self.dropout, self.training)
            if self.normalize:
                x = F.normalize(x, p=2, dim=1)
            outs.append(x)
        if self.jk == "max":
            h = torch.stack(outs).max(dim=0).values
        else:
            h = torch.cat(outs, dim=-1)
        return self.head(h)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.in_channels}, {self.hidden_channels}, "
                f"{self.out_channels}, conv={self.conv_kind}, layers={len(self.convs)}, "
                f"alpha={self.alpha}, jk={self.jk})")
