"""Property-based fuzzing of every public op, layer and transform of ``graphlab.ops``,
``graphlab.nn`` and ``graphlab.construct``.

The property, for each symbol: on a legal input the result is finite (where the symbol
documents no NaN) and equals a dense or loop reference where one exists; on a broken input
(an index out of range or negative, float ids, a transposed or three-row edge index, NaN /
inf features, a width that does not match) the call raises ``ValueError`` or ``TypeError``
with a message that names the argument — never another exception, never a silent result.
A legal input may be refused only where the symbol documents it (an empty graph), with the
same kind of message. Inputs that used to crash the process run in a subprocess
(``test_malformed_adjacencies_in_a_subprocess``).

The examples are derandomised (no example database), so CI sees the same inputs every run.
``test_every_public_symbol_has_a_case`` fails when a new export has no case here.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
import torch
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from torch_geometric.data import Batch, Data

import graphlab.construct as gc
import graphlab.nn as gn
import graphlab.ops as go
from tests.fuzz.strategies import (
    FEATURE_FAULTS,
    INDEX_FAULTS,
    Graph,
    break_features,
    break_index,
    graphs,
)

REPO = Path(__file__).resolve().parents[2]
#: draws per property (``GRAPHLAB_FUZZ_EXAMPLES`` raises it for a longer local search)
EXAMPLES = int(os.environ.get("GRAPHLAB_FUZZ_EXAMPLES", "10"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate])   # no shrinking: the budget is CI's
#: a broken input needs fewer draws: one refusal per fault is the property
BROKEN = settings(FUZZ, max_examples=max(2, EXAMPLES // 2))
INDEX_NAMES = ("edge_index", "adj", "index", "pairs", "col", "row", "edges")
FEATURE_NAMES = ("x", "h", "feature", "width", "channels", "eigvecs", "src")
#: what a documented refusal of a degenerate input names
GRAPH_NAMES = ("graph", "num_nodes", "sigma", "labels", "y", "edge")


@dataclass
class Case:
    """How to fuzz one public symbol.

    ``call(g)`` uses the symbol on graph ``g``. ``faults``: the breakages of
    :mod:`tests.fuzz.strategies` it must refuse. ``finite``: a legal result has no NaN /
    inf (``False`` where the symbol documents NaN, e.g. a node without neighbours).
    ``check(g, out)``: compares with a reference. ``min_nodes``: smaller graphs may be
    refused (with a named error); so may graphs for which ``degenerate(g)`` holds (a
    measure that is undefined there, as documented)."""

    call: Callable[[Graph], Any]
    faults: tuple[str, ...] = INDEX_FAULTS
    finite: bool = True
    check: Optional[Callable[[Graph, Any], None]] = None
    min_nodes: int = 1
    degenerate: Callable[[Graph], bool] = lambda g: False
    names: tuple[str, ...] = INDEX_NAMES + FEATURE_NAMES + GRAPH_NAMES


def _no_pairs(g: Graph) -> bool:
    """No edge between two different nodes, or fewer than two classes among their ends: a
    homophily measure is undefined there (documented)."""
    ei = g.edge_index.long()
    ei = ei[:, ei[0] != ei[1]]
    return ei.size(1) == 0 or g.y[ei.reshape(-1)].unique().numel() < 2


class _Sum(gn.OpsMessagePassing):
    """The smallest subclass: sum of the neighbours' features through graphlab's kernels."""

    def forward(self, x, edge_index):
        return self.propagate(edge_index, x=x, size=(x.size(0), x.size(0)))


def _dense(g: Graph) -> torch.Tensor:
    a = torch.zeros(g.num_nodes, g.num_nodes)
    ei = g.edge_index.long()
    a.index_put_((ei[1], ei[0]), torch.ones(ei.size(1)), accumulate=True)  # a[dst, src]
    return a


def _valid(g: Graph) -> bool:
    ei = g.edge_index
    return (ei.dim() == 2 and ei.size(0) == 2 and ei.dtype in (torch.int32, torch.int64)
            and (ei.numel() == 0 or (int(ei.min()) >= 0 and int(ei.max()) < g.num_nodes)))


def _sym(g: Graph) -> Graph:
    """The symmetrised graph; a broken edge index is passed on as it is, for the symbol
    under test to refuse."""
    from torch_geometric.utils import coalesce, to_undirected
    if not _valid(g):
        return g
    ei = to_undirected(g.edge_index.long(), num_nodes=g.num_nodes)
    return Graph(g.num_nodes, coalesce(ei, num_nodes=g.num_nodes), g.x, g.y, g.batch)


def _pairs(g: Graph, k: int = 4) -> torch.Tensor:
    gen = torch.Generator().manual_seed(g.num_nodes)
    return torch.randint(0, max(g.num_nodes, 1), (2, k), generator=gen)


def _data(g: Graph) -> Data:
    return Data(x=g.x, edge_index=g.edge_index, y=g.y, num_nodes=g.num_nodes)


def _eig(g: Graph, k: int = 3):
    data = gc.EigenPE(k)(Data(x=g.x, edge_index=g.edge_index.long(), num_nodes=g.num_nodes))
    return data.eigvals, data.eigvecs, data.eig_mask


def check_spmm_sum(g: Graph, out: torch.Tensor) -> None:
    torch.testing.assert_close(out, _dense(g) @ g.x, rtol=1e-4, atol=1e-4)


def check_duplicates(g: Graph, kept: torch.Tensor) -> None:
    """The kept nodes are those that are not an unlinked copy of a linked node's out-links
    (a loop over the nodes)."""
    ei = g.edge_index.long()
    outs = [frozenset(ei[1, ei[0] == u].tolist()) for u in range(g.num_nodes)]
    linked = {int(v) for v in ei[1].tolist()}
    of_linked = {outs[v] for v in linked}
    expected = [u for u in range(g.num_nodes) if u in linked or outs[u] not in of_linked]
    assert kept.tolist() == expected


def check_undirected_pairs(g: Graph, out: torch.Tensor) -> None:
    pairs = {(min(u, v), max(u, v)) for u, v in g.edge_index.t().tolist() if u != v}
    assert out.t().tolist() == [list(p) for p in sorted(pairs)]


def check_scatter(g: Graph, out: torch.Tensor) -> None:
    ei = g.edge_index.long()
    ref = torch.zeros(g.num_nodes, g.channels)
    for e in range(ei.size(1)):
        ref[ei[1, e]] += g.x[ei[0, e]]
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-4)


def check_cn(g: Graph, out) -> None:
    s = _sym(g)
    a = _dense(s) > 0
    pairs = _pairs(g)
    for p in range(pairs.size(1)):
        i, j = pairs[:, p].tolist()
        want = (a[i] & a[j]).nonzero().view(-1).tolist()
        got = out.col[out.rowptr[p]:out.rowptr[p + 1]].tolist()
        assert got == want, (i, j, got, want)


def _gin_mlp(c_in: int, c_out: int = 4) -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Linear(c_in, 4), torch.nn.ReLU(),
                               torch.nn.Linear(4, c_out))


def _segment(g: Graph):
    ei = g.edge_index.long()
    order = ei[1].argsort(stable=True)
    rowptr = torch.zeros(g.num_nodes + 1, dtype=torch.long)
    rowptr[1:] = torch.bincount(ei[1], minlength=g.num_nodes).cumsum(0)
    return go.segment(g.x[ei[0][order]], rowptr, "sum")


def _pair_graph(g: Graph):
    data = gc.SubgraphBag(max_dis=3)(Data(x=g.x, edge_index=g.edge_index, num_nodes=g.num_nodes))
    return gn.PairGraph.from_batch(Batch.from_data_list([data]))


def _softmax(g: Graph):
    adj = gn.to_csr(g.edge_index, g.num_nodes)
    out = go.edge_softmax(adj, torch.ones(adj.nnz))
    sums = go.segment(out, adj.rowptr, "sum")
    deg = adj.rowptr[1:] - adj.rowptr[:-1]
    torch.testing.assert_close(sums[deg > 0], torch.ones(int((deg > 0).sum())))
    return out


def _lm(g: Graph) -> gn.TransformerLM:
    torch.manual_seed(0)
    return gn.TransformerLM(11, 8, channels=8, num_layers=1, heads=2)


def _tokens(g: Graph) -> torch.Tensor:
    return (g.y[:8].view(1, -1) + 1) if g.num_nodes else torch.zeros(1, 0, dtype=torch.long)


def _dense_signal(g: Graph) -> torch.Tensor:
    return g.x.view(1, g.num_nodes, g.channels)


CASES: dict[str, Case] = {
    # --- ops -------------------------------------------------------------------------
    "CSR": Case(lambda g: go.CSR.from_edge_index(g.edge_index, g.num_nodes)),
    "as_csr": Case(lambda g: go.as_csr(g.edge_index, g.num_nodes)),
    "check_csr": Case(lambda g: (lambda c: go.check_csr(c.rowptr, c.col, g.num_nodes,
                                                       g.num_nodes))(
        go.CSR.from_edge_index(g.edge_index, g.num_nodes))),
    "check_dense_signal": Case(lambda g: go.check_dense_signal(_dense_signal(g), 3,
                                                               "fuzz", "B, N, C"),
                               faults=FEATURE_FAULTS),
    "check_edge_index": Case(lambda g: go.check_edge_index(g.edge_index, g.num_nodes)),
    "check_features": Case(lambda g: go.check_features(g.x, g.num_nodes),
                           faults=("nan", "inf")),
    "check_finite": Case(lambda g: go.check_finite(g.x), faults=("nan", "inf")),
    "check_width": Case(lambda g: go.check_width(g.x, 3, "fuzz"), faults=("width",)),
    "cn_aggregate": Case(lambda g: go.cn_aggregate(gn.to_csr(_sym(g).edge_index, g.num_nodes),
                                                   _pairs(g), g.x)),
    "common_neighbors": Case(lambda g: go.common_neighbors(
        gn.to_csr(_sym(g).edge_index, g.num_nodes), _pairs(g)), check=check_cn),
    "edge_softmax": Case(_softmax),
    "resolve_backend": Case(lambda g: go.resolve_backend(g.x.device), faults=()),
    "scatter": Case(lambda g: go.scatter(torch.ones(g.edge_index.numel(), 2),
                                         g.edge_index.reshape(-1), g.num_nodes, "sum"),
                    check=lambda g, out: torch.testing.assert_close(
                        out[:, 0], torch.bincount(g.edge_index.reshape(-1).long(),
                                                  minlength=g.num_nodes).float()),
                    faults=("out_of_range", "negative", "float")),
    "sddmm": Case(lambda g: go.sddmm(gn.to_csr(g.edge_index, g.num_nodes), g.x, g.x[:, :3]),
                  faults=INDEX_FAULTS + ("width",)),
    "segment": Case(_segment, check=check_scatter, faults=()),   # rowptr faults: tests/ops
    "sparse_coo": Case(lambda g: go.sparse_coo(g.edge_index, torch.ones(g.edge_index.size(1)),
                                               (g.num_nodes, g.num_nodes))),
    "undirected_pairs": Case(lambda g: go.undirected_pairs(g.edge_index, g.num_nodes),
                             check=check_undirected_pairs),
    "spgemm": Case(lambda g: (lambda a: go.spgemm(a, a))(go.sparse_coo(
        g.edge_index, torch.ones(g.edge_index.size(1)), (g.num_nodes, g.num_nodes)))),
    "spmm": Case(lambda g: go.spmm(gn.to_csr(g.edge_index, g.num_nodes), g.x),
                 check=check_spmm_sum),
    # --- nn --------------------------------------------------------------------------
    "ADPA": Case(lambda g: gn.ADPA(3, 8, 2)(g.x, g.edge_index), faults=INDEX_FAULTS
                 + FEATURE_FAULTS),
    "BasisNet": Case(lambda g: gn.BasisNet(3, 4)(*_eig(g)[:2], eig_mask=_eig(g)[2]),
                     faults=()),
    "DirGCNNormConv": Case(lambda g: gn.DirGCNNormConv(3, 4)(g.x, g.edge_index),
                           faults=INDEX_FAULTS + FEATURE_FAULTS),
    "DirGNN": Case(lambda g: gn.DirGNN(3, 4, 2)(g.x, g.edge_index),
                   faults=INDEX_FAULTS + FEATURE_FAULTS),
    "ElementwiseMLPs": Case(lambda g: gn.ElementwiseMLPs(2)(g.x), faults=()),
    "GINAttention": Case(lambda g: gn.GINAttention(3, 1)(_dense_signal(g)),
                         faults=FEATURE_FAULTS),
    "GINConv": Case(lambda g: gn.GINConv(_gin_mlp(3))(g.x, g.edge_index),
                    faults=INDEX_FAULTS + FEATURE_FAULTS),
    "GINEConv": Case(lambda g: gn.GINEConv(_gin_mlp(3, 3), 3, edge_dim=2)(
        g.x, g.edge_index, torch.ones(g.edge_index.size(1), 2)),
        faults=INDEX_FAULTS + FEATURE_FAULTS),
    "GraphTransformerLayer": Case(lambda g: gn.GraphTransformerLayer(3, 1)(
        g.x, g.edge_index, g.batch), faults=INDEX_FAULTS + ("nan", "inf")),
    "LapPE": Case(lambda g: gn.LapPE(3, 4)(*_eig(g)[:2], eig_mask=_eig(g)[2]), faults=()),
    "LoRALinear": Case(lambda g: gn.LoRALinear(torch.nn.Linear(3, 2), 1)(g.x), faults=()),
    "NCNCPredictor": Case(lambda g: gn.NCNCPredictor(3)(g.x, _sym(g).edge_index, _pairs(g)),
                          faults=INDEX_FAULTS + FEATURE_FAULTS),
    "NCNPredictor": Case(lambda g: gn.NCNPredictor(3)(g.x, _sym(g).edge_index, _pairs(g)),
                         faults=INDEX_FAULTS + FEATURE_FAULTS),
    "NodeMLP": Case(lambda g: gn.NodeMLP(3, 4, 2)(g.x), faults=FEATURE_FAULTS),
    "OpsMessagePassing": Case(lambda g: _Sum()(g.x, g.edge_index),
                              check=check_scatter, faults=INDEX_FAULTS),
    "PairGraph": Case(_pair_graph),
    "PureGCN": Case(lambda g: gn.PureGCN(3, 4)(g.x, _sym(g).edge_index),
                    faults=INDEX_FAULTS + FEATURE_FAULTS),
    "ResidualGNN": Case(lambda g: gn.ResidualGNN(3, 4, 2)(g.x, g.edge_index),
                        faults=INDEX_FAULTS + FEATURE_FAULTS),
    "SPE": Case(lambda g: gn.SPE(3, 4, m=2, rho_hidden=4)(*_eig(_sym(g))[:2], g.edge_index,
                                                           eig_mask=_eig(_sym(g))[2]),
                faults=("out_of_range", "negative", "float")),
    "SWLConv": Case(lambda g: gn.SWLConv(3, 4, ["uL", "vv"]).eval()(
        g.x.repeat(g.num_nodes, 1), _pair_graph(g)), faults=()),
    "SelfAttention": Case(lambda g: gn.SelfAttention(4, 2)(
        torch.cat([g.x, g.x[:, :1]], 1).view(1, g.num_nodes, 4)), faults=()),
    "SignNet": Case(lambda g: gn.SignNet(3, 4)(*_eig(g)[:2], eig_mask=_eig(g)[2]), faults=()),
    "SparseGINAdapter": Case(lambda g: gn.SparseGINAdapter(3, 2)(
        _dense_signal(g), torch.softmax(torch.ones(1, 1, g.num_nodes, g.num_nodes), -1)),
        faults=FEATURE_FAULTS),
    "TransformerBlock": Case(lambda g: gn.TransformerBlock(4, 2)(
        torch.cat([g.x, g.x[:, :1]], 1).view(1, g.num_nodes, 4)), faults=()),
    "TransformerLM": Case(lambda g: _lm(g)(_tokens(g)), faults=()),
    "apply_lora": Case(lambda g: gn.apply_lora(_lm(g).blocks[0].attn, 1), faults=()),
    "attach_lora": Case(lambda g: gn.attach_lora(_lm(g), 1), faults=()),
    "attach_sparse_gin": Case(lambda g: gn.attach_sparse_gin(_lm(g), 2), faults=()),
    "count_parameters": Case(lambda g: gn.count_parameters(torch.nn.Linear(g.num_nodes, 2)),
                             faults=(), min_nodes=0),
    "dense_groups": Case(lambda g: gn.dense_groups(g.edge_index, g.batch, g.num_nodes,
                                                   adjacency=True)),
    "lambda_schedule": Case(lambda g: gn.lambda_schedule(g.num_nodes), faults=()),
    "lora_parameter_count": Case(lambda g: gn.lora_parameter_count(4, g.num_nodes, 2),
                                 faults=()),
    "threshold_attention": Case(lambda g: gn.threshold_attention(
        torch.softmax(_dense(g).view(1, g.num_nodes, g.num_nodes), -1), "relu"), faults=()),
    "to_csr": Case(lambda g: gn.to_csr(g.edge_index, g.num_nodes)),
    # --- construct -------------------------------------------------------------------
    "AdaptiveAdjacency": Case(lambda g: gc.AdaptiveAdjacency(g.num_nodes, 2)(), faults=()),
    "AddVirtualNodes": Case(lambda g: gc.AddVirtualNodes(1)(_data(g))),
    "RemoveDuplicateNodes": Case(lambda g: gc.RemoveDuplicateNodes()(_data(g)),
                                 check=lambda g, out: check_duplicates(g, out.original_id)),
    "EigenPE": Case(lambda g: gc.EigenPE(3)(_data(g))),
    "SemiAdaptiveAdjacency": Case(lambda g: gc.SemiAdaptiveAdjacency(
        g.num_nodes, 1, base_adjacency=_dense(g).t())(), faults=()),
    "SubgraphBag": Case(lambda g: gc.SubgraphBag(max_dis=3)(_data(g))),
    "adjusted_homophily": Case(
        lambda g: gc.adjusted_homophily(g.edge_index, g.y), degenerate=_no_pairs, finite=False),
    "amud_test": Case(lambda g: gc.amud_test(g.edge_index, g.y, num_permutations=5),
                      finite=False, degenerate=_no_pairs),
    "approximate_topological_concentration": Case(
        lambda g: gc.approximate_topological_concentration(g.edge_index, g.num_nodes, dim=8),
        finite=False),
    "attention_graph": Case(lambda g: gc.attention_graph(
        torch.softmax(_dense(g).view(1, 1, g.num_nodes, g.num_nodes), -1)), faults=()),
    "class_insensitive_homophily": Case(
        lambda g: gc.class_insensitive_homophily(g.edge_index, g.y), finite=False,
        degenerate=_no_pairs),
    "dense_to_sparse_weighted": Case(lambda g: gc.dense_to_sparse_weighted(_dense(g)),
                                     faults=()),
    "directed_operator": Case(lambda g: gc.directed_operator(g.edge_index, g.num_nodes, "AAt")),
    "duplicate_nodes": Case(lambda g: gc.duplicate_nodes(g.edge_index, g.num_nodes),
                            check=lambda g, out: check_duplicates(g, (~out).nonzero().view(-1))),
    "filtered_counts": Case(lambda g: gc.filtered_counts(_data(g))),
    "keep_nodes": Case(lambda g: gc.keep_nodes(_data(g), torch.arange(g.num_nodes) % 2 == 0)),
    "directed_operators": Case(lambda g: gc.directed_operators(g.edge_index, g.num_nodes)),
    "distance_matrix": Case(lambda g: gc.distance_matrix(
        g.edge_index.long(), torch.ones(g.edge_index.size(1)), g.num_nodes),
        faults=("out_of_range", "negative"), finite=False),
    "edge_homophily": Case(
        lambda g: gc.edge_homophily(g.edge_index, g.y), degenerate=_no_pairs, finite=False),
    "format_homophily_table": Case(
        degenerate=_no_pairs, call=lambda g: gc.format_homophily_table(
        {"g": gc.homophily_report(g.edge_index, g.y, variants=["undirected"],
                                  measures=["edge"])}), finite=False),
    "gaussian_distance_adjacency": Case(lambda g: gc.gaussian_distance_adjacency(
        torch.cdist(g.x, g.x)), faults=(),
        degenerate=lambda g: torch.cdist(g.x, g.x).std().nan_to_num(0) == 0),
    "homophily_report": Case(lambda g: gc.homophily_report(g.edge_index, g.y,
                                                           measures=["edge", "node"]),
                             finite=False, degenerate=_no_pairs),
    "label_informativeness": Case(
        lambda g: gc.label_informativeness(g.edge_index, g.y), degenerate=_no_pairs, finite=False),
    "laplacian_eigenpairs": Case(lambda g: gc.laplacian_eigenpairs(g.edge_index, g.num_nodes,
                                                                   2)),
    "link_heuristic": Case(lambda g: gc.link_heuristic(_sym(g).edge_index, _pairs(g),
                                                       g.num_nodes, "ra")),
    "node_homophily": Case(
        lambda g: gc.node_homophily(g.edge_index, g.y), degenerate=_no_pairs, finite=False),
    "node_homophily_vector": Case(
        lambda g: gc.node_homophily_vector(g.edge_index, g.y), degenerate=_no_pairs, finite=False),
    "node_link_quality": Case(lambda g: gc.node_link_quality(
        _pairs(g), torch.rand(4), torch.rand(6), g.num_nodes, k=2), finite=False,
        faults=()),
    "twin_leakage": Case(lambda g: gc.twin_leakage(
        g.edge_index, g.y, torch.arange(g.num_nodes) % 2 == 0, torch.arange(g.num_nodes) % 2 == 1),
        finite=False),
    "normalized_laplacian": Case(lambda g: torch.from_numpy(
        gc.normalized_laplacian(g.edge_index, g.num_nodes).toarray())),
    "shortest_path_distances": Case(lambda g: gc.shortest_path_distances(g.edge_index,
                                                                         g.num_nodes),
                                    finite=False),
    "subgraph_bag": Case(lambda g: gc.subgraph_bag(g.edge_index, g.num_nodes, max_dis=3)),
    "topological_concentration": Case(lambda g: gc.topological_concentration(
        g.edge_index, g.num_nodes), finite=False),
    "transition_matrices": Case(lambda g: gc.transition_matrices(_dense(g)), faults=()),
    "undirected_csr": Case(lambda g: gc.undirected_csr(g.edge_index, g.num_nodes)),
    "virtual_mask": Case(lambda g: gc.virtual_mask(g.num_nodes, 1), faults=()),
}

#: exports that are not an input boundary: constants, result records and exceptions
NOT_INPUTS = {
    "BACKENDS": "a tuple of backend names", "AGGREGATIONS": "a tuple of names",
    "PE_MODELS": "a name → class table (its classes have cases)", "PRESETS": "a table",
    "THRESHOLDS": "a tuple of names", "HEURISTICS": "a tuple of names",
    "PATTERNS": "a tuple of names", "DenseGroups": "the result of dense_groups",
    "AMUDResult": "the result of amud_test", "SubgraphData": "the Data class SubgraphBag returns",
    "UndefinedMeasureError": "an exception",
}


def test_every_public_symbol_has_a_case():
    exported = set(go.__all__) | set(gn.__all__) | set(gc.__all__)
    missing = sorted(exported - set(CASES) - set(NOT_INPUTS))
    stale = sorted((set(CASES) | set(NOT_INPUTS)) - exported)
    assert not missing, f"add a fuzz case for {missing}"
    assert not stale, f"no longer exported: {stale}"


def _finite(out: Any) -> bool:
    if isinstance(out, torch.Tensor) and (out.is_sparse or out.layout != torch.strided):
        out = out.to_dense()
    if isinstance(out, torch.Tensor):
        return not out.is_floating_point() or bool(torch.isfinite(out).all())
    if isinstance(out, float):
        return math.isfinite(out)
    if isinstance(out, (list, tuple)):
        return all(_finite(o) for o in out)
    if isinstance(out, dict):
        return all(_finite(o) for o in out.values())
    if isinstance(out, Data):
        return all(_finite(v) for _, v in out)
    return True


def _named(exc: BaseException, names: tuple[str, ...]) -> bool:
    return any(n in str(exc) for n in names)


@pytest.mark.parametrize("name", sorted(CASES))
def test_legal_input_gives_a_finite_checked_result(name):
    case = CASES[name]

    @FUZZ
    @given(g=graphs(max_graphs=1))
    def run(g):
        torch.manual_seed(0)
        try:
            out = case.call(g)
        except (ValueError, TypeError) as exc:
            assert g.num_nodes < case.min_nodes or case.degenerate(g), \
                f"{name} refused a legal input: {exc}"
            assert _named(exc, case.names), f"{name}: the error names no argument: {exc}"
            return
        if case.finite:
            assert _finite(out), f"{name} returned a non-finite value on finite input"
        if case.check is not None:
            case.check(g, out)

    run()


#: known gaps, each a failing case until fixed (strict: the day it passes, this list must
#: shrink)
KNOWN_GAPS: dict[tuple[str, str], str] = {}
FAULTY = [pytest.param(name, fault, marks=pytest.mark.xfail(
              strict=True, reason=KNOWN_GAPS[(name, fault)]) if (name, fault) in KNOWN_GAPS
              else ()) for name in sorted(CASES) for fault in CASES[name].faults]


@pytest.mark.parametrize("name, fault", FAULTY)
def test_broken_input_is_one_named_error(name, fault):
    case = CASES[name]
    breaker = break_index if fault in INDEX_FAULTS else break_features

    @BROKEN
    @given(g=graphs(min_nodes=1, max_graphs=1, int32=False), pick=st.integers(0, 50))
    def run(g, pick):
        broken = breaker(g, fault, pick)
        if broken is None:
            return
        torch.manual_seed(0)
        try:
            case.call(broken)
        except (ValueError, TypeError) as exc:
            assert _named(exc, case.names), f"{name}/{fault}: the error names no argument: {exc}"
        else:
            raise AssertionError(f"{name} accepted an input with fault '{fault}' silently")

    run()


MALFORMED = textwrap.dedent('''
    import torch
    from graphlab.nn import GINConv, NCNPredictor, PureGCN, to_csr
    from graphlab.ops import CSR, spmm
    n, big = 50, 2 ** 40
    good = torch.randint(0, n, (2, 300), generator=torch.Generator().manual_seed(0))
    forms = {
        "csr_col": lambda: torch.sparse_csr_tensor(torch.tensor([0, 1, 2]),
                                                   torch.tensor([1, big]), torch.ones(2),
                                                   size=(2, 2)),
        "csr_negative": lambda: torch.sparse_csr_tensor(torch.tensor([0, 1, 2]),
                                                        torch.tensor([1, -7]), torch.ones(2),
                                                        size=(2, 2)),
        "coo": lambda: torch.sparse_coo_tensor(torch.tensor([[0, 1], [1, big]]),
                                               torch.ones(2), size=(2, 2)),
        "handmade": lambda: CSR(torch.tensor([0, 1, 2]), torch.tensor([1, big]),
                                torch.arange(2), 2, 2, check=True),
        "rowptr": lambda: CSR(torch.tensor([0, 5, 2]), torch.tensor([1, 0]),
                              torch.arange(2), 2, 2, check=True),
    }
    uses = {
        "spmm": lambda a: spmm(to_csr(a, 2), torch.randn(2, 4), reduce="max"),
        "GINConv": lambda a: GINConv(torch.nn.Linear(4, 4))(torch.randn(2, 4), a),
        "PureGCN": lambda a: PureGCN(4, 4)(torch.randn(2, 4), a),
        "NCN": lambda a: NCNPredictor(4)(torch.randn(2, 4), a, torch.tensor([[0], [1]])),
    }
    for form, make in forms.items():
        for use, run in uses.items():
            try:
                run(make())
            except (ValueError, TypeError) as exc:
                print(form, use, "refused:", str(exc).splitlines()[0])
            else:
                print(form, use, "ACCEPTED")
''')


def test_malformed_adjacencies_in_a_subprocess():
    """Out-of-range columns in every sparse form once crashed the process (exit 139) or
    read memory out of bounds; each is now one named error, also for the layers."""
    result = subprocess.run([sys.executable, "-c", MALFORMED], capture_output=True, text=True,
                            timeout=300, cwd=REPO)
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 20, result.stdout
    accepted = [line for line in lines if line.endswith("ACCEPTED")]
    assert not accepted, accepted
