import importlib

import pytest
import torch

from graphlab.ops import CSR, edge_softmax, sddmm, spmm
from tests.helpers import random_graph


def loop_reference(ei, x, w, reduce, num_dst):
    """Python loop over destinations: reduce_j w_ij x_j over every (duplicate) edge j → i."""
    out = torch.zeros(num_dst, x.size(1), dtype=x.dtype)
    for i in range(num_dst):
        sel = (ei[1] == i).nonzero().view(-1)
        if sel.numel() == 0:
            continue
        msg = x[ei[0][sel]] * (w[sel].view(-1, 1) if w is not None else 1)
        out[i] = {"sum": msg.sum(0), "mean": msg.mean(0), "max": msg.max(0).values,
                  "min": msg.min(0).values}[reduce]
    return out


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("index_dtype", [torch.int64, torch.int32])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_spmm_matches_loop_reference(backend, reduce, weighted, index_dtype, dtype):
    # self-loops, duplicate edges and isolated nodes all occur at this size
    x, ei = random_graph(20, 60, num_features=6, seed=3)
    x = x.to(dtype)
    w = torch.rand(60, dtype=dtype) + 0.1 if weighted else None
    out = spmm(CSR.from_edge_index(ei.to(index_dtype), 20), x, reduce, edge_weight=w,
               backend=backend)
    torch.testing.assert_close(out, loop_reference(ei, x, w, reduce, 20))


def test_spmm_accepts_edge_index_and_csr_weights(backend):
    x, ei = random_graph(15, 40, seed=4)
    w = torch.rand(40)
    ref = loop_reference(ei, x, w, "sum", 15)
    torch.testing.assert_close(spmm(ei, x, edge_weight=w, backend=backend), ref)
    torch.testing.assert_close(spmm(CSR.from_edge_index(ei, 15, w), x, backend=backend), ref)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("reduce", ["sum", "mean", "max"])
def test_spmm_half_types(reduce, dtype):
    x, ei = random_graph(20, 60, num_features=8, seed=5)
    ref = loop_reference(ei, x, None, reduce, 20)
    backends = ["torch"] + (["triton"] if dtype == torch.float16 else [])
    for backend in backends:
        out = spmm(ei, x.to(dtype), reduce, backend=backend)
        assert out.dtype == dtype
        torch.testing.assert_close(out.float(), ref, atol=2e-2, rtol=2e-2)


def test_empty_graph_and_bipartite(backend):
    x = torch.randn(4, 3)
    assert torch.equal(spmm(torch.empty(2, 0, dtype=torch.long), x, backend=backend),
                       torch.zeros(4, 3))
    ei = torch.tensor([[0, 3, 3], [1, 0, 1]])
    csr = CSR.from_edge_index(ei, (4, 2))
    out = spmm(csr, x, "max", backend=backend)
    torch.testing.assert_close(out, torch.stack([x[3], torch.maximum(x[0], x[3])]))


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize("weighted", [False, True])
def test_spmm_gradcheck(backend, reduce, weighted):
    # no duplicate edges: max / min gradients are then unambiguous for every backend
    x, ei = random_graph(8, 20, num_features=3, seed=6, duplicates=False)
    x = x.double().requires_grad_()
    csr = CSR.from_edge_index(ei, 8)
    # Triton's interpreter is slow: check a random projection of the Jacobian there
    fast = backend == "triton"
    if weighted:
        w = (torch.rand(ei.size(1), dtype=torch.float64) + 0.5).requires_grad_()
        fn = lambda x, w: spmm(csr, x, reduce, edge_weight=w, backend=backend)  # noqa: E731
        assert torch.autograd.gradcheck(fn, (x, w), fast_mode=fast)
    else:
        assert torch.autograd.gradcheck(lambda x: spmm(csr, x, reduce, backend=backend), (x,),
                                        fast_mode=fast)


