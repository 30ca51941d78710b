"""GIN convolution with fused aggregation (a drop-in for PyG's ``GINConv``)."""
from __future__ import annotations

from typing import Any, Callable, Optional

import torch
from torch import Tensor
from torch_geometric.typing import OptPairTensor

from graphlab.nn.aggregate import OpsMessagePassing
from graphlab.ops import check_features


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
        self.initial_eps = eps
        if train_eps:
            self.eps = torch.nn.Parameter(torch.empty(1))
        else:
            self.register_buffer("eps", torch.empty(1))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if hasattr(self.nn, "reset_parameters"):
            self.nn.reset_parameters()
        self.eps.data.fill_(self.initial_eps)

    def forward(self, x: Tensor | OptPairTensor, adj: Any, size: Optional[tuple[int, int]] = None
                ) -> Tensor:
        if isinstance(x, Tensor):
            x = (x, x)
        check_features(x[0], name="x")
        x_dst = x[1]
        num_dst = x_dst.size(0) if x_dst is not None else (size[1] if size else x[0].size(0))
        out = self.aggregate_neighbors(adj, x[0], num_dst)
        if x_dst is not None:
            out = out + (1 + self.eps) * x_dst
        return self.nn(out)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(nn={self.nn}, aggr='{self.aggr}')"
