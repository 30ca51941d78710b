import copy

import pytest
import torch
from torch_geometric.nn import GINConv as PyGGINConv
from torch_geometric.utils import to_torch_csr_tensor

from graphlab.nn import GINConv, OpsMessagePassing, to_csr
from graphlab.ops import CSR
from tests.helpers import assert_node_equivariant, random_graph


def mlp():
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 4))


def dense_reference(x, ei, eps, net):
    A = torch.zeros(x.size(0), x.size(0)).index_put_((ei[1], ei[0]), torch.ones(ei.size(1)),
                                                      accumulate=True)
    return net((1 + eps) * x + A @ x)


@pytest.mark.parametrize("form", ["edge_index", "csr", "torch_sparse_csr"])
def test_gin_matches_dense_reference_and_pyg(form):
    # no duplicate edges: PyG's to_torch_csr_tensor does not keep them
    x, ei = random_graph(20, 70, num_features=6, seed=1, duplicates=False)
    conv = GINConv(mlp(), eps=0.3, train_eps=True)
    adj = {"edge_index": ei, "csr": CSR.from_edge_index(ei, 20),
           "torch_sparse_csr": to_torch_csr_tensor(ei.flip(0), size=(20, 20))}[form]
    out = conv(x, adj)
    torch.testing.assert_close(out, dense_reference(x, ei, 0.3, conv.nn))
    ref = PyGGINConv(copy.deepcopy(conv.nn), eps=0.3)  # PyG re-initialises the nn it gets
    ref.nn.load_state_dict(conv.nn.state_dict())
    torch.testing.assert_close(out, ref(x, ei), atol=1e-5, rtol=1e-5)


def test_gin_permutation_equivariance_and_gradients():
    x, ei = random_graph(15, 50, num_features=6, seed=2)
    conv = GINConv(mlp(), train_eps=True)
    assert_node_equivariant(conv, x, ei)
    conv(x, CSR.from_edge_index(ei, 15)).sum().backward()
    assert conv.eps.grad is not None and all(p.grad is not None for p in conv.nn.parameters())


def test_pyg_fused_path_lands_in_graphlab_ops():
    class SumConv(OpsMessagePassing):
        def forward(self, x, adj_t):
            return self.propagate(adj_t, x=x)

    x, ei = random_graph(12, 30, num_features=3, seed=3, duplicates=False)
    adj_t = to_torch_csr_tensor(ei.flip(0), size=(12, 12))
    A = torch.zeros(12, 12).index_put_((ei[1], ei[0]), torch.ones(ei.size(1)), accumulate=True)
    torch.testing.assert_close(SumConv(aggr="add")(x, adj_t), A @ x)


def test_to_csr_forms_agree():
    _, ei = random_graph(10, 25, seed=4)
    w = torch.rand(25)
    dense = CSR.from_edge_index(ei, 10, w).to_dense()
    coo = torch.sparse_coo_tensor(ei.flip(0), w, (10, 10))
    torch.testing.assert_close(to_csr(coo, 10).to_dense(), dense)
    torch.testing.assert_close(to_csr(ei, 10, w).to_dense(), dense)
    with pytest.raises(TypeError, match="unsupported adjacency type list"):
        to_csr([[0], [1]], 2)


def test_bad_input():
    conv = GINConv(mlp())
    x, ei = random_graph(5, 10, num_features=6)
    with pytest.raises(ValueError, match="out of range"):
        conv(x, torch.tensor([[0], [7]]))
    with pytest.raises(ValueError, match="x contains NaN"):
        conv(torch.full((5, 6), float("nan")), ei)
    with pytest.raises(ValueError, match="aggr must be one of"):
        GINConv(mlp(), aggr="softmax")


@pytest.mark.parametrize("edge_dim", [0, 3])
def test_gine_conv_equals_pyg_gine_conv(edge_dim):
    from torch_geometric.nn import GINEConv as PyGGINEConv

    from graphlab.nn import GINEConv

    torch.manual_seed(0)
    x, ei = random_graph(12, 40, 6)
    mlp = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 6))
    ours = GINEConv(mlp, 6, edge_dim, train_eps=True)
    with torch.no_grad():
        ours.eps.fill_(0.25)
    if edge_dim:
        ref = PyGGINEConv(mlp, train_eps=True, edge_dim=edge_dim)
        ref.lin.load_state_dict(ours.edge_lin.state_dict())
        edge_attr = torch.randn(ei.size(1), edge_dim)
    else:
        ref = PyGGINEConv(mlp, train_eps=True, edge_dim=6)
        with torch.no_grad():  # a zero edge map gives messages ReLU(x_j)
            ref.lin.weight.zero_()
            ref.lin.bias.zero_()
        edge_attr = None
    with torch.no_grad():
        ref.eps.fill_(0.25)
    expected = ref(x, ei, edge_attr if edge_dim else torch.zeros(ei.size(1), 6))
    torch.testing.assert_close(ours(x, ei, edge_attr), expected, atol=1e-5, rtol=1e-4)
    if edge_dim:
        with pytest.raises(ValueError, match="needs edge_attr"):
            ours(x, ei)


def test_gine_on_a_graph_without_edges_is_the_root_term():
    """No edges: every node aggregates nothing, so GINE is its MLP of (1 + eps) x."""
    from graphlab.nn import GINEConv
    torch.manual_seed(0)
    conv = GINEConv(torch.nn.Linear(4, 4), 4, edge_dim=2).eval()
    x = torch.randn(3, 4)
    out = conv(x, torch.empty(2, 0, dtype=torch.long), torch.zeros(0, 2))
    torch.testing.assert_close(out, conv.nn(x))
