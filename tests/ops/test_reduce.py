import pytest
import torch

from graphlab.ops import scatter, segment


def loop_reference(src, index, dim_size, reduce):
    out = torch.zeros(dim_size, *src.shape[1:], dtype=src.dtype)
    for i in range(dim_size):
        rows = src[index == i]
        if rows.numel() == 0 or rows.size(0) == 0:
            continue
        out[i] = {"sum": rows.sum(0), "mean": rows.mean(0), "max": rows.max(0).values,
                  "min": rows.min(0).values}[reduce]
    return out


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("index_dtype", [torch.int64, torch.int32])
def test_scatter_matches_loop_reference(backend, reduce, dtype, index_dtype):
    gen = torch.Generator().manual_seed(0)
    src = torch.randn(30, 4, generator=gen, dtype=dtype)
    index = torch.randint(0, 9, (30,), generator=gen)  # rows 9..11 stay empty
    out = scatter(src, index.to(index_dtype), 12, reduce, backend=backend)
    torch.testing.assert_close(out, loop_reference(src, index, 12, reduce))


@pytest.mark.parametrize("reduce", ["max", "min"])
def test_arg_points_at_the_selected_entry(backend, reduce):
    gen = torch.Generator().manual_seed(1)
    src = torch.randn(25, 3, generator=gen)
    index = torch.randint(0, 6, (25,), generator=gen)
    out, arg = scatter(src, index, 8, reduce, return_arg=True, backend=backend)
    assert bool((arg[6:] == -1).all())
    hit = arg >= 0
    assert torch.equal(torch.gather(src, 0, arg.clamp(min=0))[hit], out[hit])
    assert bool((index[arg.clamp(min=0)][hit] == torch.arange(8).view(-1, 1).expand(8, 3)[hit])
                .all())


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min"])
def test_segment_equals_scatter_on_sorted_rows(backend, reduce):
    rowptr = torch.tensor([0, 3, 3, 7, 8, 12])
    src = torch.randn(12, 5)
    index = torch.repeat_interleave(torch.arange(5), rowptr[1:] - rowptr[:-1])
    torch.testing.assert_close(segment(src, rowptr, reduce, backend=backend),
                               scatter(src, index, 5, reduce, backend="torch"))


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min"])
def test_gradcheck(backend, reduce):
    gen = torch.Generator().manual_seed(2)
    src = torch.randn(15, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    index = torch.randint(0, 5, (15,), generator=gen)
    fast = backend == "triton"  # Triton's interpreter is slow: a random Jacobian projection
    assert torch.autograd.gradcheck(lambda s: scatter(s, index, 6, reduce, backend=backend),
                                    (src,), fast_mode=fast)
    rowptr = torch.tensor([0, 4, 4, 9, 15])
    assert torch.autograd.gradcheck(lambda s: segment(s, rowptr, reduce, backend=backend), (src,),
                                    fast_mode=fast)


def test_bad_input():
    src = torch.randn(4, 2)
    with pytest.raises(ValueError, match="unknown reduce 'median'"):
        scatter(src, torch.zeros(4, dtype=torch.long), 2, "median")
    with pytest.raises(ValueError, match=r"index must have shape \[E\] = \[4\]"):
        scatter(src, torch.zeros(3, dtype=torch.long), 2)
    with pytest.raises(TypeError, match="index must be an int64/int32 tensor"):
        scatter(src, torch.zeros(4), 2)
    with pytest.raises(ValueError, match=r"out of range \[0, 2\): 0\.\.5"):
        scatter(src, torch.tensor([0, 1, 5, 0]), 2)
    with pytest.raises(ValueError, match="return_arg is only defined for max / min"):
        scatter(src, torch.zeros(4, dtype=torch.long), 2, "sum", return_arg=True)
    with pytest.raises(ValueError, match="rowptr must start at 0 and end at src.size"):
        segment(src, torch.tensor([0, 2, 3]))
    with pytest.raises(ValueError, match="unknown ops backend 'cuda'"):
        scatter(src, torch.zeros(4, dtype=torch.long), 2, backend="cuda")


@pytest.mark.parametrize("backend", ["torch", "triton"])
@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min"])
def test_an_empty_edge_set_gives_zero_rows(backend, reduce):
    """A graph without edges is legal: every output row is 0 and every arg -1."""
    from graphlab.ops import CSR, edge_softmax
    src, index = torch.zeros(0, 4), torch.zeros(0, dtype=torch.long)
    out = scatter(src, index, 3, reduce, backend=backend)
    assert out.shape == (3, 4) and not out.any()
    if reduce in ("max", "min"):
        _, arg = scatter(src, index, 3, reduce, return_arg=True, backend=backend)
        assert bool((arg == -1).all())
    out = segment(torch.zeros(0, 2, 3), torch.zeros(4, dtype=torch.long), reduce, backend=backend)
    assert out.shape == (3, 2, 3) and not out.any()
    csr = CSR.from_edge_index(torch.empty(2, 0, dtype=torch.long), 3)
    assert edge_softmax(csr, torch.zeros(0, 2), backend=backend).shape == (0, 2)


def test_a_float_rowptr_is_refused_not_truncated():
    with pytest.raises(TypeError, match="rowptr must be an int64/int32 tensor, got torch.float32"):
        segment(torch.randn(3, 2), torch.tensor([0.0, 1.5, 3.0]))
