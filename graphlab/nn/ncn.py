r"""Neural Common Neighbour link predictors (NCN, NCNC) and the PureGCN encoder.

"Neural Common Neighbor with Completion for Link Prediction" (Wang, Yang, Zhang,
ICLR 2024). For a target pair :math:`(i, j)` and node representations :math:`h`:

.. math::
    h' &= h + \mathrm{xlin}(h) \\
    s_{ij} &= \mathrm{lin}\Big(\beta\,\mathrm{xcnlin}\big(\textstyle\sum_{u \in N(i) \cap N(j)}
              h'_u\big) + \mathrm{xijlin}(h_i \odot h_j)\Big)

(the paper writes a concatenation; the official code sums the two branches, which is what
is implemented). NCNC adds the *completed* common neighbours: every
:math:`u \in N(i) \setminus N(j)` enters with the calibrated probability of edge
:math:`(j, u)` predicted by the same model one level shallower (under ``no_grad``), and
symmetrically, :math:`\hat A = \alpha\,p_t p_0 / (p_t p_0 + 1 - p_0)` with
:math:`p_0 = \sigma(\text{scale}\,(z - \text{offset}))`.

Common neighbours come from :func:`graphlab.ops.common_neighbors` (sorted-key
intersection) and are summed with :func:`graphlab.ops.spmm`; no ``N × N`` product.
Every module takes the adjacency as an ``edge_index`` (symmetric) or a
:class:`graphlab.ops.CSR` and is usable in any PyG model.
"""
from __future__ import annotations

from typing import Any, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from graphlab.nn.aggregate import to_csr
from graphlab.nn.dropout import Dropout, dropout
from graphlab.ops import (
    CSR,
    check_edge_index,
    check_features,
    check_width,
    common_neighbors,
    spmm,
)


def drop_edges(adj: CSR, p: float, training: bool) -> CSR:
    """Edge dropout on a CSR: keep each entry with probability ``1 - p`` and scale kept
    weights by ``1 / (1 - p)`` (identity when not training or ``p == 0``)."""
    if not training or p <= 0.0:
        return adj
    keep = torch.rand(adj.nnz, device=adj.device) > p
    w = adj.weight if adj.weight is not None else torch.ones(adj.nnz, device=adj.device)
    return adj.select(keep, w / (1.0 - p))


def used_columns(*mats: CSR) -> tuple[Tensor, list[CSR]]:
    """The columns (nodes) that the sparse matrices read, ascending, and the matrices with
    their columns renumbered into that list (each row keeps its order).

    A common-neighbour sum reads the representations of the common neighbours only: on a
    sparse graph a batch's pairs have few (on a Cora training batch, 2304 pairs with edge
    dropout have about 70 distinct common neighbours among 2708 nodes), so the predictors
    transform and project those rows instead of every node. The cost is a sort of the
    entries, independent of the number of nodes."""
    cols, inverse = torch.unique(torch.cat([m.col for m in mats]), return_inverse=True)
    return cols, [CSR(m.rowptr, col, m.perm, m.num_rows, cols.numel(), m.weight, check=False)
                  for m, col in zip(mats, inverse.split([m.nnz for m in mats]), strict=True)]


def _mlp(dims: list[int], dropout: float, ln_after: Optional[int] = None,
         tail: bool = True) -> nn.Sequential:
    """Linear → [LayerNorm] → Dropout → ReLU blocks; ``tail=False`` drops the last ReLU block."""
    layers: list[nn.Module] = []
    for k in range(len(dims) - 1):
        layers.append(nn.Linear(dims[k], dims[k + 1]))
        if ln_after is not None and k == ln_after:
            layers.append(nn.LayerNorm(dims[k + 1]))
        if k < len(dims) - 2 or tail:
            layers += [Dropout(dropout), nn.ReLU()]
    return nn.Sequential(*layers)


