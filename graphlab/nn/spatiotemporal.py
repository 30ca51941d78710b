"""A spatio-temporal backbone for forecasting on sensor graphs: STGCN-style blocks of gated
temporal convolutions around a diffusion graph convolution over any weighted adjacency
(distance, adaptive or with virtual nodes), aggregated through :func:`graphlab.ops.spmm`.

Tensors are ``[B, T, N, C]`` (batch, time steps, nodes, channels).
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from graphlab.ops import CSR, check_dense_signal, check_edge_index, scatter, spmm


def _check_signal(x: Tensor, channels: int, owner: str) -> None:
    check_dense_signal(x, channels, owner, "B, T, N, C")


def normalized_weights(edge_index: Tensor, edge_weight: Tensor, num_nodes: int,
                       by: int = 1) -> Tensor:
    """Edge weights divided by the weighted degree of their endpoint ``by`` (1 = target:
    the random-walk transition into each node; 0 = source). Zero-degree rows stay 0."""
    deg = scatter(edge_weight, edge_index[by], num_nodes, "sum")
    return edge_weight / deg[edge_index[by]].clamp(min=1e-12)


class DiffusionConv(nn.Module):
    r"""Diffusion graph convolution (DCRNN, Li et al., ICLR 2018) on a weighted directed graph:

    .. math::
        X' = X W_0 + \sum_{k=1}^{K} \big(P_f^k X W_{f,k} + P_b^k X W_{b,k}\big)

    with :math:`P_f` the transitions along the edges (each node averages its in-neighbours
    by weight) and :math:`P_b` against them (``bidirectional``). Every hop is one
    :func:`graphlab.ops.spmm` over ``[N, B·T·C]`` features; edge weights may carry gradients
    (learned adjacencies).

    Args:
        in_channels (int), out_channels (int): channels.
        K (int): diffusion hops (default ``2``).
        bidirectional (bool): also diffuse against the edges (default ``True``).

    Shapes:
        ``x`` ``[B, T, N, C_in]``, ``edge_index`` ``[2, E]``, ``edge_weight`` ``[E]`` (optional,
        1 = unweighted) → ``[B, T, N, C_out]``.
    """

    def __init__(self, in_channels: int, out_channels: int, K: int = 2,
                 bidirectional: bool = True):
        super().__init__()
        if K < 0:
            raise ValueError(f"K must be non-negative, got {K}")
        self.in_channels, self.out_channels, self.K = in_channels, out_channels, K
        self.bidirectional = bidirectional
        terms = 1 + K * (2 if bidirectional else 1)
        self.lin = nn.Linear(terms * in_channels, out_channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.lin.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Optional[Tensor] = None
                ) -> Tensor:
        _check_signal(x, self.in_channels, type(self).__name__)
        B, T, N, C = x.shape
        check_edge_index(edge_index, N)
        if edge_weight is None:
            edge_weight = torch.ones(edge_index.size(1), dtype=x.dtype, device=x.device)
        # node-major [N, B·T·C] for the sparse hops; each hop's share of the linear layer is
        # applied in that layout and summed, so the (1 + 2K)-fold stack of all hops is never
        # built or permuted (one permute in, one out)
        flat = x.permute(2, 0, 1, 3).reshape(N, B * T * C)
        weight = self.lin.weight.view(self.out_channels, -1, C)    # [C_out, terms, C]
        out = torch.addmm(self.lin.bias, flat.view(-1, C), weight[:, 0].t())
        term = 1
        directions = [(edge_index, 1)]
        if self.bidirectional:
            directions.append((edge_index.flip(0), 1))
        for index, by in directions:
            w = normalized_weights(index, edge_weight.to(x.dtype), N, by)
            csr = CSR.from_edge_index(index, N, w)
            h = flat
            for _ in range(self.K):
                h = spmm(csr, h)
                out = torch.addmm(out, h.view(-1, C), weight[:, term].t())
                term += 1
        return out.view(N, B, T, self.out_channels).permute(1, 2, 0, 3).contiguous()

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, K={self.K}, "
                f"bidirectional={self.bidirectional})")


class TemporalGLU(nn.Module):
    r"""Gated temporal convolution of STGCN (Yu et al., IJCAI 2018): a 1-D convolution over
    time of kernel ``kernel_size`` (valid padding, T shrinks by ``kernel_size − 1``) giving
    :math:`[P, Q]`, output :math:`(P + X_\text{res}) \odot \sigma(Q)`.

    Shapes: ``[B, T, N, C_in]`` → ``[B, T − k + 1, N, C_out]``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3):
        super().__init__()
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, \
            kernel_size
        self.conv = nn.Conv2d(in_channels, 2 * out_channels, (kernel_size, 1))
        self.res = nn.Linear(in_channels, out_channels) if in_channels != out_channels else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.conv.reset_parameters()
        if self.res is not None:
            self.res.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        if x.size(1) < self.kernel_size:
            raise ValueError(f"TemporalGLU: {x.size(1)} time steps, fewer than the kernel "
                             f"{self.kernel_size}")
        pq = self.conv(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)  # [B, T', N, 2C]
        p, q = pq.chunk(2, -1)
        res = x[:, self.kernel_size - 1:]
        if self.res is not None:
            res = self.res(res)
        return (p + res) * torch.sigmoid(q)


