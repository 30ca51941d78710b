"""Weighted adjacencies for sensor networks: the DCRNN distance kernel, random-walk transition
matrices, Graph WaveNet's adaptive adjacency and the semi-adaptive adjacency with virtual
nodes ("Virtual Nodes Improve Long-term Traffic Prediction", 2025; docs/papers/virtual_nodes.md)."""
from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

VARIANTS = ("semi", "adaptive", "ones")


def _check_square(a: Tensor, name: str) -> None:
    if not isinstance(a, Tensor) or a.dim() != 2 or a.size(0) != a.size(1) or \
            not a.is_floating_point():
        raise ValueError(f"{name} must be a floating square matrix [N, N], got "
                         f"{getattr(a, 'dtype', type(a).__name__)} {list(getattr(a, 'shape', []))}")
    if torch.isnan(a).any():
        raise ValueError(f"{name} contains NaN")


def distance_matrix(edges: Tensor, costs: Tensor, num_nodes: int) -> Tensor:
    """A dense ``[N, N]`` distance matrix from a (from, to, cost) list (PEMS ``distance.csv``):
    ``inf`` where no distance is given, 0 on the diagonal."""
    if edges.dim() != 2 or edges.size(0) != 2 or costs.numel() != edges.size(1):
        raise ValueError(f"edges must be [2, E] with one cost each, got {list(edges.shape)} and "
                         f"{costs.numel()} costs")
    if edges.numel() and (int(edges.min()) < 0 or int(edges.max()) >= num_nodes):
        raise ValueError(f"edge endpoints must lie in [0, {num_nodes}), got "
                         f"[{int(edges.min())}, {int(edges.max())}]")
    dist = torch.full((num_nodes, num_nodes), math.inf, dtype=torch.float64)
    dist[edges[0], edges[1]] = costs.double()
    dist.fill_diagonal_(0.0)
    return dist


def gaussian_distance_adjacency(dist: Tensor, sigma: Optional[float] = None,
                                threshold: float = 0.1) -> Tensor:
    r"""The DCRNN thresholded Gaussian kernel (Li et al., ICLR 2018):
    :math:`W_{ij} = \exp(-(d_{ij}/\sigma)^2)`, entries below ``threshold`` set to 0, not
    symmetrised.

    Args:
        dist: ``[N, N]`` distances, ``inf`` where there is none.
        sigma: kernel width (default: the standard deviation of the finite distances).
        threshold: sparsity cut (default ``0.1``).
    """
    if not isinstance(dist, Tensor) or dist.dim() != 2 or dist.size(0) != dist.size(1):
        raise ValueError(f"dist must be a square matrix [N, N], got "
                         f"{list(getattr(dist, 'shape', []))}")
    dist = dist.double()
    if torch.isnan(dist).any() or (dist < 0).any():
        raise ValueError("dist must hold non-negative distances (inf for none), no NaN")
    finite = dist[torch.isfinite(dist)]
    if sigma is None:
        sigma = float(finite.std()) if finite.numel() > 1 else 0.0
    if not sigma > 0:
        raise ValueError(f"sigma must be positive (the finite distances have std {sigma})")
    w = torch.exp(-(dist / sigma) ** 2)
    w[w < threshold] = 0.0
    return w


def transition_matrices(adj: Tensor) -> tuple[Tensor, Tensor]:
    r"""DCRNN's random-walk transitions of a weighted directed adjacency ``adj`` (``[N, N]``,
    ``adj[i, j]`` = weight of i → j): forward :math:`D_O^{-1} A` and backward
    :math:`D_I^{-1} A^\top` (rows of zero degree stay zero)."""
    _check_square(adj, "adj")

    def rownorm(a: Tensor) -> Tensor:
        deg = a.sum(1, keepdim=True)
        return torch.where(deg > 0, a / deg.clamp(min=1e-300), torch.zeros_like(a))

    return rownorm(adj), rownorm(adj.t())


def dense_to_sparse_weighted(adj: Tensor) -> tuple[Tensor, Tensor]:
    """``(edge_index [2, E], edge_weight [E])`` of the non-zeros of ``adj`` (``adj[i, j]`` =
    weight of i → j, so ``edge_index`` rows are (source i, target j)); the weights keep
    their gradient."""
    src, dst = adj.nonzero(as_tuple=True)
    return torch.stack([src, dst]), adj[src, dst]


class AdaptiveAdjacency(nn.Module):
    r"""Graph WaveNet's self-adaptive adjacency (Wu et al., IJCAI 2019):
    :math:`\tilde A = \mathrm{softmax}(\mathrm{ReLU}(E_1 E_2^\top))` (row softmax) from two
    learned node embeddings.

    Args:
        num_nodes (int): :math:`N`.
        embed_dim (int): embedding width (default ``10``).

    Shapes: ``forward()`` → ``[N, N]``.
    """

    def __init__(self, num_nodes: int, embed_dim: int = 10):
        super().__init__()
        if num_nodes < 1 or embed_dim < 1:
            raise ValueError(f"num_nodes and embed_dim must be positive, got {num_nodes}, "
                             f"{embed_dim}")
        self.e1 = nn.Parameter(torch.empty(num_nodes, embed_dim))
        self.e2 = nn.Parameter(torch.empty(num_nodes, embed_dim))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.e1)
        nn.init.normal_(self.e2)

    def forward(self) -> Tensor:
        return F.softmax(F.relu(self.e1 @ self.e2.t()), dim=1)


