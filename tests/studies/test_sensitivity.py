import pytest
import torch

from graphlab.models import Forecaster
from graphlab.nn import GINConv
from graphlab.studies.sensitivity import hooked_layers, hop_distances, layer_sensitivity
from tests.helpers import cycle


def _two_layer_gin(seed=0):
    torch.manual_seed(seed)
    mlp = lambda: torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh())  # noqa: E731
    return torch.nn.ModuleList([GINConv(mlp()), GINConv(mlp())]).double()


def _states(convs, edge_index):
    def run(x):
        h1 = convs[0](x, edge_index)
        return [h1, convs[1](h1, edge_index)]
    return run


def test_hop_distances_on_a_path():
    edge_index = torch.tensor([[0, 1, 2], [1, 2, 3]])
    d = hop_distances(edge_index, 5)
    assert d[0].tolist() == [0, 1, 2, 3, -1]
    assert hop_distances(edge_index, 5, max_hops=2)[0].tolist() == [0, 1, 2, -1, -1]


def test_jacobian_sensitivity_equals_finite_differences():
    edge_index = cycle(6)
    convs = _two_layer_gin()
    x = torch.randn(6, 2, dtype=torch.float64)
    run = _states(convs, edge_index)
    result = layer_sensitivity(run, x, edge_index, targets=torch.tensor([0, 3]))
    eps = 1e-6
    for layer in range(2):
        for row, v in enumerate([0, 3]):
            for u in range(6):
                cols = []
                for f in range(2):
                    xp, xm = x.clone(), x.clone()
                    xp[u, f] += eps
                    xm[u, f] -= eps
                    cols.append((run(xp)[layer][v] - run(xm)[layer][v]) / (2 * eps))
                fd = torch.stack(cols).norm().detach()
                assert result.per_pair[layer][row, u] == pytest.approx(float(fd), abs=1e-6)
    # a two-layer GNN cannot see three hops away; one layer not two hops away
    assert result.mean[0][2] == 0 and result.mean[1][3] == 0 and result.mean[1][2] > 0
    assert result.count == {0: 2, 1: 4, 2: 4, 3: 2}


def test_random_probes_estimate_the_exact_norm():
    edge_index = cycle(5)
    convs = _two_layer_gin(1)
    x = torch.randn(5, 2, dtype=torch.float64)
    exact = layer_sensitivity(_states(convs, edge_index), x, edge_index, num_targets=2)
    approx = layer_sensitivity(_states(convs, edge_index), x, edge_index, num_targets=2,
                               probes=400)
    torch.testing.assert_close(approx.per_pair[1], exact.per_pair[1], rtol=0.2, atol=1e-3)


def test_hooks_on_a_forecaster_with_virtual_nodes():
    torch.manual_seed(0)
    n = 6
    adj = torch.zeros(n, n)
    adj[torch.arange(n - 1), torch.arange(1, n)] = 1.0            # a directed path
    edge_index = adj.nonzero().t()
    plain = Forecaster(n, 1, 1, adj, 12, 2, "distance", hidden_channels=4).double()
    virtual = Forecaster(n, 1, 1, adj, 12, 2, "ones", hidden_channels=4).double()
    x = torch.randn(1, 12, n, 1, dtype=torch.float64)
    res = {}
    for name, model in (("plain", plain), ("virtual", virtual)):
        run = hooked_layers(model, list(model.backbone.blocks))
        res[name] = layer_sensitivity(run, x, edge_index, input_node_dim=2, state_node_dim=2,
                                      targets=torch.tensor([0]), probes=8)
    assert len(res["plain"].mean) == 2
    # with a virtual hub, node 0 hears from the far end of the path already in layer 1
    assert res["plain"].mean[0][5] == 0 and res["virtual"].mean[0][5] > 0


def test_hooked_layers_names_layers_that_did_not_run():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="were not called"):
        hooked_layers(model, [torch.nn.Linear(2, 2)])(torch.randn(3, 2))


def test_model_layers_finds_the_layer_list_or_says_it_has_none():
    from torch_geometric.nn.models import GCN

    from graphlab.studies.sensitivity import model_layers
    gcn = GCN(3, 4, 2, 2)
    assert model_layers(gcn) == list(gcn.convs)
    forecaster = Forecaster(4, 1, 1, torch.ones(4, 4), 12, 2, hidden_channels=4)
    assert model_layers(forecaster) == list(forecaster.backbone.blocks)
    with pytest.raises(ValueError, match="Linear keeps no layer list"):
        model_layers(torch.nn.Linear(2, 2))


def test_sensitivity_command_on_a_node_config(capsys, tmp_path):
    """`graphlab sensitivity` on a node config (synthetic data): one row per layer, hop 0
    largest in layer 1, zero beyond the layer's reach; JSON written; a trained node study
    is refused with a message."""
    import json

    from graphlab.cli import main
    out = tmp_path / "s.json"
    assert main(["sensitivity", "experiments/demo/node_homophilous_gcn.yaml", "--profile",
                 "smoke", "--targets", "3", "--probes", "exact", "--max-hops", "4", "--quiet",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "| node_homophilous_gcn | 1 |" in text and "| node_homophilous_gcn | 2 |" in text
    row = json.loads(out.read_text())["node_homophilous_gcn"]
    assert row["layers"] == 2 and len(row["targets"]) == 3 and row["trained"] is False
    first, second = row["mean"]
    assert first["0"] > 0 and first.get("2", 0.0) == 0.0 and first.get("3", 0.0) == 0.0
    assert second.get("3", 0.0) == 0.0          # two layers reach two hops
    assert main(["sensitivity", "experiments/demo/node_homophilous_gcn.yaml", "--profile",
                 "smoke", "--trained", "--quiet"]) == 2
    assert "trains forecast configs only" in capsys.readouterr().err


def test_sensitivity_command_shows_the_virtual_node_reach(mirror, capsys, tmp_path):
    """On LOS-loop (smoke profile), an all-ones virtual node gives layer 1 a non-zero
    sensitivity to sensors 5 hops away, where the distance graph alone gives zero."""
    import json

    from graphlab.cli import main
    out = tmp_path / "s.json"
    assert main(["sensitivity", "experiments/virtual_nodes/distance.yaml",
                 "experiments/virtual_nodes/ones.yaml", "--profile", "smoke", "--targets", "4",
                 "--probes", "4", "--quiet", "--out", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert rows["distance"]["mean"][0]["5"] == 0.0 and rows["ones"]["mean"][0]["5"] > 0
