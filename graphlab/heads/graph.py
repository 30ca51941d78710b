"""Graph-level heads: pooling node states into one vector per graph, and the graph-task
models built from an encoder and a head.

Every graph model maps a PyG ``Batch`` (``x``, ``edge_index``, ``batch``, plus whatever
its encoder reads, e.g. positional encodings) to ``[G, out_channels]``: class logits or
regression targets.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor, nn
from torch_geometric.nn import (
    MLP,
    AttentionalAggregation,
    global_add_pool,
    global_max_pool,
    global_mean_pool,
)

from graphlab.nn import PE_MODELS, SPE, GINConv, GINEConv
from graphlab.nn.gin_attention import gin_attention_options
from graphlab.nn.graph_transformer import GROUP_RATIO, GraphTransformerLayer
from graphlab.nn.registry import register_model
from graphlab.ops import CSR, check_edge_index, check_features, check_width

POOLS = ("sum", "mean", "max", "attention")


class GraphPool(nn.Module):
    r"""Readout of node states into graph states.

    ``'sum'`` / ``'mean'`` / ``'max'`` over each graph's nodes, or ``'attention'``:
    :math:`\mathbf{h}_G = \sum_{v \in G} \mathrm{softmax}_{v \in G}(\mathrm{gate}(\mathbf{h}_v))
    \, \mathbf{h}_v` (Li et al., "Gated Graph Sequence Neural Networks", ICLR 2016) with a
    2-layer MLP gate.

    Args:
        kind (str): ``'sum'`` (default), ``'mean'``, ``'max'`` or ``'attention'``.
        channels (int): node-state width (needed for ``'attention'`` only).

    Shapes:
        h ``[N, F]``, batch ``[N]`` (graph of each node, sorted) → ``[G, F]``.
    """

    def __init__(self, kind: str = "sum", channels: Optional[int] = None):
        super().__init__()
        if kind not in POOLS:
            raise ValueError(f"unknown pooling '{kind}'; choose one of {POOLS}")
        if kind == "attention" and channels is None:
            raise ValueError("attention pooling needs the node-state width (channels)")
        self.kind = kind
        self.attention = (AttentionalAggregation(MLP([channels, channels, 1], norm=None))
                          if kind == "attention" else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.attention is not None:
            self.attention.reset_parameters()

    def forward(self, h: Tensor, batch: Tensor, num_graphs: Optional[int] = None) -> Tensor:
        if self.kind == "sum":
            return global_add_pool(h, batch, num_graphs)
        if self.kind == "mean":
            return global_mean_pool(h, batch, num_graphs)
        if self.kind == "max":
            return global_max_pool(h, batch, num_graphs)
        return self.attention(h, batch, dim_size=num_graphs)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}('{self.kind}')"


class GINGraph(nn.Module):
    r"""GIN for graph-level prediction, as in "How Powerful are Graph Neural Networks?"
    (Xu et al., ICLR 2019): ``num_layers`` GIN layers (2-layer MLPs with batch norm), each
    layer's state (and the input's) pooled per graph, passed through its own linear
    prediction layer with dropout, and the predictions summed (``jk='sum'``); or only the
    last layer's state pooled (``jk='last'``).

    Args:
        in_channels (int): node-feature width.
        out_channels (int): classes, or regression targets.
        hidden_channels (int): width (default ``64``).
        num_layers (int): GIN layers (default ``4``; the paper's "5 layers" count the input).
        pool (str): readout, see :class:`GraphPool` (default ``'sum'``).
        jk (str): ``'sum'`` (default) or ``'last'``.
        dropout (float): dropout on each pooled state before its prediction layer (default
            ``0.5``). The official GIN code drops each prediction's output instead,
            ``dropout(linear(pool(h)))``; the two agree only at ``0``.
        norm (str): ``'batch'`` (default) or ``'none'`` inside the GIN MLPs.
        train_eps (bool): learn GIN's :math:`\epsilon` (default ``False``).

    Shapes:
        a ``Batch`` with ``x`` ``[N, F]``, ``edge_index`` ``[2, E]``, ``batch`` ``[N]`` →
        ``[G, out_channels]``.
    """

    def __init__(self, in_channels: int, out_channels: int, hidden_channels: int = 64,
                 num_layers: int = 4, pool: str = "sum", jk: str = "sum", dropout: float = 0.5,
                 norm: str = "batch", train_eps: bool = False):
        super().__init__()
        if jk not in ("sum", "last"):
            raise ValueError(f"jk must be 'sum' or 'last', got '{jk}'")
        if norm not in ("batch", "none"):
            raise ValueError(f"norm must be 'batch' or 'none', got '{norm}'")
        if num_layers < 1:
            raise ValueError(f"num_layers must be at least 1, got {num_layers}")
        self.in_channels, self.jk, self.dropout = in_channels, jk, dropout
        widths = [in_channels] + [hidden_channels] * num_layers
        self.convs = nn.ModuleList(
            GINConv(MLP([w, hidden_channels, hidden_channels],
                        norm="batch_norm" if norm == "batch" else None, plain_last=False),
                    train_eps=train_eps)
            for w in widths[:-1])
        # one readout per pooled state (attention pooling learns a gate for each)
        self.pools = nn.ModuleList(GraphPool(pool, w) for w in widths)
        self.heads = nn.ModuleList(nn.Linear(w, out_channels)
                                   for w in (widths if jk == "sum" else widths[-1:]))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for module in [*self.convs, *self.heads, *self.pools]:
            module.reset_parameters()

    def forward(self, data) -> Tensor:
        check_width(data.x, self.in_channels, "GINGraph", name="data.x")
        x, batch = data.x.to(self.heads[0].weight.dtype), data.batch
        if batch is None:
            batch = torch.zeros(x.size(0), dtype=torch.long, device=x.device)
        num_graphs = int(getattr(data, "num_graphs", 1) or 1)
        adj = CSR.from_edge_index(data.edge_index, x.size(0))
        states = [x]
        for conv in self.convs:
            states.append(conv(states[-1], adj).relu())
        pools = self.pools
        if self.jk == "last":
            states, pools = states[-1:], pools[-1:]
        out = 0
        for h, pool, head in zip(states, pools, self.heads, strict=True):
            pooled = pool(h, batch, num_graphs)
            out = out + head(nn.functional.dropout(pooled, self.dropout, self.training))
        return out


@register_model("gin", task="graph")
def gin_graph(in_channels: int, out_channels: int, hidden_channels: int = 64,
              num_layers: int = 4, pool: str = "sum", jk: str = "sum", dropout: float = 0.5,
              norm: str = "batch", train_eps: bool = False) -> GINGraph:
    """GIN with per-layer readout (Xu et al., ICLR 2019)."""
    return GINGraph(in_channels, out_channels, hidden_channels, num_layers, pool, jk, dropout,
                    norm, train_eps)


class GINEGraph(nn.Module):
    r"""GINE with an optional eigen positional encoding, the base model of the SPE paper
    (Huang et al., ICLR 2024): node embedding :math:`\mathbf{h}^{(0)} = W_x\mathbf{x} +
    W_0\,\mathrm{PE}`, and before every GINE layer the PE is added again through its own
    linear map, :math:`\mathbf{h} \leftarrow \mathbf{h} + W_\ell\,\mathrm{PE}` (ANCHORS.md
    §4); the last layer's states are pooled and an MLP predicts.

    Args:
        in_channels (int), out_channels (int): node-feature width, targets.
        edge_channels (int): edge-feature width (``0``: none).
        hidden_channels (int): width (default ``64``).
        num_layers (int): GINE layers (default ``4``).
        pe (str): ``'none'`` (default), ``'spe'``, ``'signnet'``, ``'basisnet'`` or
            ``'lappe'``; the batch
            then needs ``eigvals`` / ``eigvecs`` / ``eig_mask``
            (:class:`graphlab.construct.EigenPE`).
        num_eigs (int): ``d`` of the eigen-PE (default ``8``; SignNet and LapPE need it).
        pe_channels (int): PE width ``p`` (default ``16``).
        spe_m (int), spe_rho_layers (int), spe_rho_hidden (int): SPE's options.
        pool (str): readout (default ``'sum'``).
        dropout (float): dropout in the prediction MLP (default ``0.0``).
        norm (str): ``'batch'`` (default) or ``'none'`` in the GINE MLPs.

    Shapes:
        a ``Batch`` (``x``, ``edge_index``, ``batch``, optional ``edge_attr`` and eigen-PE)
        → ``[G, out_channels]``.
    """

    def __init__(self, in_channels: int, out_channels: int, edge_channels: int = 0,
                 hidden_channels: int = 64, num_layers: int = 4, pe: str = "none",
                 num_eigs: int = 8, pe_channels: int = 16, spe_m: int = 16,
                 spe_rho_layers: int = 2, spe_rho_hidden: int = 64, pool: str = "sum",
                 dropout: float = 0.0, norm: str = "batch"):
        super().__init__()
        if pe != "none" and pe not in PE_MODELS:
            raise ValueError(f"unknown pe '{pe}'; choose 'none' or one of {sorted(PE_MODELS)}")
        if norm not in ("batch", "none"):
            raise ValueError(f"norm must be 'batch' or 'none', got '{norm}'")
        self.pe_kind = pe
        if pe == "spe":
            self.pe = SPE(pe_channels, m=spe_m, rho_hidden=spe_rho_hidden,
                          rho_layers=spe_rho_layers)
        elif pe != "none":
            self.pe = PE_MODELS[pe](num_eigs, pe_channels)
        else:
            self.pe = None
        self.embed = nn.Linear(in_channels, hidden_channels)
        self.pe_in = nn.ModuleList(nn.Linear(pe_channels, hidden_channels)
                                   for _ in range(num_layers + 1)) if self.pe else None
        self.convs = nn.ModuleList(
            GINEConv(MLP([hidden_channels, hidden_channels, hidden_channels],
                         norm="batch_norm" if norm == "batch" else None, plain_last=False),
                     hidden_channels, edge_channels)
            for _ in range(num_layers))
        self.pool = GraphPool(pool, hidden_channels)
        self.head = MLP([hidden_channels, hidden_channels, out_channels], dropout=dropout,
                        norm=None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        modules = [self.embed, *self.convs, self.pool, self.head]
        if self.pe is not None:
            modules += [self.pe, *self.pe_in]
        for module in modules:
            module.reset_parameters()

    def forward(self, data) -> Tensor:
        x = data.x
        check_width(x, self.embed.in_features, "GINEGraph", name="data.x")
        batch = data.batch if data.batch is not None else torch.zeros(
            x.size(0), dtype=torch.long, device=x.device)
        num_graphs = int(getattr(data, "num_graphs", 1) or 1)
        adj = CSR.from_edge_index(data.edge_index, x.size(0))
        h = self.embed(x.to(self.embed.weight.dtype))
        pe = None
        if self.pe is not None:
            if getattr(data, "eigvecs", None) is None:
                raise ValueError(f"pe='{self.pe_kind}' needs eigenpairs on the batch "
                                 "(graphlab.construct.EigenPE; in a config: dataset.eigen_pe)")
            pe = self.pe(data.eigvals, data.eigvecs, adj, batch, data.eig_mask)
            h = h + self.pe_in[0](pe)
        edge_attr = getattr(data, "edge_attr", None)
        for i, conv in enumerate(self.convs):
            if pe is not None:
                h = h + self.pe_in[i + 1](pe)
            h = conv(h, adj, edge_attr).relu()
        return self.head(self.pool(h, batch, num_graphs))


@register_model("gine", task="graph")
def gine_graph(in_channels: int, out_channels: int, edge_channels: int = 0,
               hidden_channels: int = 64, num_layers: int = 4, pe: str = "none",
               num_eigs: int = 8, pe_channels: int = 16, spe_m: int = 16,
               spe_rho_layers: int = 2, spe_rho_hidden: int = 64, pool: str = "sum",
               dropout: float = 0.0, norm: str = "batch") -> GINEGraph:
    """GINE with an eigen-PE: none, SPE, SignNet, BasisNet or LapPE (Huang et al. 2024)."""
    return GINEGraph(in_channels, out_channels, edge_channels, hidden_channels, num_layers, pe,
                     num_eigs, pe_channels, spe_m, spe_rho_layers, spe_rho_hidden, pool,
                     dropout, norm)


class GraphTransformer(nn.Module):
    r"""A graph transformer for graph-level prediction: a linear node encoder,
    ``num_layers`` :class:`graphlab.nn.GraphTransformerLayer` s (local GIN + global standard
    or GIN-attention), RMSNorm, pooling, and a 2-layer MLP head.

    Args:
        in_channels (int), out_channels (int): node-feature width, targets.
        hidden_channels (int): width (default ``64``).
        num_layers (int): layers (default ``4``).
        heads (int): attention heads (default ``4``).
        attention (str): ``'gin'`` (default) or ``'standard'``.
        local (str): ``'gin'`` (default) or ``'none'``.
        adjacency (str): ``'none'`` (default), ``'mask'`` or ``'bias'``.
        pool (str): readout (default ``'mean'``).
        dropout (float): dropout in the layers and head (default ``0.0``).
        group_ratio (float, optional): how the dense attention groups graphs by size
            (:data:`graphlab.nn.graph_transformer.GROUP_RATIO`; cost only).
        **attention_kwargs: GIN-attention options.

    Shapes:
        a ``Batch`` (``x``, ``edge_index``, ``batch``) → ``[G, out_channels]``.
    """

    def __init__(self, in_channels: int, out_channels: int, hidden_channels: int = 64,
                 num_layers: int = 4, heads: int = 4, attention: str = "gin",
                 local: str = "gin", adjacency: str = "none", pool: str = "mean",
                 dropout: float = 0.0, group_ratio: Optional[float] = GROUP_RATIO,
                 **attention_kwargs):
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"num_layers must be at least 1, got {num_layers}")
        self.encoder = nn.Linear(in_channels, hidden_channels)
        self.layers = nn.ModuleList(
            GraphTransformerLayer(hidden_channels, heads, attention, local, adjacency, dropout,
                                  group_ratio, **attention_kwargs) for _ in range(num_layers))
        self.norm = nn.RMSNorm(hidden_channels, eps=1e-6)
        self.pool = GraphPool(pool, hidden_channels)
        self.head = MLP([hidden_channels, hidden_channels, out_channels], norm=None,
                        dropout=dropout)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for module in (self.encoder, *self.layers, self.norm, self.pool, self.head):
            module.reset_parameters()

    def forward(self, data) -> Tensor:
        check_width(data.x, self.encoder.in_features, "GraphTransformer", name="data.x")
        x = self.encoder(data.x.to(self.encoder.weight.dtype))
        batch = data.batch
        if batch is None:
            batch = torch.zeros(x.size(0), dtype=torch.long, device=x.device)
        check_features(x, name="x")
        check_edge_index(data.edge_index, x.size(0))
        # the CSR and the dense per-graph groups are built once and shared by the layers
        adj = CSR.from_edge_index(data.edge_index, x.size(0))
        groups = self.layers[0].dense_groups(data.edge_index, batch, x.size(0))
        for layer in self.layers:
            x = layer(x, data.edge_index, batch, adj, groups)
        num_graphs = int(getattr(data, "num_graphs", 1) or 1)
        return self.head(self.pool(self.norm(x), batch, num_graphs))


@register_model("graph_transformer", task="graph")
def graph_transformer(in_channels: int, out_channels: int, hidden_channels: int = 64,
                      num_layers: int = 4, heads: int = 4, attention: str = "gin",
                      local: str = "gin", adjacency: str = "none", pool: str = "mean",
                      dropout: float = 0.0, threshold: str = "none", tau: float = 0.2,
                      mlp_ratio: float = 0.5, eps_mode: str = "eps") -> GraphTransformer:
    """GraphGPS-style transformer, standard or GIN-attention (Buehler 2025)."""
    gin = gin_attention_options(graph_transformer, attention, threshold=threshold, tau=tau,
                                mlp_ratio=mlp_ratio, eps_mode=eps_mode)
    return GraphTransformer(in_channels, out_channels, hidden_channels, num_layers, heads,
                            attention, local, adjacency, pool, dropout, **gin)
