"""Positional encodings from eigenpairs: SPE (stable and expressive), and the SignNet,
BasisNet and Laplacian-PE baselines. Inputs are what :class:`graphlab.construct.EigenPE` stores:
``eigvals`` ``[G, d]``, ``eigvecs`` ``[N, d]``, ``eig_mask`` ``[G, d]`` and the node-to-graph
``batch`` ``[N]``.
"""
from __future__ import annotations

import math
from typing import Any, Optional

import torch
from torch import Tensor, nn

from graphlab.nn.aggregate import to_csr
from graphlab.nn.grouping import GROUP_RATIO, dense_groups
from graphlab.ops import CSR, spmm


def _check_eigen_input(eigvals: Tensor, eigvecs: Tensor, eig_mask: Optional[Tensor],
                       batch: Optional[Tensor], owner: Optional[nn.Module] = None
                       ) -> tuple[Tensor, Tensor]:
    """Validate eigen-PE inputs (and, with ``owner``, that ``d`` is its ``num_eigs``);
    returns ``(eig_mask, batch)`` with their defaults filled in."""
    if eigvals.dim() != 2 or eigvecs.dim() != 2 or eigvals.size(1) != eigvecs.size(1):
        raise ValueError(f"eigvals must be [G, d] and eigvecs [N, d] with the same d, got "
                         f"{list(eigvals.shape)} and {list(eigvecs.shape)}")
    if batch is None:
        if eigvals.size(0) != 1:
            raise ValueError(f"eigvals holds {eigvals.size(0)} graphs; pass batch [N]")
        batch = torch.zeros(eigvecs.size(0), dtype=torch.long, device=eigvecs.device)
    if batch.dtype not in (torch.int64, torch.int32) or batch.dim() != 1:
        raise TypeError(f"batch must be an int64 [N] tensor, got {batch.dtype} "
                        f"{list(batch.shape)}")
    if batch.numel() != eigvecs.size(0):
        raise ValueError(f"batch has {batch.numel()} entries for {eigvecs.size(0)} nodes")
    if batch.numel():
        lo, hi = int(batch.min()), int(batch.max())
        if lo < 0 or hi + 1 != eigvals.size(0):
            raise ValueError(f"eigvals holds {eigvals.size(0)} graphs but batch names graphs "
                             f"{lo}..{hi}; they must match (one row of eigvals per graph)")
    if eig_mask is None:
        eig_mask = torch.ones_like(eigvals, dtype=torch.bool)
    if eig_mask.shape != eigvals.shape:
        raise ValueError(f"eig_mask must have the shape of eigvals {list(eigvals.shape)}, got "
                         f"{list(eig_mask.shape)}")
    if not (torch.isfinite(eigvals).all() and torch.isfinite(eigvecs).all()):
        raise ValueError("eigvals / eigvecs contain NaN or inf")
    if owner is not None and eigvecs.size(1) != owner.num_eigs:
        raise ValueError(f"{type(owner).__name__} was built for d = {owner.num_eigs} "
                         f"eigenpairs, got {eigvecs.size(1)}")
    return eig_mask, batch