def test_sddmm_and_edge_softmax(backend):
    if backend == "torch_scatter":
        pytest.skip("sddmm has torch and triton paths only")
    _, ei = random_graph(8, 20, seed=7)
    csr = CSR.from_edge_index(ei, 8)
    fast = backend == "triton"  # see test_spmm_gradcheck
    a = torch.randn(8, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(8, 3, dtype=torch.float64, requires_grad=True)
    ref = (a[csr.row()] * b[csr.col]).sum(-1)
    torch.testing.assert_close(sddmm(csr, a, b, backend=backend), ref)
    assert torch.autograd.gradcheck(lambda a, b: sddmm(csr, a, b, backend=backend), (a, b),
                                    fast_mode=fast)

    scores = torch.randn(csr.nnz, 2, dtype=torch.float64, requires_grad=True)
    att = edge_softmax(csr, scores, backend=backend)
    for i in range(8):
        sel = csr.row() == i
        if sel.any():
            torch.testing.assert_close(att[sel], torch.softmax(scores[sel], dim=0))
    assert torch.autograd.gradcheck(lambda s: edge_softmax(csr, s, backend=backend), (scores,),
                                    fast_mode=fast)


def test_bad_input(monkeypatch):
    x, ei = random_graph(5, 10)
    with pytest.raises(ValueError, match="unknown reduce 'prod'"):
        spmm(ei, x, "prod")
    with pytest.raises(ValueError, match="x has 4 rows but the graph has 5 source nodes"):
        spmm(CSR.from_edge_index(ei, 5), x[:4])
    with pytest.raises(ValueError, match=r"x must be a floating tensor \[N, F\]"):
        spmm(ei, x.long())
    with pytest.raises(ValueError, match="out of range"):
        spmm(torch.tensor([[0], [9]]), x)
    with pytest.raises(ValueError, match=r"edge_weight must have shape \[E\]"):
        spmm(ei, x, edge_weight=torch.ones(3))
    with pytest.raises(ValueError, match="a must have 5 rows and b 5"):
        sddmm(CSR.from_edge_index(ei, 5), x[:3], x)
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    with pytest.raises(RuntimeError, match="needs CUDA tensors, or TRITON_INTERPRET=1"):
        spmm(ei, x, backend="triton")


@pytest.mark.parametrize("reduce", ["max", "min"])
def test_torch_fallback_without_the_csr_reduce_kernel(monkeypatch, reduce):
    """Where a torch build lacks _sparse_mm_reduce_impl, max / min still work (and agree)."""
    spmm_module = importlib.import_module("graphlab.ops.spmm")  # the name spmm is the function
    x, ei = random_graph(15, 45, num_features=4, seed=11, duplicates=False)
    w = torch.rand(ei.size(1)) + 0.1
    fast = spmm(ei, x, reduce, edge_weight=w, backend="torch")
    monkeypatch.setattr(spmm_module, "_has_mm_reduce", lambda: False)
    torch.testing.assert_close(spmm(ei, x, reduce, edge_weight=w, backend="torch"), fast)
    xg = x.double().requires_grad_()
    assert torch.autograd.gradcheck(lambda x: spmm(ei, x, reduce, backend="torch"), (xg,))


@pytest.mark.parametrize("reduce", ["max", "min"])
def test_max_gradient_with_duplicate_edges_and_empty_rows(backend, reduce):
    # duplicates gather the same x_j, so the derivative w.r.t. x_j is unambiguous
    x, ei = random_graph(9, 25, num_features=3, seed=12)
    x = x.double().requires_grad_()
    csr = CSR.from_edge_index(ei, 9)
    assert torch.autograd.gradcheck(lambda x: spmm(csr, x, reduce, backend=backend), (x,),
                                    fast_mode=backend == "triton")


@pytest.mark.parametrize("ratio", [0, 10 ** 9])   # 0: always gathered; huge: always dense
def test_edge_weight_gradient_is_the_same_on_the_dense_and_gathered_paths(monkeypatch, ratio):
    """The torch backend's edge-weight gradient reads ``a @ bᵀ`` in dense row blocks on small
    dense graphs and gathers rows elsewhere; both equal the per-entry dot product."""
    mod = importlib.import_module("graphlab.ops.spmm")
    monkeypatch.setattr(mod, "DENSE_EDGE_DOT_RATIO", ratio)
    x, ei = random_graph(30, 120, num_features=5, seed=11)     # duplicates, self-loops, empty rows
    csr = CSR.from_edge_index(ei, 30)
    a, b = torch.randn(30, 5, dtype=torch.float64), x.double()
    torch.testing.assert_close(mod._edge_dot(csr, a, b, "torch"),
                               (a[csr.row()] * b[csr.col]).sum(-1))
    bip = CSR.from_edge_index(torch.tensor([[0, 4, 4, 2], [1, 0, 1, 1]]), (5, 2))  # 2 × 5
    a2, b2 = torch.randn(2, 3), torch.randn(5, 3)
    torch.testing.assert_close(mod._edge_dot(bip, a2, b2, "torch"),
                               (a2[bip.row()] * b2[bip.col]).sum(-1))
    w = (torch.rand(ei.size(1), dtype=torch.float64) + 0.5).requires_grad_()
    xg = x.double().requires_grad_()
    assert torch.autograd.gradcheck(lambda x_, w_: spmm(csr, x_, edge_weight=w_,
                                                        backend="torch"), (xg, w))


def test_dense_edge_dot_over_row_blocks():
    from graphlab.ops.spmm import _edge_dot_dense
    x, ei = random_graph(40, 200, num_features=4, seed=12)
    csr = CSR.from_edge_index(ei, 40)
    a = torch.randn(40, 4)
    want = (a[csr.row()] * x[csr.col]).sum(-1)
    for block in (1, 3 * 40, 1 << 22):        # one row, three rows, everything at once
        out = torch.empty(csr.nnz)
        torch.testing.assert_close(_edge_dot_dense(csr, a, x, out, block_elems=block), want)


def _check_sum_and_mean(num_nodes, num_edges, num_features, seed, dtype):
    """Weighted sum / mean SpMM (torch backend) against the loop reference in ``dtype``;
    returns the graph's ``(x, edge_index)``."""
    x, ei = random_graph(num_nodes, num_edges, num_features=num_features, seed=seed)
    w = torch.rand(num_edges) + 0.1
    tol = {"atol": 2e-2, "rtol": 2e-2} if dtype == torch.bfloat16 else {}
    for reduce in ("sum", "mean"):
        out = spmm(ei, x.to(dtype), reduce, edge_weight=w.to(dtype), backend="torch")
        assert out.dtype == dtype
        torch.testing.assert_close(out.float(), loop_reference(ei, x, w, reduce, num_nodes),
                                   **tol)
    return x, ei


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_sum_on_dense_graphs_is_the_same_through_the_dense_product(monkeypatch, dtype):
    """Graphs denser than DENSE_MIN_DENSITY are multiplied as a dense matrix on CPU: the
    same sums / means as the loop reference and as the CSR kernels, with gradients, with
    duplicate entries and on a bipartite graph."""
    mod = importlib.import_module("graphlab.ops.spmm")
    calls = []
    real = mod._dense_matmul
    monkeypatch.setattr(mod, "_dense_matmul", lambda *a: calls.append(1) or real(*a))
    x, ei = _check_sum_and_mean(12, 130, 6, 14, dtype)       # density ~0.9, duplicates
    assert calls                                             # the dense path was taken
    bip = CSR.from_edge_index(torch.tensor([[0, 4, 4, 2], [1, 0, 1, 1]]), (5, 2))  # 4 of 10
    xb = torch.randn(5, 3)
    torch.testing.assert_close(spmm(bip, xb, backend="torch"),
                               torch.stack([xb[4], xb[0] + xb[4] + xb[2]]))
    xg = x.double().requires_grad_()
    wg = (torch.rand(130, dtype=torch.float64) + 0.5).requires_grad_()
    grads = {}
    for density in (mod.DENSE_MIN_DENSITY, 2.0):             # dense product; CSR kernels
        monkeypatch.setattr(mod, "DENSE_MIN_DENSITY", density)
        assert torch.autograd.gradcheck(lambda x_, w_: spmm(ei, x_, "mean", edge_weight=w_,
                                                            backend="torch"), (xg, wg))
        out = spmm(ei, xg, "sum", edge_weight=wg, backend="torch")
        grads[density] = torch.autograd.grad(out.square().sum(), (xg, wg))
    for a, b in zip(*grads.values(), strict=True):
        torch.testing.assert_close(a, b)
    # an unweighted graph's dense matrix is built once per CSR; weights never use it
    monkeypatch.setattr(mod, "DENSE_MIN_DENSITY", 0.3)
    csr = CSR.from_edge_index(ei, 12)
    first, second = torch.randn(12, 4, dtype=torch.float64), torch.randn(12, 4,
                                                                        dtype=torch.float64)
    loop = spmm(ei, first, "sum", backend="torch")
    torch.testing.assert_close(spmm(csr, first, "sum", backend="torch"), loop)
    assert ("dense", torch.float64, first.device) in csr._torch_csr
    torch.testing.assert_close(spmm(csr, second, "sum", backend="torch"),
                               spmm(ei, second, "sum", backend="torch"))
    w = torch.rand(130, dtype=torch.float64)
    dense_w = torch.zeros(12, 12, dtype=torch.float64).index_put_(
        (ei[1], ei[0]), w, accumulate=True)
    torch.testing.assert_close(spmm(csr, first, "sum", edge_weight=w, backend="torch"),
                               dense_w @ first)


@pytest.mark.parametrize("min_features", [0, 10 ** 9])   # 0: CSR reduction kernel; huge: A @ x
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_sum_is_the_same_through_either_cpu_kernel(monkeypatch, min_features, dtype):
    """Wide features take torch's CSR reduction kernel, narrow ones ``A @ x``: both equal the
    loop reference, with gradients, on empty rows, duplicates and a bipartite graph."""
    mod = importlib.import_module("graphlab.ops.spmm")
    monkeypatch.setattr(mod, "MM_REDUCE_MIN_FEATURES", min_features)
    x, ei = _check_sum_and_mean(25, 90, 7, 13, dtype)      # duplicates, self-loops, empty rows
    bip = CSR.from_edge_index(torch.tensor([[0, 4, 4, 2], [1, 0, 1, 1]]), (5, 2))
    xb = torch.randn(5, 3)
    torch.testing.assert_close(spmm(bip, xb, backend="torch"),
                               torch.stack([xb[4], xb[0] + xb[4] + xb[2]]))
    assert torch.equal(spmm(torch.empty(2, 0, dtype=torch.long), xb, backend="torch"),
                       torch.zeros(5, 3))
    xg = x.double().requires_grad_()
    wg = (torch.rand(90, dtype=torch.float64) + 0.5).requires_grad_()
    assert torch.autograd.gradcheck(lambda x_, w_: spmm(ei, x_, "mean", edge_weight=w_,
                                                        backend="torch"), (xg, wg))
