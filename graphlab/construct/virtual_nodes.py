"""Virtual nodes for static graphs: any number of them, connected to all real nodes, to a
cluster each, or to a random part each."""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor
from torch_geometric.data import Batch, Data
from torch_geometric.data.storage import N_KEYS
from torch_geometric.transforms import BaseTransform

from graphlab.ops import check_edge_index

CONNECT = ("all", "cluster", "random")
#: ``edge_type`` values written by :class:`AddVirtualNodes`
ORIGINAL, REAL_TO_VIRTUAL, VIRTUAL_TO_REAL = 0, 1, 2


def _clusters(data: Data, k: int, seed: int) -> Tensor:
    """A cluster id in ``[0, k)`` per real node: k-means (scikit-learn, seeded) on ``pos``
    when the graph has positions, else on its first ``k`` Laplacian eigenvectors."""
    from sklearn.cluster import KMeans

    n = data.num_nodes
    if k >= n:
        return torch.arange(n) % k
    if getattr(data, "pos", None) is not None:
        feats = data.pos.detach().double().cpu().numpy()
    else:
        from graphlab.construct.spectral import laplacian_eigenpairs

        _, vecs = laplacian_eigenpairs(data.edge_index, n, k)
        feats = vecs.double().cpu().numpy()
    labels = KMeans(k, n_init=10, random_state=seed).fit_predict(feats)
    return torch.as_tensor(labels, dtype=torch.long)


class AddVirtualNodes(BaseTransform):
    r"""Append ``num_virtual`` virtual nodes to a graph (PyG's ``VirtualNode`` adds only one).

    Virtual node ``k`` gets index ``N + k``, zero features, and edges in both directions to
    the real nodes it serves:

    * ``'all'``: every virtual node serves every real node;
    * ``'cluster'``: the real nodes are split into ``num_virtual`` clusters (k-means on
      ``pos`` if present, else on the first Laplacian eigenvectors; seeded) and virtual node
      k serves cluster k;
    * ``'random'``: every real node is served by one virtual node drawn uniformly (seeded).

    Writes ``edge_type`` (``0`` original, ``1`` real → virtual, ``2`` virtual → real),
    ``virtual`` (a bool node mask), zero rows appended to ``x`` and every other node-level
    tensor, zeros to ``edge_attr`` and ones to ``edge_weight`` for the new edges. A ``Batch``
    gets its own virtual nodes per graph (graphs stay separate). The input is not changed.

    Which attributes are node-level is decided as PyG's ``Data.is_node_attr`` does (a tensor
    whose first dimension is the number of nodes); graph-level attributes (a graph label
    ``y`` of one entry, …) are never padded. On a one-node graph sizes cannot tell the two
    apart: there only PyG's known node keys (``x``, ``pos``, ``batch``, …) are padded, and
    ``y`` is taken as graph-level.

    Args:
        num_virtual (int): virtual nodes per graph (``>= 1``).
        connect (str): ``'all'`` (default), ``'cluster'`` or ``'random'``.
        seed (int): seed of the clustering / random assignment (default ``0``).
    """

    def __init__(self, num_virtual: int = 1, connect: str = "all", seed: int = 0):
        if num_virtual < 1:
            raise ValueError(f"num_virtual must be at least 1, got {num_virtual}")
        if connect not in CONNECT:
            raise ValueError(f"unknown connect '{connect}'; choose one of {CONNECT}")
        self.num_virtual, self.connect, self.seed = num_virtual, connect, seed

    def forward(self, data: Data) -> Data:
        if isinstance(data, Batch):
            return Batch.from_data_list([self.forward(g) for g in data.to_data_list()])
        n = data.num_nodes
        if not n:
            raise ValueError("AddVirtualNodes: the graph has no nodes")
        if getattr(data, "edge_index", None) is None:
            raise ValueError("AddVirtualNodes: the graph has no edge_index (a graph without "
                             "edges needs torch.empty(2, 0, dtype=torch.long))")
        check_edge_index(data.edge_index, n, name="AddVirtualNodes: edge_index")
        if getattr(data, "virtual", None) is not None:
            raise ValueError("AddVirtualNodes: the graph already has virtual nodes "
                             "(a 'virtual' mask); apply the transform once")
        k = self.num_virtual
        real = torch.arange(n)
        if self.connect == "all":
            src = real.repeat(k)
            hub = torch.arange(k).repeat_interleave(n)
        else:
            if self.connect == "cluster":
                assign = _clusters(data, k, self.seed)
            else:
                gen = torch.Generator().manual_seed(self.seed)
                assign = torch.randint(0, k, (n,), generator=gen)
            src, hub = real, assign
        hub = hub + n
        device = data.edge_index.device
        old = data.edge_index
        new = torch.cat([torch.stack([src, hub]), torch.stack([hub, src])], 1).to(device)
        out = data.clone()
        out.edge_index = torch.cat([old, new], 1)
        m = src.numel()
        out.edge_type = torch.cat([
            data.edge_type if getattr(data, "edge_type", None) is not None
            else torch.full((old.size(1),), ORIGINAL, dtype=torch.long, device=device),
            torch.full((m,), REAL_TO_VIRTUAL, dtype=torch.long, device=device),
            torch.full((m,), VIRTUAL_TO_REAL, dtype=torch.long, device=device)])
        for key in ("edge_attr", "edge_weight"):
            value = getattr(data, key, None)
            if value is not None:
                fill = torch.zeros if key == "edge_attr" else torch.ones
                out[key] = torch.cat([value, fill((2 * m, *value.shape[1:]), dtype=value.dtype,
                                                  device=value.device)])
        for key, value in data.items():
            if key in ("edge_index", "edge_attr", "edge_weight", "edge_type", "num_nodes"):
                continue
            node_level = data.is_node_attr(key) if n > 1 else key in N_KEYS
            if isinstance(value, Tensor) and node_level and value.size(0) == n:
                pad = torch.zeros((k, *value.shape[1:]), dtype=value.dtype,
                                  device=value.device)
                out[key] = torch.cat([value, pad])
        out.virtual = torch.cat([torch.zeros(n, dtype=torch.bool),
                                 torch.ones(k, dtype=torch.bool)]).to(device)
        out.num_nodes = n + k
        return out

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(num_virtual={self.num_virtual}, "
                f"connect='{self.connect}')")


def virtual_mask(num_nodes: int, num_virtual: int, device: Optional[torch.device] = None
                 ) -> Tensor:
    """``[N + n_v]`` bool, ``True`` for the virtual nodes appended after ``num_nodes`` real
    ones (the layout of :class:`AddVirtualNodes` and :class:`SemiAdaptiveAdjacency`)."""
    mask = torch.zeros(num_nodes + num_virtual, dtype=torch.bool, device=device)
    mask[num_nodes:] = True
    return mask
