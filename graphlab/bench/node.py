"""``graphlab bench node``: the node task's GCN and GraphSAGE on their cached CSR adjacency
against PyG's own ``edge_index`` path, the same weights, epochs alternating.

For each config (default: tolokers, 11,758 nodes and 1.04 M edges) the registered model and
a PyG ``GCN`` / ``GraphSAGE`` holding a copy of its weights each train with Adam; one
*epoch* is what the node task does per epoch (a training step on the training nodes and an
evaluation forward). Rounds alternate (graphlab, PyG, graphlab, …) so that both sides see
the same load; the table gives the median seconds per epoch of each and their ratio, and
the largest difference between the two models' outputs on the untrained weights.
"""
from __future__ import annotations

import argparse
import statistics
import time
from typing import Optional, Sequence

import torch
import torch.nn.functional as F

from graphlab.bench.timing import write_json
from graphlab.io.provenance import git_commit
from graphlab.models import build_model
from graphlab.runner import load_config
from graphlab.runner.seeding import seed_everything
from graphlab.tasks import prepare_data
from graphlab.tasks.node import node_masks

DEFAULT_CONFIGS = ("experiments/platonov/tolokers_gcn.yaml",
                   "experiments/platonov/tolokers_sage.yaml")


def reference_model(net: torch.nn.Module) -> torch.nn.Module:
    """PyG's own model of the same class, size and weights as the registered ``net``."""
    from torch_geometric.nn.models import GCN, GraphSAGE

    from graphlab.models.node import GCNNode, GraphSAGENode

    if not isinstance(net, (GCNNode, GraphSAGENode)):
        raise ValueError(f"graphlab bench node compares the registered 'gcn' and 'sage' "
                         f"models with PyG's; got {type(net).__name__}")
    args = (net.in_channels, net.hidden_channels, net.num_layers, net.out_channels)
    if isinstance(net, GCNNode):
        ref = GCN(*args, dropout=net.dropout.p)
    else:
        ref = GraphSAGE(*args, dropout=net.dropout.p, aggr=net.convs[0].aggr)
    ref.load_state_dict(net.state_dict())
    return ref


def _epoch(net: torch.nn.Module, opt: torch.optim.Optimizer, x, edge_index, y, mask) -> float:
    start = time.perf_counter()
    net.train()
    opt.zero_grad()
    F.cross_entropy(net(x, edge_index)[mask], y[mask]).backward()
    opt.step()
    net.eval()
    with torch.no_grad():
        net(x, edge_index)
    return time.perf_counter() - start


def bench_config(path: str, epochs: int, rounds: int) -> dict:
    cfg = load_config(path)
    if cfg.task != "node":
        raise ValueError(f"{path}: graphlab bench node needs a node config, got task "
                         f"'{cfg.task}'")
    data, num_classes = prepare_data(cfg.task, cfg.dataset)
    seed_everything(0)
    ours = build_model(cfg.model.name, "node", cfg.model.params, in_channels=data.num_features,
                       out_channels=num_classes)
    theirs = reference_model(ours)
    x, edge_index, y = data.x, data.edge_index, data.y
    with torch.no_grad():
        diff = float((ours.eval()(x, edge_index) - theirs.eval()(x, edge_index)).abs().max())
    mask = node_masks(data, cfg.split, 0)[0]
    sides = {"graphlab": ours, "pyg": theirs}
    opts = {k: torch.optim.Adam(m.parameters(), lr=cfg.train.lr, foreach=True)
            for k, m in sides.items()}
    times: dict[str, list[float]] = {k: [] for k in sides}
    for name, net in sides.items():  # warm-up (the CSR is built here)
        _epoch(net, opts[name], x, edge_index, y, mask)
    for _ in range(rounds):
        for name, net in sides.items():
            times[name] += [_epoch(net, opts[name], x, edge_index, y, mask)
                            for _ in range(epochs)]
    ours_s, theirs_s = (statistics.median(times[k]) for k in ("graphlab", "pyg"))
    return {"config": cfg.name, "model": cfg.model.name, "dataset": cfg.dataset.name,
            "num_nodes": int(data.num_nodes), "num_edges": int(edge_index.size(1)),
            "rounds": rounds, "epochs_per_round": epochs,
            "graphlab_epoch_s": round(ours_s, 4), "pyg_epoch_s": round(theirs_s, 4),
            "ratio": round(theirs_s / ours_s, 2), "max_abs_output_diff": diff,
            "threads": torch.get_num_threads()}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="graphlab bench node",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("configs", nargs="*", default=list(DEFAULT_CONFIGS))
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--out", default="results/bench/node.json")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.rounds < 1:
        parser.error("--epochs and --rounds must be at least 1")
    rows = [bench_config(path, args.epochs, args.rounds) for path in args.configs]
    print(f"{'config':20s} {'threads':>7s} {'s/epoch graphlab':>16s} {'s/epoch PyG':>11s} "
          f"{'x':>6s} {'max |diff|':>10s}")
    for r in rows:
        print(f"{r['config']:20s} {r['threads']:7d} {r['graphlab_epoch_s']:16.4f} "
              f"{r['pyg_epoch_s']:11.4f} {r['ratio']:6.2f} {r['max_abs_output_diff']:10.2e}")
    print(f"x = PyG edge_index seconds / graphlab CSR seconds per epoch (training step + "
          f"evaluation), medians over {args.rounds} alternating rounds of {args.epochs} epochs")
    path = write_json(args.out, {"rows": rows, "git_commit": git_commit()})
    print(f"JSON written to {path}")
    return 0
