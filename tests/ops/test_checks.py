import pytest
import torch

from graphlab.ops import check_edge_index, check_features


def test_valid_edge_index_passes_int64_and_int32():
    ei = torch.tensor([[0, 1, 2], [1, 2, 0]])
    check_edge_index(ei, 3)
    check_edge_index(ei.int(), 3)
    check_edge_index(torch.empty(2, 0, dtype=torch.long), 0)


@pytest.mark.parametrize("bad, err, match", [
    (torch.tensor([[0, 1], [1, 3]]), ValueError, r"out of range: found 3.*num_nodes=3"),
    (torch.tensor([[0, -1], [1, 2]]), ValueError, r"out of range: found -1"),
    (torch.tensor([[0.0, 1.0], [1.0, 2.0]]), TypeError, r"integer dtype.*float32"),
    (torch.tensor([0, 1, 2]), ValueError, r"shape \[2, E\], got \[3\]"),
    (torch.zeros(3, 4, dtype=torch.long), ValueError, r"shape \[2, E\], got \[3, 4\]"),
    ([[0, 1], [1, 2]], TypeError, r"torch.Tensor, got list"),
])
def test_bad_edge_index_gets_one_clear_error(bad, err, match):
    with pytest.raises(err, match=match):
        check_edge_index(bad, 3)


def test_features_checks():
    check_features(torch.randn(4, 2), 4)
    with pytest.raises(ValueError, match=r"NaN values \(1 entries, first at row 2, column 1\)"):
        x = torch.zeros(4, 2)
        x[2, 1] = float("nan")
        check_features(x, 4)
    with pytest.raises(ValueError, match="inf"):
        check_features(torch.tensor([[float("inf")]]), 1)
    with pytest.raises(TypeError, match="floating-point.*int64"):
        check_features(torch.zeros(4, 2, dtype=torch.long), 4)
    with pytest.raises(ValueError, match="has 3 rows but the graph has 4 nodes"):
        check_features(torch.zeros(3, 2), 4)
    with pytest.raises(ValueError, match=r"shape \[N, F\]"):
        check_features(torch.zeros(4), 4)
