import pytest
import torch

from graphlab.nn.dropout import Dropout, dropout


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
