"""``graphlab bench ncn``: seconds per training epoch, per evaluation and per whole run of
the NCN / NCNC configs, and the time of the common-neighbour step per batch.

Without ``--official`` it measures graphlab alone and prints no comparison (a speed ratio
is only reported where both sides were measured in the same run, at the same thread
count). With ``--official PATH`` (a checkout of GraphPKU/NeuralCommonNeighbor, obtained
outside the project) and ``--official-python PY`` (an environment where that code runs:
torch_sparse, torch_scatter, ogb, tensorboard), it runs the official ``NeighborOverlap.py``
unmodified, with the config's hyper-parameters translated to its flags, in a scratch
folder holding the dataset's raw Planetoid files, and graphlab in this process, in
alternating rounds (official K epochs, graphlab K epochs, …) at each thread count; the
official side's times are its own printed ``trn time`` / ``test time`` per epoch (the first
epoch of each official process is left out as warm-up, as graphlab's first is). The thread
count is part of every row.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional, Sequence

import torch

from graphlab.bench.timing import median_ms, write_json
from graphlab.io.allocator import allocator_setting
from graphlab.io.provenance import checkout_commit, git_commit
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


def _setup(cfg, seed: int = 0):
    """The data, split, model and optimiser of a link config, as its runs build them."""
    seed_everything(seed)
    data, _ = prepare_data(cfg.task, cfg.dataset)
    sp = link_split(data, cfg.split, seed)
    net = build_model(cfg.model.name, "link", cfg.model.params, in_channels=data.num_features)
    opt = torch.optim.Adam(param_groups(net, cfg.train), lr=cfg.train.lr, foreach=True)
    return data, sp, net, opt


def bench_config(path: str, epochs: int, seed: int = 0, projection: bool = False) -> dict:
    cfg = load_config(path)
    data, sp, net, opt = _setup(cfg, seed)
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


#: graphlab's Planetoid names → the official code's ``--dataset`` and raw-file folder
_OFFICIAL_DATASETS = {"cora": ("Cora", "Cora"), "citeseer": ("Citeseer", "CiteSeer"),
                      "pubmed": ("Pubmed", "PubMed")}


def official_flags(cfg) -> list[str]:
    """The official ``NeighborOverlap.py`` flags for an NCN / NCNC config: every numeric
    setting from the config, and the structural switches of the official README commands
    (``--ln`` layer norm in the encoder, ``--model puregcn``)."""
    p = dict(cfg.model.params)
    name = cfg.dataset.name.lower()
    if cfg.model.name not in ("ncn", "ncnc") or name not in _OFFICIAL_DATASETS:
        raise ValueError(f"--official: {cfg.name} is not an NCN/NCNC config on a Planetoid "
                         f"dataset ({', '.join(_OFFICIAL_DATASETS)})")
    tr = cfg.train
    flags = ["--dataset", _OFFICIAL_DATASETS[name][0], "--model", "puregcn",
             "--predictor", "cn1" if cfg.model.name == "ncn" else "incn1cn1",
             "--hiddim", str(p.get("hidden_channels", 256)),
             "--mplayers", str(p.get("mp_layers", 1)),
             "--xdp", str(p.get("input_dropout", 0.0)), "--tdp", str(p.get("tail_dropout", 0.0)),
             "--gnndp", str(p.get("gnn_dropout", 0.0)),
             "--gnnedp", str(p.get("gnn_edge_dropout", 0.0)),
             "--predp", str(p.get("predictor_dropout", 0.0)),
             "--preedp", str(p.get("predictor_edge_dropout", 0.0)),
             "--gnnlr", str(tr.lr), "--prelr", str(tr.predictor_lr or tr.lr),
             "--batch_size", str(tr.batch_size), "--testbs", "8192", "--ln"]
    if cfg.model.name == "ncnc":
        flags += ["--pt", str(p.get("pt", 0.5)), "--probscale", str(p.get("scale", 5.0)),
                  "--proboffset", str(p.get("offset", 3.0)), "--alpha", str(p.get("alpha", 1.0))]
    for key, flag, default in (("layer_norm", "--lnnn", True), ("jk", "--jk", True),
                               ("use_xlin", "--use_xlin", True), ("tailact", "--tailact", True),
                               ("twolayerlin", "--twolayerlin", False)):
        if p.get(key, default):
            flags.append(flag)
    if tr.target_link_removal:
        flags.append("--maskinput")
    return flags


def run_official(path: Path, python: str, cfg, epochs: int, threads: int,
                 workdir: Path) -> tuple[list[float], list[float]]:
    """One official process of ``epochs`` epochs; its per-epoch training and test seconds
    (the first epoch left out)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               CUDA_VISIBLE_DEVICES="")
    cmd = [python, str(path / "NeighborOverlap.py"), *official_flags(cfg),
           "--epochs", str(epochs), "--runs", "1"]
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"the official code failed (exit {proc.returncode}): "
                           f"{' '.join(cmd)}\n{proc.stderr[-2000:]}")
    train = [float(v) for v in re.findall(r"trn time ([\d.]+) s", proc.stdout)]
    test = [float(v) for v in re.findall(r"test time ([\d.]+) s", proc.stdout)]
    if len(train) < 2 or len(test) < 2:
        raise RuntimeError("the official code printed no per-epoch times (expected 'trn time "
                           f"… s' and 'test time … s' lines): {' '.join(cmd)}")
    return train[1:], test[1:]


