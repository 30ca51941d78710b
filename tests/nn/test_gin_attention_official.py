"""graphlab's GINAttention equals the paper's own layer (``LlamaAttentionGIN`` of
lamm-mit/Graph-Aware-Transformers) on the same weights and inputs.

The expected outputs were computed by the official code; ``fixtures/official_gin_attention.py``
(run outside the test suite, in an environment with the official checkout and
``transformers``) wrote them to ``fixtures/official_gin_attention.pt``. The configuration:
softmax attention with the learnable sharpening α (set to 1.7), causal, values = the raw head
slices, one ε per head (0.1, 0.2, 0.3, 0.4), per-head MLP ``Linear(8 → 4) → Dropout →
RMSNorm → SiLU → Linear(4 → 8)``, output projection, rotary embeddings off.
"""
from pathlib import Path

import pytest
import torch

from graphlab.nn import GINAttention

FIXTURE = Path(__file__).parent / "fixtures" / "official_gin_attention.pt"


def _cases():
    return torch.load(FIXTURE, weights_only=True)["cases"]


@pytest.mark.parametrize("name", ["none", "relu", "binary"])
def test_gin_attention_equals_the_official_layer(name):
    case = _cases()[name]
    layer = GINAttention(32, 4, threshold=case["threshold"], tau=case["tau"], causal=True,
                         eps_mode="eps", eps_per_head=True, mlp_ratio=0.5).eval()
    missing, unexpected = layer.load_state_dict(case["state"], strict=True)
    assert not missing and not unexpected
    with torch.no_grad():
        y = layer(case["x"])
    assert torch.allclose(y, case["y"], rtol=1e-5, atol=1e-6), (y - case["y"]).abs().max()


def test_one_shared_eps_cannot_stand_in_for_per_head_eps():
    """The fixture's heads have different ε: with one shared ε the outputs differ, so the
    comparison above really checks the per-head update."""
    case = _cases()["none"]
    layer = GINAttention(32, 4, causal=True, eps_per_head=False).eval()
    state = dict(case["state"], eps=case["state"]["eps"].mean().view(1))
    layer.load_state_dict(state)
    with torch.no_grad():
        assert not torch.allclose(layer(case["x"]), case["y"], atol=1e-4)
