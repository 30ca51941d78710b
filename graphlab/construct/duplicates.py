"""Removing duplicated nodes from a directed graph (Platonov et al., ICLR 2023).

Platonov, Kuznedelev, Diskin, Babenko and Prokhorenkova ("A critical look at the evaluation
of GNNs under heterophily: are we really making progress?", ICLR 2023) found that the
Wikipedia graphs chameleon and squirrel hold many *duplicated nodes*: copies of a page that
repeat another node's links, so the same page can sit in the training and the test set at
once. They published filtered versions of both graphs with the copies removed.

What a duplicate is, in the geom-gcn files: a node ``u`` **without incoming edges** whose
set of **out-neighbours equals** that of another node ``v`` **that has incoming edges**. The
copy ``u`` adds nothing to the graph that ``v`` does not already carry: every page links to
``v``, none to ``u``, and both link to the same pages. The copies of one page often differ
in features and even in label (the label is a traffic bin), which is why features are not
part of the test. Nodes without incoming edges whose out-neighbourhood no linked node
shares are kept, as are all linked nodes.

This rule, applied to the geom-gcn raw files, gives the published filtered chameleon
exactly (890 nodes; 8,854 undirected edges without self-loops) and squirrel to within one
node (2,222 nodes and 46,997 edges against 2,223 and 46,998): the published squirrel file
keeps one node that the rule removes. ``docs/papers/platonov.md`` lists the comparison.

The splits follow the filtered graphs: each split's masks are kept on the surviving nodes
(the published filtered splits are the geom-gcn splits restricted this way).
"""
from __future__ import annotations

from collections import Counter

import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.transforms import BaseTransform

from graphlab.ops import check_edge_index, undirected_pairs

#: node-level attributes besides ``x`` and ``y`` that are subset with the nodes
_NODE_MASKS = ("train_mask", "val_mask", "test_mask")


def duplicate_nodes(edge_index: Tensor, num_nodes: int) -> Tensor:
    """Boolean mask ``[N]`` of the duplicated nodes of a directed graph.

    A node is a duplicate when it has no incoming edge and another node with at least one
    incoming edge has exactly the same set of out-neighbours (see the module docstring).
    Multi-edges count once; a self-loop is an incoming edge of its node.

    Args:
        edge_index: ``[2, E]`` int64 directed edges ``source → target``.
        num_nodes: ``N``.

    Raises:
        ValueError / TypeError: a malformed ``edge_index``
            (:func:`graphlab.ops.check_edge_index`).
    """
    check_edge_index(edge_index, num_nodes, name="edge_index")
    linked = torch.zeros(num_nodes, dtype=torch.bool)
    linked[edge_index[1].long().cpu()] = True
    # one canonical key per node: its sorted, de-duplicated out-neighbours
    out_sets = _out_sets(edge_index, num_nodes)
    linked_list = linked.tolist()
    of_linked = {out_sets[v] for v in range(num_nodes) if linked_list[v]}
    return torch.tensor([not linked_list[u] and out_sets[u] in of_linked
                         for u in range(num_nodes)], dtype=torch.bool)


def _out_sets(edge_index: Tensor, num_nodes: int) -> list[tuple[int, ...]]:
    src, dst = edge_index[0].long().cpu(), edge_index[1].long().cpu()
    key = torch.unique(src * num_nodes + dst)        # sorted by (source, target)
    s, t = key // num_nodes, key % num_nodes
    counts = torch.bincount(s, minlength=num_nodes).tolist()
    targets = t.tolist()
    out, start = [], 0
    for c in counts:
        out.append(tuple(targets[start:start + c]))
        start += c
    return out


