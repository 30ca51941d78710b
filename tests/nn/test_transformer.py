import copy

import pytest
import torch

from graphlab.models import build_model
from graphlab.nn import (
    LoRALinear,
    SparseGINAdapter,
    TransformerBlock,
    TransformerLM,
    attach_lora,
    attach_sparse_gin,
    count_parameters,
    lambda_schedule,
    lora_parameter_count,
)


def _lm(attention="standard", **kw):
    torch.manual_seed(0)
    return TransformerLM(256, 16, channels=32, num_layers=2, heads=4, attention=attention, **kw)


@pytest.mark.parametrize("attention", ["standard", "gin"])
def test_language_model_is_causal(attention):
    net = _lm(attention).eval()
    tokens = torch.randint(0, 256, (2, 12))
    changed = tokens.clone()
    changed[:, 8:] = (changed[:, 8:] + 1) % 256
    torch.testing.assert_close(net(tokens)[:, :8], net(changed)[:, :8])
    assert not torch.allclose(net(tokens)[:, 8:], net(changed)[:, 8:])


def test_matched_parameters_are_within_one_percent():
    std = build_model("transformer_lm", "lm", {"channels": 64, "num_layers": 2, "heads": 4},
                      in_channels=256, max_length=32)
    gin = build_model("transformer_lm", "lm", {"channels": 64, "num_layers": 2, "heads": 4,
                                               "attention": "gin", "match_parameters": True},
                      in_channels=256, max_length=32)
    a, b = count_parameters(std), count_parameters(gin)
    assert abs(a - b) / a < 0.01
    assert isinstance(gin.blocks[0].attn, type(gin.blocks[1].attn))


def test_gin_options_need_gin_attention():
    with pytest.raises(ValueError, match="need attention: gin"):
        build_model("transformer_lm", "lm", {"threshold": "relu"}, in_channels=256, max_length=8)
    with pytest.raises(ValueError, match="unknown attention"):
        TransformerBlock(16, 2, attention="linear")


def test_bad_tokens_are_named():
    net = _lm()
    with pytest.raises(ValueError, match="exceeds max_length 16"):
        net(torch.zeros(1, 17, dtype=torch.long))
    with pytest.raises(ValueError, match=r"token ids must lie in \[0, 256\)"):
        net(torch.full((1, 4), 300))
    with pytest.raises(ValueError, match="int64"):
        net(torch.zeros(1, 4))


def test_sparse_gin_adapter_graph_equals_dense_thresholded_attention():
    torch.manual_seed(1)
    adapter = SparseGINAdapter(8, 4)
    att = torch.rand(2, 2, 5, 5).softmax(-1)
    edge_index, weight = adapter.graph(att)
    dense = torch.zeros(10, 10)
    dense[edge_index[1], edge_index[0]] = weight
    s = torch.sigmoid(10 * (att.sum(1).clamp(max=1) - 0.1))
    ref = torch.block_diag(*[(s[b] * (s[b] > 0.6)).tril() for b in range(2)])
    torch.testing.assert_close(dense, ref)


def test_sparse_gin_adapter_matches_a_dense_gin():
    torch.manual_seed(2)
    adapter = SparseGINAdapter(8, 4, lam=0.7, causal=False).double()
    adapter.eps.data.fill_(0.2)
    h = torch.randn(2, 5, 8, dtype=torch.float64)
    att = torch.rand(2, 3, 5, 5, dtype=torch.float64).softmax(-1)
    s = torch.sigmoid(10 * (att.sum(1).clamp(max=1) - 0.1))
    w = s * (s > 0.6)
    z = 1.2 * h + w @ h
    out = adapter.lin2(torch.nn.functional.silu(adapter.lin1(z)))
    torch.testing.assert_close(adapter(h, att), h + 0.7 * adapter.norm(out))


def test_sparse_gin_adapter_with_zero_lambda_is_the_identity():
    adapter = SparseGINAdapter(8, 4, lam=0.0)
    h = torch.randn(2, 5, 8)
    torch.testing.assert_close(adapter(h, torch.rand(2, 5, 5)), h)


@pytest.mark.parametrize("kind", ["sparse_gin", "lora"])
def test_fine_tuning_trains_only_the_adapters(kind):
    base = _lm()
    frozen = [n for n, _ in base.named_parameters()]
    net = build_model(kind, "lm_finetune", {}, frozen=copy.deepcopy(base))
    tokens = torch.randint(0, 256, (2, 10))
    torch.nn.functional.cross_entropy(net(tokens).reshape(-1, 256),
                                      tokens.roll(-1, 1).reshape(-1)).backward()
    names = {n for n, p in net.named_parameters() if p.requires_grad}
    assert names and all(("adapter" in n or "lora" in n) for n in names)
    assert all(p.grad is None for n, p in net.named_parameters() if not p.requires_grad)
    assert all(p.grad is not None for n, p in net.named_parameters() if p.requires_grad)
    assert not any(n in names for n in frozen)


def test_lora_starts_equal_to_the_frozen_model():
    base = _lm().eval()
    tokens = torch.randint(0, 256, (2, 10))
    adapted = copy.deepcopy(base)
    adapters = attach_lora(adapted, 4)
    assert len(adapters) == 4 and all(isinstance(a, LoRALinear) for a in adapters)
    torch.testing.assert_close(adapted(tokens), base(tokens))


def test_sparse_gin_and_lora_parameter_counts_match_within_two_percent():
    for channels, layers, rank in ((32, 2, 4), (256, 4, 8), (192, 6, 16)):
        base = TransformerLM(256, 8, channels, layers, heads=4)
        lora = build_model("lora", "lm_finetune", {"rank": rank}, frozen=copy.deepcopy(base))
        gin = build_model("sparse_gin", "lm_finetune", {"match_lora_rank": rank},
                          frozen=copy.deepcopy(base))
        n_lora, n_gin = count_parameters(lora, True), count_parameters(gin, True)
        assert n_lora == lora_parameter_count(channels, layers, rank)
        assert abs(n_gin - n_lora) / n_lora < 0.02, (channels, n_gin, n_lora)


def test_lambda_schedule_and_attach():
    assert lambda_schedule(3) == [0.0, 0.25, 0.5]
    assert lambda_schedule(1) == [0.5]
    net = _lm()
    adapters = attach_sparse_gin(net, 6)
    assert [a.lam.item() for a in adapters] == [0.0, 0.5]
    assert all(not p.requires_grad for p in net.tok.parameters())


def test_lora_needs_a_linear_and_a_positive_rank():
    with pytest.raises(TypeError, match="nn.Linear"):
        LoRALinear(torch.nn.Conv1d(2, 2, 1), 2)
    with pytest.raises(ValueError, match="rank must be positive"):
        LoRALinear(torch.nn.Linear(2, 2), 0)
