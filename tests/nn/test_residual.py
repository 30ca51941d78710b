"""ResidualGNN: against a dense reference, equivariance, gradients, the CSR cache, bad input."""
import pytest
import torch
import torch.nn.functional as F

from graphlab.models import build_model
from graphlab.nn import ResidualGNN
from tests.helpers import assert_node_equivariant, random_graph


def _dense_reference(model: ResidualGNN, x, ei):
    """The eval-mode forward written with dense matrices and no shared code."""
    n = x.size(0)
    a = torch.zeros(n, n)
    a[ei[1], ei[0]] = 1.0                                 # row i gathers j → i
    if model.self_loops:
        a = a + torch.eye(n)
    out_deg = a.sum(0).clamp(min=1)                       # column sums = out-degrees
    gcn = out_deg.rsqrt()[:, None] * a * out_deg.rsqrt()[None, :]
    mean = a / a.sum(1, keepdim=True).clamp(min=1)
    h = F.gelu(model.input(x))
    for norm, lin_in, lin_out in zip(model.norms, model.ffn_in, model.ffn_out, strict=True):
        u = norm(h)
        if model.aggregation == "gcn":
            u = gcn @ u
        elif model.aggregation == "sage":
            u = torch.cat([u, mean @ u], 1)
        h = h + lin_out(F.gelu(lin_in(u)))
    return model.output(model.output_norm(h))


@pytest.mark.parametrize("aggregation", ["none", "gcn", "sage"])
@pytest.mark.parametrize("layer_norm", [True, False])
@pytest.mark.parametrize("self_loops", [None, True, False])
def test_matches_dense_reference(aggregation, layer_norm, self_loops):
    x, ei = random_graph(30, 120, 6, seed=0, self_loops=False, duplicates=False)
    torch.manual_seed(0)
    model = ResidualGNN(6, 8, 3, num_layers=3, aggregation=aggregation, dropout=0.3,
                        ffn_multiplier=2, layer_norm=layer_norm, self_loops=self_loops).eval()
    assert model.self_loops == (aggregation == "gcn" if self_loops is None else self_loops)
    torch.testing.assert_close(model(x, ei), _dense_reference(model, x, ei),
                               atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("self_loops", [True, False])
def test_gcn_weights_on_a_directed_graph_with_a_sink(self_loops):
    ei = torch.tensor([[0, 0, 1], [1, 2, 2]])   # out-degrees [2, 1, 0]: without loops node
    torch.manual_seed(0)                         # 2 counts as 1
    model = ResidualGNN(4, 8, 2, num_layers=1, self_loops=self_loops).eval()
    x = torch.randn(3, 4)
    torch.testing.assert_close(model(x, ei), _dense_reference(model, x, ei))
    assert torch.isfinite(model(x, ei)).all()


@pytest.mark.parametrize("aggregation", ["gcn", "sage"])
def test_every_adjacency_form_gives_the_same_output(aggregation):
    from torch_geometric.utils import to_torch_coo_tensor

    from graphlab.ops import CSR
    x, ei = random_graph(20, 70, 4, seed=5, self_loops=False, duplicates=False)
    torch.manual_seed(0)
    model = ResidualGNN(4, 8, 3, aggregation=aggregation).eval()
    ref = model(x, ei)
    adj_t = to_torch_coo_tensor(ei.flip(0), size=(20, 20))   # row = destination
    for adj in (CSR.from_edge_index(ei, 20), adj_t, adj_t.to_sparse_csr()):
        torch.testing.assert_close(model(x, adj), ref, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("aggregation", ["none", "gcn", "sage"])
def test_equivariant_and_gradients_reach_every_parameter(aggregation):
    x, ei = random_graph(25, 90, 5, seed=1)
    torch.manual_seed(0)
    model = ResidualGNN(5, 8, 3, aggregation=aggregation).eval()
    assert_node_equivariant(model, x, ei)
    model.train()
    model(x, ei).square().sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_dropout_only_while_training():
    x, ei = random_graph(20, 60, 4, seed=2)
    torch.manual_seed(0)
    model = ResidualGNN(4, 16, 2, dropout=0.5)
    model.eval()
    torch.testing.assert_close(model(x, ei), model(x, ei))
    model.train()
    assert not torch.allclose(model(x, ei), model(x, ei))


def test_cache_follows_the_edge_index():
    x, ei = random_graph(20, 50, 4, seed=3)
    torch.manual_seed(0)
    model = ResidualGNN(4, 8, 3).eval()
    a = model(x, ei)
    other = ei.flip(0)
    b = model(x, other)
    fresh = ResidualGNN(4, 8, 3).eval()
    fresh.load_state_dict(model.state_dict())
    torch.testing.assert_close(b, fresh(x, other))
    torch.testing.assert_close(model(x, ei.clone()), a)


def test_in_a_plain_training_loop():
    """No runner: a user's loop on a small two-community graph learns the labels."""
    gen = torch.Generator().manual_seed(0)
    n = 40
    y = (torch.arange(n) >= n // 2).long()
    src = torch.randint(n, (300,), generator=gen)
    dst = torch.randint(n, (300,), generator=gen)
    keep = y[src] != y[dst]                      # heterophilous: edges only across classes
    ei = torch.stack([src[keep], dst[keep]])
    x = torch.randn(n, 3, generator=gen)          # features carry no label information
    x = torch.cat([x, torch.zeros(n, 1)], 1)
    x[0, 3] = 1.0                                 # ... except one marked node of class 0
    torch.manual_seed(0)
    model = ResidualGNN(4, 16, 2, num_layers=2, aggregation="sage", dropout=0.0)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(200):
        opt.zero_grad()
        F.cross_entropy(model(x, ei), y).backward()
        opt.step()
    assert (model(x, ei).argmax(1) == y).float().mean() > 0.9


def test_registered_names_fix_the_aggregation():
    for name, aggregation in (("res_gcn", "gcn"), ("res_sage", "sage"), ("resnet", "none")):
        model = build_model(name, "node", {"hidden_channels": 8}, in_channels=5, out_channels=2)
        assert isinstance(model, ResidualGNN) and model.aggregation == aggregation
    with pytest.raises(TypeError, match=r"unknown parameter\(s\) \['aggregation'\]"):
        build_model("res_gcn", "node", {"aggregation": "sage"}, in_channels=5, out_channels=2)


def test_bad_input():
    with pytest.raises(ValueError, match="aggregation must be one of"):
        ResidualGNN(4, 8, 2, aggregation="gat")
    with pytest.raises(ValueError, match="num_layers must be >= 1, got 0"):
        ResidualGNN(4, 8, 2, num_layers=0)
    with pytest.raises(ValueError, match=r"dropout must lie in \[0, 1\), got 1.0"):
        ResidualGNN(4, 8, 2, dropout=1.0)
    with pytest.raises(ValueError, match="no width"):
        ResidualGNN(4, 8, 2, ffn_multiplier=0.01)
    model = ResidualGNN(4, 8, 2)
    x, ei = random_graph(10, 20, 4, seed=4)
    with pytest.raises(ValueError, match="needs an adjacency"):
        model(x)
    with pytest.raises(ValueError, match="5"):
        model(torch.randn(10, 5), ei)
    with pytest.raises(ValueError, match="out of range|range"):
        model(x, torch.tensor([[0, 10], [1, 2]]))
    bad = x.clone()
    bad[3, 1] = float("nan")
    with pytest.raises(ValueError, match="NaN|non-finite|finite"):
        model(bad, ei)
    # the graph-free control ignores the graph
    ResidualGNN(4, 8, 2, aggregation="none")(x)
