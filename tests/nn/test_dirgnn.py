"""Dir-GNN on PyG's DirGNNConv: the directed normalisation, equivariance, the CSR cache."""
import pytest
import torch
from torch_geometric.nn import DirGNNConv

from graphlab.models import build_model
from graphlab.nn import DirGCNNormConv, DirGNN
from graphlab.nn.dirgnn import directed_gcn_weight
from tests.helpers import assert_node_equivariant, random_graph


def _dense_norm(ei, n):
    a = torch.zeros(n, n)
    a[ei[0], ei[1]] = 1
    d_out, d_in = a.sum(1).clamp(min=1), a.sum(0).clamp(min=1)
    return d_out.rsqrt()[:, None] * a * d_in.rsqrt()[None, :]   # D_out^-1/2 A D_in^-1/2


def test_conv_aggregates_with_dout_din_normalisation():
    x, ei = random_graph(25, 80, 6, seed=0, self_loops=False, duplicates=False)
    conv = DirGCNNormConv(6, 4)
    ref = _dense_norm(ei, 25).t() @ conv.lin(x)       # row i gathers j → i
    torch.testing.assert_close(conv(x, ei), ref, atol=1e-5, rtol=1e-4)


def test_dirgnnconv_reverse_direction_is_din_at_dout():
    x, ei = random_graph(25, 80, 6, seed=1, self_loops=False, duplicates=False)
    layer = DirGNNConv(DirGCNNormConv(6, 4), alpha=0.3, root_weight=False)
    norm = _dense_norm(ei, 25)
    ref = 0.7 * norm.t() @ layer.conv_in.lin(x) + 0.3 * norm @ layer.conv_out.lin(x)
    torch.testing.assert_close(layer(x, ei), ref, atol=1e-5, rtol=1e-4)
    # the two deep copies keep separate caches
    assert layer.conv_in._cache is not layer.conv_out._cache


def test_weights_match_the_formula():
    ei = torch.tensor([[0, 0, 1], [1, 2, 2]])
    w = directed_gcn_weight(ei, 3)
    # d_out = [2, 1, 0], d_in = [0, 1, 2]
    torch.testing.assert_close(w, torch.tensor([2 ** -0.5, 2 ** -0.5 * 2 ** -0.5, 2 ** -0.5]))


def test_cache_follows_the_edge_index():
    x, ei = random_graph(20, 50, 4, seed=2)
    conv = DirGCNNormConv(4, 3)
    a = conv(x, ei)
    other = ei.flip(0)
    b = conv(x, other)
    fresh = DirGCNNormConv(4, 3)
    fresh.load_state_dict(conv.state_dict())
    torch.testing.assert_close(b, fresh(x, other))
    torch.testing.assert_close(conv(x, ei.clone()), a)


@pytest.mark.parametrize("conv", ["gcn", "sage"])
@pytest.mark.parametrize("jk", ["max", "cat", None])
def test_dirgnn_is_equivariant_and_trains(conv, jk):
    x, ei = random_graph(30, 100, 5, seed=3)
    torch.manual_seed(0)
    model = DirGNN(5, 8, 3, num_layers=2, conv=conv, alpha=0.5, jk=jk).eval()
    assert_node_equivariant(lambda x_, e_: model(x_, e_), x, ei)
    model.train()
    model(x, ei).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_registered_baselines_build():
    for name in ("dir_gcn", "dir_sage", "linkx"):
        model = build_model(name, "node", {}, in_channels=5, out_channels=3, num_nodes=30)
        x, ei = random_graph(30, 60, 5)
        assert model(x, ei).shape == (30, 3)


def test_bad_arguments():
    with pytest.raises(ValueError, match="conv"):
        DirGNN(4, 8, 2, conv="gat")
    with pytest.raises(ValueError, match="jk"):
        DirGNN(4, 8, 2, jk="lstm")
