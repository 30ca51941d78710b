import numpy as np
import pytest
import torch
from torch_geometric.data import Batch, Data
from torch_geometric.utils import to_undirected

from graphlab.construct import EigenPE, normalized_laplacian
from graphlab.nn import SPE, BasisNet, ElementwiseMLPs, LapPE, SignNet
from tests.helpers import dense_adjacency, random_graph


def cycle(n: int) -> torch.Tensor:
    i = torch.arange(n)
    return to_undirected(torch.stack([i, (i + 1) % n]))


def graphs_batch(k=6):
    torch.manual_seed(0)
    gs = []
    for n, seed in ((6, 0), (4, 1), (9, 2)):
        _, ei = random_graph(n, 2 * n, seed=seed, self_loops=False)
        gs.append(EigenPE(k, dtype=torch.float64)(
            Data(x=torch.ones(n, 1), edge_index=to_undirected(ei), num_nodes=n)))
    return Batch.from_data_list(gs)


def spe_reference(spe: SPE, vals, vecs, mask, edge_index, n):
    """One graph, dense and slow: Z = V diag(phi(lambda)) V^T, GIN over the first axis."""
    phi = spe.phi(vals) * mask[:, None]                              # [d, m]
    z = torch.stack([vecs @ torch.diag(phi[:, c]) @ vecs.t() for c in range(phi.size(1))], -1)
    a = dense_adjacency(edge_index, n).to(z.dtype)                   # a[i, k] = edge k -> i
    h = z
    for i, mlp in enumerate(spe.rho):
        agg = torch.einsum("ik,kjc->ijc", a, h)
        h = mlp((1 + spe.eps[i]) * h + agg)
        if i < len(spe.rho) - 1:
            h = h.relu()
    return h.sum(1)


def test_elementwise_mlps_are_independent_functions_of_each_entry():
    torch.manual_seed(0)
    f = ElementwiseMLPs(3, 8, 3)
    x = torch.randn(4, 5)
    out = f(x)
    assert out.shape == (4, 5, 3)
    torch.testing.assert_close(f(x[1:2, 2:3])[0, 0], out[1, 2])


def test_spe_equals_a_dense_per_graph_reference():
    b = graphs_batch()
    spe = SPE(6, 5, m=4, rho_hidden=8, rho_layers=3).double()
    with torch.no_grad():
        spe.eps.fill_(0.3)
    out = spe(b.eigvals, b.eigvecs, b.edge_index, b.batch, b.eig_mask)
    for g, data in enumerate(b.to_data_list()):
        ref = spe_reference(spe, data.eigvals[0], data.eigvecs, data.eig_mask[0],
                            data.edge_index, data.num_nodes)
        torch.testing.assert_close(out[b.batch == g], ref)


def test_spe_grouped_by_size_equals_one_padded_block_and_the_reference():
    """Graphs of very different sizes are grouped (each group padded to its own largest):
    outputs and gradients equal one block padded to the largest graph, and the dense
    per-graph reference; a weighted CSR adjacency is split into the groups with its
    weights."""
    from graphlab.nn.grouping import dense_groups
    from graphlab.ops import CSR

    gs = []
    for n, seed in ((3, 0), (4, 1), (20, 2), (24, 3), (60, 4)):
        _, ei = random_graph(n, 2 * n, seed=seed, self_loops=False)
        gs.append(EigenPE(8, dtype=torch.float64)(
            Data(x=torch.ones(n, 1), edge_index=to_undirected(ei), num_nodes=n)))
    b = Batch.from_data_list(gs)
    assert len(dense_groups(b.edge_index, b.batch, b.num_nodes).groups) == 3
    torch.manual_seed(0)
    grouped = SPE(8, 5, m=4, rho_hidden=8, rho_layers=3).double()
    one = SPE(8, 5, m=4, rho_hidden=8, rho_layers=3, group_ratio=None).double()
    one.load_state_dict(grouped.state_dict())
    weight = torch.rand(b.edge_index.size(1), dtype=torch.float64)
    for adj in (b.edge_index, CSR.from_edge_index(b.edge_index, b.num_nodes, weight)):
        vecs_a = b.eigvecs.clone().requires_grad_()
        vecs_b = b.eigvecs.clone().requires_grad_()
        out = grouped(b.eigvals, vecs_a, adj, b.batch, b.eig_mask)
        ref = one(b.eigvals, vecs_b, adj, b.batch, b.eig_mask)
        torch.testing.assert_close(out, ref)
        (out ** 2).sum().backward()
        (ref ** 2).sum().backward()
        torch.testing.assert_close(vecs_a.grad, vecs_b.grad)
    plain = grouped(b.eigvals, b.eigvecs, b.edge_index, b.batch, b.eig_mask)
    for g, data in enumerate(gs):
        ref = spe_reference(grouped, data.eigvals[0], data.eigvecs, data.eig_mask[0],
                            data.edge_index, data.num_nodes)
        torch.testing.assert_close(plain[b.batch == g], ref)
    with pytest.raises(ValueError, match="different graphs"):
        grouped(b.eigvals, b.eigvecs, torch.tensor([[0], [10]]), b.batch, b.eig_mask)


