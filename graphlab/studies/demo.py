"""``graphlab demo``: one short, real computation per paper, one table, one figure.

Each panel runs graphlab's own layers and loops on offline data (Cora from the mirror, the
rest generated) and prints the number that shows the paper's signature effect:

1. link prediction (NCN/NCNC paper): NCN against common neighbours and GAE on Cora, one
   seed of a shortened run, test Hits@100;
2. expressiveness (SWL paper): SSWL+ separates the 6-cycle from two triangles, which 1-WL —
   and so GIN — cannot (outputs of untrained models, relative difference);
3. stability (SPE paper): how far SPE and the plain Laplacian-eigenvector encoding move when
   one edge is added to a 12-cycle, whose repeated eigenvalues leave the eigenvectors'
   basis arbitrary;
4. direction (Dir-GNN / AMUD): Dir-GCN on the directed edges against the same model on the
   symmetrised edges, on a directed contextual SBM whose cross-class edges follow a class
   cycle;
5. over-squashing (virtual-node paper): the layer-1 sensitivity of a node to nodes 5 hops
   away in an STGCN-style forecaster on a 16-node path graph, with the distance graph alone
   and with one all-ones virtual node.

Everything is computed when it runs (nothing is read from stored results); on 2 CPU cores
it takes about a minute.
"""
from __future__ import annotations

import argparse
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
import torch

from graphlab.io import save_figure


@dataclass
class Panel:
    """One row of the demo table and one subplot of its figure."""

    key: str
    paper: str
    shows: str
    labels: list[str]
    values: list[float]
    unit: str
    seconds: float = 0.0

    def cell(self) -> str:
        fmt = "{:.3g}" if self.unit != "%" else "{:.1f}"
        return ", ".join(f"{lab} {fmt.format(v)}" for lab, v in zip(self.labels, self.values,
                                                                     strict=True))


def _seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def link_panel(epochs: int = 25) -> Panel:
    """NCN vs CN vs GAE on Cora with the paper's split, one seed, a shortened run."""
    from graphlab.tasks import run_task
    from graphlab.tasks.settings import (
        DatasetSettings,
        EvalSettings,
        ModelSettings,
        SplitSettings,
        TrainSettings,
    )

    split = SplitSettings(kind="random_edge", val_ratio=0.1, test_ratio=0.2, val_neg_ratio=2.0)
    ncn = ModelSettings("ncn", {"hidden_channels": 64, "input_dropout": 0.7, "tail_dropout": 0.3,
                                "gnn_dropout": 0.05, "predictor_dropout": 0.05,
                                "predictor_edge_dropout": 0.4})
    gae = ModelSettings("gae", {"hidden_channels": 64})
    runs = {"NCN": (ncn, TrainSettings(epochs=epochs, lr=0.0043, predictor_lr=0.0024,
                                       batch_size=1152, target_link_removal=True)),
            "CN": (ModelSettings("cn"), TrainSettings(epochs=1)),
            "GAE": (gae, TrainSettings(epochs=epochs * 4, lr=0.01, batch_size=1152))}
    values = []
    for model, train in runs.values():
        _seed(0)
        res = run_task("link", DatasetSettings(name="cora"), model, split, train,
                       EvalSettings(hits_k=[100]), seed=0)
        values.append(res.metrics["test_hits@100"])
    return Panel("link", "NCN/NCNC", f"NCN beats common neighbours and GAE on Cora "
                 f"(test Hits@100, one seed, {epochs} NCN epochs)", list(runs), values, "%")


def expressiveness_panel() -> Panel:
    """Untrained GIN and SSWL+ on a 1-WL-equivalent pair: relative output difference."""
    from torch_geometric.data import Data

    from graphlab.construct import SubgraphBag
    from graphlab.studies.expressiveness import embed_graphs, harness_models

    def graph(edges: list[tuple[int, int]], n: int) -> Data:
        ei = torch.tensor(edges).t()
        return Data(x=torch.ones(n, 1), edge_index=torch.cat([ei, ei.flip(0)], 1), num_nodes=n)

    cycle6 = graph([(i, (i + 1) % 6) for i in range(6)], 6)
    triangles = graph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3)], 6)
    models = harness_models(hidden=16, layers=3, out=8)
    values = []
    for name in ("GIN", "SSWL+"):
        build, needs = models[name]
        pair = [cycle6, triangles]
        if needs == "bag":
            pair = [SubgraphBag(max_dis=5)(g) for g in pair]
        _seed(0)
        out = embed_graphs(build(), pair)
        values.append(float((out[0] - out[1]).norm() / out.norm().clamp_min(1e-300)))
    return Panel("expressiveness", "SWL", "SSWL+ separates a 6-cycle from two triangles; "
                 "GIN (1-WL) cannot (relative output difference, untrained)",
                 ["GIN", "SSWL+"], values, "")


