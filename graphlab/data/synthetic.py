"""Synthetic graphs that need no files.

:func:`directed_csbm` draws a directed contextual stochastic block model whose
homophily and *direction asymmetry* are separate knobs, so that one can study
when a model should treat edges as directed (the AMUD question) and how
heterophily hurts message passing, with ground truth known.
"""
from __future__ import annotations

import torch
from torch_geometric.data import Data


def directed_csbm(num_nodes: int = 1000, num_classes: int = 4, avg_degree: float = 10.0,
                  homophily: float = 0.7, asymmetry: float = 0.0, num_features: int = 32,
                  feature_signal: float = 1.0, train_ratio: float = 0.6, val_ratio: float = 0.2,
                  seed: int = 0) -> Data:
    r"""Sample a directed contextual stochastic block model.

    Labels are balanced over ``num_classes``. Each of the
    ``round(num_nodes * avg_degree)`` directed edges picks its source ``i``
    uniformly; with probability ``homophily`` its target has the class of ``i``;
    otherwise, with probability ``asymmetry`` the target class is
    :math:`(y_i + 1) \bmod C` (a directed class cycle: out-neighbours and
    in-neighbours of a class carry different labels), and else a class drawn
    uniformly from the other :math:`C - 1` classes. The target node is uniform
    within the chosen class. Self-loops and duplicate edges are dropped, so the
    realised edge homophily stays close to, not exactly at, ``homophily``.

    Features: :math:`x_i = s\,\mu_{y_i} + \varepsilon_i`, with :math:`\mu_c`
    random unit vectors, :math:`s` = ``feature_signal`` and
    :math:`\varepsilon_i \sim \mathcal{N}(0, I)`. Within the span of the class
    means the noise has unit variance whatever ``num_features`` is, so ``s`` alone
    sets how separable the classes are from features (``s ≈ 1``: weak, ``s ≈ 3``:
    nearly separable).

    Args:
        num_nodes (int): number of nodes ``N`` (default ``1000``).
        num_classes (int): number of classes ``C ≥ 2`` (default ``4``).
        avg_degree (float): directed edges per node before de-duplication (default ``10``).
        homophily (float): probability that an edge stays within its source's class (``0.7``).
        asymmetry (float): probability that a cross-class edge follows the class cycle
            ``c → c+1`` (``0`` = no direction signal, ``1`` = fully directional).
        num_features (int): feature dimension ``F`` (default ``32``).
        feature_signal (float): class-mean scale ``s`` (default ``1.0``; ``0`` = no signal).
        train_ratio, val_ratio (float): fractions for the random node split stored as masks.
        seed (int): seed of the generator (the graph is a pure function of the arguments).

    Returns:
        ``Data(x, edge_index, y, train_mask, val_mask, test_mask)`` with a directed
        ``edge_index`` (row = source, col = target).
    """
    if num_nodes < 1:
        raise ValueError(f"num_nodes must be at least 1, got {num_nodes}")
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes}")
    for key, value in (("homophily", homophily), ("asymmetry", asymmetry)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{key} must lie in [0, 1], got {value}")
    if avg_degree < 0 or feature_signal < 0 or num_features < 1:
        raise ValueError("avg_degree and feature_signal must be non-negative and "
                         f"num_features positive, got {avg_degree}, {feature_signal}, "
                         f"{num_features}")
    if train_ratio <= 0 or val_ratio < 0 or train_ratio + val_ratio >= 1:
        raise ValueError(f"need 0 < train_ratio, 0 <= val_ratio, train_ratio + val_ratio < 1; "
                         f"got {train_ratio}, {val_ratio}")
    gen = torch.Generator().manual_seed(seed)
    y = torch.arange(num_nodes) % num_classes
    y = y[torch.randperm(num_nodes, generator=gen)]

    # Nodes of each class, for uniform sampling within a class.
    order = torch.argsort(y, stable=True)
    counts = torch.bincount(y, minlength=num_classes)
    starts = torch.cumsum(counts, 0) - counts

    num_edges = int(round(num_nodes * avg_degree))
    src = torch.randint(num_nodes, (num_edges,), generator=gen)
    ys = y[src]
    same = torch.rand(num_edges, generator=gen) < homophily
    cyclic = torch.rand(num_edges, generator=gen) < asymmetry
    other = (ys + 1 + torch.randint(num_classes - 1, (num_edges,), generator=gen)) % num_classes
    tgt_class = torch.where(same, ys, torch.where(cyclic, (ys + 1) % num_classes, other))
    pick = (torch.rand(num_edges, generator=gen) * counts[tgt_class]).long()
    dst = order[starts[tgt_class] + pick]

    keep = src != dst
    key = torch.unique(src[keep] * num_nodes + dst[keep])
    edge_index = torch.stack([key // num_nodes, key % num_nodes])

    means = torch.randn(num_classes, num_features, generator=gen)
    means = means / means.norm(dim=1, keepdim=True)
    noise = torch.randn(num_nodes, num_features, generator=gen)
    x = feature_signal * means[y] + noise

    perm = torch.randperm(num_nodes, generator=gen)
    n_train = int(round(train_ratio * num_nodes))
    n_val = int(round(val_ratio * num_nodes))
    masks = [torch.zeros(num_nodes, dtype=torch.bool) for _ in range(3)]
    masks[0][perm[:n_train]] = True
    masks[1][perm[n_train:n_train + n_val]] = True
    masks[2][perm[n_train + n_val:]] = True
    return Data(x=x, edge_index=edge_index, y=y, train_mask=masks[0], val_mask=masks[1],
                test_mask=masks[2], num_nodes=num_nodes)


#: substructures counted by :func:`substructure_counts` (not induced), in target order
SUBSTRUCTURES = ("triangle", "tailed_triangle", "star", "cycle4")


def substructure_counts(edge_index: torch.Tensor, num_nodes: int) -> dict[str, int]:
    r"""Exact counts of (not necessarily induced) subgraphs of the undirected simple graph:

    - triangles :math:`\mathrm{tr}(A^3)/6`;
    - tailed triangles (a triangle with one pendant edge) :math:`\sum_v t_v (d_v - 2)`,
      :math:`t_v` the triangles through :math:`v`;
    - 3-stars :math:`\sum_v \binom{d_v}{3}`;
    - 4-cycles :math:`(\mathrm{tr}(A^4) - 2m - 4\sum_v \binom{d_v}{2}) / 8`.
    """
    a = torch.zeros(num_nodes, num_nodes, dtype=torch.float64)
    if edge_index.numel():
        a[edge_index[0], edge_index[1]] = 1.0
        a[edge_index[1], edge_index[0]] = 1.0
    a.fill_diagonal_(0.0)
    deg = a.sum(1)
    a2 = a @ a
    a3_diag = (a2 * a).sum(1)            # (A^3)_vv = 2 t_v
    tri_v = a3_diag / 2
    m = a.sum() / 2
    a4_trace = (a2 * a2).sum()
    counts = {
        "triangle": tri_v.sum() / 3,
        "tailed_triangle": (tri_v * (deg - 2).clamp_min(0)).sum(),
        "star": (deg * (deg - 1) * (deg - 2) / 6).sum(),
        "cycle4": (a4_trace - 2 * m - 4 * (deg * (deg - 1) / 2).sum()) / 8,
    }
    return {k: int(round(float(v))) for k, v in counts.items()}


def counting_graphs(num_graphs: int = 5000, min_nodes: int = 10, max_nodes: int = 30,
                    min_p: float = 0.1, max_p: float = 0.3, seed: int = 0) -> list[Data]:
    """graphlab's substructure-counting set (the published ``randomgraph.mat`` is not
    available offline): Erdős–Rényi graphs with ``n`` uniform in ``[min_nodes, max_nodes]``
    and edge probability uniform in ``[min_p, max_p]``; ``y`` ``[1, 4]`` = the counts of
    :data:`SUBSTRUCTURES` divided by their standard deviation over the set (the usual
    normalisation); ``counts`` keeps the raw integers. Constant node features."""
    if num_graphs < 2:
        raise ValueError(f"num_graphs must be at least 2, got {num_graphs}")
    if not 1 <= min_nodes <= max_nodes:
        raise ValueError(f"need 1 <= min_nodes <= max_nodes, got {min_nodes}, {max_nodes}")
    gen = torch.Generator().manual_seed(seed)
    graphs, raw = [], []
    for _ in range(num_graphs):
        n = int(torch.randint(min_nodes, max_nodes + 1, (1,), generator=gen))
        p = min_p + (max_p - min_p) * float(torch.rand(1, generator=gen))
        upper = torch.triu(torch.rand(n, n, generator=gen) < p, diagonal=1)
        edges = upper.nonzero().t()
        edge_index = torch.cat([edges, edges.flip(0)], 1)
        counts = substructure_counts(edge_index, n)
        raw.append([counts[k] for k in SUBSTRUCTURES])
        graphs.append(Data(x=torch.ones(n, 1), edge_index=edge_index, num_nodes=n))
    raw_t = torch.tensor(raw, dtype=torch.float64)
    std = raw_t.std(0).clamp_min(1e-12)
    for g, r in zip(graphs, raw_t, strict=True):
        g.y = (r / std).float().view(1, -1)
        g.counts = r.long().view(1, -1)
    return graphs