class SemiAdaptiveAdjacency(nn.Module):
    r"""The adjacency over N real and :math:`n_v` virtual nodes of "Virtual Nodes Improve
    Long-term Traffic Prediction" (2025):

    .. math::
        A_\text{adapt} = \mathrm{prune}_r\big(\mathrm{ReLU}(E_1 E_2^\top - E_2 E_1^\top)\big),
        \qquad
        A = \begin{pmatrix} A_\text{dist} & A_\text{adapt}^{RV} \\
        A_\text{adapt}^{VR} & A_\text{adapt}^{VV} \end{pmatrix}

    with :math:`E_1, E_2 \in \mathbb{R}^{(N + n_v) \times d}` and entries below the threshold
    :math:`r` pruned to 0. The pre-ReLU score is antisymmetric, so each pair keeps at most
    one direction. Virtual nodes are indices ``N … N + n_v − 1``; their input signal is
    zero (the model's job). Variants:

    * ``'semi'`` (default): the block matrix above — the real–real block is exactly
      ``base_adjacency`` and carries no gradient;
    * ``'adaptive'``: :math:`A_\text{adapt}` everywhere (the paper's "fully adaptive");
    * ``'ones'``: the paper's "all-ones": one virtual node linked both ways with weight 1 to
      every real node, real–real block = ``base_adjacency``, nothing learned.

    Args:
        num_nodes (int): :math:`N` real nodes.
        num_virtual (int): :math:`n_v` (``'ones'`` needs exactly 1).
        embed_dim (int): :math:`d` (default ``10``).
        threshold (float): :math:`r` (default ``0.0``: ReLU only).
        base_adjacency (Tensor, optional): ``[N, N]`` real–real block (``'semi'``, ``'ones'``),
            ``adj[i, j]`` = weight of i → j.
        variant (str): ``'semi'``, ``'adaptive'`` or ``'ones'``.

    Shapes:
        ``forward()`` → ``[N + n_v, N + n_v]`` dense, or with ``sparse=True`` the pair
        ``(edge_index [2, E], edge_weight [E])`` of its non-zeros (weights keep gradients).
    """

    def __init__(self, num_nodes: int, num_virtual: int, embed_dim: int = 10,
                 threshold: float = 0.0, base_adjacency: Optional[Tensor] = None,
                 variant: str = "semi"):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant '{variant}'; choose one of {VARIANTS}")
        if num_nodes < 1 or num_virtual < 0 or embed_dim < 1:
            raise ValueError(f"need num_nodes >= 1, num_virtual >= 0, embed_dim >= 1; got "
                             f"{num_nodes}, {num_virtual}, {embed_dim}")
        if variant == "ones" and num_virtual != 1:
            raise ValueError(f"variant 'ones' has exactly one virtual node, got {num_virtual}")
        if variant in ("semi", "ones"):
            if base_adjacency is None:
                raise ValueError(f"variant '{variant}' needs base_adjacency [N, N]")
            _check_square(base_adjacency, "base_adjacency")
            if base_adjacency.size(0) != num_nodes:
                raise ValueError(f"base_adjacency is {list(base_adjacency.shape)} but there are "
                                 f"{num_nodes} real nodes")
            self.register_buffer("base", base_adjacency.detach().clone())
        else:
            self.base = None
        self.num_nodes, self.num_virtual, self.variant = num_nodes, num_virtual, variant
        self.threshold = threshold
        total = num_nodes + num_virtual
        if variant == "ones":
            self.e1 = self.e2 = None
        else:
            self.e1 = nn.Parameter(torch.empty(total, embed_dim))
            self.e2 = nn.Parameter(torch.empty(total, embed_dim))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.e1 is not None:
            nn.init.normal_(self.e1)
            nn.init.normal_(self.e2)

    @property
    def size(self) -> int:
        return self.num_nodes + self.num_virtual

    def scores(self) -> Tensor:
        """The antisymmetric pre-ReLU scores :math:`E_1 E_2^\\top - E_2 E_1^\\top`."""
        if self.e1 is None:
            raise ValueError("variant 'ones' learns no scores")
        m = self.e1 @ self.e2.t()
        return m - m.t()

    def adaptive(self) -> Tensor:
        """:math:`A_\\text{adapt}`: ReLU of the scores, entries below the threshold pruned."""
        a = F.relu(self.scores())
        return a * (a >= self.threshold) if self.threshold > 0 else a

    def forward(self, sparse: bool = False):
        n = self.num_nodes
        if self.variant == "ones":
            a = torch.ones(self.size, self.size, dtype=self.base.dtype, device=self.base.device)
            a[n, n] = 0.0
        else:
            a = self.adaptive()
        if self.variant in ("semi", "ones"):
            a = torch.cat([torch.cat([self.base.to(a.dtype), a[:n, n:]], 1), a[n:]], 0)
        return dense_to_sparse_weighted(a) if sparse else a

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(num_nodes={self.num_nodes}, "
                f"num_virtual={self.num_virtual}, variant='{self.variant}', "
                f"threshold={self.threshold})")
