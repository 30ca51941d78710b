import pytest
import torch

from graphlab.heads import MultiHorizonHead
from graphlab.models import Forecaster


def _model(variant, num_virtual=0, n=5, **kw):
    torch.manual_seed(0)
    adj = torch.rand(n, n)
    return Forecaster(n, 1, 1, adj, input_steps=12, horizon=4, variant=variant,
                      num_virtual=num_virtual, hidden_channels=8, **kw)


@pytest.mark.parametrize("variant,k", [("distance", 0), ("ones", 0), ("adaptive", 3),
                                       ("semi", 2)])
def test_every_variant_forecasts_all_horizons_for_the_real_sensors(variant, k):
    model = _model(variant, k)
    out = model(torch.randn(2, 12, 5, 1))
    assert out.shape == (2, 4, 5, 1)
    out.sum().backward()
    edge_index, weight = model.graph()
    assert int(edge_index.max()) < 5 + model.num_virtual


def test_virtual_nodes_get_zero_input():
    model = _model("semi", 2)
    padded = model.pad(torch.ones(1, 12, 5, 1))
    assert padded.shape == (1, 12, 7, 1) and padded[:, :, 5:].abs().sum() == 0


def test_semi_variant_learns_only_virtual_weights_and_reports_them():
    model = _model("semi", 2)
    model(torch.randn(2, 12, 5, 1)).sum().backward()
    assert model.adjacency.e1.grad is not None and model.adjacency.e1.grad.abs().sum() > 0
    w = model.virtual_weights()
    assert w.shape == (5, 2) and (w >= 0).all()
    a = model.adjacency()
    assert torch.equal(a[:5, :5], model.adjacency.base)


def test_head_emits_every_step():
    head = MultiHorizonHead(8, 6, 2)
    assert head(torch.randn(3, 5, 8)).shape == (3, 6, 5, 2)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="unknown variant"):
        _model("full")
    with pytest.raises(ValueError, match="'semi' needs num_virtual >= 1"):
        _model("semi", 0)
    with pytest.raises(ValueError, match="no virtual nodes"):
        _model("distance", 2)
    with pytest.raises(ValueError, match=r"adjacency is \[4, 4\] but there are 5"):
        Forecaster(5, 1, 1, torch.rand(4, 4))
    with pytest.raises(ValueError, match=r"x must be \[B, T, N=5, C\]"):
        _model("distance")(torch.randn(2, 12, 4, 1))