def twin_leakage(edge_index: Tensor, y: Tensor, train_mask: Tensor,
                 test_mask: Tensor) -> dict[str, float]:
    """How much a model that aggregates out-neighbours can learn a test label from a training
    node: the fraction of test nodes with a *twin* — a training node with exactly the same
    (non-empty) set of out-neighbours, whose representation such a model computes from the
    same messages — and, among them, the fraction whose label equals the most common label
    of their twins. Masks are ``[N]`` bools; every node with an out-link counts.

    Returns ``{'test_with_twin': …, 'twin_label_agrees': …}`` (fractions in [0, 1];
    ``twin_label_agrees`` is ``nan`` when no test node has a twin).
    """
    n = int(y.numel())
    check_edge_index(edge_index, n, name="edge_index")
    for name, mask in (("train_mask", train_mask), ("test_mask", test_mask)):
        if mask.dtype != torch.bool or mask.shape != (n,):
            raise ValueError(f"{name} must be a bool tensor of shape [{n}], got {mask.dtype} "
                             f"{list(mask.shape)}")
    out_sets = _out_sets(edge_index, n)
    labels = y.view(-1).tolist()
    twins: dict[tuple[int, ...], list[int]] = {}
    for i in train_mask.nonzero().view(-1).tolist():
        if out_sets[i]:
            twins.setdefault(out_sets[i], []).append(labels[i])
    tests = test_mask.nonzero().view(-1).tolist()
    with_twin = [i for i in tests if out_sets[i] in twins]
    agree = 0
    for i in with_twin:
        found = twins[out_sets[i]]
        agree += Counter(found).most_common(1)[0][0] == labels[i]
    return {"test_with_twin": len(with_twin) / max(len(tests), 1),
            "twin_label_agrees": agree / len(with_twin) if with_twin else float("nan")}


def keep_nodes(data: Data, keep: Tensor) -> Data:
    """The subgraph of ``data`` on the nodes where ``keep`` is true, renumbered in order.

    Edges touching a removed node are dropped; ``x``, ``y`` and the split masks (``[N]`` or
    ``[N, S]``) are subset; ``original_id`` (``[N']``) gives each kept node's index in
    ``data``. Other attributes are copied unchanged.
    """
    n = data.num_nodes
    check_edge_index(data.edge_index, n, name="edge_index")
    if keep.dtype != torch.bool or keep.shape != (n,):
        raise ValueError(f"keep must be a bool tensor of shape [{n}], got {keep.dtype} "
                         f"{list(keep.shape)}")
    new_id = torch.full((n,), -1, dtype=torch.long)
    new_id[keep] = torch.arange(int(keep.sum()))
    edge_index = data.edge_index.long()
    edge_keep = keep[edge_index[0]] & keep[edge_index[1]]
    out = data.clone()
    out.edge_index = new_id[edge_index[:, edge_keep]]
    if data.edge_attr is not None:
        out.edge_attr = data.edge_attr[edge_keep]
    for attr in ("x", "y", *_NODE_MASKS):
        value = getattr(data, attr, None)
        if isinstance(value, Tensor) and value.size(0) == n:
            setattr(out, attr, value[keep])
    out.original_id = keep.nonzero().view(-1)
    out.num_nodes = int(keep.sum())
    return out


class RemoveDuplicateNodes(BaseTransform):
    """Removes the duplicated nodes of a directed graph, with their edges and split entries.

    See the module docstring for what a duplicate is. The result keeps the remaining nodes in
    their original order, with ``original_id`` giving their index in the input graph and
    ``num_removed_duplicates`` the number removed. The input must hold *directed* edges (the
    geom-gcn files): on a symmetrised graph no node lacks incoming edges and nothing is
    removed.

    Example::

        >>> from torch_geometric.datasets import WikipediaNetwork
        >>> data = WikipediaNetwork(root, "chameleon", geom_gcn_preprocess=True)[0]
        >>> RemoveDuplicateNodes()(data).num_nodes
        890
    """

    def forward(self, data: Data) -> Data:
        if data.edge_index is None:
            raise ValueError("RemoveDuplicateNodes needs edge_index (directed edges)")
        n = data.num_nodes
        if n is None or n == 0:
            raise ValueError("RemoveDuplicateNodes got an empty graph (no nodes)")
        dup = duplicate_nodes(data.edge_index, n)
        out = keep_nodes(data, ~dup)
        out.num_removed_duplicates = int(dup.sum())
        return out

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


def filtered_counts(data: Data, undirected: bool = True) -> dict[str, int]:
    """Node and edge counts of a graph as Platonov et al. publish them: nodes, and unique
    undirected edges without self-loops (``undirected=False``: the edges as stored)."""
    if not undirected:
        check_edge_index(data.edge_index, int(data.num_nodes), name="edge_index")
        return {"num_nodes": int(data.num_nodes), "num_edges": int(data.edge_index.size(1))}
    pairs = undirected_pairs(data.edge_index, int(data.num_nodes))   # checks the edge_index
    return {"num_nodes": int(data.num_nodes), "num_edges": int(pairs.size(1))}
