"""``graphlab bench graph_level``: time and peak memory per graph of SSWL+ (all n² pairs) and
of GINE + SPE (and plain GIN for reference) as the graph grows, with the growth exponent.

Graphs are random with average degree about 4 (Erdős–Rényi, seeded). For each model and
size n, one batch of ``--graphs`` graphs of n nodes is prepared (subgraph bags / eigen-PE,
timed separately as ``prep_ms_per_graph``) and a training step (forward + backward) is
timed (``step_ms_per_graph``, median of ``--repeats``). Peak memory is measured in a fresh
process per (model, n): the growth of the resident-set high-water mark during the step
(``peak_mb_per_graph``). The exponent is the least-squares slope of log(cost) against
log(n) over the sizes given.
"""
from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import resource
import time
from typing import Optional, Sequence

import torch

from graphlab.bench.timing import add_model_args, median_ms, write_json

MODELS = ("SSWL+", "GIN+SPE", "GIN")


def random_graphs(n: int, count: int, degree: float = 4.0, seed: int = 0) -> list:
    from torch_geometric.data import Data
    from torch_geometric.utils import erdos_renyi_graph

    torch.manual_seed(seed)
    p = min(1.0, degree / max(n - 1, 1))
    return [Data(x=torch.ones(n, 1), edge_index=erdos_renyi_graph(n, p)) for _ in range(count)]


def _build(model: str, hidden: int, layers: int, num_eigs: int):
    from graphlab.construct import EigenPE, SubgraphBag
    from graphlab.models import GINEGraph, GINGraph, SubgraphGNN

    if model == "SSWL+":
        return SubgraphGNN(1, hidden, 1, "SSWL+", num_layers=layers), \
            SubgraphBag(max_dis=5)
    if model == "GIN+SPE":
        return GINEGraph(1, hidden, 1, num_layers=layers, pe="spe",
                         num_eigs=num_eigs), EigenPE(num_eigs)
    if model == "GIN":
        return GINGraph(1, hidden, 1, num_layers=layers), None
    raise ValueError(f"unknown model '{model}'; choose from {MODELS}")


def measure(model: str, n: int, graphs: int, hidden: int, layers: int, num_eigs: int,
            repeats: int) -> dict:
    """Time (and, run in a fresh process, peak memory) of one training step on ``graphs``
    graphs of ``n`` nodes."""
    from torch_geometric.data import Batch

    net, transform = _build(model, hidden, layers, num_eigs)
    data = random_graphs(n, graphs)
    start = time.perf_counter()
    if transform is not None:
        data = [transform(g) for g in data]
    prep_ms = (time.perf_counter() - start) * 1e3
    batch = Batch.from_data_list(data)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        net(batch).sum().backward()
        opt.step()

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ms = median_ms(step, torch.device("cpu"), repeats=repeats)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"model": model, "n": n, "graphs": graphs,
            "prep_ms_per_graph": prep_ms / graphs, "step_ms_per_graph": ms / graphs,
            "peak_mb_per_graph": max(rss_after - rss_before, 0) / 1024 / graphs}


def _child(queue, args) -> None:
    torch.set_num_threads(args[-1])
    queue.put(measure(*args[:-1]))


def measure_isolated(*args) -> dict:
    """:func:`measure` in a fresh process, so the memory high-water mark is this run's."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, (*args, torch.get_num_threads())))
    proc.start()
    row = queue.get()
    proc.join()
    return row


def growth_exponent(ns: Sequence[int], values: Sequence[float]) -> Optional[float]:
    """Least-squares slope of log(value) against log(n) (``None`` with < 2 positive points)."""
    pts = [(math.log(n), math.log(v)) for n, v in zip(ns, values, strict=True) if v > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    var = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / var if var else None


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="graphlab bench graph_level",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--sizes", nargs="+", type=int, default=[16, 32, 64, 128])
    parser.add_argument("--graphs", type=int, default=4, help="graphs per batch")
    add_model_args(parser)
    parser.add_argument("--num-eigs", type=int, default=8)
    parser.add_argument("--same-process", action="store_true",
                        help="skip the fresh process per run (memory numbers then meaningless)")
    parser.add_argument("--out", default="results/bench/graph_level.json")
    args = parser.parse_args(argv)
    rows = []
    for model in args.models:
        for n in args.sizes:
            run = measure if args.same_process else measure_isolated
            row = run(model, n, args.graphs, args.hidden, args.layers, args.num_eigs,
                      args.repeats)
            rows.append(row)
            print(f"{model:8s} n={n:4d}  prep {row['prep_ms_per_graph']:9.2f} ms/graph  step "
                  f"{row['step_ms_per_graph']:9.2f} ms/graph  peak "
                  f"{row['peak_mb_per_graph']:8.2f} MB/graph", flush=True)
    exponents = {}
    for model in args.models:
        mine = [r for r in rows if r["model"] == model]
        ns = [r["n"] for r in mine]
        exponents[model] = {key: growth_exponent(ns, [r[key] for r in mine])
                            for key in ("prep_ms_per_graph", "step_ms_per_graph",
                                        "peak_mb_per_graph")}
        print(f"{model}: growth exponents {exponents[model]}")
    write_json(args.out, {"rows": rows, "exponents": exponents, "args": vars(args)})
    return 0
