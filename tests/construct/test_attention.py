import pytest
import torch

from graphlab.construct import attention_graph


def _dense_reference(att, mask=None, causal=True, clamp=1.0, s=10.0, c=0.1, keep=0.6):
    """Python loops over the dense summed attention."""
    summed = att.sum(1) if att.dim() == 4 else att
    B, L, _ = summed.shape
    edges = {}
    for b in range(B):
        for i in range(L):
            for j in range(L):
                if causal and j > i:
                    continue
                if mask is not None and not (mask[b, i] and mask[b, j]):
                    continue
                w = torch.sigmoid(torch.tensor(s * (min(float(summed[b, i, j]), clamp) - c)))
                if w > keep:
                    edges[(b * L + j, b * L + i)] = float(w)
    return edges


@pytest.mark.parametrize("causal", [True, False])
def test_graph_equals_the_dense_thresholded_attention(causal):
    torch.manual_seed(0)
    att = torch.rand(3, 4, 6, 6).softmax(-1) * 0.7
    mask = torch.ones(3, 6, dtype=torch.bool)
    mask[2, 4:] = False
    edge_index, weight = attention_graph(att, mask, causal=causal)
    got = {(int(s), int(t)): float(w) for (s, t), w in zip(edge_index.t(), weight, strict=True)}
    ref = _dense_reference(att, mask, causal)
    assert got.keys() == ref.keys() and len(ref) > 0
    for key, w in ref.items():
        assert got[key] == pytest.approx(w, rel=1e-6)


def test_batch_is_block_diagonal_and_padding_has_no_edges():
    att = torch.ones(2, 1, 5, 5)
    mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    edge_index, _ = attention_graph(att, mask)
    src, dst = edge_index
    assert torch.equal(src // 5, dst // 5)                       # never across sequences
    assert not ((src >= 7) & (src < 10)).any() and not ((dst >= 7) & (dst < 10)).any()
    assert (src <= dst).all()                                    # causal: key j <= query i


def test_clamp_bounds_the_weight():
    att = torch.full((1, 3, 3), 5.0)
    _, weight = attention_graph(att, causal=False, clamp=1.0)
    torch.testing.assert_close(weight, torch.sigmoid(torch.tensor(9.0)).expand(9))


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"\[B, H, L, L\] or \[B, L, L\]"):
        attention_graph(torch.rand(2, 3, 4))
    with pytest.raises(ValueError, match="NaN"):
        attention_graph(torch.full((1, 2, 2), float("nan")))
    with pytest.raises(ValueError, match="keep must lie"):
        attention_graph(torch.rand(1, 2, 2), keep=1.5)
    with pytest.raises(ValueError, match="mask must be a bool"):
        attention_graph(torch.rand(1, 2, 2), torch.ones(1, 3, dtype=torch.bool))