class PureGCN(nn.Module):
    r"""Input linear layer, then parameter-free GCN propagation.

    .. math::
        h^{(0)} = \mathrm{Drop}(W\,\mathrm{Drop}(x)), \qquad
        h^{(\ell)} = \tilde D^{-1/2} (A + I) \tilde D^{-1/2} h^{(\ell-1)}

    with optional residual connections and a JK weighted sum of the layer outputs
    (learnable weights), and dropout on the output.

    Args:
        in_channels (int): input features ``F``.
        hidden_channels (int): width ``H``.
        num_layers (int): propagation steps (default ``1``).
        input_dropout (float): dropout on ``x`` (default ``0``).
        dropout (float): dropout after the input linear (default ``0``).
        tail_dropout (float): dropout on the output (default ``0``).
        edge_dropout (float): edge dropout on the adjacency while training (default ``0``).
        residual (bool): add each layer's input to its output (default ``False``).
        jk (bool): output :math:`\sum_\ell w_\ell h^{(\ell)}` with learnable :math:`w`
            (default ``False``).

    Shapes:
        x ``[N, F]``, adj (a symmetric adjacency in any PyG form — ``edge_index`` ``[2, E]``,
        ``EdgeIndex``, ``torch.sparse``, ``SparseTensor`` — or a ``CSR``) → ``[N, H]``
    """

    def __init__(self, in_channels: int, hidden_channels: int, num_layers: int = 1,
                 input_dropout: float = 0.0, dropout: float = 0.0, tail_dropout: float = 0.0,
                 edge_dropout: float = 0.0, residual: bool = False, jk: bool = False):
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"num_layers must be at least 1, got {num_layers}")
        self.in_channels, self.hidden_channels, self.num_layers = (in_channels,
                                                                   hidden_channels, num_layers)
        self.input_dropout = Dropout(input_dropout)
        self.lin = nn.Linear(in_channels, hidden_channels)
        self.dropout = Dropout(dropout)
        self.tail_dropout = Dropout(tail_dropout)
        self.edge_dropout, self.residual, self.jk = edge_dropout, residual, jk
        self.jk_weights = nn.Parameter(torch.empty(num_layers)) if jk else None
        self._sparse_x: Optional[tuple[tuple, Optional[Tensor]]] = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.lin.reset_parameters()
        if self.jk_weights is not None:
            nn.init.normal_(self.jk_weights)

    def propagate(self, adj: CSR, h: Tensor) -> Tensor:
        """One step of :math:`\\tilde D^{-1/2}(A + I)\\tilde D^{-1/2} h` (weighted degrees)."""
        ones = torch.ones(adj.num_cols, 1, dtype=h.dtype, device=h.device)
        norm = torch.rsqrt(1.0 + spmm(adj, ones))
        h = norm * h
        return norm * (spmm(adj, h) + h)

    def _as_sparse(self, x: Tensor) -> Optional[tuple[CSR, Tensor]]:
        """``x`` as a ``[N, F]`` :class:`CSR` (and its values in CSR order) when under 10 % of
        it is non-zero (bag-of-words features); cached per tensor version, together with the
        transposed view the weight gradient uses. ``None`` for dense features."""
        key = (x.data_ptr(), x._version, tuple(x.shape), x.dtype)
        if self._sparse_x is None or self._sparse_x[0] != key:
            nnz = int(torch.count_nonzero(x))
            sparse = None
            if nnz < 0.1 * x.numel():
                node, feat = x.nonzero(as_tuple=True)
                csr = CSR.from_edge_index(torch.stack([feat, node]), (x.size(1), x.size(0)))
                csr.t()
                sparse = (csr, x[node, feat][csr.perm])
            self._sparse_x = (key, sparse)
        return self._sparse_x[1]

    def embed(self, x: Tensor) -> Tensor:
        """``lin(dropout(x))``. For mostly-zero ``x`` the product is a sparse-dense one over the
        non-zeros (a cached CSR of ``x``) and the input dropout is drawn for the non-zeros only
        (dropping a zero changes nothing, so the result has the dense dropout's distribution)."""
        sparse = None if x.requires_grad else self._as_sparse(x)
        if sparse is None:
            return self.lin(self.input_dropout(x))
        csr, values = sparse
        values = dropout(values, self.input_dropout.p, self.training)
        return spmm(csr.with_weight(values), self.lin.weight.t()) + self.lin.bias

    def forward(self, x: Tensor, adj: Any) -> Tensor:
        check_features(x, name="x")
        check_width(x, self.in_channels, "PureGCN")
        adj = drop_edges(to_csr(adj, x.size(0)), self.edge_dropout, self.training)
        h = self.dropout(self.embed(x))
        outs = []
        for layer in range(self.num_layers):
            out = self.propagate(adj, h)
            if layer == self.num_layers - 1:
                out = self.tail_dropout(out)
            h = out + h if self.residual else out
            outs.append(h)
        if self.jk_weights is not None:
            h = (torch.stack(outs) * self.jk_weights.view(-1, 1, 1)).sum(0)
        return h

    def __repr__(self) -> str:
        return (f"PureGCN({self.in_channels}, {self.hidden_channels}, "
                f"num_layers={self.num_layers}, jk={self.jk}, residual={self.residual})")


