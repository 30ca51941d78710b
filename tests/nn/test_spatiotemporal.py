import pytest
import torch

from graphlab.nn.spatiotemporal import STGCN, DiffusionConv, STConvBlock, TemporalGLU
from tests.helpers import random_graph


def _dense_transitions(edge_index, weight, n):
    a = torch.zeros(n, n, dtype=weight.dtype)
    a.index_put_((edge_index[1], edge_index[0]), weight, accumulate=True)  # a[dst, src]
    fwd = a / a.sum(1, keepdim=True).clamp(min=1e-12)
    b = a.t()
    bwd = b / b.sum(1, keepdim=True).clamp(min=1e-12)
    return fwd, bwd


def test_diffusion_conv_equals_dense_powers_of_the_transitions():
    torch.manual_seed(0)
    n = 7
    _, edge_index = random_graph(n, 18, 1)
    weight = torch.rand(edge_index.size(1), dtype=torch.float64)
    conv = DiffusionConv(3, 4, K=2).double()
    x = torch.randn(2, 5, n, 3, dtype=torch.float64)
    fwd, bwd = _dense_transitions(edge_index, weight, n)
    terms = [x]
    for p in (fwd, bwd):
        h = x
        for _ in range(2):
            h = torch.einsum("ij,btjc->btic", p, h)
            terms.append(h)
    ref = conv.lin(torch.cat(terms, -1))
    torch.testing.assert_close(conv(x, edge_index, weight), ref)


def test_learned_edge_weights_get_gradients():
    torch.manual_seed(1)
    _, edge_index = random_graph(6, 14, 1)
    weight = torch.rand(edge_index.size(1), requires_grad=True)
    DiffusionConv(2, 3)(torch.randn(1, 4, 6, 2), edge_index, weight).pow(2).sum().backward()
    assert weight.grad is not None and weight.grad.abs().sum() > 0


def test_temporal_glu_shrinks_time_and_is_causal_in_its_window():
    glu = TemporalGLU(2, 5, kernel_size=3)
    x = torch.randn(2, 8, 4, 2)
    assert glu(x).shape == (2, 6, 4, 5)
    y = x.clone()
    y[:, 5:] += 1.0
    torch.testing.assert_close(glu(x)[:, :3], glu(y)[:, :3])  # output t uses steps t..t+2


def test_stgcn_shapes_and_layers():
    torch.manual_seed(2)
    _, edge_index = random_graph(9, 20, 1)
    model = STGCN(1, 16, input_steps=12, num_blocks=2, kernel_size=3)
    h, layers = model(torch.randn(3, 12, 9, 1), edge_index, return_layers=True)
    assert h.shape == (3, 9, 16) and [t.shape[1] for t in layers] == [8, 4]
    assert isinstance(model.blocks[0], STConvBlock)


def test_bad_input_is_named():
    _, edge_index = random_graph(5, 8, 1)
    with pytest.raises(ValueError, match="too short for 2 blocks"):
        STGCN(1, 8, input_steps=8, num_blocks=2, kernel_size=3)
    model = STGCN(1, 8, input_steps=12)
    with pytest.raises(ValueError, match="11 time steps"):
        model(torch.randn(1, 11, 5, 1), edge_index)
    with pytest.raises(ValueError, match="NaN"):
        model(torch.full((1, 12, 5, 1), float("nan")), edge_index)
    with pytest.raises(ValueError, match=r"\[B, T, N, C\]"):
        model(torch.randn(12, 5, 1), edge_index)
    with pytest.raises(ValueError, match="edge_index"):
        model(torch.randn(1, 12, 3, 1), edge_index)
    with pytest.raises(ValueError, match="fewer than the kernel"):
        TemporalGLU(1, 1, 5)(torch.randn(1, 3, 2, 1))
