"""Graph-level models: GIN, GINE with an eigen positional encoding (SPE and its
baselines), a graph transformer with standard or GIN-attention, and the subgraph GNNs of
the SWL hierarchy, registered for the ``graph`` task.

Every graph model maps a PyG ``Batch`` (``x``, ``edge_index``, ``batch``, plus whatever its
encoder reads, e.g. positional encodings or a subgraph bag) to ``[G, out_channels]``:
class logits or regression targets.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import Tensor, nn
from torch_geometric.nn import MLP
from torch_geometric.nn.inits import reset

from graphlab.heads import GraphPool
from graphlab.models.registry import register
from graphlab.nn import PE_MODELS, PRESETS, SPE, GINConv, GINEConv, PairGraph, SWLConv
from graphlab.nn.gin_attention import gin_options
from graphlab.nn.graph_transformer import GROUP_RATIO, GraphTransformerLayer
from graphlab.ops import CSR, check_edge_index, check_features, check_finite, check_width, scatter


class GINGraph(nn.Module):
    r"""GIN for graph-level prediction, as in "How Powerful are Graph Neural Networks?"
    (Xu et al., ICLR 2019): ``num_layers`` GIN layers (2-layer MLPs with batch norm), each
    layer's state (and the input's) pooled per graph, passed through its own linear
    prediction layer with dropout, and the predictions summed (``jk='sum'``); or only the
    last layer's state pooled (``jk='last'``).

    Args:
        in_channels (int): node-feature width.
        hidden_channels (int): width (``64`` in configs).
        out_channels (int): classes, or regression targets.
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

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int,
                 num_layers: int = 4, pool: str = "sum", jk: str = "sum", dropout: float = 0.5,
                 norm: str = "batch", train_eps: bool = False):
        super().__init__()
        self.out_channels, self.hidden_channels = out_channels, hidden_channels
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

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.in_channels}, {self.out_channels}, "
                f"hidden_channels={self.hidden_channels}, layers={len(self.convs)}, "
                f"jk={self.jk!r})")


class GINEGraph(nn.Module):
    r"""GINE with an optional eigen positional encoding, the base model of the SPE paper
    (Huang et al., ICLR 2024): node embedding :math:`\mathbf{h}^{(0)} = W_x\mathbf{x} +
    W_0\,\mathrm{PE}`, and before every GINE layer the PE is added again through its own
    linear map, :math:`\mathbf{h} \leftarrow \mathbf{h} + W_\ell\,\mathrm{PE}`
    (docs/papers/spe.md); the last layer's states are pooled and an MLP predicts.

    Args:
        in_channels (int), hidden_channels (int), out_channels (int): node-feature width,
            width (``64`` in configs), targets.
        edge_channels (int): edge-feature width (``0``: none).
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

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int,
                 edge_channels: int = 0, num_layers: int = 4, pe: str = "none",
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
            self.pe = SPE(num_eigs, pe_channels, m=spe_m, rho_hidden=spe_rho_hidden,
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

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.embed.in_features}, "
                f"{self.head.channel_list[-1]}, hidden_channels={self.embed.out_features}, "
                f"layers={len(self.convs)}, pe={self.pe_kind!r})")


class GraphTransformer(nn.Module):
    r"""A graph transformer for graph-level prediction: a linear node encoder,
    ``num_layers`` :class:`graphlab.nn.GraphTransformerLayer` s (local GIN + global standard
    or GIN-attention), RMSNorm, pooling, and a 2-layer MLP head.

    Args:
        in_channels (int), hidden_channels (int), out_channels (int): node-feature width,
            width (``64`` in configs), targets.
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

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int,
                 num_layers: int = 4, heads: int = 4, attention: str = "gin",
                 local: str = "gin", adjacency: str = "none", pool: str = "mean",
                 dropout: float = 0.0, threshold: str = "none", tau: float = 0.2,
                 mlp_ratio: float = 0.5, eps_mode: str = "eps",
                 group_ratio: Optional[float] = GROUP_RATIO):
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"num_layers must be at least 1, got {num_layers}")
        attention_kwargs = gin_options(attention, threshold=threshold, tau=tau,
                                       mlp_ratio=mlp_ratio, eps_mode=eps_mode)
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

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.encoder.in_features}, "
                f"{self.head.channel_list[-1]}, hidden_channels={self.encoder.out_features}, "
                f"layers={len(self.layers)}, attention={self.layers[0].kind!r})")


