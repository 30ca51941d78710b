"""GIN convolution with fused aggregation (a drop-in for PyG's ``GINConv``)."""
from __future__ import annotations

from typing import Any, Callable, Optional

import torch
from torch import Tensor
from torch_geometric.nn.inits import reset
from torch_geometric.typing import OptPairTensor

from graphlab.nn.aggregate import OpsMessagePassing
from graphlab.ops import check_features, check_finite, check_width


def _register_eps(module: torch.nn.Module, train_eps: bool) -> None:
    r"""GIN's :math:`\epsilon` on ``module``: a parameter when learned, else a buffer."""
    if train_eps:
        module.eps = torch.nn.Parameter(torch.empty(1))
    else:
        module.register_buffer("eps", torch.empty(1))


def _in_width(module: Any) -> Optional[int]:
    """The input width of ``module`` when its first linear map says it (a ``Linear``, an
    ``nn.Sequential`` or PyG ``MLP`` starting with one), else ``None`` (not checked)."""
    for m in module.modules() if isinstance(module, torch.nn.Module) else ():
        if isinstance(m, torch.nn.Linear):
            return m.in_features
        width = getattr(m, "in_channels", None) if m is not module else None
        if isinstance(width, int):
            return width if width > 0 else None
    return None


class GINConv(OpsMessagePassing):
    r"""The graph isomorphism operator with its aggregation through :func:`graphlab.ops.spmm`.

    From "How Powerful are Graph Neural Networks?" (Xu et al., ICLR 2019):

    .. math::
        \mathbf{x}'_i = h_{\Theta}\Big((1 + \epsilon)\,\mathbf{x}_i
        + \sum_{j \in \mathcal{N}(i)} \mathbf{x}_j\Big)

    Same arguments and outputs as ``torch_geometric.nn.GINConv``; pass a
    :class:`graphlab.ops.CSR` built once per graph to skip the per-call edge sort.

    Args:
        nn (torch.nn.Module): the MLP :math:`h_\Theta`.
        eps (float): initial :math:`\epsilon` (default ``0.0``).
        train_eps (bool): learn :math:`\epsilon` (default ``False``).
        aggr (str): ``'add'`` (default), ``'mean'``, ``'max'`` or ``'min'``.

    Shapes:
        - **input:** ``x`` ``[N, F]`` (or a pair ``([N_src, F], [N_dst, F])``), ``adj`` an
          ``edge_index`` ``[2, E]``, ``torch.sparse`` ``adj_t``, ``SparseTensor`` or ``CSR``
        - **output:** ``[N, F_out]`` (``[N_dst, F_out]``)
    """

    def __init__(self, nn: Callable, eps: float = 0.0, train_eps: bool = False,
                 aggr: str = "add", **kwargs: Any):
        super().__init__(aggr=aggr, **kwargs)
        self.nn = nn
        self._in_width = _in_width(nn)   # read once: forward is the hot path
        self.initial_eps = eps
        _register_eps(self, train_eps)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        reset(self.nn)  # PyG's reset walks an nn.Sequential, which has no reset_parameters
        self.eps.data.fill_(self.initial_eps)

    def forward(self, x: Tensor | OptPairTensor, adj: Any, size: Optional[tuple[int, int]] = None
                ) -> Tensor:
        if isinstance(x, Tensor):
            x = (x, x)
        check_features(x[0], name="x")
        if self._in_width is not None:
            check_width(x[0], self._in_width, "GINConv")
        x_dst = x[1]
        num_dst = x_dst.size(0) if x_dst is not None else (size[1] if size else x[0].size(0))
        out = self.aggregate_neighbors(adj, x[0], num_dst)
        if x_dst is not None:
            out = out + (1 + self.eps) * x_dst
        return self.nn(out)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(nn={self.nn}, aggr='{self.aggr}')"


class GINEConv(torch.nn.Module):
    r"""GIN with edge features, from "Strategies for Pre-training Graph Neural Networks"
    (Hu et al., ICLR 2020), aggregated through :func:`graphlab.ops.segment`:

    .. math::
        \mathbf{x}'_i = h_{\Theta}\Big((1 + \epsilon)\,\mathbf{x}_i
        + \sum_{j \in \mathcal{N}(i)} \mathrm{ReLU}(\mathbf{x}_j + \mathbf{W}\mathbf{e}_{ji})\Big)

    Args:
        nn (torch.nn.Module): the MLP :math:`h_\Theta`.
        channels (int): node-feature width ``F`` (the edge features are mapped to it).
        edge_dim (int): edge-feature width; ``0`` (default) means no edge features, so
            messages are :math:`\mathrm{ReLU}(\mathbf{x}_j)`.
        train_eps (bool): learn :math:`\epsilon` (default ``False``, :math:`\epsilon = 0`).

    Shapes:
        x ``[N, F]``, adj ``edge_index`` ``[2, E]`` or ``CSR``, edge_attr ``[E, edge_dim]``
        (in ``edge_index`` order) → ``[N, F_out]``.
    """

    def __init__(self, nn: Callable, channels: int, edge_dim: int = 0, train_eps: bool = False):
        super().__init__()
        self.nn, self.channels, self.edge_dim = nn, channels, edge_dim
        self.edge_lin = torch.nn.Linear(edge_dim, channels) if edge_dim > 0 else None
        _register_eps(self, train_eps)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset(self.nn)
        if self.edge_lin is not None:
            self.edge_lin.reset_parameters()
        self.eps.data.fill_(0.0)

    def forward(self, x: Tensor, adj: Any, edge_attr: Optional[Tensor] = None) -> Tensor:
        from graphlab.nn.aggregate import to_csr
        from graphlab.ops import segment

        check_features(x, name="x")
        check_width(x, self.channels, "GINEConv")
        csr = to_csr(adj, x.size(0))
        msg = x[csr.col]
        if self.edge_lin is not None:
            if edge_attr is None or edge_attr.dim() != 2 or edge_attr.size(0) != csr.nnz:
                shape = None if edge_attr is None else list(edge_attr.shape)
                raise ValueError(f"GINEConv with edge_dim={self.edge_dim} needs edge_attr "
                                 f"[{csr.nnz}, {self.edge_dim}], got {shape}")
            check_finite(edge_attr, "GINEConv: edge_attr")
            msg = msg + self.edge_lin(edge_attr.to(x.dtype)[csr.perm])
        out = segment(msg.relu(), csr.rowptr, "sum")
        return self.nn((1 + self.eps) * x + out)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(nn={self.nn}, edge_dim={self.edge_dim})"