def test_spe_ignores_padding():
    small = Data(x=torch.ones(4, 1), edge_index=cycle(4))
    spe = SPE(4, 3, m=4, rho_hidden=8).double()
    exact, padded = EigenPE(4, torch.float64)(small), EigenPE(9, torch.float64)(small)
    a = spe(exact.eigvals, exact.eigvecs, exact.edge_index, eig_mask=exact.eig_mask)
    b = spe(padded.eigvals, padded.eigvecs, padded.edge_index, eig_mask=padded.eig_mask)
    torch.testing.assert_close(a, b)


def test_spe_is_invariant_to_signs_and_to_bases_of_repeated_eigenvalues():
    data = EigenPE(6, torch.float64)(Data(x=torch.ones(6, 1), edge_index=cycle(6)))
    vals, vecs = data.eigvals, data.eigvecs
    assert vals[0, 1] == pytest.approx(vals[0, 2].item())  # C6: 0.5 twice, 1.5 twice
    spe = SPE(6, 4, m=4, rho_hidden=8).double()
    out = spe(vals, vecs, data.edge_index)
    signs = torch.tensor([1., -1, 1, -1, -1, 1], dtype=torch.float64)
    torch.testing.assert_close(spe(vals, vecs * signs, data.edge_index), out)
    theta = 0.7
    rot = torch.tensor([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    rotated = vecs.clone()
    rotated[:, 1:3] = vecs[:, 1:3] @ rot
    rotated[:, 3:5] = vecs[:, 3:5] @ rot.t()
    torch.testing.assert_close(spe(vals, rotated, data.edge_index), out)


def test_spe_is_permutation_equivariant():
    b = graphs_batch()
    data = b.to_data_list()[2]
    spe = SPE(6, 4, m=4, rho_hidden=8).double()
    out = spe(data.eigvals, data.eigvecs, data.edge_index)
    perm = torch.randperm(data.num_nodes, generator=torch.Generator().manual_seed(3))
    inv = torch.empty_like(perm)
    inv[perm] = torch.arange(data.num_nodes)
    torch.testing.assert_close(spe(data.eigvals, data.eigvecs[perm], inv[data.edge_index]),
                               out[perm])


def test_spe_is_stable_where_laplacian_pe_jumps():
    """Perturb the Laplacian of C8 (repeated eigenvalues) by 1e-4: the eigenvectors of a
    repeated eigenvalue rotate by O(1) (so LapPE jumps), SPE moves by O(1e-4)."""
    n = 8
    ei = cycle(n)
    lap = torch.from_numpy(normalized_laplacian(ei, n).toarray())
    gen = torch.Generator().manual_seed(0)
    noise = torch.randn(n, n, generator=gen, dtype=torch.float64)
    noise = (noise + noise.t()) / torch.linalg.matrix_norm(noise + noise.t(), 2)
    vals, vecs = torch.linalg.eigh(lap)
    vals2, vecs2 = torch.linalg.eigh(lap + 1e-4 * noise)
    spe = SPE(8, 4, m=8, rho_hidden=16).double()
    a, b = spe(vals[None], vecs, ei), spe(vals2[None], vecs2, ei)
    spe_change = float(((a - b).norm() / a.norm()).detach())
    aligned = vecs2 * torch.sign((vecs2 * vecs).sum(0))  # undo sign flips: the best case
    lap_change = float((aligned - vecs).norm() / vecs.norm())
    assert spe_change < 1e-2
    assert lap_change > 0.1


def test_signnet_is_sign_invariant_and_lappe_is_not():
    b = graphs_batch()
    signs = torch.tensor([1., -1, -1, 1, -1, 1], dtype=torch.float64)
    signnet = SignNet(6, 4).double()
    out = signnet(b.eigvals, b.eigvecs, batch=b.batch, eig_mask=b.eig_mask)
    torch.testing.assert_close(signnet(b.eigvals, b.eigvecs * signs, batch=b.batch,
                                       eig_mask=b.eig_mask), out)
    lappe = LapPE(6, 4).double().eval()
    assert not torch.allclose(lappe(b.eigvals, b.eigvecs, batch=b.batch),
                              lappe(b.eigvals, b.eigvecs * signs, batch=b.batch))


def test_bad_eigen_input_is_named():
    spe = SPE(3, 3)
    with pytest.raises(ValueError, match="same d"):
        spe(torch.zeros(1, 4), torch.zeros(5, 3), cycle(5))
    with pytest.raises(ValueError, match="pass batch"):
        spe(torch.zeros(2, 3), torch.zeros(5, 3), cycle(5))
    with pytest.raises(ValueError, match="NaN"):
        spe(torch.full((1, 3), float("nan")), torch.zeros(5, 3), cycle(5))
    with pytest.raises(ValueError, match="built for d = 4"):
        SignNet(4, 2)(torch.zeros(1, 3), torch.zeros(5, 3))
    # more graphs in eigvals than in batch: a row of eigvals would belong to no node
    with pytest.raises(ValueError, match=r"eigvals holds 3 graphs but batch names graphs 0\.\.1"):
        spe(torch.zeros(3, 3), torch.zeros(5, 3), cycle(5), batch=torch.tensor([0, 0, 0, 1, 1]))
    with pytest.raises(TypeError, match="batch must be an int64"):
        spe(torch.zeros(1, 3), torch.zeros(5, 3), cycle(5), batch=torch.zeros(5))



def test_basisnet_is_invariant_to_signs_and_bases_and_equivariant():
    data = EigenPE(6, torch.float64)(Data(x=torch.ones(6, 1), edge_index=cycle(6)))
    vals, vecs = data.eigvals, data.eigvecs
    torch.manual_seed(0)
    net = BasisNet(6, 4, max_multiplicity=2).double()
    out = net(vals, vecs)
    theta = 1.1
    rot = torch.tensor([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    rotated = vecs.clone()
    rotated[:, 1:3] = vecs[:, 1:3] @ rot
    rotated[:, 3:5] = -vecs[:, 3:5] @ rot.t()
    torch.testing.assert_close(net(vals, rotated), out)
    perm = torch.randperm(6, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(net(vals, vecs[perm]), out[perm])
    # a raw-eigenvector model is not basis invariant: the test above can fail
    lappe = LapPE(6, 4).double().eval()
    assert not torch.allclose(lappe(vals, rotated), lappe(vals, vecs))


def test_basisnet_batches_and_ignores_padding():
    b = graphs_batch()
    torch.manual_seed(0)
    net = BasisNet(6, 3).double()
    out = net(b.eigvals, b.eigvecs, batch=b.batch, eig_mask=b.eig_mask)
    for g, data in enumerate(b.to_data_list()):
        alone = net(data.eigvals, data.eigvecs, eig_mask=data.eig_mask)
        torch.testing.assert_close(out[b.batch == g], alone)
    with pytest.raises(ValueError, match="built for d = 6"):
        net(torch.zeros(1, 3), torch.zeros(4, 3))