class NCNPredictor(nn.Module):
    r"""NCN: scores pairs from their own representations and their common neighbours'.

    Args:
        hidden_channels (int): width ``H`` of ``h``.
        out_channels (int): logits per pair (default ``1``).
        dropout (float): dropout inside the MLPs (default ``0``).
        edge_dropout (float): edge dropout on the adjacency while training (default ``0``).
        use_xlin (bool): :math:`h' = h + \mathrm{xlin}(h)` before aggregating (default ``True``).
        tailact (bool): end ``xcnlin`` / ``xijlin`` with an activation instead of a linear
            layer (default ``True``).
        twolayerlin (bool): two hidden layers in the output MLP (default ``False``).
        layer_norm (bool): LayerNorm inside the MLPs (default ``True``).
        beta (float): initial weight :math:`\beta` of the common-neighbour branch (learnable).

    Shapes:
        h ``[N, H]``, adj (a symmetric adjacency in any PyG form, or a ``CSR``), pairs ``[2, P]`` →
        logits ``[P]`` (``[P, out_channels]`` when ``out_channels > 1``)
    """

    def __init__(self, hidden_channels: int, out_channels: int = 1, dropout: float = 0.0,
                 edge_dropout: float = 0.0, use_xlin: bool = True, tailact: bool = True,
                 twolayerlin: bool = False, layer_norm: bool = True, beta: float = 1.0):
        super().__init__()
        H = hidden_channels
        ln = 1 if layer_norm else None
        self.hidden_channels, self.out_channels = H, out_channels
        self.edge_dropout, self.initial_beta = edge_dropout, beta
        self.xlin = _mlp([H, H, H], dropout, ln_after=ln) if use_xlin else None
        self.xcnlin = nn.Sequential(_mlp([H, H, H], dropout, ln_after=ln),
                                    nn.Identity() if tailact else nn.Linear(H, H))
        self.xijlin = nn.Sequential(nn.Linear(H, H),
                                    nn.LayerNorm(H) if layer_norm else nn.Identity(),
                                    Dropout(dropout), nn.ReLU(),
                                    nn.Identity() if tailact else nn.Linear(H, H))
        hidden = [H, H, H] if twolayerlin else [H, H]
        self.lin = nn.Sequential(_mlp(hidden, dropout, ln_after=0 if layer_norm else None),
                                 nn.Linear(H, out_channels))
        self.beta = nn.Parameter(torch.empty(1))
        #: project nodes before the common-neighbour sum when that is cheaper (see
        #: :meth:`cn_inputs`); ``False`` always projects each pair's sum (for comparisons)
        self.project_cn = True
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for module in self.modules():
            if module is not self and hasattr(module, "reset_parameters"):
                module.reset_parameters()
        self.beta.data.fill_(self.initial_beta)

    def _check(self, h: Tensor, adj: Any, pairs: Tensor) -> CSR:
        check_features(h, name="h")
        check_width(h, self.hidden_channels, type(self).__name__, name="h")
        check_edge_index(pairs, h.size(0), name="pairs")
        if pairs.size(1) == 0:
            raise ValueError("pairs is an empty batch ([2, 0]); pass at least one pair")
        return to_csr(adj, h.size(0))

    def transform(self, h: Tensor) -> Tensor:
        """:math:`h' = h + \\mathrm{xlin}(h)`, the representation the neighbours contribute."""
        return h + self.xlin(h) if self.xlin is not None else h

    def score(self, h: Tensor, cn_sum: Tensor, pairs: Tensor, projected: bool = False) -> Tensor:
        """The logits of ``pairs`` from ``h`` and the summed common-neighbour representations
        ``cn_sum`` ``[P, H]``; ``projected``: ``cn_sum`` is already the sum of
        :meth:`cn_inputs` (the first layer of ``xcnlin`` without its bias)."""
        pairs = pairs.long()
        xij = self.xijlin(h[pairs[0]] * h[pairs[1]])
        if projected:
            first = self.xcnlin[0][0]
            xcn = self.xcnlin[1](self.xcnlin[0][1:](cn_sum + first.bias))
        else:
            xcn = self.xcnlin(cn_sum)
        out = self.lin(xcn * self.beta + xij)
        return out.squeeze(-1) if self.out_channels == 1 else out

    def cn_inputs(self, hp: Tensor, num_pairs: int) -> tuple[Tensor, bool]:
        r"""What the common neighbours contribute, and whether it is projected.

        ``xcnlin`` starts with a linear layer, and a linear layer of a sum is the sum of the
        layer's products: :math:`W \sum_{w \in CN} h'_w = \sum_{w \in CN} W h'_w`. With fewer
        nodes than pairs, projecting every node once (``N × H × H``) is cheaper than projecting
        every pair's sum (``P × H × H``), and the outputs are equal up to float rounding (the
        dropout after the layer draws the same mask)."""
        first = self.xcnlin[0][0]
        if self.project_cn and isinstance(first, nn.Linear) and hp.size(0) < num_pairs:
            return F.linear(hp, first.weight), True
        return hp, False

    def forward(self, h: Tensor, adj: Any, pairs: Tensor) -> Tensor:
        adj = drop_edges(self._check(h, adj, pairs), self.edge_dropout, self.training)
        return self._common_neighbour_score(h, adj, pairs.long())

    def _common_neighbour_score(self, h: Tensor, adj: CSR, pairs: Tensor) -> Tensor:
        """The logits of ``pairs`` with ``h'`` computed for their common neighbours only
        (:func:`used_columns`); in training, the dropout inside ``xlin`` draws masks for
        those rows."""
        rows, (cn,) = used_columns(common_neighbors(adj, pairs))
        z, projected = self.cn_inputs(self.transform(h[rows]), pairs.size(1))
        return self.score(h, spmm(cn, z), pairs, projected)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.hidden_channels}, {self.out_channels})"