class SubgraphGNN(nn.Module):
    r"""A subgraph GNN of the SWL hierarchy for graph-level prediction.

    Initial pair state :math:`h(u, v) = W x_v + \mathrm{Emb}(\min(\mathrm{SPD}(u, v),
    \mathrm{max\_dis}))`; ``num_layers`` :class:`SWLConv`; pooling ``'VS'``:
    :math:`\mathrm{mean}_u\, \mathrm{MLP}(\sum_v h(u, v))` per graph, or ``'SV'`` with the
    roles swapped; a linear prediction head.

    Args:
        in_channels (int), hidden_channels (int), out_channels (int): node-feature width,
            width (``64`` in configs), targets.
        preset (str, optional): a name in ``PRESETS`` (sets aggregations and pooling).
        aggregations (sequence of str, optional), pooling (str, optional): instead of
            ``preset``.
        num_layers (int): layers (default ``4``).
        max_dis (int): distance-embedding size − 1 (default ``5``; must match the bag).
        norm (bool): batch norm in the layers (default ``True``).
        edge_channels (int): edge-feature width read by the local aggregations (``0``:
            none, default).

    Shapes:
        a ``Batch`` of :class:`graphlab.construct.SubgraphData` → ``[G, out_channels]``.
    """

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int,
                 preset: Optional[str] = "SSWL+", aggregations: Optional[Sequence[str]] = None,
                 pooling: Optional[str] = None, num_layers: int = 4, max_dis: int = 5,
                 norm: bool = True, edge_channels: int = 0):
        super().__init__()
        if preset is not None:
            if preset not in PRESETS:
                raise ValueError(f"unknown preset '{preset}'; choose one of {list(PRESETS)}")
            default_aggs, default_pool = PRESETS[preset]
            aggregations = aggregations or default_aggs
            pooling = pooling or default_pool
        if aggregations is None or pooling is None:
            raise ValueError("give a preset, or both aggregations and pooling")
        if pooling not in ("VS", "SV"):
            raise ValueError(f"pooling must be 'VS' or 'SV', got '{pooling}'")
        self.preset, self.pooling, self.max_dis = preset, pooling, max_dis
        self.embed = nn.Linear(in_channels, hidden_channels)
        self.dist = nn.Embedding(max_dis + 1, hidden_channels)
        self.edge_channels = edge_channels
        self.convs = nn.ModuleList(SWLConv(hidden_channels, hidden_channels, aggregations, norm,
                                           edge_dim=edge_channels) for _ in range(num_layers))
        self.pool_mlp = nn.Sequential(nn.Linear(hidden_channels, hidden_channels), nn.ReLU(),
                                      nn.Linear(hidden_channels, hidden_channels))
        self.head = nn.Linear(hidden_channels, out_channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for module in [self.embed, self.dist, *self.convs, self.head]:
            module.reset_parameters()
        reset(self.pool_mlp)

    def forward(self, data) -> Tensor:
        check_width(data.x, self.embed.in_features, "SubgraphGNN", name="data.x")
        check_finite(data.x, "SubgraphGNN: data.x")
        if getattr(data, "edge_attr", None) is not None:
            check_finite(data.edge_attr, "SubgraphGNN: data.edge_attr")
        pairs = PairGraph.from_batch(data)
        x = data.x.to(self.embed.weight.dtype)
        dist = data.pair_dist
        if dist.numel() and int(dist.max()) > self.max_dis:
            raise ValueError(f"pair_dist reaches {int(dist.max())} but the model was built "
                             f"with max_dis={self.max_dis}")
        h = self.embed(x)[pairs.pair_index[1]] + self.dist(dist)
        edge_attr = getattr(data, "edge_attr", None) if self.edge_channels else None
        if edge_attr is not None and edge_attr.dim() == 1:
            edge_attr = edge_attr.unsqueeze(-1)
        for conv in self.convs:
            h = conv(h, pairs, edge_attr)
        root = pairs.pair_index[0 if self.pooling == "VS" else 1]
        per_node = self.pool_mlp(scatter(h, root, pairs.num_nodes, "sum"))   # [N, F]
        batch = data.batch if data.batch is not None else torch.zeros(
            pairs.num_nodes, dtype=torch.long, device=h.device)
        num_graphs = int(getattr(data, "num_graphs", 1) or 1)
        return self.head(scatter(per_node, batch, num_graphs, "mean"))

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.embed.in_features}, {self.head.out_features}, "
                f"preset={self.preset!r}, layers={len(self.convs)}, "
                f"aggregations={self.convs[0].aggregations}, pooling={self.pooling!r})")


register("gin", task="graph", defaults={"hidden_channels": 64},
         description="GIN with per-layer readout (Xu et al., ICLR 2019).")(GINGraph)
register("gine", task="graph", defaults={"hidden_channels": 64},
         description="GINE with an eigen-PE: none, SPE, SignNet, BasisNet or LapPE (Huang et "
                     "al. 2024).")(GINEGraph)
register("graph_transformer", task="graph", fixed={"group_ratio": GROUP_RATIO},
         defaults={"hidden_channels": 64},
         description="GraphGPS-style transformer, standard or GIN-attention (Buehler "
                     "2025).")(GraphTransformer)
register("swl", task="graph", defaults={"hidden_channels": 64},
         description="Subgraph GNN of the SWL hierarchy (Zhang et al., ICML 2023); needs "
                     "dataset.bag.")(SubgraphGNN)
