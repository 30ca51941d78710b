"""``graphlab bench graph_transformer``: the graph transformer's training step with its graphs
grouped by size for the dense attention (:func:`graphlab.nn.dense_groups`, the default)
against one batch padded to its largest graph (PyG's ``to_dense_batch`` layout,
``group_ratio=None``), on real TU batches.

For each dataset, ``--batches`` training batches of ``--batch-size`` graphs are drawn once
(seeded shuffle) and both layouts train the same model (same initial weights) over them;
the two are timed in alternation, ``--repeats`` times, and the median time per batch is
reported with the ratio padded / grouped and the ratio of attention entries computed
(``padded_pairs``). The outputs of the two layouts agree to float rounding (checked here
on the first batch in eval mode, the largest difference is reported).
"""
from __future__ import annotations

import argparse
import statistics
import time
from itertools import islice
from typing import Optional, Sequence

import torch

from graphlab.bench.timing import add_model_args, write_json

DATASETS = ("mutag", "proteins", "imdb-binary")
FEATURES = {"imdb-binary": "degree", "imdb-multi": "degree", "reddit-binary": "degree"}


def _batches(dataset: str, batch_size: int, count: int, seed: int, synthetic: bool):
    from torch_geometric.data import Batch, Data
    from torch_geometric.loader import DataLoader

    if synthetic:            # skewed sizes like PROTEINS', no dataset needed (tests)
        g = torch.Generator().manual_seed(seed)
        graphs = []
        for _ in range(batch_size * count):
            n = int(torch.empty(1).exponential_(1 / 12, generator=g)) + 2
            ei = torch.randint(0, n, (2, 2 * n), generator=g)
            graphs.append(Data(x=torch.randn(n, 3, generator=g), edge_index=ei,
                               y=torch.randint(0, 2, (1,), generator=g)))
        return [Batch.from_data_list(graphs[i:i + batch_size])
                for i in range(0, len(graphs), batch_size)], 3
    from graphlab.data import load_dataset
    from graphlab.tasks.graph import add_node_features

    ds = add_node_features(load_dataset(dataset), FEATURES.get(dataset))
    torch.manual_seed(seed)
    loader = DataLoader(ds, batch_size=batch_size, shuffle=True)
    return list(islice(loader, count)), ds.num_features


def measure(dataset: str, attention: str, batch_size: int = 32, batches: int = 8,
            repeats: int = 3, hidden: int = 64, layers: int = 4, seed: int = 0,
            synthetic: bool = False) -> dict:
    from graphlab.models import GraphTransformer

    data, in_channels = _batches(dataset, batch_size, batches, seed, synthetic)
    nets, opts = {}, {}
    for layout, ratio in (("padded", None), ("grouped", "default")):
        torch.manual_seed(seed)
        kwargs = {} if ratio == "default" else {"group_ratio": None}
        nets[layout] = GraphTransformer(in_channels, hidden, 2, layers, attention=attention,
                                        dropout=0.1, **kwargs)
        opts[layout] = torch.optim.Adam(nets[layout].parameters(), lr=1e-3)
    with torch.no_grad():
        outs = [nets[k].eval()(data[0]) for k in ("padded", "grouped")]
    diff = float((outs[0] - outs[1]).abs().max())
    pairs = {k: 0 for k in nets}
    for b in data:
        for k, net in nets.items():
            pairs[k] += net.layers[0].dense_groups(b.edge_index, b.batch, b.num_nodes
                                                   ).padded_pairs

    def epoch(layout: str) -> float:
        net, opt = nets[layout], opts[layout]
        net.train()
        start = time.perf_counter()
        for b in data:
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(b), b.y.view(-1)).backward()
            opt.step()
        return (time.perf_counter() - start) * 1e3 / len(data)

    epoch("padded"), epoch("grouped")                                  # warm-up
    times = {k: [] for k in nets}
    for _ in range(repeats):
        for k in nets:
            times[k].append(epoch(k))
    padded, grouped = (statistics.median(times[k]) for k in ("padded", "grouped"))
    return {"dataset": "synthetic" if synthetic else dataset, "attention": attention,
            "batch_size": batch_size, "batches": len(data),
            "mean_nodes": float(sum(b.num_nodes for b in data) / sum(b.num_graphs
                                                                    for b in data)),
            "padded_ms_per_batch": padded, "grouped_ms_per_batch": grouped,
            "speedup": padded / grouped, "pairs_ratio": pairs["padded"] / pairs["grouped"],
            "max_abs_diff": diff}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="graphlab bench graph_transformer",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--attention", nargs="+", default=["gin", "standard"],
                        choices=["gin", "standard"])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=8)
    add_model_args(parser)
    parser.add_argument("--synthetic", action="store_true",
                        help="random graphs of skewed sizes instead of the datasets")
    parser.add_argument("--out", default="results/bench/graph_transformer.json")
    args = parser.parse_args(argv)
    rows = []
    for dataset in (["synthetic"] if args.synthetic else args.datasets):
        for attention in args.attention:
            row = measure(dataset, attention, args.batch_size, args.batches, args.repeats,
                          args.hidden, args.layers, synthetic=args.synthetic)
            rows.append(row)
            print(f"{row['dataset']:12s} {attention:8s} padded {row['padded_ms_per_batch']:8.1f}"
                  f" ms  grouped {row['grouped_ms_per_batch']:8.1f} ms  speedup "
                  f"{row['speedup']:5.2f}x  attention entries /{row['pairs_ratio']:5.2f}  "
                  f"max |diff| {row['max_abs_diff']:.1e}", flush=True)
    write_json(args.out, {"rows": rows, "args": vars(args)})
    return 0