class ElementwiseMLPs(nn.Module):
    r"""``m`` independent MLPs :math:`\phi_\ell: \mathbb{R} \to \mathbb{R}`, each applied to
    every entry of its input (SPE's eigenvalue functions), evaluated together as grouped
    matrix products.

    Args:
        m (int): number of functions.
        hidden_channels (int): hidden width of each (default ``16``).
        num_layers (int): layers of each (default ``3``).

    Shapes:
        ``[...]`` → ``[..., m]``.
    """

    def __init__(self, m: int, hidden_channels: int = 16, num_layers: int = 3):
        super().__init__()
        if num_layers < 2:
            raise ValueError(f"num_layers must be at least 2, got {num_layers}")
        widths = [1] + [hidden_channels] * (num_layers - 1) + [1]
        self.weights = nn.ParameterList(nn.Parameter(torch.empty(m, a, b))
                                        for a, b in zip(widths[:-1], widths[1:], strict=True))
        self.biases = nn.ParameterList(nn.Parameter(torch.empty(m, 1, b)) for b in widths[1:])
        self.m = m
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for w, b in zip(self.weights, self.biases, strict=True):
            bound = 1.0 / math.sqrt(w.size(1))
            nn.init.uniform_(w, -bound, bound)
            nn.init.uniform_(b, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        shape = x.shape
        h = x.reshape(1, -1, 1).expand(self.m, -1, 1)  # [m, P, 1]
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = torch.baddbmm(b, h, w)
            if i < len(self.weights) - 1:
                h = h.relu()
        return h.squeeze(-1).t().reshape(*shape, self.m)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(m={self.m}, "
                f"hidden_channels={self.weights[0].size(-1)}, "
                f"num_layers={len(self.weights)})")


class SPE(nn.Module):
    r"""Stable and expressive positional encoding, from "On the Stability of Expressive
    Positional Encodings for Graphs" (Huang et al., ICLR 2024):

    .. math::
        \mathrm{SPE}(V, \lambda) = \rho\big(V \mathrm{diag}(\phi_1(\lambda)) V^\top, \dots,
        V \mathrm{diag}(\phi_m(\lambda)) V^\top\big)

    :math:`\phi_\ell` are element-wise MLPs of the eigenvalues (:class:`ElementwiseMLPs`);
    :math:`\rho` is a GIN acting on the first node axis of the ``[n, n, m]`` tensor (the
    second axis is a batch axis), followed by a sum over the second axis. Padded eigenpairs
    (``eig_mask`` ``False``) get :math:`\phi = 0`. The output is invariant to eigenvector
    signs and to bases of repeated eigenvalues, and permutation-equivariant. The graphs of
    a batch are grouped by node count (:func:`graphlab.nn.dense_groups`), each group as
    dense per-graph blocks padded to its own largest graph, with the aggregation through
    :func:`graphlab.ops.spmm` over the group's block-diagonal graph: the work and memory
    grow as ``Σ n²`` (times at most ``GROUP_RATIO²``) rather than ``N × n_max`` — on a
    PROTEINS batch (up to 620 nodes, 39 on average) one padded block is most of the cost.

    Args:
        num_eigs (int): ``d``, the eigenpairs per graph it is built for — as for
            :class:`SignNet`, :class:`BasisNet` and :class:`LapPE`. SPE's weights do not
            depend on ``d``, so it also reads more or fewer (zero-padded) eigenpairs with the
            same output.
        out_channels (int): PE width ``p``.
        m (int): number of eigenvalue functions (default ``16``).
        phi_hidden (int): hidden width of each :math:`\phi_\ell` (default ``16``).
        phi_layers (int): layers of each :math:`\phi_\ell` (default ``3``).
        rho_hidden (int): width of :math:`\rho`'s GIN (default ``64``).
        rho_layers (int): GIN layers of :math:`\rho` (default ``2``; the paper uses 8 on ZINC).
        group_ratio (float, optional): the size-grouping ratio (default
            :data:`graphlab.nn.grouping.GROUP_RATIO`); ``None``: one block padded to the
            batch's largest graph (the same numbers, slower).

    Shapes:
        eigvals ``[G, d]``, eigvecs ``[N, d]``, edge_index ``[2, E]`` (or a ``CSR``),
        batch ``[N]``, eig_mask ``[G, d]`` → ``[N, out_channels]``.
    """

    def __init__(self, num_eigs: int, out_channels: int, m: int = 16, phi_hidden: int = 16,
                 phi_layers: int = 3, rho_hidden: int = 64, rho_layers: int = 2,
                 group_ratio: Optional[float] = GROUP_RATIO):
        super().__init__()
        if rho_layers < 1:
            raise ValueError(f"rho_layers must be at least 1, got {rho_layers}")
        self.num_eigs = num_eigs
        self.out_channels, self.m, self.group_ratio = out_channels, m, group_ratio
        self.phi = ElementwiseMLPs(m, phi_hidden, phi_layers)
        widths = [m] + [rho_hidden] * (rho_layers - 1) + [out_channels]
        self.rho = nn.ModuleList(
            nn.Sequential(nn.Linear(a, rho_hidden), nn.ReLU(), nn.Linear(rho_hidden, b))
            for a, b in zip(widths[:-1], widths[1:], strict=True))
        self.eps = nn.Parameter(torch.zeros(rho_layers))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.phi.reset_parameters()
        for mlp in self.rho:
            for layer in mlp:
                if hasattr(layer, "reset_parameters"):
                    layer.reset_parameters()
        nn.init.zeros_(self.eps)

    def forward(self, eigvals: Tensor, eigvecs: Tensor, edge_index: Any,
                batch: Optional[Tensor] = None, eig_mask: Optional[Tensor] = None) -> Tensor:
        eig_mask, batch = _check_eigen_input(eigvals, eigvecs, eig_mask, batch)
        n = eigvecs.size(0)
        phi = self.phi(eigvals) * eig_mask.unsqueeze(-1)                 # [G, d, m]
        adj = to_csr(edge_index, n)
        edges = torch.stack([adj.col, adj.row()])                         # CSR order
        layout = dense_groups(edges, batch, n, ratio=self.group_ratio)
        if not layout.groups:
            return eigvecs.new_zeros(n, self.out_channels)
        outs = []
        for grp, (sel, local) in zip(layout.groups, layout.split_edges(edges), strict=True):
            sub = CSR.from_edge_index(local, grp.nodes.numel(),
                                      None if adj.weight is None else adj.weight[sel])
            outs.append(self._group(phi[grp.graphs], eigvecs[grp.nodes], grp, sub))
        return torch.cat(outs)[layout.inverse]

    def _group(self, phi: Tensor, vecs: Tensor, grp, adj: CSR) -> Tensor:
        """ρ on one size group: ``phi`` ``[k, d, m]``, ``vecs`` ``[n_g, d]`` in the group's
        node order, ``adj`` its block-diagonal graph → ``[n_g, out_channels]``."""
        k, width = grp.mask.shape
        dense = vecs.new_zeros(k, width, vecs.size(1))
        dense[grp.graph, grp.pos] = vecs
        # Z_g = V_g diag(phi_l) V_g^T for all l: [k, L, L, m]
        z = torch.einsum("gid,gdm,gjd->gijm", dense, phi, dense)
        h = z[grp.graph, grp.pos]                                          # [n_g, L, m]
        valid = grp.mask[grp.graph].unsqueeze(-1).to(h.dtype)              # [n_g, L, 1]
        n = vecs.size(0)
        for i, mlp in enumerate(self.rho):
            agg = spmm(adj, h.reshape(n, -1)).view_as(h)
            h = mlp((1 + self.eps[i]) * h + agg)
            if i < len(self.rho) - 1:
                h = h.relu()
            h = h * valid
        return h.sum(1)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.num_eigs}, {self.out_channels}, m={self.m}, "
                f"rho_layers={len(self.rho)})")


