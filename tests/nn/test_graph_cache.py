"""GraphCache: a layer's per-graph value, reused only while the graph is equal."""
import torch

from graphlab.nn.aggregate import GraphCache


def _counting_build():
    calls = []

    def build():
        calls.append(1)
        return len(calls)
    return calls, build


def test_reused_while_the_graph_is_equal():
    cache, (calls, build) = GraphCache(), _counting_build()
    ei = torch.tensor([[0, 1, 2], [1, 2, 0]])
    assert cache.get(ei, 3, build) == 1
    assert cache.get(ei.clone(), 3, build) == 1      # equal, another tensor
    assert len(calls) == 1


def test_rebuilt_when_values_nodes_dtype_or_shape_change():
    cache, (calls, build) = GraphCache(), _counting_build()
    ei = torch.tensor([[0, 1, 2], [1, 2, 0]])
    cache.get(ei, 3, build)
    assert cache.get(torch.tensor([[0, 1, 2], [2, 0, 1]]), 3, build) == 2  # same shape
    assert cache.get(torch.tensor([[0, 1, 2], [2, 0, 1]]), 4, build) == 3  # more nodes
    assert cache.get(torch.tensor([[0, 1, 2], [2, 0, 1]], dtype=torch.int32), 4, build) == 4
    assert cache.get(torch.tensor([[0, 1], [2, 0]]), 4, build) == 5
    assert len(calls) == 5


def test_an_in_place_change_of_the_callers_tensor_is_seen():
    cache, (calls, build) = GraphCache(), _counting_build()
    ei = torch.tensor([[0, 1, 2], [1, 2, 0]])
    cache.get(ei, 3, build)
    ei[1, 0] = 2                                      # the key is a copy
    assert cache.get(ei, 3, build) == 2
    assert len(calls) == 2


def test_sparse_forms_are_not_cached_and_clear_forgets():
    cache, (calls, build) = GraphCache(), _counting_build()
    adj = torch.sparse_coo_tensor(torch.tensor([[0, 1], [1, 0]]), torch.ones(2), (2, 2))
    cache.get(adj, 2, build)
    cache.get(adj, 2, build)
    assert len(calls) == 2
    ei = torch.tensor([[0], [1]])
    cache.get(ei, 2, build)
    cache.clear()
    cache.get(ei, 2, build)
    assert len(calls) == 4
