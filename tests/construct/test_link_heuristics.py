import math

import pytest
import torch

from graphlab.construct import link_heuristic
from tests.helpers import assert_pair_symmetric, random_graph


def dense_reference(edge_index, pairs, n, kind):
    A = torch.zeros(n, n)
    A[edge_index[0], edge_index[1]] = 1
    A = ((A + A.t()) > 0).float()
    A.fill_diagonal_(0)
    deg = A.sum(1)
    out = []
    for i, j in pairs.t().tolist():
        s = 0.0
        for u in range(n):
            if A[i, u] and A[j, u]:
                s += {"cn": 1.0, "aa": 1.0 / math.log(deg[u]), "ra": 1.0 / deg[u]}[kind]
        out.append(s)
    return torch.tensor(out)


@pytest.mark.parametrize("kind", ["cn", "aa", "ra"])
def test_heuristics_equal_dense_reference(kind):
    # self-loops and duplicate edges included; isolated nodes likely at this density
    _, ei = random_graph(30, 80, seed=4)
    pairs = torch.randint(30, (2, 50), generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(link_heuristic(ei, pairs, 30, kind),
                               dense_reference(ei, pairs, 30, kind))


@pytest.mark.parametrize("kind", ["cn", "aa", "ra"])
def test_heuristics_are_symmetric(kind):
    _, ei = random_graph(40, 120, seed=0)
    pairs = torch.randint(40, (2, 64))
    assert_pair_symmetric(lambda p: link_heuristic(ei, p, 40, kind), pairs)


def test_int32_input_and_empty_pairs():
    ei = torch.tensor([[0, 0, 1], [1, 2, 2]], dtype=torch.int32)
    assert link_heuristic(ei, torch.tensor([[1], [2]], dtype=torch.int32), 3).tolist() == [1.0]
    assert link_heuristic(ei, torch.zeros(2, 0, dtype=torch.long), 3).numel() == 0


def test_bad_input():
    ei = torch.tensor([[0, 1], [1, 2]])
    with pytest.raises(ValueError, match="pairs has an index out of range: found 7"):
        link_heuristic(ei, torch.tensor([[0], [7]]), 3)
    with pytest.raises(ValueError, match="unknown heuristic 'jaccard'"):
        link_heuristic(ei, torch.tensor([[0], [1]]), 3, "jaccard")
