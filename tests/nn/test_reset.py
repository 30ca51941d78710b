"""``reset_parameters()`` re-initialises every parameter of every exported layer, head and
model."""
import inspect

import pytest
import torch

import graphlab.heads as heads
import graphlab.models as models
import graphlab.nn as gnn

LIN = torch.nn.Linear

FACTORIES = {
    "ADPA": lambda: gnn.ADPA(8, 16, 3),
    "BasisNet": lambda: gnn.BasisNet(4, 8),
    "DirGCNNormConv": lambda: gnn.DirGCNNormConv(8, 16),
    "DirGNN": lambda: gnn.DirGNN(8, 16, 3),
    "ElementwiseMLPs": lambda: gnn.ElementwiseMLPs(4),
    "GINAttention": lambda: gnn.GINAttention(16, 2),
    "GINConv": lambda: gnn.GINConv(torch.nn.Sequential(LIN(8, 16), torch.nn.ReLU(), LIN(16, 8)),
                                   train_eps=True),
    "GINEConv": lambda: gnn.GINEConv(torch.nn.Sequential(LIN(8, 16), torch.nn.ReLU(),
                                                         LIN(16, 8)), 8, edge_dim=4),
    "GraphTransformerLayer": lambda: gnn.GraphTransformerLayer(16, 2, adjacency="bias"),
    "LapPE": lambda: gnn.LapPE(4, 8),
    "LoRALinear": lambda: gnn.LoRALinear(LIN(8, 8), 2),
    "NCNCPredictor": lambda: gnn.NCNCPredictor(16),
    "NCNLinkModel": lambda: models.NCNLinkModel(gnn.PureGCN(8, 16), gnn.NCNPredictor(16)),
    "NCNPredictor": lambda: gnn.NCNPredictor(16),
    "NodeMLP": lambda: gnn.NodeMLP(8, 16, 3),
    "PureGCN": lambda: gnn.PureGCN(8, 16, jk=True),
    "ResidualGNN": lambda: gnn.ResidualGNN(8, 16, 3, aggregation="sage"),
    "SPE": lambda: gnn.SPE(4, 8, m=4),
    "SWLConv": lambda: gnn.SWLConv(8, 16, ["uL", "vv"], edge_dim=4),
    "SelfAttention": lambda: gnn.SelfAttention(16, 2),
    "SignNet": lambda: gnn.SignNet(4, 8),
    "SparseGINAdapter": lambda: gnn.SparseGINAdapter(16, 8),
    "SubgraphGNN": lambda: models.SubgraphGNN(8, 16, 3, num_layers=2,
                                              edge_channels=4),
    "TransformerBlock": lambda: gnn.TransformerBlock(16, 2, attention="gin"),
    "TransformerLM": lambda: gnn.TransformerLM(20, 8, channels=16, num_layers=1, heads=2),
    "GAE": lambda: models.GAE(gnn.PureGCN(8, 16), heads.MLPScorer(16)),
    "Forecaster": lambda: models.Forecaster(5, 1, 1, torch.rand(5, 5), input_steps=12, horizon=2,
                                            variant="semi", num_virtual=2, hidden_channels=8),
    "GINEGraph": lambda: models.GINEGraph(8, 16, 3, edge_channels=4,
                                          num_layers=2, pe="spe", num_eigs=4, spe_m=4),
    "GINGraph": lambda: models.GINGraph(8, 16, 3, num_layers=2, train_eps=True),
    "GraphPool": lambda: heads.GraphPool("attention", 16),
    "GraphTransformer": lambda: models.GraphTransformer(8, 16, 3, num_layers=2,
                                                        heads=2),
    "LearnedNodeInput": lambda: models.LearnedNodeInput(gnn.PureGCN(8, 16), 10, 8),
    "LINKXNode": lambda: models.LINKXNode(8, 3, num_nodes=10, hidden_channels=16),
    "MLPScorer": lambda: heads.MLPScorer(16),
    "MultiHorizonHead": lambda: heads.MultiHorizonHead(16, 3),
}
#: exported modules with nothing to learn
NO_PARAMETERS = {"OpsMessagePassing", "HeuristicLinkModel", "DotScorer"}


def exported_modules():
    for package in (gnn, heads, models):
        for name in package.__all__:
            obj = getattr(package, name)
            if inspect.isclass(obj) and issubclass(obj, torch.nn.Module):
                yield name


def test_every_exported_module_has_a_reset_case():
    missing = sorted(set(exported_modules()) - set(FACTORIES) - NO_PARAMETERS)
    assert not missing, f"add a reset case for {missing}"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_reset_parameters_reinitialises_every_parameter(name):
    torch.manual_seed(0)
    module = FACTORIES[name]()
    # frozen parameters (a LoRA layer's pre-trained base) are not the layer's to re-initialise
    params = {n: p for n, p in module.named_parameters() if p.requires_grad}
    assert params, f"{name} has no parameters"
    with torch.no_grad():
        for p in params.values():
            p.fill_(1234.5)                      # a value no initialiser produces
    torch.manual_seed(1)
    module.reset_parameters()
    stale = [n for n, p in params.items() if bool((p == 1234.5).all())]
    assert not stale, f"{name}.reset_parameters() left {stale} untouched"


#: modules built from other modules: their repr shows those modules, as PyG's containers do
CONTAINERS = {"GAE", "GINConv", "GINEConv", "LearnedNodeInput", "NCNLinkModel"}


@pytest.mark.parametrize("name", sorted(set(FACTORIES) - CONTAINERS))
def test_repr_is_one_line_with_the_main_arguments(name):
    """``repr`` is ``Name(<widths>, key=value, …)`` on one line, as PyG's layers print, and
    shows the first width the constructor was given."""
    module = FACTORIES[name]()
    text = repr(module)
    assert "\n" not in text and text.startswith(f"{name}(") and text.endswith(")"), text
    first = inspect.signature(type(module)).parameters
    widths = [getattr(module, k, None) for k in ("in_channels", "num_eigs", "channels")
              if k in first]
    for width in widths:
        if isinstance(width, int):
            assert str(width) in text, (text, width)