class STConvBlock(nn.Module):
    """One STGCN "sandwich": gated temporal conv → diffusion graph conv → ReLU → gated temporal
    conv → LayerNorm over (nodes' channels) → dropout. T shrinks by ``2 (kernel_size − 1)``.

    Shapes: ``[B, T, N, C_in]`` → ``[B, T − 2(k − 1), N, C_out]``.
    """

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int,
                 kernel_size: int = 3, K: int = 2, dropout: float = 0.0):
        super().__init__()
        self.t1 = TemporalGLU(in_channels, hidden_channels, kernel_size)
        self.graph = DiffusionConv(hidden_channels, hidden_channels, K)
        self.t2 = TemporalGLU(hidden_channels, out_channels, kernel_size)
        self.norm = nn.LayerNorm(out_channels)
        self.dropout = dropout
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for m in (self.t1, self.graph, self.t2, self.norm):
            m.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Optional[Tensor] = None
                ) -> Tensor:
        h = self.t1(x)
        h = F.relu(self.graph(h, edge_index, edge_weight))
        h = self.norm(self.t2(h))
        return F.dropout(h, self.dropout, self.training)


class STGCN(nn.Module):
    r"""The spatio-temporal backbone: ``num_blocks`` :class:`STConvBlock` s, then a temporal
    convolution over the remaining steps, giving one state per node.

    Args:
        in_channels (int): input channels per node and step.
        hidden_channels (int): width (default ``64``).
        input_steps (int): :math:`T` of the input window (default ``12``).
        num_blocks (int): blocks (default ``2``).
        kernel_size (int): temporal kernel (default ``3``); needs
            ``input_steps > 2 · num_blocks · (kernel_size − 1)``.
        K (int): diffusion hops (default ``2``).
        dropout (float): dropout (default ``0.0``).

    Shapes:
        ``x`` ``[B, T, N, C]``, ``edge_index`` ``[2, E]``, ``edge_weight`` ``[E]`` →
        ``[B, N, hidden_channels]``; ``return_layers=True`` also returns the node states
        after every block (``[B, T_ℓ, N, H]`` each) for sensitivity analysis.
    """

    def __init__(self, in_channels: int, hidden_channels: int = 64, input_steps: int = 12,
                 num_blocks: int = 2, kernel_size: int = 3, K: int = 2, dropout: float = 0.0):
        super().__init__()
        remaining = input_steps - 2 * num_blocks * (kernel_size - 1)
        if remaining < 1:
            raise ValueError(f"input_steps {input_steps} is too short for {num_blocks} blocks "
                             f"with temporal kernel {kernel_size} (each removes "
                             f"{2 * (kernel_size - 1)} steps)")
        self.in_channels, self.input_steps = in_channels, input_steps
        widths = [in_channels] + [hidden_channels] * num_blocks
        self.blocks = nn.ModuleList(
            STConvBlock(widths[i], hidden_channels, hidden_channels, kernel_size, K, dropout)
            for i in range(num_blocks))
        self.out = TemporalGLU(hidden_channels, hidden_channels, remaining)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for m in (*self.blocks, self.out):
            m.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Optional[Tensor] = None,
                return_layers: bool = False):
        _check_signal(x, self.in_channels, type(self).__name__)
        if x.size(1) != self.input_steps:
            raise ValueError(f"STGCN: x has {x.size(1)} time steps, the model was built for "
                             f"{self.input_steps}")
        layers = []
        h = x
        for block in self.blocks:
            h = block(h, edge_index, edge_weight)
            layers.append(h)
        h = self.out(h)[:, 0]
        return (h, layers) if return_layers else h
