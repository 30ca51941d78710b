import pytest
import torch

from graphlab.models import build_model
from graphlab.nn import NCNCPredictor, NCNPredictor, PureGCN
from graphlab.ops import CSR
from tests.helpers import assert_node_equivariant, assert_pair_symmetric, random_graph


def undirected_graph(n=25, e=80, seed=0):
    x, ei = random_graph(n, e, num_features=12, seed=seed, self_loops=False)
    ei = torch.unique(torch.cat([ei, ei.flip(0)], 1), dim=1)
    return x, ei


def dense(ei, n):
    A = torch.zeros(n, n)
    A[ei[1], ei[0]] = 1.0
    return A


def test_pure_gcn_matches_dense_propagation_and_is_equivariant():
    x, ei = undirected_graph()
    enc = PureGCN(12, 8, num_layers=2, jk=False).eval()
    A = dense(ei, 25) + torch.eye(25)
    d = A.sum(1).rsqrt()
    P = d.view(-1, 1) * A * d.view(1, -1)
    torch.testing.assert_close(enc(x, ei), P @ (P @ enc.lin(x)), atol=1e-5, rtol=1e-5)
    assert_node_equivariant(enc, x, ei)


def test_pure_gcn_sparse_input_path_equals_dense_path():
    _, ei = undirected_graph()
    x = (torch.rand(25, 200) < 0.03).float()  # bag-of-words-like: sparse path
    enc = PureGCN(200, 8, input_dropout=0.5).eval()
    assert enc._as_sparse(x) is not None
    out_sparse = enc(x, ei)
    out_dense = PureGCN.propagate(enc, CSR.from_edge_index(ei, 25), enc.lin(x))
    torch.testing.assert_close(out_sparse, out_dense, atol=1e-5, rtol=1e-5)
    # in training the dropout only touches non-zeros: the output stays finite and varies
    enc.train()
    assert not torch.equal(enc(x, ei), enc(x, ei))


def test_ncn_common_neighbour_sum_equals_dense_reference():
    x, ei = undirected_graph(seed=1)
    h = torch.randn(25, 16)
    pred = NCNPredictor(16).eval()
    pairs = torch.randint(25, (2, 30), generator=torch.Generator().manual_seed(4))
    A = dense(ei, 25)
    cn_sum = (A[pairs[0]] * A[pairs[1]]) @ pred.transform(h)
    torch.testing.assert_close(pred(h, ei, pairs), pred.score(h, cn_sum, pairs))


def test_ncnc_completion_equals_dense_reference():
    x, ei = undirected_graph(seed=2)
    h = torch.randn(25, 16)
    pred = NCNCPredictor(16, pt=0.6, scale=3.0, offset=0.5, alpha=0.8).eval()
    pairs = torch.randint(25, (2, 12), generator=torch.Generator().manual_seed(5))
    A = dense(ei, 25)
    hp = pred.transform(h)
    cn_sum = (A[pairs[0]] * A[pairs[1]]) @ hp
    for p, (i, j) in enumerate(pairs.t().tolist()):
        for a, b in ((i, j), (j, i)):
            for u in ((A[a] > 0) & (A[b] == 0)).nonzero().view(-1).tolist():
                # depth 0 on h' (the official code feeds the transformed h to the inner call)
                z = pred(hp, ei, torch.tensor([[b], [u]]), depth=0)
                cn_sum[p] += pred.calibrate(z, 0.6)[0] * hp[u]
    torch.testing.assert_close(pred(h, ei, pairs), pred.score(h, cn_sum, pairs),
                               atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", ["ncn", "ncnc"])
def test_scores_are_symmetric_on_undirected_graphs_and_gradients_flow(name):
    x, ei = undirected_graph(seed=3)
    model = build_model(name, "link", {"hidden_channels": 16}, in_channels=12).eval()
    pairs = torch.randint(25, (2, 20), generator=torch.Generator().manual_seed(6))
    assert_pair_symmetric(lambda p: model(x, ei, p), pairs)
    model.train()
    model(x, ei, pairs).sum().backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None
               and "pt_mlp" not in n]
    assert not missing


