import math

import pytest
import torch
from sklearn.metrics import roc_auc_score

from graphlab.tasks.metrics import (
    accuracy,
    binary_rocauc,
    hits_at_k,
    link_metrics,
    mrr,
    roc_auc,
)


def test_accuracy():
    logits = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    assert accuracy(logits, torch.tensor([0, 1, 1])) == pytest.approx(200 / 3)
    assert accuracy(logits[:0], torch.tensor([], dtype=torch.long)) == 0.0


def test_hits_at_k_by_hand():
    neg = torch.tensor([0.9, 0.8, 0.1, 0.0])
    pos = torch.tensor([0.95, 0.85, 0.5, 0.8])
    # K=1: threshold 0.9 → only 0.95 beats it; K=2: threshold 0.8 → 0.95, 0.85 (0.8 ties: miss)
    assert hits_at_k(pos, neg, 1) == pytest.approx(25.0)
    assert hits_at_k(pos, neg, 2) == pytest.approx(50.0)
    assert hits_at_k(pos, neg, 4) == pytest.approx(100.0)


def test_mrr_by_hand_with_ties_half_way():
    neg = torch.tensor([0.9, 0.5, 0.1])
    pos = torch.tensor([1.0, 0.5, 0.0])
    # ranks: 1; tie with 0.5 → 1 + (1 + 2) / 2 = 2.5; 4
    expected = (1 / 1 + 1 / 2.5 + 1 / 4) / 3
    assert mrr(pos, neg) == pytest.approx(100 * expected)


def test_mrr_in_chunks_equals_one_shot(monkeypatch):
    import graphlab.tasks.metrics as metrics
    pos, neg = torch.rand(37), torch.rand(11)
    one = mrr(pos, neg)
    monkeypatch.setattr(metrics, "_MRR_CHUNK", 20)
    assert mrr(pos, neg) == pytest.approx(one)


def test_auc_and_keys():
    assert roc_auc(torch.tensor([0.9, 0.8]), torch.tensor([0.1, 0.85])) == pytest.approx(75.0)
    out = link_metrics(torch.rand(5), torch.rand(5), [1, 3], "test")
    assert set(out) == {"test_hits@1", "test_hits@3", "test_mrr", "test_auc"}


def test_binary_rocauc_equals_sklearn_on_class_one_probability():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(50, 2, generator=gen)
    y = torch.randint(0, 2, (50,), generator=gen)
    expected = 100 * roc_auc_score(y.numpy(), logits.softmax(-1)[:, 1].numpy())
    assert binary_rocauc(logits, y) == pytest.approx(expected)


def test_binary_rocauc_undefined_for_one_class_and_refuses_other_shapes():
    assert math.isnan(binary_rocauc(torch.randn(4, 2), torch.ones(4, dtype=torch.long)))
    with pytest.raises(ValueError, match=r"shape \[n, 2\]"):
        binary_rocauc(torch.randn(4, 3), torch.tensor([0, 1, 2, 1]))