class NCNCPredictor(NCNPredictor):
    r"""NCNC: NCN whose common neighbours are completed with the model's own predictions.

    Extra args (the calibration of the official code):
        alpha (float): :math:`\alpha` (default ``1.0``).
        pt (float): prior :math:`p_t` (default ``0.5``).
        scale, offset (float): :math:`p_0 = \sigma(\text{scale}(z - \text{offset}))`
            (defaults ``5``, ``3``).
        depth (int): completion depth ≥ 1; depth ``d`` completes with a depth ``d - 1``
            prediction (0 = NCN) (default ``1``).
        learnable_pt (bool): predict :math:`p_t` per pair from :math:`h_i \odot h_j` with a
            small MLP instead of the constant (default ``False``).

    As in the official code, the inner (completion) prediction receives the transformed
    representation :math:`h'` and applies ``xlin`` again, and edge dropout is applied at
    each depth while training.
    """

    def __init__(self, hidden_channels: int, out_channels: int = 1, dropout: float = 0.0,
                 edge_dropout: float = 0.0, use_xlin: bool = True, tailact: bool = True,
                 twolayerlin: bool = False, layer_norm: bool = True, beta: float = 1.0,
                 alpha: float = 1.0, pt: float = 0.5, scale: float = 5.0, offset: float = 3.0,
                 depth: int = 1, learnable_pt: bool = False):
        if depth < 1:
            raise ValueError(f"depth must be at least 1 (0 is NCN), got {depth}")
        if not 0.0 < pt < 1.0:
            raise ValueError(f"pt must lie in (0, 1), got {pt}")
        self.alpha, self.pt, self.scale, self.offset = alpha, pt, scale, offset
        self.depth = depth
        super().__init__(hidden_channels, out_channels, dropout, edge_dropout, use_xlin, tailact,
                         twolayerlin, layer_norm, beta)
        H = hidden_channels
        self.pt_mlp = nn.Sequential(nn.Linear(H, H), nn.ReLU(), nn.Linear(H, 1), nn.Sigmoid()) \
            if learnable_pt else None
        if self.pt_mlp is not None:
            for m in self.pt_mlp:
                if hasattr(m, "reset_parameters"):
                    m.reset_parameters()

    def calibrate(self, logits: Tensor, pt: Tensor | float) -> Tensor:
        r""":math:`\alpha p_t p_0 / (p_t p_0 + 1 - p_0)`, :math:`p_0 = \sigma(s(z - o))`."""
        p0 = torch.sigmoid(self.scale * (logits - self.offset))
        return self.alpha * pt * p0 / (pt * p0 + 1 - p0)

    def forward(self, h: Tensor, adj: Any, pairs: Tensor, depth: Optional[int] = None
                ) -> Tensor:
        depth = self.depth if depth is None else depth
        return self._forward(h, self._check(h, adj, pairs), pairs.long(), depth)

    def _forward(self, h: Tensor, adj: CSR, pairs: Tensor, depth: int) -> Tensor:
        """:meth:`forward` on checked inputs (``adj`` a CSR, ``pairs`` int64): the inner
        completion calls reuse the outer call's checks."""
        adj = drop_edges(adj, self.edge_dropout, self.training)
        if depth < 1:
            return self._common_neighbour_score(h, adj, pairs)
        hp = self.transform(h)  # every node: the shallower call reads it at any node
        cn, only_i, only_j = common_neighbors(adj, pairs, return_diff=True)
        rows, (cn_c, only_i_c, only_j_c) = used_columns(cn, only_i, only_j)
        z, projected = self.cn_inputs(hp[rows], pairs.size(1))
        cn_sum = spmm(cn_c, z)
        pt = self.pt if self.pt_mlp is None else self.pt_mlp(h[pairs[0]] * h[pairs[1]]).view(-1)
        # u ∈ N(i) \ N(j) is a common neighbour if the edge (j, u) exists, and symmetrically;
        # both parts are scored by one shallower call (one transform of the nodes, one
        # edge dropout), as the official code's chunked completion (splitsize) also allows
        parts = [(part, part.row()) for part in (only_i, only_j)]
        inner = torch.cat([torch.stack([other[row], part.col]) for (part, row), other
                           in zip(parts, (pairs[1], pairs[0]), strict=True)], dim=1)
        if inner.size(1) == 0:
            return self.score(h, cn_sum, pairs, projected)
        with torch.no_grad():
            logits = self._forward(hp, adj, inner, depth - 1).view(-1)
        sizes = [only_i.nnz, only_j.nnz]
        for (part, row), part_c, part_logits in zip(parts, (only_i_c, only_j_c),
                                                    logits.split(sizes), strict=True):
            if part.nnz == 0:
                continue
            p = self.calibrate(part_logits, pt if isinstance(pt, float) else pt[row])
            cn_sum = cn_sum + spmm(part_c.with_weight(p.to(hp.dtype)), z)
        return self.score(h, cn_sum, pairs, projected)