def official_workdir(cfg) -> Path:
    """A scratch folder with ``dataset/<Name>/raw`` copied from the offline mirror (the
    official loader reads ``Planetoid(root='dataset')``)."""
    from graphlab.data.mirror import mirror_dir

    name, folder = _OFFICIAL_DATASETS[cfg.dataset.name.lower()]
    work = Path(tempfile.mkdtemp(prefix="ncn_official_"))
    mirror = mirror_dir()
    source = mirror / "Planetoid" / folder / "raw" if mirror else None
    if source is None or not source.is_dir():
        raise FileNotFoundError(f"--official needs the raw Planetoid files of {folder} under "
                                "$GRAPHLAB_MIRROR/Planetoid (the official loader would "
                                "download them)")
    shutil.copytree(source, work / "dataset" / name / "raw")
    return work


def compare_official(path: Path, python: str, config: str, threads: int, rounds: int,
                     epochs: int) -> dict:
    """graphlab and the official code on one config at one thread count, alternating."""
    cfg = load_config(config)
    work = official_workdir(cfg)
    torch.set_num_threads(threads)
    data, sp, net, opt = _setup(cfg)
    train_epoch(net, data.x, sp, opt, cfg.train)  # warm-up
    ours_train, ours_eval, theirs_train, theirs_eval = [], [], [], []
    try:
        for _ in range(rounds):
            t, e = run_official(path, python, cfg, epochs + 1, threads, work)
            theirs_train += t
            theirs_eval += e
            for _ in range(epochs):
                start = time.perf_counter()
                train_epoch(net, data.x, sp, opt, cfg.train)
                ours_train.append(time.perf_counter() - start)
                start = time.perf_counter()
                evaluate_link(net, data.x, sp, cfg.eval.hits_k)
                ours_eval.append(time.perf_counter() - start)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = statistics.median
    row = {"config": cfg.name, "threads": threads, "rounds": rounds,
           "epochs_per_round": epochs,
           "graphlab_train_s": round(med(ours_train), 3),
           "official_train_s": round(med(theirs_train), 3),
           "graphlab_eval_s": round(med(ours_eval), 3),
           "official_eval_s": round(med(theirs_eval), 3)}
    n = cfg.train.epochs
    row["graphlab_run_s"] = round(n * (row["graphlab_train_s"] + row["graphlab_eval_s"]), 1)
    row["official_run_s"] = round(n * (row["official_train_s"] + row["official_eval_s"]), 1)
    for part in ("train", "eval", "run"):
        row[f"ratio_{part}"] = round(row[f"official_{part}_s"] / row[f"graphlab_{part}_s"], 2)
    return row


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="graphlab bench ncn", description=__doc__.split("\n")[0])
    parser.add_argument("configs", nargs="*", default=list(DEFAULT_CONFIGS))
    parser.add_argument("--epochs", type=int, default=5, help="timed training epochs")
    parser.add_argument("--out", default="results/bench/ncn.json")
    parser.add_argument("--projection", action="store_true",
                        help="also time training epochs with the common-neighbour sum projected "
                             "per pair against per node (interleaved, the same model)")
    parser.add_argument("--official", type=Path, metavar="PATH",
                        help="a checkout of GraphPKU/NeuralCommonNeighbor: run it beside "
                             "graphlab and report the ratios")
    parser.add_argument("--official-python", default="python3", metavar="PY",
                        help="the Python that runs the official code (default python3)")
    parser.add_argument("--official-commit", default=None, metavar="REV",
                        help="with --official: the official code's commit, recorded in the "
                             "JSON (default: read from the checkout when it is a git "
                             "repository, else 'not recorded')")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="with --official: thread counts (default 1 2)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="with --official: alternating rounds (default 3)")
    args = parser.parse_args(argv)
    if args.official is not None:
        return main_official(args)
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
    path = write_json(args.out, {"rows": rows, "official": None, "note": NOT_RUN,
                                 "graphlab_allocator": allocator_setting()})
    print(f"JSON written to {path}")
    return 0


def main_official(args: argparse.Namespace) -> int:
    if not (args.official / "NeighborOverlap.py").is_file():
        raise FileNotFoundError(f"--official {args.official}: no NeighborOverlap.py there (a "
                                "checkout of GraphPKU/NeuralCommonNeighbor is expected)")
    rows = [compare_official(args.official, args.official_python, path, t, args.rounds,
                             args.epochs)
            for path in args.configs for t in args.threads]
    print(f"{'config':14s} {'threads':>7s} {'train s/epoch (ours / official)':>32s} "
          f"{'eval s (ours / official)':>25s} {'x train':>7s} {'x eval':>6s} {'x run':>6s}")
    for r in rows:
        print(f"{r['config']:14s} {r['threads']:7d} {r['graphlab_train_s']:15.3f} / "
              f"{r['official_train_s']:<14.3f} {r['graphlab_eval_s']:11.3f} / "
              f"{r['official_eval_s']:<11.3f} {r['ratio_train']:7.2f} {r['ratio_eval']:6.2f} "
              f"{r['ratio_run']:6.2f}")
    print("x = official seconds / graphlab seconds, measured in this run (medians over "
          f"{args.rounds} alternating rounds of {args.epochs} epochs per side)")
    path = write_json(args.out, {
        "rows": rows, "official": "GraphPKU/NeuralCommonNeighbor",
        "official_commit": args.official_commit or (
            checkout_commit(args.official) if (args.official / ".git").exists()
            else "not recorded"),
        "git_commit": git_commit(), "graphlab_allocator": allocator_setting()})
    print(f"JSON written to {path}")
    return 0
