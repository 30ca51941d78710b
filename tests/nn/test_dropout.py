import pytest
import torch

from graphlab.nn.dropout import Dropout, dropout, keep_mask


def test_dropout_rate_scale_and_gradient():
    torch.manual_seed(0)
    x = torch.ones(200_000, requires_grad=True)
    layer = Dropout(0.3)
    y = layer(x)
    kept = y != 0
    assert abs(kept.float().mean().item() - 0.7) < 0.005
    for p in (0.05, 0.5, 0.9):
        rate = Dropout(p)(torch.ones(400_000)).ne(0).float().mean().item()
        assert abs(rate - (1 - p)) < 0.005, p
    torch.testing.assert_close(y[kept], torch.full_like(y[kept], 1 / 0.7))
    y.sum().backward()
    torch.testing.assert_close(x.grad, y.detach())  # gradient = the same mask and scale
    layer.eval()
    assert layer(x) is x
    assert dropout(x, 0.0, True) is x
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\)"):
        Dropout(1.0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_scaled_mask_equals_mask_then_scale(dtype):
    """Forward and gradient are bitwise those of ``x · keep_mask · 1/(1-p)`` on the same
    random draws."""
    x = torch.randn(37, 64, dtype=dtype, requires_grad=True)
    torch.manual_seed(3)
    y = Dropout(0.3)(x)
    torch.manual_seed(3)
    # the mask written out: 16-bit lanes of 64-bit draws against the threshold
    lanes = torch.randint(-2**63, 2**63 - 1, ((x.numel() + 3) // 4,),
                          dtype=torch.int64).view(torch.int16)[:x.numel()].view(x.shape)
    keep = (lanes >= round(0.3 * 65536) - 32768).to(dtype)
    torch.manual_seed(3)
    assert torch.equal(keep_mask(x, 0.3), keep)
    ref = x * keep * (1.0 / 0.7)
    assert torch.equal(y, ref)
    g = torch.randn_like(y)
    (gx,) = torch.autograd.grad(y, x, g)
    (gref,) = torch.autograd.grad(ref, x, g)
    assert torch.equal(gx, gref)
