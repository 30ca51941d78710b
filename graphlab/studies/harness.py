"""``graphlab expressiveness``: which models separate the pairs of EXP, SR25 and BREC.

    graphlab expressiveness [--models GIN GIN+SPE SSWL+ ...] [--benchmarks exp sr25 brec]
                            [--categories basic regular extension cfi] [--inits K]
                            [--train [--train-epochs E]] [--wl [--skip-models]]
                            [--layers L] [--out FILE]

Prints a markdown table (EXP and SR25: % of pairs separated; BREC: pairs distinguished per
category by the reliable paired comparison) and writes the numbers as JSON. The protocol is
graphlab's (models at random initialisation, float64; see graphlab.studies.expressiveness);
``--train`` trains each model on each BREC pair first, as BREC does (PairTraining), with
batch norm in the models as BREC's have (graphlab.studies.expressiveness.harness_models).
``--wl`` adds the combinatorial test that bounds each model (graphlab.studies.wl).

With ``--out FILE``, every BREC pair's result is appended to ``FILE.pairs.jsonl`` as soon
as it is decided; a run killed midway and started again with the same settings reads the
pairs done from there instead of recomputing them. The journal is deleted once FILE is
written.
"""
from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Optional, Sequence

import torch

from graphlab.data import load_dataset
from graphlab.data.expressiveness import BREC_CATEGORIES
from graphlab.io import atomic_write
from graphlab.studies.expressiveness import (
    GIN_CONTROL_LAYERS,
    SEPARATION_RTOL,
    PairResult,
    PairTraining,
    brec_evaluate,
    brec_summary,
    harness_models,
    pair_separation_rate,
)
from graphlab.studies.wl import bounding_test, separated_by


def _transform(kind: Optional[str], max_nodes: int):
    from graphlab.construct import EigenPE, SubgraphBag

    if kind == "eig":
        return EigenPE(max_nodes, torch.float64)  # all eigenpairs: no cut inside an eigenspace
    if kind == "bag":
        return SubgraphBag()
    return None


def wl_brec(test: str, brec, pairs: Sequence[int], rounds: Optional[int],
            progress: bool = True) -> dict:
    """The combinatorial ``test`` (``'1-WL'`` or an SWL preset) on BREC pairs: whether it
    separates each (the base graphs G, H of the pair), after ``rounds`` rounds or (``None``)
    at the stable colouring; a summary like :func:`brec_summary` and the pairs separated."""
    from tqdm.auto import tqdm

    from graphlab.data.expressiveness import BREC_PARTS, brec_pair

    separated = []
    for pair in tqdm(pairs, desc=f"{test} test", disable=not progress, dynamic_ncols=True):
        g, h, _ = brec_pair(brec, pair)
        if separated_by(g[0], h[0], test, rounds):
            separated.append(pair)
    hit = set(separated)
    summary = {name: len(hit & set(ids)) for name, ids in BREC_CATEGORIES.items()}
    summary.update({f"regular/{name}": len(hit & set(ids)) for name, ids in BREC_PARTS.items()})
    summary["total"] = len(hit)
    return {"summary": summary, "separated": separated}


class PairJournal:
    """Per-pair BREC results of a run, one JSON line each, keyed by the model and the
    settings that decide a result; lines of other settings are kept but not used, a torn
    last line (the process killed while writing) is ignored."""

    def __init__(self, path: Optional[Path]):
        self.path = path
        self.lines: list[dict] = []
        self._since = time.perf_counter()   # each line's wall: since the one before
        if path is not None and path.exists():
            for line in path.read_text().splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(entry, dict) and "key" in entry and "result" in entry:
                    self.lines.append(entry)

    def _latest(self, key: str) -> dict[int, dict]:
        """This key's journal line per pair (of a pair journalled twice, the later one)."""
        return {e["result"]["pair"]: e for e in self.lines if e["key"] == key}

    def known(self, key: str) -> dict[int, PairResult]:
        return {pair: PairResult(**e["result"]) for pair, e in self._latest(key).items()}

    def commits(self, key: str) -> list[str]:
        """The commits that computed this key's journalled results."""
        return sorted({str(e.get("commit")) for e in self.lines if e["key"] == key})

    def wall(self, key: str, pairs: Sequence[int]) -> tuple[float, int]:
        """Seconds spent on this key's journalled results of ``pairs`` (the ones a run read
        back), and how many of them were not timed (journals written before lines carried
        their wall time)."""
        latest = self._latest(key)
        walls = [latest[p].get("wall_s") for p in pairs]
        return (sum(w for w in walls if w is not None),
                sum(w is None for w in walls))

    def restart_clock(self) -> None:
        self._since = time.perf_counter()

    def add(self, key: str, result: PairResult) -> None:
        if self.path is None:
            return
        from graphlab.io.provenance import git_commit

        self.path.parent.mkdir(parents=True, exist_ok=True)
        now = time.perf_counter()
        entry = {"key": key, "result": asdict(result), "commit": git_commit(),
                 "wall_s": round(now - self._since, 1)}
        self._since = now
        with open(self.path, "a") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def remove(self) -> None:
        if self.path is not None and self.path.exists():
            self.path.unlink()