def stability_panel() -> Panel:
    """Relative change of SPE and LapPE when one edge is added to a 12-cycle."""
    from torch_geometric.data import Data

    from graphlab.construct import EigenPE
    from graphlab.nn import SPE, LapPE

    n, k = 12, 8
    ring = [(i, (i + 1) % n) for i in range(n)]

    def encoded(edges):
        ei = torch.tensor(edges).t()
        g = EigenPE(k, dtype=torch.float64)(Data(edge_index=torch.cat([ei, ei.flip(0)], 1),
                                                  num_nodes=n))
        return g

    before, after = encoded(ring), encoded(ring + [(0, 6)])
    values = []
    for cls in (LapPE, SPE):
        _seed(0)
        pe = cls(k, 8).double().eval()
        with torch.no_grad():
            a = pe(before.eigvals, before.eigvecs, before.edge_index, eig_mask=before.eig_mask)
            b = pe(after.eigvals, after.eigvecs, after.edge_index, eig_mask=after.eig_mask)
        values.append(float((a - b).norm() / a.norm()))
    return Panel("stability", "SPE", "SPE moves little when an edge is added to a 12-cycle; "
                 "the eigenvector encoding jumps (relative change)", ["LapPE", "SPE"], values, "")


def direction_panel(epochs: int = 150) -> Panel:
    """Dir-GCN on directed vs symmetrised edges of a directed CSBM (test accuracy)."""
    from graphlab.tasks import run_task
    from graphlab.tasks.settings import (
        DatasetSettings,
        EvalSettings,
        ModelSettings,
        SplitSettings,
        TrainSettings,
    )

    params = {"num_nodes": 1000, "num_classes": 4, "avg_degree": 6, "homophily": 0.05,
              "asymmetry": 1.0, "feature_signal": 0.5, "seed": 0}
    model = ModelSettings("dir_gcn", {"hidden_channels": 32, "num_layers": 2, "alpha": 0.5})
    values = []
    for undirected in (False, True):
        _seed(0)
        res = run_task("node", DatasetSettings(name="dcsbm", params=params,
                                               undirected=undirected),
                       model, SplitSettings(kind="given"),
                       TrainSettings(epochs=epochs, lr=0.01, patience=30), EvalSettings(), seed=0)
        values.append(res.metrics["test_acc"])
    return Panel("direction", "Dir-GNN / AMUD", "modelling direction pays on a directed "
                 "CSBM with a class cycle (Dir-GCN test accuracy)", ["directed", "symmetrised"],
                 values, "%")


def sensitivity_panel() -> Panel:
    """Layer-1 sensitivity to nodes 5 hops away on a path graph, without / with a virtual
    node (an STGCN-style forecaster at initialisation)."""
    from graphlab.models import Forecaster
    from graphlab.studies.sensitivity import hooked_layers, layer_sensitivity, model_layers

    n = 16
    adj = torch.zeros(n, n)
    for i in range(n - 1):
        adj[i, i + 1] = adj[i + 1, i] = 1.0
    edge_index = adj.nonzero().t()
    x = torch.randn(1, 12, n, 1, generator=torch.Generator().manual_seed(0)).double()
    values = []
    for variant in ("distance", "ones"):
        _seed(0)
        net = Forecaster(n, 1, 1, adj, 12, 2, variant, hidden_channels=4).double().eval()
        layers_of = hooked_layers(net, model_layers(net), None)
        sens = layer_sensitivity(layers_of, x, edge_index, input_node_dim=2, state_node_dim=2,
                                 num_targets=4, max_hops=8, probes=None, seed=0)
        values.append(float(sens.mean[0].get(5, 0.0)))
    return Panel("sensitivity", "virtual nodes", "a virtual node lets layer 1 see nodes 5 hops "
                 "away (mean Jacobian norm, 16-node path)", ["distance", "+ virtual node"],
                 values, "")


PANELS: dict[str, Callable[[], Panel]] = {
    "link": link_panel, "expressiveness": expressiveness_panel, "stability": stability_panel,
    "direction": direction_panel, "sensitivity": sensitivity_panel}


def table(panels: Sequence[Panel]) -> str:
    lines = ["| panel | paper | what it shows | numbers | seconds |", "|---|---|---|---|---|"]
    lines += [f"| {p.key} | {p.paper} | {p.shows} | {p.cell()} | {p.seconds:.1f} |"
              for p in panels]
    return "\n".join(lines)


def figure(panels: Sequence[Panel], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.2))
    for ax, p in zip(np.atleast_1d(axes), panels, strict=True):
        ax.bar(p.labels, p.values, color=["#999999"] + ["#2b6cb0"] * (len(p.values) - 1))
        ax.set_title(f"{p.paper}: {p.key}", fontsize=9)
        ax.set_ylabel(p.unit or "value", fontsize=8)
        ax.tick_params(labelsize=8)
        if p.unit != "%" and min(p.values) > 0 and max(p.values) / min(p.values) > 100:
            ax.set_yscale("log")
    return save_figure(fig, path)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="graphlab demo", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="results/demo", help="folder for the figure")
    parser.add_argument("--panels", nargs="+", choices=list(PANELS), default=list(PANELS))
    args = parser.parse_args(argv)
    start = time.perf_counter()
    panels = []
    for key in args.panels:
        t0 = time.perf_counter()
        print(f"running panel {key} …", flush=True)
        panel = PANELS[key]()
        panel.seconds = time.perf_counter() - t0
        panels.append(panel)
    print()
    print(table(panels))
    print(f"\n{len(panels)} panels in {time.perf_counter() - start:.0f} s "
          f"({torch.get_num_threads()} threads)")
    path = figure(panels, Path(args.out) / "demo.png")
    print(f"figure: {path}")
    return 0 if all(math.isfinite(v) for p in panels for v in p.values) else 1
