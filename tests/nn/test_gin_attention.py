import pytest
import torch
import torch.nn.functional as F

from graphlab.nn import GINAttention, SelfAttention, threshold_attention
from graphlab.nn.gin_attention import HeadMLPs


def _slices(x, heads):
    B, L, D = x.shape
    return x.view(B, L, heads, D // heads).transpose(1, 2)


def _qk(layer, x):
    return _slices(layer.q(x), layer.heads), _slices(layer.k(x), layer.heads)


def _plain(channels=16, heads=4, **kw):
    """ε = 0 (unless given), no threshold, identity MLP, no output projection."""
    kw.setdefault("eps", 0.0)
    return GINAttention(channels, heads, mlp=False, out_proj=False, **kw).double()


@pytest.mark.parametrize("causal", [False, True])
def test_reduces_to_softmax_attention_over_input_slices(causal):
    torch.manual_seed(0)
    layer = _plain(causal=causal)
    x = torch.randn(3, 7, 16, dtype=torch.float64)
    q, k = _qk(layer, x)
    ref = F.scaled_dot_product_attention(q, k, _slices(x, 4), is_causal=causal)
    torch.testing.assert_close(layer(x), ref.transpose(1, 2).reshape(3, 7, 16))


def test_padding_mask_matches_sdpa_with_a_key_mask():
    torch.manual_seed(1)
    layer = _plain()
    x = torch.randn(2, 6, 16, dtype=torch.float64)
    mask = torch.tensor([[True] * 6, [True] * 4 + [False] * 2])
    q, k = _qk(layer, x)
    ref = F.scaled_dot_product_attention(q, k, _slices(x, 4), attn_mask=mask.view(2, 1, 1, 6))
    torch.testing.assert_close(layer(x, mask=mask), ref.transpose(1, 2).reshape(2, 6, 16))


def test_eps_modes_weight_the_node_itself():
    torch.manual_seed(2)
    x = torch.randn(2, 5, 8, dtype=torch.float64)
    a = _plain(8, 2, eps=0.3)
    b = _plain(8, 2, eps=0.3, eps_mode="one_plus_eps")
    b.load_state_dict(a.state_dict())
    torch.testing.assert_close(b(x) - a(x), x)  # (1 + ε) x − ε x


def test_sharpening_alpha_scales_the_scores():
    torch.manual_seed(3)
    layer = _plain(8, 2)
    layer.alpha.data.fill_(2.5)
    x = torch.randn(1, 4, 8, dtype=torch.float64)
    q, k = _qk(layer, x)
    ref = F.scaled_dot_product_attention(q, k, _slices(x, 2), scale=2.5 / 2.0)
    torch.testing.assert_close(layer(x), ref.transpose(1, 2).reshape(1, 4, 8))


def test_causal_output_never_depends_on_later_positions():
    torch.manual_seed(4)
    layer = GINAttention(16, 4, causal=True, threshold="relu", tau=0.05).double()
    x = torch.randn(1, 6, 16, dtype=torch.float64, requires_grad=True)
    out = layer(x)
    for t in range(6):
        (grad,) = torch.autograd.grad(out[0, t].sum(), x, retain_graph=True)
        if t < 5:
            assert grad[0, t + 1:].abs().max() == 0
        assert grad[0, :t + 1].abs().max() > 0


def test_threshold_modes_against_their_definitions():
    att = torch.tensor([[0.5, 0.3, 0.2, 0.0], [0.1, 0.1, 0.7, 0.1]])
    torch.testing.assert_close(threshold_attention(att, "relu", 0.2), (att - 0.2).clamp(min=0))
    torch.testing.assert_close(threshold_attention(att, "sigmoid", 0.2, 10.0),
                               att * torch.sigmoid(10 * (att - 0.2)))
    assert torch.equal(threshold_attention(att, "binary", 0.2), (att > 0.2).float())
    top = threshold_attention(att, "topk", top_k=1)
    assert torch.equal(top, torch.tensor([[0.5, 0, 0, 0], [0, 0, 0.7, 0]]))
    assert torch.equal(threshold_attention(att, "none"), att)


def test_binary_threshold_passes_a_gradient_straight_through():
    att = torch.tensor([0.1, 0.25, 0.6], requires_grad=True)
    threshold_attention(att, "binary", 0.2).sum().backward()
    assert (att.grad > 0).all()


@pytest.mark.parametrize("mode", ["sigmoid", "binary", "relu", "topk"])
def test_forbidden_pairs_stay_zero_after_thresholding(mode):
    torch.manual_seed(5)
    layer = GINAttention(8, 2, threshold=mode, top_k=3, causal=True)
    x = torch.randn(2, 5, 8)
    mask = torch.tensor([[True] * 5, [True] * 3 + [False] * 2])
    _, att = layer(x, mask=mask, return_attention=True)
    assert att.triu(1).abs().max() == 0
    assert att[1, :, :, 3:].abs().max() == 0


def test_a_query_without_allowed_keys_gets_zeros_not_nan():
    layer = GINAttention(8, 2, causal=True)
    x = torch.randn(1, 4, 8)
    mask = torch.tensor([[False, True, True, True]])  # left padding: row 0 sees nothing
    _, att = layer(x, mask=mask, return_attention=True)
    assert torch.isfinite(att).all() and att[0, :, 0].abs().max() == 0


def test_head_mlps_equal_one_mlp_per_head():
    torch.manual_seed(6)
    mlps = HeadMLPs(3, 4, ratio=0.5).double()
    x = torch.randn(2, 3, 5, 4, dtype=torch.float64)
    out = mlps(x)
    for h in range(3):
        z = x[:, h] @ mlps.w1[h] + mlps.b1[h]
        z = z * torch.rsqrt(z.pow(2).mean(-1, keepdim=True) + 1e-6) * mlps.norm[h]
        ref = F.silu(z) @ mlps.w2[h] + mlps.b2[h]
        torch.testing.assert_close(out[:, h], ref)
    assert mlps.hidden == 2  # γ d = 0.5 · 4


def test_value_projection_and_attn_mask_and_bias_shapes():
    torch.manual_seed(7)
    layer = GINAttention(8, 2, value_proj=True)
    x = torch.randn(2, 4, 8)
    allowed = torch.eye(4, dtype=torch.bool)
    out, att = layer(x, attn_mask=allowed, return_attention=True)
    assert torch.equal(att, torch.eye(4).expand(2, 2, 4, 4))  # only itself is allowed
    assert layer(x, attn_bias=torch.zeros(2, 2, 4, 4)).shape == (2, 4, 8)


def test_gradients_reach_every_parameter():
    layer = GINAttention(8, 2, value_proj=True, threshold="sigmoid")
    layer(torch.randn(2, 5, 8)).sum().backward()
    for name, p in layer.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_standard_attention_fused_and_explicit_paths_agree():
    torch.manual_seed(8)
    layer = SelfAttention(16, 4, causal=True).double()
    x = torch.randn(2, 6, 16, dtype=torch.float64)
    fused = layer(x)
    explicit, att = layer(x, return_attention=True)
    torch.testing.assert_close(fused, explicit)
    torch.testing.assert_close(att.sum(-1), torch.ones(2, 4, 6, dtype=torch.float64))


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="heads .3. must be a positive divisor"):
        GINAttention(16, 3)
    with pytest.raises(ValueError, match="unknown threshold"):
        GINAttention(16, 4, threshold="soft")
    with pytest.raises(ValueError, match="top_k"):
        GINAttention(16, 4, threshold="topk")
    with pytest.raises(ValueError, match="eps_mode"):
        GINAttention(16, 4, eps_mode="two")
    layer = GINAttention(16, 4)
    x = torch.randn(2, 5, 16)
    with pytest.raises(ValueError, match=r"mask must be a bool tensor \[B, L\]"):
        layer(x, mask=torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="attn_mask must have shape"):
        layer(x, attn_mask=torch.ones(3, 5, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match="attn_mask must be bool"):
        layer(x, attn_mask=torch.ones(5, 5))
    with pytest.raises(ValueError, match="width 8"):
        layer(torch.randn(2, 5, 8))
    with pytest.raises(ValueError, match=r"\[B, L, D\]"):
        layer(torch.randn(5, 16))
    with pytest.raises(ValueError, match="NaN"):
        layer(torch.full((1, 2, 16), float("nan")))
