"""``graphlab bench ncn``: seconds per training epoch, per evaluation and per whole run of
the NCN / NCNC configs, and the time of the common-neighbour step per batch.

graphlab alone: this script does not run the official implementation, so it prints no
comparison with it (a speed ratio is only reported where both sides were measured in the
same run, at the same thread count). The thread count is part of every row.
"""
from __future__ import annotations

import argparse
import statistics
import time
from typing import Optional, Sequence

import torch

from graphlab.bench.timing import median_ms, write_json
from graphlab.models import build_model
from graphlab.ops import CSR, common_neighbors, spmm
from graphlab.runner import load_config
from graphlab.runner.seeding import seed_everything
from graphlab.tasks import prepare_data
from graphlab.tasks.link import evaluate_link, link_split, param_groups, train_epoch

#: what the output says in place of a comparison it did not run
NOT_RUN = ("official code: not run by this benchmark, so no speed ratio is reported (a "
           "ratio needs both sides measured in one run at the same thread count)")

DEFAULT_CONFIGS = ("experiments/ncnc/cora_ncn.yaml", "experiments/ncnc/cora_ncnc.yaml")


def _set_projection(net: torch.nn.Module, on: bool) -> None:
    from graphlab.nn import NCNPredictor

    for module in net.modules():
        if isinstance(module, NCNPredictor):
            module.project_cn = on


def bench_config(path: str, epochs: int, seed: int = 0, projection: bool = False) -> dict:
    cfg = load_config(path)
    seed_everything(seed)
    data, _ = prepare_data(cfg.task, cfg.dataset)
    sp = link_split(data, cfg.split, seed)
    net = build_model(cfg.model.name, "link", cfg.model.params, in_channels=data.num_features)
    opt = torch.optim.Adam(param_groups(net, cfg.train), lr=cfg.train.lr, foreach=True)
    epoch_s = []
    for _ in range(epochs):
        start = time.perf_counter()
        train_epoch(net, data.x, sp, opt, cfg.train)
        epoch_s.append(time.perf_counter() - start)
    eval_s = []
    for _ in range(2):
        start = time.perf_counter()
        evaluate_link(net, data.x, sp, cfg.eval.hits_k)
        eval_s.append(time.perf_counter() - start)
    # the common-neighbour step alone: one training batch of positives + as many negatives
    adj = CSR.from_edge_index(sp.train_edge_index, data.num_nodes)
    batch = cfg.train.batch_size or sp.train_pos.size(1)
    pairs = torch.cat([sp.train_pos[:, :batch], torch.randint(data.num_nodes, (2, batch))], 1)
    h = torch.randn(data.num_nodes, cfg.model.params.get("hidden_channels", 256))
    cn_ms = median_ms(lambda: spmm(common_neighbors(adj, pairs), h), torch.device("cpu"), 20)
    train_s, evaluation_s = statistics.median(epoch_s), statistics.median(eval_s)
    name = cfg.model.name
    extra = {}
    if projection:  # the same model, epochs interleaved: each pair's sum projected vs nodes
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(epochs):
            for on in (False, True):
                _set_projection(net, on)
                start = time.perf_counter()
                train_epoch(net, data.x, sp, opt, cfg.train)
                times[on].append(time.perf_counter() - start)
        _set_projection(net, True)
        before, after = statistics.median(times[False]), statistics.median(times[True])
        extra = {"train_s_pair_projection": round(before, 3),
                 "train_s_node_projection": round(after, 3),
                 "projection_speedup": round(before / after, 2)}
    return {**extra, "config": cfg.name, "model": name, "dataset": cfg.dataset.name,
            "train_s_per_epoch": round(train_s, 3), "eval_s": round(evaluation_s, 3),
            "s_per_run": round(cfg.train.epochs * (train_s + evaluation_s), 1),
            "epochs_per_run": cfg.train.epochs, "cn_step_ms_per_batch": round(cn_ms, 2),
            "batch_pairs": int(pairs.size(1)), "threads": torch.get_num_threads()}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="graphlab bench ncn", description=__doc__.split("\n")[0])
    parser.add_argument("configs", nargs="*", default=list(DEFAULT_CONFIGS))
    parser.add_argument("--epochs", type=int, default=5, help="timed training epochs")
    parser.add_argument("--out", default="results/bench/ncn.json")
    parser.add_argument("--projection", action="store_true",
                        help="also time training epochs with the common-neighbour sum projected "
                             "per pair against per node (interleaved, the same model)")
    args = parser.parse_args(argv)
    rows = [bench_config(path, args.epochs, projection=args.projection) for path in args.configs]
    print(f"{'config':14s} {'threads':>7s} {'train s/epoch':>13s} {'eval s':>7s} {'s/run':>7s} "
          f"{'CN ms/batch':>11s}")
    for r in rows:
        print(f"{r['config']:14s} {r['threads']:7d} {r['train_s_per_epoch']:13.3f} "
              f"{r['eval_s']:7.3f} {r['s_per_run']:7.1f} {r['cn_step_ms_per_batch']:11.2f}")
    for r in rows:
        if "projection_speedup" in r:
            print(f"{r['config']}: training epoch {r['train_s_pair_projection']:.3f} s with each "
                  f"pair's sum projected, {r['train_s_node_projection']:.3f} s with the nodes "
                  f"projected first: {r['projection_speedup']:.2f}x")
    print(NOT_RUN)
    path = write_json(args.out, {"rows": rows, "official": None, "note": NOT_RUN})
    print(f"JSON written to {path}")
    return 0