def test_bad_input():
    pred = NCNPredictor(8)
    h = torch.randn(5, 8)
    ei = torch.tensor([[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="pairs has an index out of range: found 9"):
        pred(h, ei, torch.tensor([[0], [9]]))
    with pytest.raises(ValueError, match="empty batch"):
        pred(h, ei, torch.zeros(2, 0, dtype=torch.long))
    with pytest.raises(ValueError, match="depth must be at least 1"):
        NCNCPredictor(8, depth=0)
    with pytest.raises(ValueError, match="x contains NaN"):
        PureGCN(3, 4)(torch.full((2, 3), float("nan")), ei)


ADJ_FORMS = {
    "edge_index": lambda ei, n: ei,
    "EdgeIndex": lambda ei, n: __import__("torch_geometric").EdgeIndex(ei.contiguous(),
                                                                  sparse_size=(n, n)),
    "sparse_coo": lambda ei, n: torch.sparse_coo_tensor(ei.flip(0), torch.ones(ei.size(1)),
                                                        (n, n)),
    "sparse_csr": lambda ei, n: torch.sparse_coo_tensor(ei.flip(0), torch.ones(ei.size(1)),
                                                        (n, n)).to_sparse_csr(),
    "CSR": lambda ei, n: CSR.from_edge_index(ei, n),
}


@pytest.mark.parametrize("form", sorted(ADJ_FORMS))
@pytest.mark.parametrize("name", ["ncn", "ncnc"])
def test_every_adjacency_form_gives_the_edge_index_scores(form, name):
    """NCN and NCNC take any PyG adjacency (and graphlab's CSR) through the one converter,
    with the same scores as the edge_index path."""
    x, ei = undirected_graph(seed=3)
    torch.manual_seed(0)
    model = build_model(name, "link", {"hidden_channels": 16}, in_channels=12).eval()
    pairs = torch.randint(25, (2, 20), generator=torch.Generator().manual_seed(6))
    expected = model(x, ei, pairs)
    torch.testing.assert_close(model(x, ADJ_FORMS[form](ei, 25), pairs), expected)
    pred = model.predictor
    h = torch.randn(25, 16)
    torch.testing.assert_close(pred(h, ADJ_FORMS[form](ei, 25), pairs), pred(h, ei, pairs))


@pytest.mark.parametrize("cls, kwargs", [(NCNPredictor, {}), (NCNCPredictor, {"depth": 1}),
                                         (NCNCPredictor, {"depth": 2})])
def test_projecting_nodes_before_the_common_neighbour_sum_changes_nothing(cls, kwargs):
    """The first layer of ``xcnlin`` applied to every node before the sum (the path taken
    when there are more pairs than nodes) gives the outputs and gradients of the layer
    applied to each pair's sum, also while training with dropout and edge dropout (the
    random draws are the same)."""
    _, ei = undirected_graph(seed=6)
    h0 = torch.randn(25, 16)
    pairs = torch.randint(25, (2, 60), generator=torch.Generator().manual_seed(7))
    pred = cls(16, dropout=0.3, edge_dropout=0.2, **kwargs).train()
    assert pred.cn_inputs(h0, pairs.size(1))[1]  # 60 pairs > 25 nodes: projected

    def run():
        h = h0.clone().requires_grad_()
        torch.manual_seed(11)
        out = pred(h, ei, pairs)
        out.square().sum().backward()
        grads = [p.grad.clone() for p in pred.parameters()] + [h.grad]
        pred.zero_grad()
        return out.detach(), grads

    new, new_grads = run()
    pred.project_cn = False
    assert not pred.cn_inputs(h0, pairs.size(1))[1]
    old, old_grads = run()
    torch.testing.assert_close(new, old, atol=1e-5, rtol=1e-5)
    for a, b in zip(new_grads, old_grads, strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


def _completion_one_call_per_part(pred, h, adj, pairs, depth):
    """NCNC with each part of the completion (N(i)\\N(j), then N(j)\\N(i)) scored by its
    own shallower call, as before the two calls were merged (and as the official code)."""
    from graphlab.ops import common_neighbors, spmm

    hp = pred.transform(h)
    z, projected = pred.cn_inputs(hp, pairs.size(1))
    if depth < 1:
        return pred.score(h, spmm(common_neighbors(adj, pairs), z), pairs, projected)
    cn, only_i, only_j = common_neighbors(adj, pairs, return_diff=True)
    cn_sum = spmm(cn, z)
    pt = pred.pt if pred.pt_mlp is None else pred.pt_mlp(h[pairs[0]] * h[pairs[1]]).view(-1)
    for part, other in ((only_i, pairs[1]), (only_j, pairs[0])):
        if part.nnz == 0:
            continue
        row = part.row()
        with torch.no_grad():
            logits = _completion_one_call_per_part(
                pred, hp, adj, torch.stack([other[row], part.col]), depth - 1)
        p = pred.calibrate(logits.view(-1), pt if isinstance(pt, float) else pt[row])
        cn_sum = cn_sum + spmm(part.with_weight(p), z)
    return pred.score(h, cn_sum, pairs, projected)


@pytest.mark.parametrize("kwargs", [{"depth": 1}, {"depth": 2}, {"learnable_pt": True}])
def test_ncnc_one_completion_call_equals_one_call_per_part(kwargs):
    """Both parts of the completion go through one shallower call: outputs and gradients
    equal those of one call per part (in training, without dropout, so that both sides
    draw nothing), and in evaluation."""
    _, ei = undirected_graph(seed=8)
    adj = CSR.from_edge_index(ei, 25)
    h0 = torch.randn(25, 16)
    pairs = torch.randint(25, (2, 40), generator=torch.Generator().manual_seed(9))
    pred = NCNCPredictor(16, pt=0.6, scale=3.0, offset=0.5, **kwargs)

    def run(fn):
        h = h0.clone().requires_grad_()
        out = fn(h)
        out.square().sum().backward()
        grads = [p.grad.clone() for p in pred.parameters() if p.grad is not None] + [h.grad]
        pred.zero_grad()
        return out.detach(), grads

    for mode in (pred.train, pred.eval):
        mode()
        new, new_grads = run(lambda h: pred(h, ei, pairs))
        old, old_grads = run(lambda h: _completion_one_call_per_part(pred, h, adj, pairs,
                                                                     pred.depth))
        torch.testing.assert_close(new, old, atol=1e-5, rtol=1e-5)
        assert len(new_grads) == len(old_grads)
        for a, b in zip(new_grads, old_grads, strict=True):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


def test_used_columns_renumbers_each_matrix_into_the_columns_read():
    from graphlab.nn.ncn import used_columns
    from graphlab.ops import common_neighbors

    _, ei = undirected_graph(seed=10)
    adj = CSR.from_edge_index(ei, 25)
    pairs = torch.randint(25, (2, 15), generator=torch.Generator().manual_seed(11))
    mats = common_neighbors(adj, pairs, return_diff=True)
    cols, compact = used_columns(*mats)
    assert torch.equal(cols, torch.unique(torch.cat([m.col for m in mats])))
    for m, c in zip(mats, compact, strict=True):
        assert c.num_cols == cols.numel() and c.nnz == m.nnz
        torch.testing.assert_close(c.to_dense(), m.to_dense()[:, cols])
    cols, (empty,) = used_columns(CSR.from_edge_index(torch.empty(2, 0, dtype=torch.long), 25))
    assert cols.numel() == 0 and empty.num_cols == 0


@pytest.mark.parametrize("cls", [NCNPredictor, NCNCPredictor])
def test_pairs_without_common_neighbours_score_and_train(cls):
    """No edge at all (no common neighbour, no completion): the scores come from the pairs'
    own representations, finite, with gradients, in training and evaluation."""
    h = torch.randn(10, 16, requires_grad=True)
    pairs = torch.tensor([[0, 1, 2], [3, 4, 5]])
    for training in (True, False):
        pred = cls(16, dropout=0.3, edge_dropout=0.2).train(training)
        out = pred(h, torch.empty(2, 0, dtype=torch.long), pairs)
        out.sum().backward()
        assert out.shape == (3,) and torch.isfinite(out).all() and torch.isfinite(h.grad).all()
        h.grad = None