def _id_ranges() -> str:
    """BREC's categories as id ranges, e.g. ``basic 0-59; regular 60-159, 360-399; …``."""
    parts = []
    for name, ids in BREC_CATEGORIES.items():
        ids, runs = sorted(ids), []
        for i in ids:
            if runs and i == runs[-1][1] + 1:
                runs[-1][1] = i
            else:
                runs.append([i, i])
        parts.append(f"{name} " + ", ".join(f"{a}-{b}" for a, b in runs))
    return "; ".join(parts)


def run(models: Sequence[str], benchmarks: Sequence[str], categories: Sequence[str],
        progress: bool = True, inits: int = 1, wl: bool = False, neural: bool = True,
        layers: int = 4, training: Optional[PairTraining] = None,
        journal: Optional[PairJournal] = None,
        pair_ids: Optional[Sequence[int]] = None,
        gin_layers: int = GIN_CONTROL_LAYERS) -> dict:
    """The harness models (``neural``) and, with ``wl``, the combinatorial test bounding each
    (1-WL for GIN, the preset's SWL test; none for GIN+SPE) on BREC, at the stable colouring
    and after ``layers`` rounds (the models' depth). When both run, ``exceeds_test`` lists
    the pairs a model separated that its ``layers``-round test does not — a bug if any.
    ``training``: BREC's per-pair training before each test; ``journal``: per-pair results
    are read from and written to it (see :class:`PairJournal`). ``pair_ids``: only these
    BREC pairs (of the ``categories``). ``gin_layers``: the depth of GIN, the 1-WL control
    (and the rounds of its test), :data:`GIN_CONTROL_LAYERS` by default."""
    known = harness_models(layers=layers, gin_layers=gin_layers)
    # BREC's trained protocol uses batch norm, as BREC's models do (see harness_models);
    # EXP and SR25 are never trained and keep the plain models
    norm = training is not None
    brec_models = (harness_models(layers=layers, norm=True, gin_layers=gin_layers) if norm
                   else known)
    unknown = [m for m in models if m not in known]
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; choose from {list(known)}")
    bad = [c for c in categories if c not in BREC_CATEGORIES]
    if bad:
        raise ValueError(f"unknown BREC categories {bad}; choose from {list(BREC_CATEGORIES)}")
    results: dict = {}
    journal = journal or PairJournal(None)
    data = {}
    if "exp" in benchmarks:
        exp = load_dataset("exp")
        data["exp"] = ([(exp[2 * k], exp[2 * k + 1]) for k in range(len(exp) // 2)],
                       max(g.num_nodes for g in exp))
    if "sr25" in benchmarks:
        sr = load_dataset("sr25")
        data["sr25"] = (list(itertools.combinations([sr[i] for i in range(len(sr))], 2)), 25)
    brec = load_dataset("brec") if "brec" in benchmarks else None
    pairs = [p for c in categories for p in BREC_CATEGORIES[c]]
    if pair_ids is not None:
        outside = sorted(set(pair_ids) - set(pairs))
        if outside:
            raise ValueError(f"BREC pairs {outside} are not in the categories "
                             f"{list(categories)} ({_id_ranges()})")
        pairs = [p for p in pairs if p in set(pair_ids)]
    if wl and brec is None:
        raise ValueError("--wl evaluates the tests on BREC: add brec to --benchmarks")
    if not (wl or neural):
        raise ValueError("nothing to run: the models are skipped and --wl is not given")
    for name in models:
        make, kind = known[name]
        depth = gin_layers if name == "GIN" else layers
        row: dict = {}
        if wl and bounding_test(name) is not None:
            test = bounding_test(name)
            for key, rounds in (("wl", None), ("wl_rounds", depth)):
                start = time.perf_counter()
                row[key] = wl_brec(test, brec, pairs, rounds, progress)
                row[key].update(test=test, rounds=rounds,
                                wall_s=round(time.perf_counter() - start, 1))
        if not neural:
            results[name] = row
            continue
        for bench, (pair_list, max_nodes) in data.items():
            start = time.perf_counter()
            row[bench] = pair_separation_rate(make, pair_list, _transform(kind, max_nodes))
            row[f"{bench}_wall_s"] = round(time.perf_counter() - start, 1)
        if brec is not None:
            start = time.perf_counter()
            key = json.dumps({"model": name, "layers": depth, "inits": inits, "norm": norm,
                              "training": None if training is None else asdict(training)},
                             sort_keys=True)
            done = journal.known(key)
            journal.restart_clock()
            if done and progress:
                print(f"{name}: {len(done)} BREC pairs read back from {journal.path}",
                      flush=True)
            res = brec_evaluate(brec_models[name][0], brec, pairs, _transform(kind, 200),
                                progress=progress, inits=inits, training=training,
                                known=done, on_result=functools.partial(journal.add, key))
            row["brec"] = brec_summary(res)
            row["brec_per_pair"] = [{"pair": r.pair, "category": r.category, "t2": r.t2,
                                     "t2_reliability": r.t2_reliability,
                                     "distinguished": r.distinguished, "seed": r.seed,
                                     "train_epochs": r.train_epochs,
                                     "train_loss": r.train_loss}
                                    for r in res]
            row["brec_training"] = None if training is None else asdict(training)
            row["brec_norm"] = norm
            read_back = [r.pair for r in res if r.pair in done]
            row["brec_read_back"] = len(read_back)
            if done:  # the pairs read back were computed by these commits, in this time
                row["brec_read_back_commits"] = journal.commits(key)
                timed, untimed = journal.wall(key, read_back)
                row["brec_read_back_wall_s"] = round(timed, 1)
                row["brec_read_back_untimed"] = untimed
            row["brec_inits"] = inits
            row["brec_pairs"] = len(pairs)
            row["brec_wall_s"] = round(time.perf_counter() - start, 1)
            if "wl_rounds" in row:
                bound = set(row["wl_rounds"]["separated"])
                row["exceeds_test"] = [r.pair for r in res if r.distinguished
                                       and r.pair not in bound]
        results[name] = row
        if progress:
            print(f"{name}: {row}", flush=True)
    return results


def table(results: dict, categories: Sequence[str], num_pairs: Optional[int] = None) -> str:
    cols = ["model", "EXP %", "SR25 %"] + [f"BREC {c}" for c in categories] + ["BREC total"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    pairs = num_pairs if num_pairs is not None else sum(len(BREC_CATEGORIES[c])
                                                        for c in categories)
    for name, row in results.items():
        if "brec" in row or "exp" in row or "sr25" in row:
            cells = [name, f"{row['exp']:.1f}" if "exp" in row else "–",
                     f"{row['sr25']:.1f}" if "sr25" in row else "–"]
            brec = row.get("brec")
            cells += [str(brec[c]) if brec else "–" for c in categories]
            cells.append(f"{brec['total']} / {pairs}" if brec else "–")
            lines.append("| " + " | ".join(cells) + " |")
        for key in ("wl", "wl_rounds"):
            if key in row:
                wl = row[key]
                rounds = "stable" if wl["rounds"] is None else f"{wl['rounds']} rounds"
                cells = [f"{wl['test']} test ({rounds})", "–", "–"]
                cells += [str(wl["summary"][c]) for c in categories]
                cells.append(f"{wl['summary']['total']} / {pairs}")
                lines.append("| " + " | ".join(cells) + " |")
    out = "\n".join(lines)
    over = {name: row["exceeds_test"] for name, row in results.items()
            if row.get("exceeds_test")}
    if over:
        out += ("\n\nBUG: models separated pairs their test does not (pair ids): "
                + "; ".join(f"{n}: {p}" for n, p in over.items()))
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="graphlab expressiveness",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=list(harness_models()))
    parser.add_argument("--benchmarks", nargs="+", default=["exp", "sr25", "brec"],
                        choices=["exp", "sr25", "brec"])
    parser.add_argument("--categories", nargs="+", default=list(BREC_CATEGORIES))
    parser.add_argument("--inits", type=int, default=1,
                        help="BREC: retry a pair not separated with up to this many model "
                             "initialisations (seeds 0..inits-1); default 1")
    parser.add_argument("--pairs", type=int, nargs="+", metavar="ID",
                        help=f"BREC: only these pair ids, of --categories ({_id_ranges()})")
    parser.add_argument("--train", action="store_true",
                        help="BREC: train each model (with batch norm) on each pair before "
                             "the test, as BREC does (cosine-embedding loss, Adam 1e-4, batch "
                             "16; see graphlab.studies.expressiveness.PairTraining)")
    parser.add_argument("--train-epochs", type=int, default=PairTraining.epochs,
                        help=f"with --train: at most this many epochs per pair "
                             f"(default {PairTraining.epochs}, BREC's)")
    parser.add_argument("--wl", action="store_true",
                        help="BREC: also the combinatorial test bounding each model (1-WL for "
                             "GIN, the preset's SWL test), stable and after --layers rounds")
    parser.add_argument("--skip-models", action="store_true",
                        help="with --wl: only the tests, not the models")
    parser.add_argument("--layers", type=int, default=4,
                        help="the models' layers, and the tests' rounds (default 4)")
    parser.add_argument("--gin-layers", type=int, default=GIN_CONTROL_LAYERS,
                        help="GIN's layers (the 1-WL control) and its test's rounds (default "
                             f"{GIN_CONTROL_LAYERS}: the smallest depth at which it matches "
                             "exact 1-WL on graphlab wl-control's graph set)")
    parser.add_argument("--out", help="write the numbers here as JSON")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.layers < 1 or args.gin_layers < 1:
        parser.error("--layers and --gin-layers must be at least 1")
    if args.train_epochs != PairTraining.epochs and not args.train:
        parser.error("--train-epochs needs --train")
    training = PairTraining(epochs=args.train_epochs) if args.train else None
    journal = PairJournal(Path(args.out + ".pairs.jsonl") if args.out else None)
    start = time.perf_counter()
    results = run(args.models, args.benchmarks, args.categories, progress=not args.quiet,
                  inits=args.inits, wl=args.wl, neural=not args.skip_models,
                  layers=args.layers, training=training, journal=journal,
                  pair_ids=args.pairs, gin_layers=args.gin_layers)
    print(table(results, args.categories, None if args.pairs is None else len(set(args.pairs))))
    print(f"GIN (the 1-WL control): {args.gin_layers} layers; other models: {args.layers}. "
          f"EXP and SR25: a pair is separated when its two embeddings differ by more than "
          f"rtol = {SEPARATION_RTOL:g} of their scale; BREC: BREC's T² test.")
    if args.out:
        settings = {"benchmarks": args.benchmarks, "categories": args.categories,
                    "inits": args.inits, "layers": args.layers, "wl": args.wl,
                    "gin_layers": args.gin_layers, "rtol": SEPARATION_RTOL,
                    "training": None if training is None else asdict(training),
                    "pairs": args.pairs}
        write_study(args.out, "expressiveness", settings, results, start)
        journal.remove()
    return 0


def write_study(path: str, study: str, settings: dict, results: dict, start: float) -> None:
    """The JSON of a study run: ``study``, its ``settings``, the per-model ``results`` and
    where they came from (commit, command, machine, versions, wall time) — a record that a
    RESULTS.md block can tabulate (``<!-- report: FOLDER --study expressiveness -->``)."""
    from graphlab.io.provenance import command_line, git_commit, machine, versions

    record = {"study": study, "settings": settings, "git_commit": git_commit(),
              "command": command_line(), "machine": machine(), "versions": versions(),
              "wall_time_s": round(time.perf_counter() - start, 1), "results": results}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda f: f.write(json.dumps(record, indent=2)))


def wl_main(argv: Optional[Sequence[str]] = None) -> int:
    """``graphlab wl``: the combinatorial tests alone (1-WL for GIN, each preset's SWL
    colour refinement), on BREC, stable and after ``--layers`` rounds — seconds per pair,
    no model."""
    known = [m for m in harness_models() if bounding_test(m) is not None]
    parser = argparse.ArgumentParser(
        prog="graphlab wl", description="the colour-refinement test bounding each model "
        "(1-WL for GIN, the preset's SWL test) on the pairs of BREC")
    parser.add_argument("--models", nargs="+", default=known, choices=known, metavar="MODEL",
                        help=f"whose test to run (default all: {', '.join(known)})")
    parser.add_argument("--categories", nargs="+", default=list(BREC_CATEGORIES),
                        choices=list(BREC_CATEGORIES))
    parser.add_argument("--pairs", type=int, nargs="+", metavar="ID",
                        help=f"only these pair ids, of --categories ({_id_ranges()})")
    parser.add_argument("--layers", type=int, default=4,
                        help="the rounds of the bounded test (default 4, the models' depth)")
    parser.add_argument("--out", help="write the numbers here as JSON")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results = run(args.models, ["brec"], args.categories, progress=not args.quiet, wl=True,
                  neural=False, layers=args.layers, pair_ids=args.pairs)
    print(table(results, args.categories, None if args.pairs is None else len(set(args.pairs))))
    if args.out:
        write_study(args.out, "wl", {"categories": args.categories, "layers": args.layers,
                                     "pairs": args.pairs}, results, start)
    return 0