class SignNet(nn.Module):
    r"""SignNet, from "Sign and Basis Invariant Networks for Spectral Graph Representation
    Learning" (Lim et al., ICLR 2023), with an MLP :math:`\phi`:

    .. math::
        \mathrm{PE}_i = \rho\big([\phi(v_{ik}, \lambda_k) + \phi(-v_{ik}, \lambda_k)]_{k=1}^{d}\big)

    (the paper's :math:`\phi` may also be a GNN over the graph; here it sees one entry and
    its eigenvalue). Invariant to each eigenvector's sign, not to bases of repeated
    eigenvalues. Padded pairs contribute zeros.

    Args:
        num_eigs (int): ``d``.
        out_channels (int): PE width.
        hidden_channels (int): width of :math:`\phi` and :math:`\rho` (default ``16``).

    Shapes:
        eigvals ``[G, d]``, eigvecs ``[N, d]``, batch ``[N]``, eig_mask ``[G, d]`` →
        ``[N, out_channels]``.
    """

    def __init__(self, num_eigs: int, out_channels: int, hidden_channels: int = 16):
        super().__init__()
        self.num_eigs = num_eigs
        self.phi = nn.Sequential(nn.Linear(2, hidden_channels), nn.ReLU(),
                                 nn.Linear(hidden_channels, hidden_channels))
        self.rho = nn.Sequential(nn.Linear(num_eigs * hidden_channels, hidden_channels),
                                 nn.ReLU(), nn.Linear(hidden_channels, out_channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for layer in [*self.phi, *self.rho]:
            if hasattr(layer, "reset_parameters"):
                layer.reset_parameters()

    def forward(self, eigvals: Tensor, eigvecs: Tensor, edge_index: Any = None,
                batch: Optional[Tensor] = None, eig_mask: Optional[Tensor] = None) -> Tensor:
        eig_mask, batch = _check_eigen_input(eigvals, eigvecs, eig_mask, batch, self)
        lam = eigvals[batch]
        pos = torch.stack([eigvecs, lam], -1)
        neg = torch.stack([-eigvecs, lam], -1)
        h = (self.phi(pos) + self.phi(neg)) * eig_mask[batch].unsqueeze(-1)
        return self.rho(h.flatten(1))

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.num_eigs}, {self.rho[-1].out_features}, "
                f"hidden_channels={self.phi[0].out_features})")


class LapPE(nn.Module):
    r"""The plain Laplacian-eigenvector PE: a linear map of the eigenvectors, with each
    eigenvector's sign flipped at random in training (the usual augmentation, as in PyG's
    ``AddLaplacianEigenvectorPE``). Not sign-invariant and not stable: the baseline SPE is
    measured against.

    Shapes:
        eigvecs ``[N, d]`` (and the same arguments as :class:`SPE`) → ``[N, out_channels]``.
    """

    def __init__(self, num_eigs: int, out_channels: int):
        super().__init__()
        self.num_eigs = num_eigs
        self.lin = nn.Linear(num_eigs, out_channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.lin.reset_parameters()

    def forward(self, eigvals: Tensor, eigvecs: Tensor, edge_index: Any = None,
                batch: Optional[Tensor] = None, eig_mask: Optional[Tensor] = None) -> Tensor:
        eig_mask, batch = _check_eigen_input(eigvals, eigvecs, eig_mask, batch)
        v = eigvecs * eig_mask[batch]
        if self.training:
            signs = torch.randint(0, 2, (eigvals.size(0), v.size(1)), device=v.device) * 2 - 1
            v = v * signs[batch].to(v.dtype)
        return self.lin(v)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.num_eigs}, {self.lin.out_features})"


