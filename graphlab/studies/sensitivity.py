"""Over-squashing diagnostics: how strongly a node's state after layer ℓ depends on the input
of a node u hops away, :math:`\\lVert \\partial h_v^{(\\ell)} / \\partial x_u \\rVert_F`, averaged
over node pairs grouped by hop distance (Topping et al., ICLR 2022; the sensitivity plots of
"Virtual Nodes Improve Long-term Traffic Prediction", 2025).

Works with any model: give a function mapping the input to the list of per-layer states
(:func:`hooked_layers` builds one from forward hooks on the layers of a PyG or graphlab model).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import torch
from torch import Tensor, nn


def hop_distances(edge_index: Tensor, num_nodes: int, max_hops: Optional[int] = None) -> Tensor:
    """Undirected shortest-path hop counts ``[N, N]`` by breadth-first search (``-1`` where
    unreachable or beyond ``max_hops``)."""
    neighbours: list[list[int]] = [[] for _ in range(num_nodes)]
    for s, t in edge_index.t().tolist():
        if s != t:
            neighbours[s].append(t)
            neighbours[t].append(s)
    dist = torch.full((num_nodes, num_nodes), -1, dtype=torch.long)
    for root in range(num_nodes):
        dist[root, root] = 0
        queue = deque([root])
        while queue:
            a = queue.popleft()
            d = int(dist[root, a])
            if max_hops is not None and d >= max_hops:
                continue
            for b in neighbours[a]:
                if dist[root, b] < 0:
                    dist[root, b] = d + 1
                    queue.append(b)
    return dist


def hooked_layers(model: nn.Module, layers: Sequence[nn.Module],
                  call: Optional[Callable[[Tensor], object]] = None
                  ) -> Callable[[Tensor], list[Tensor]]:
    """A function ``x -> [output of each of layers]`` that runs ``call(x)`` (default
    ``model(x)``) with forward hooks on ``layers`` (the first tensor of a tuple output)."""
    def run(x: Tensor) -> list[Tensor]:
        outputs: list[Optional[Tensor]] = [None] * len(layers)
        handles = []
        for i, layer in enumerate(layers):
            def hook(_m, _inp, out, i=i):
                outputs[i] = out[0] if isinstance(out, (tuple, list)) else out
            handles.append(layer.register_forward_hook(hook))
        try:
            (call or model)(x)
        finally:
            for h in handles:
                h.remove()
        missing = [i for i, o in enumerate(outputs) if o is None]
        if missing:
            raise ValueError(f"layers {missing} were not called by the forward pass")
        return outputs  # type: ignore[return-value]
    return run


@dataclass
class Sensitivity:
    """``mean[l][d]``: mean Jacobian norm of layer ``l`` over (target, source) pairs ``d`` hops
    apart; ``count[d]`` the number of such pairs; ``per_pair[l]`` ``[targets, N]`` norms."""

    mean: list[dict[int, float]]
    count: dict[int, int]
    targets: Tensor
    per_pair: list[Tensor] = field(repr=False, default_factory=list)


def jacobian_norms(state: Tensor, x: Tensor, v: int, state_node_dim: int, input_node_dim: int,
                   probes: Optional[int] = None, generator: Optional[torch.Generator] = None
                   ) -> Tensor:
    """``[N]`` Frobenius norms of :math:`\\partial\\, \\mathrm{state}_v / \\partial x_u` for
    every node u. Exact (one backward pass per component of node v's state), or with
    ``probes`` random Gaussian projections (an unbiased estimate of the squared norm)."""
    h = state.select(state_node_dim, v).reshape(-1)
    sq = torch.zeros(x.size(input_node_dim), dtype=torch.float64, device=x.device)
    if probes is None:
        rows = [torch.nn.functional.one_hot(torch.tensor(c), h.numel()).to(h.dtype)
                for c in range(h.numel())]
    else:
        rows = [torch.randn(h.numel(), generator=generator, dtype=h.dtype) for _ in range(probes)]
    for r in rows:
        (g,) = torch.autograd.grad(h, x, grad_outputs=r.to(h.device), retain_graph=True,
                                   allow_unused=True)
        if g is None:
            continue
        g = g.movedim(input_node_dim, 0).reshape(x.size(input_node_dim), -1)
        sq += g.double().pow(2).sum(1)
    if probes is not None:
        sq /= probes
    return sq.sqrt()


def layer_sensitivity(layers_of: Callable[[Tensor], Sequence[Tensor]], x: Tensor,
                      edge_index: Tensor, input_node_dim: int = 0,
                      state_node_dim: int | Sequence[int] = 0, targets: Optional[Tensor] = None,
                      num_targets: int = 8, max_hops: Optional[int] = None,
                      probes: Optional[int] = None, seed: int = 0) -> Sensitivity:
    """Layer-wise sensitivity of node states to the inputs of nodes at each hop distance.

    Args:
        layers_of: ``x -> [state after layer 1, …, state after layer L]``
            (see :func:`hooked_layers`).
        x: the input; ``x.size(input_node_dim)`` is the number of real nodes N (for a
            ``[B, T, N, C]`` traffic window, ``input_node_dim=2``).
        edge_index: the graph that defines hop distances (real nodes only).
        state_node_dim: the node axis of each state (one int for all layers, or one each);
            states may hold extra (e.g. virtual) nodes after the N real ones — they are
            never targets.
        targets: target nodes v (default: ``num_targets`` drawn with ``seed``).
        max_hops: ignore pairs farther apart.
        probes: ``None`` = exact Jacobian norms; else that many random projections.

    Returns:
        :class:`Sensitivity` — mean norm per layer and hop distance.
    """
    n = x.size(input_node_dim)
    x = x.detach().clone().requires_grad_(True)
    dist = hop_distances(edge_index, n, max_hops)
    gen = torch.Generator().manual_seed(seed)
    if targets is None:
        targets = torch.randperm(n, generator=gen)[:min(num_targets, n)]
    states = list(layers_of(x))
    dims = [state_node_dim] * len(states) if isinstance(state_node_dim, int) else \
        list(state_node_dim)
    if len(dims) != len(states):
        raise ValueError(f"{len(states)} layer states but {len(dims)} state_node_dim values")
    per_pair = []
    for state, dim in zip(states, dims, strict=True):
        if state.size(dim) < n:
            raise ValueError(f"a layer state has {state.size(dim)} nodes on axis {dim}, fewer "
                             f"than the {n} input nodes")
        per_pair.append(torch.stack([jacobian_norms(state, x, int(v), dim, input_node_dim,
                                                    probes, gen) for v in targets]))
    d = dist[targets]                                     # [targets, N]
    hops = sorted(int(h) for h in d.unique() if h >= 0)
    count = {h: int((d == h).sum()) for h in hops}
    mean = [{h: float(norms[d == h].mean()) for h in hops} for norms in per_pair]
    return Sensitivity(mean, count, targets, per_pair)


#: where an assembled model keeps its message-passing layers, tried in this order
LAYER_LISTS = ("backbone.blocks", "convs", "blocks", "layers")


def model_layers(model: nn.Module) -> list[nn.Module]:
    """The message-passing layers of an assembled model: the first non-empty
    ``nn.ModuleList`` among :data:`LAYER_LISTS` (an STGCN forecaster's blocks, a PyG
    ``BasicGNN``'s ``convs``). ``ValueError`` naming the model when it has none; pass the
    layers to :func:`hooked_layers` yourself then."""
    for path in LAYER_LISTS:
        obj: object = model
        for part in path.split("."):
            obj = getattr(obj, part, None)
        if isinstance(obj, nn.ModuleList) and len(obj):
            return list(obj)
    raise ValueError(f"{type(model).__name__} keeps no layer list under {list(LAYER_LISTS)}; "
                     "call hooked_layers(model, layers) with its layers instead")


def task_sensitivity(task: str, model_settings, split, train, dataset, seed: int = 0,
                     trained: bool = False, num_targets: int = 16,
                     max_hops: Optional[int] = 8, probes: Optional[int] = 16,
                     progress: bool = False) -> tuple[Sensitivity, dict]:
    """:func:`layer_sensitivity` of a config's model on its dataset, for the ``forecast``
    task (one test window ``[1, T, N, C]``; the paper's study of virtual nodes) and the
    ``node`` task (the node features). At initialisation (torch seeded with ``seed``), or
    with ``trained`` after one seed's training (forecast only). Float64 throughout.
    Returns the sensitivity and a small ``info`` dict (model, layers, nodes, targets)."""
    from graphlab.models import build_model
    from graphlab.tasks.forecast import build_forecaster, fit_forecaster, windows_for

    if task not in ("forecast", "node"):
        raise ValueError(f"the sensitivity study covers the 'forecast' and 'node' tasks, not "
                         f"'{task}'")
    if trained and task != "forecast":
        raise ValueError("trained: the sensitivity study trains forecast configs only; "
                         "measure a node model at initialisation")
    torch.manual_seed(seed)
    if task == "forecast":
        ds = dataset.open()
        if trained:
            net, _ = fit_forecaster(ds, model_settings, split, train, seed, progress=progress)
        else:
            net = build_forecaster(model_settings, ds, split)
        x = windows_for(ds, split).x["test"][:1]
        edge_index = (ds.adjacency > 0).nonzero().t()
        node_dim = 2
    else:
        from graphlab.tasks import prepare_data

        # the graph the node task trains on: its features, symmetrised edges, any source
        data, num_classes = prepare_data(task, dataset)
        net = build_model(model_settings.name, "node", model_settings.params,
                          in_channels=data.num_features, out_channels=num_classes)
        x, edge_index, node_dim = data.x, data.edge_index, 0
    net = net.double().eval()
    x = x.double()
    call = None if task == "forecast" else (lambda inp: net(inp, edge_index))
    layers_of = hooked_layers(net, model_layers(net), call)
    sens = layer_sensitivity(layers_of, x, edge_index, input_node_dim=node_dim,
                             state_node_dim=node_dim, num_targets=num_targets,
                             max_hops=max_hops, probes=probes, seed=seed)
    info = {"model": model_settings.name, "layers": len(sens.mean),
            "nodes": int(x.size(node_dim)), "targets": sens.targets.tolist(),
            "trained": trained, "probes": probes, "max_hops": max_hops, "seed": seed}
    return sens, info


def sensitivity_table(rows: dict[str, Sensitivity]) -> str:
    """Markdown: one row per (name, layer), one column per hop distance (mean norm)."""
    hops = sorted({h for s in rows.values() for layer in s.mean for h in layer})
    lines = ["| config | layer | " + " | ".join(f"d={h}" for h in hops) + " |",
             "|---|---|" + "---|" * len(hops)]
    for name, s in rows.items():
        for i, layer in enumerate(s.mean, 1):
            cells = [f"{layer[h]:.3g}" if h in layer else "–" for h in hops]
            lines.append(f"| {name} | {i} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