class BasisNet(nn.Module):
    r"""BasisNet, from "Sign and Basis Invariant Networks for Spectral Graph Representation
    Learning" (Lim et al., ICLR 2023), with a one-layer 2-IGN :math:`\phi`:

    .. math::
        \mathrm{PE} = \rho\big(\phi_{d_1}(V_1 V_1^\top), \dots, \phi_{d_l}(V_l V_l^\top)\big)

    Eigenvalues equal within ``tol`` form an eigenspace :math:`V_i` of multiplicity
    :math:`d_i`; its projector :math:`P = V_i V_i^\top` does not depend on the basis chosen.
    :math:`\phi_d` (one per multiplicity, shared above ``max_multiplicity``) maps ``P`` to node
    features through the five invariant linear 2→1 operations — :math:`P_{vv}`,
    :math:`\sum_w P_{vw}`, :math:`\sum_w P_{wv}`, :math:`\sum_{wx} P_{wx}`,
    :math:`\mathrm{tr} P` — and an MLP; each eigenspace's output sits in the slot of its
    first eigenvalue and :math:`\rho` (an MLP) reads the ``d`` slots. Invariant to signs and
    bases, permutation-equivariant. Eigenspaces are found per graph in a Python loop (a
    baseline, not a fast path).

    Args:
        num_eigs (int): ``d``.
        out_channels (int): PE width.
        hidden_channels (int): width of :math:`\phi` and :math:`\rho` (default ``16``).
        max_multiplicity (int): separate :math:`\phi` up to this multiplicity (default ``4``).
        tol (float): eigenvalues closer than this are one eigenspace (default ``1e-6``).

    Shapes:
        eigvals ``[G, d]``, eigvecs ``[N, d]``, batch ``[N]``, eig_mask ``[G, d]`` →
        ``[N, out_channels]``.
    """

    def __init__(self, num_eigs: int, out_channels: int, hidden_channels: int = 16,
                 max_multiplicity: int = 4, tol: float = 1e-6):
        super().__init__()
        self.num_eigs, self.tol = num_eigs, tol
        self.phi = nn.ModuleList(
            nn.Sequential(nn.Linear(5, hidden_channels), nn.ReLU(),
                          nn.Linear(hidden_channels, hidden_channels))
            for _ in range(max_multiplicity))
        self.rho = nn.Sequential(nn.Linear(num_eigs * hidden_channels, hidden_channels),
                                 nn.ReLU(), nn.Linear(hidden_channels, out_channels))
        self.hidden_channels = hidden_channels
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for layer in [*(m for phi in self.phi for m in phi), *self.rho]:
            if hasattr(layer, "reset_parameters"):
                layer.reset_parameters()

    def forward(self, eigvals: Tensor, eigvecs: Tensor, edge_index: Any = None,
                batch: Optional[Tensor] = None, eig_mask: Optional[Tensor] = None) -> Tensor:
        eig_mask, batch = _check_eigen_input(eigvals, eigvecs, eig_mask, batch, self)
        slots = eigvecs.new_zeros(eigvecs.size(0), self.num_eigs, self.hidden_channels)
        for g in range(eigvals.size(0)):
            nodes = (batch == g).nonzero().view(-1)
            lam = eigvals[g][eig_mask[g]]
            vecs = eigvecs[nodes][:, eig_mask[g]]
            start = 0
            while start < lam.numel():
                end = start + 1
                while end < lam.numel() and float(lam[end] - lam[start]) <= self.tol:
                    end += 1
                proj = vecs[:, start:end] @ vecs[:, start:end].t()
                n = proj.size(0)
                feats = torch.stack([proj.diagonal(), proj.sum(1), proj.sum(0),
                                     proj.sum().expand(n), proj.trace().expand(n)], -1)
                phi = self.phi[min(end - start, len(self.phi)) - 1]
                slots[nodes, start] = phi(feats)
                start = end
        return self.rho(slots.flatten(1))

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.num_eigs}, {self.rho[-1].out_features}, "
                f"hidden_channels={self.hidden_channels})")


#: PE modules by name: ``(num_eigs, out_channels, **options) -> module``
PE_MODELS = {"spe": SPE, "signnet": SignNet, "basisnet": BasisNet,
             "lappe": LapPE}
