"""The ``graphlab`` command.

    graphlab run CONFIG|DIR ... [key=value ...] [--profile smoke] [--seeds N] [--jobs J]
                 [--launcher local|ray [--address ADDR]] [--out DIR] [--quiet] [--overwrite]
    torchrun --standalone --nproc_per_node=K -m graphlab.cli run CONFIG --ddp
    graphlab report RESULTS_DIR [--plot FILE]
    graphlab results [DOCUMENT …] [--check]
    graphlab data list | graphlab data fetch NAME
    graphlab models [--task node|link]
    graphlab bench ops [--nodes N --edges E --channels F --repeats R --device D --out FILE]
    graphlab bench ncn [CONFIG ...] [--epochs K --out FILE]
    graphlab bench node [CONFIG ...] [--epochs K --rounds R --out FILE]
    graphlab expressiveness [--models ...] [--benchmarks exp sr25 brec] [--categories ...]
    graphlab tune CONFIG [key=value ...] [--trials N] [--jobs J] [--launcher local|ray]
    graphlab wl [--models GIN SSWL+ ...] [--categories ...] [--layers L] [--out FILE]
    graphlab sensitivity CONFIG ... [--trained] [--targets K] [--probes P|exact] [--out FILE]
    graphlab wl-control [--depths …] [--widths …] [--rtols …] [--out FILE]
    graphlab demo [--out DIR] [--panels link expressiveness stability direction sensitivity]
"""
from __future__ import annotations

import argparse
import math
import os
import shlex
import sys
import warnings
from pathlib import Path
from typing import Optional, Sequence

from graphlab.data import DATASETS, DatasetNotAvailableError, load_dataset
from graphlab.io.allocator import keep_freed_memory
from graphlab.models import MODELS
from graphlab.runner import (
    CHECKPOINT_EVERY_S,
    ConfigError,
    ResultsConflictError,
    ResultsFolderError,
    RunFailedError,
    load_configs,
    run_configs,
    write_report,
)


def _config_paths(items: Sequence[str]) -> list[Path]:
    paths: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(list(p.glob("*.yaml")) + list(p.glob("*.yml")))
            if not found:
                raise ConfigError(f"folder '{p}' holds no *.yaml config")
            paths.extend(found)
        else:
            paths.append(p)
    return paths


def default_out(path: Path) -> Path:
    """``experiments/<paper>/x.yaml`` → ``results/<paper>``; otherwise ``results/<stem>``."""
    parts = path.resolve().parts
    if "experiments" in parts[:-1]:
        i = len(parts) - 1 - parts[::-1].index("experiments")
        if i + 2 < len(parts):
            return Path("results", *parts[i + 1:-1])
    return Path("results") / path.stem


def _is_override(arg: str) -> bool:
    """``key=value`` rather than a config path: a sweep point's results folder is named
    ``name__key=value``, so a path that exists, or whose part before ``=`` has a ``/``, is a
    config even with ``=`` in it (a dotted key has no ``/``)."""
    if "=" not in arg:
        return False
    key = arg.split("=", 1)[0]
    return not ("/" in key or os.sep in key or Path(arg).exists())


def _log_line(line: str) -> None:
    """A finished seed's line on stderr, flushed (output to a file: no progress bars)."""
    print(line, file=sys.stderr, flush=True)


def _cmd_run(args: argparse.Namespace) -> int:
    # every seed's record names the command that produced it (pool workers inherit it)
    before = os.environ.get("GRAPHLAB_COMMAND")
    os.environ["GRAPHLAB_COMMAND"] = shlex.join(["graphlab", *args.argv])
    try:
        return _run(args)
    finally:
        if before is None:
            os.environ.pop("GRAPHLAB_COMMAND", None)
        else:
            os.environ["GRAPHLAB_COMMAND"] = before


def _run(args: argparse.Namespace) -> int:
    targets = [a for a in args.targets if not _is_override(a)]
    overrides = [a for a in args.targets if _is_override(a)]
    if args.seeds is not None:
        overrides.append(f"seeds={args.seeds}")
    if not targets:
        raise ConfigError("graphlab run needs at least one config file or folder")
    paths = _config_paths(targets)
    # validate every config (and expand sweeps) before any training starts
    jobs = [(cfg, Path(args.out) if args.out else default_out(p))
            for p in paths for cfg in load_configs(p, args.profile, overrides, args.imports)]
    outs = {out for _, out in jobs}
    progress = not args.quiet and sys.stderr.isatty()
    failed: list[RunFailedError] = []
    if args.ddp:
        return _run_ddp(jobs, args, progress)
    if args.launcher == "ray":
        from graphlab.runner.ray_launcher import run_with_ray
        try:
            run_with_ray(jobs, address=args.address, num_cpus=args.jobs if args.jobs > 1
                         else None, overwrite=args.overwrite, progress=progress,
                         checkpoint_every=args.checkpoint_every)
        except RunFailedError as exc:
            print(f"graphlab: {exc}", file=sys.stderr)
            failed.append(exc)
    else:
        if args.address:
            raise ConfigError("--address is for --launcher ray")
        try:            # one pool over every config's seeds; a failed seed stops no other
            run_configs(jobs, jobs=args.jobs, progress=progress, overwrite=args.overwrite,
                        log=None if args.quiet or progress else _log_line,
                        checkpoint_every=args.checkpoint_every)
        except RunFailedError as exc:
            print(f"graphlab: {exc}", file=sys.stderr)
            failed.append(exc)
    for out in sorted(outs):
        if any(out.glob("*/seed_*.json")):
            print(f"\nresults in {out}/")
            print(write_report(out))
    if failed:
        runs = sum(len(f.failures) for f in failed)
        print(f"graphlab: error: {runs} run(s) failed; see the messages above", file=sys.stderr)
        return 1
    return 0


def _run_ddp(jobs, args: argparse.Namespace, progress: bool) -> int:
    """``graphlab run --ddp`` in one of the processes torchrun started: every config's seeds
    in turn, each trained by all processes; rank 0 writes and reports."""
    from graphlab.runner import run_config_ddp
    from graphlab.tasks import check_ddp_task
    from graphlab.tasks.distributed import (
        TORCHRUN_ENV,
        init_distributed,
        launched_by_torchrun,
        shutdown,
    )

    if args.launcher != "local" or args.address:
        raise ConfigError("--ddp trains one model across the torchrun processes; it does not "
                          "combine with --launcher ray / --address")
    if args.jobs != 1:
        raise ConfigError("--ddp runs one seed at a time across the processes; drop --jobs")
    if not launched_by_torchrun():
        raise ConfigError("--ddp must run under torchrun, which starts the K processes and "
                          f"sets {', '.join(TORCHRUN_ENV)}: torchrun --standalone "
                          "--nproc_per_node=K -m graphlab.cli run CONFIG --ddp")
    for cfg, _ in jobs:
        check_ddp_task(cfg.task)
    ddp = init_distributed()
    try:
        for cfg, out in jobs:
            run_config_ddp(cfg, out, ddp, progress=progress, overwrite=args.overwrite)
        if ddp.is_main:
            for out in sorted({out for _, out in jobs}):
                print(f"\nresults in {out}/ ({ddp.world_size} processes, {ddp.backend})")
                print(write_report(out))
    finally:
        shutdown()
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    print(write_report(args.results_dir, args.plot, args.metrics or ()))
    if args.plot:
        print(f"plot written to {args.plot}")
    return 0


def _cmd_results(args: argparse.Namespace) -> int:
    from graphlab.runner.document import check_document, update_document

    status = 0
    for document in args.document:
        if args.check:
            stale = check_document(document)
            for label in stale:
                print(f"graphlab: {label}: the table differs from what its records give",
                      file=sys.stderr)
            if stale:
                print(f"graphlab: {len(stale)} table(s) of {document} are not generated from "
                      "their records; run `make results` (or edit the records, never the "
                      "table)", file=sys.stderr)
                status = 1
            else:
                print(f"{document}: every generated table matches its records")
            continue
        changed = update_document(document)
        print(f"{document}: {len(changed)} table(s) regenerated" +
              "".join(f"\n  {label}" for label in changed))
    return status


def _cmd_data(args: argparse.Namespace) -> int:
    if args.action == "list":
        for name, spec in sorted(DATASETS.items()):
            where = "generated" if spec.synthetic else spec.mirror_path
            print(f"{name:15s} {spec.kind:6s} {where:35s} {spec.description}")
        return 0
    if not args.name:
        raise ConfigError("graphlab data fetch needs a dataset name")
    ds = load_dataset(args.name)
    data = ds[0]
    print(f"{args.name}: {len(ds)} graph(s); first graph {data.num_nodes} nodes, "
          f"{data.num_edges} edges; {ds.num_classes} classes; root {getattr(ds, 'root', None)}")
    return 0


def _cmd_homophily(args: argparse.Namespace) -> int:
    from graphlab.construct import amud_test, format_homophily_table, homophily_report
    from graphlab.data import given_node_split, random_node_split

    graphs, reports = {}, {}
    for name in args.names:
        data = load_dataset(name)[0]
        graphs[name] = data
        reports[name] = homophily_report(data.edge_index, data.y)
    print(format_homophily_table(reports))
    if args.duplicates:
        _print_duplicates(graphs)
    if not args.amud:
        return 0
    print(f"\nAMUD-style test (graphlab's statistic), training nodes of split {args.split}:")
    print("| dataset | 1-hop | 2-hop | statistic | p | decision |\n|---|---|---|---|---|---|")
    for name, data in graphs.items():
        if getattr(data, "train_mask", None) is not None:
            train = given_node_split(data, args.split, seed=args.split)[0]
        else:
            train = random_node_split(data.num_nodes, 0.6, 0.2, seed=args.split)[0]
        res = amud_test(data.edge_index, data.y, train, num_permutations=args.permutations)
        print(f"| {name} | {res.one_hop:.4f} | {res.two_hop:.4f} | {res.statistic:.4f} | "
              f"{res.p_value:.3f} | {res.decision} |")
    return 0


def _print_duplicates(graphs: dict) -> None:
    """Duplicated nodes (RemoveDuplicateNodes' rule) and the twin leakage of each graph's
    splits (:func:`graphlab.construct.twin_leakage`), averaged over its given splits."""
    from graphlab.construct import duplicate_nodes, twin_leakage
    from graphlab.data import given_node_split

    print("\nDuplicated nodes, and test nodes with a training twin (same out-neighbours), "
          "mean over the splits:")
    print("| dataset | nodes | duplicated | test nodes with a twin | twin's label agrees |\n"
          "|---|---|---|---|---|")
    for name, data in graphs.items():
        dup = int(duplicate_nodes(data.edge_index, data.num_nodes).sum())
        mask = getattr(data, "train_mask", None)
        splits = 0 if mask is None else (mask.size(1) if mask.dim() == 2 else 1)
        rows = []
        for s in range(splits):
            train, _, test = given_node_split(data, s, seed=s)
            rows.append(twin_leakage(data.edge_index, data.y, train, test))
        if rows:
            twin = sum(r["test_with_twin"] for r in rows) / len(rows)
            agree = [r["twin_label_agrees"] for r in rows
                     if not math.isnan(r["twin_label_agrees"])]
            agree_s = f"{100 * sum(agree) / len(agree):.1f} %" if agree else "–"
            print(f"| {name} | {data.num_nodes} | {dup} | {100 * twin:.1f} % | {agree_s} |")
        else:
            print(f"| {name} | {data.num_nodes} | {dup} | – (no given split) | – |")


def _cmd_models(args: argparse.Namespace) -> int:
    for (task, name), spec in sorted(MODELS.items()):
        if args.task and task != args.task:
            continue
        params = ", ".join(f"{k}={v!r}" for k, v in spec.params().items())
        print(f"{task:5s} {name:8s} {spec.description}\n      params: {params}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    import importlib
    return importlib.import_module(f"graphlab.bench.{args.name}").main(args.bench_args)


def _cmd_expressiveness(args: argparse.Namespace) -> int:
    from graphlab.studies.harness import main as expressiveness_main
    return expressiveness_main(args.expr_args)


def _cmd_tune(args: argparse.Namespace) -> int:
    from graphlab.runner.tune import tune, tune_table

    path = Path(args.config)
    out = Path(args.out) if args.out else default_out(path)
    progress = not args.quiet and sys.stderr.isatty()

    def run(jobs):
        if args.launcher == "ray":
            from graphlab.runner.ray_launcher import run_with_ray
            run_with_ray(jobs, address=args.address,
                         num_cpus=args.jobs if args.jobs > 1 else None, progress=progress)
        else:
            run_configs(jobs, jobs=args.jobs, progress=progress,
                        log=None if args.quiet or progress else _log_line)

    if args.address and args.launcher != "ray":
        raise ConfigError("--address is for --launcher ray")
    try:
        result = tune(path, args.profile, args.overrides, args.trials, out, run, args.imports)
    except RunFailedError as exc:
        print(f"graphlab: {exc}", file=sys.stderr)
        return 1
    print(tune_table(result))
    return 0


def _cmd_wl(args: argparse.Namespace) -> int:
    from graphlab.studies.harness import wl_main
    return wl_main(args.study_args)


def _cmd_wl_control(args: argparse.Namespace) -> int:
    from graphlab.studies.wl_control import main as control_main
    return control_main(args.study_args)


def _cmd_demo(args: argparse.Namespace) -> int:
    from graphlab.studies.demo import main as demo_main
    return demo_main(args.study_args)


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    import json

    from graphlab.io import atomic_write
    from graphlab.studies.sensitivity import sensitivity_table, task_sensitivity

    configs = [cfg for p in _config_paths(args.configs) for cfg in load_configs(p, args.profile)]
    rows, out = {}, {}
    for cfg in configs:
        sens, info = task_sensitivity(cfg.task, cfg.model, cfg.split, cfg.train, cfg.dataset,
                                      seed=args.seed, trained=args.trained,
                                      num_targets=args.targets, max_hops=args.max_hops,
                                      probes=args.probes, progress=not args.quiet)
        rows[cfg.name] = sens
        out[cfg.name] = dict(info, mean=[{str(h): v for h, v in layer.items()}
                                         for layer in sens.mean],
                             count={str(h): c for h, c in sens.count.items()})
    print(sensitivity_table(rows))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        atomic_write(args.out, lambda f: f.write(json.dumps(out, indent=2)))
    return 0


def _probes(value: str) -> Optional[int]:
    """``--probes``: a positive count, or 'exact' (``None``)."""
    if value.lower() == "exact":
        return None
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a count or 'exact', got {value!r}") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value!r}")
    return count


def _seconds(value: str) -> Optional[float]:
    """``--checkpoint-every``: seconds >= 0, or 'off' (``None``)."""
    if value.lower() in ("off", "none", "never"):
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds or 'off', got {value!r}") from None
    if not seconds >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be >= 0 seconds, got {value!r}")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="graphlab", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run configs (every seed; resumes finished seeds)")
    run.add_argument("targets", nargs="+", metavar="CONFIG|DIR|key=value",
                     help="config files or folders of configs, then dotted overrides")
    run.add_argument("--profile", default="full", help="profile to apply (default: full)")
    run.add_argument("--seeds", type=int, help="run seeds 0..N-1 instead of the config's")
    run.add_argument("--jobs", type=int, default=1,
                     help="runs in parallel (local pool; with --launcher ray: CPUs of the "
                          "local Ray instance)")
    run.add_argument("--launcher", choices=["local", "ray"], default="local",
                     help="local process pool (default) or Ray tasks")
    run.add_argument("--address", help="Ray cluster address to join (--launcher ray)")
    run.add_argument("--ddp", action="store_true",
                     help="train each run data-parallel across the processes of torchrun "
                          "(torchrun --standalone --nproc_per_node=K -m graphlab.cli run ... "
                          "--ddp; link task only)")
    run.add_argument("--out", help="results folder (default: results/<paper>)")
    run.add_argument("--import", dest="imports", action="append", default=[], metavar="MODULE",
                     help="import a module of your own that registers models or datasets "
                          "(graphlab.models.register); repeatable, like a config's imports:")
    run.add_argument("--quiet", action="store_true",
                     help="no progress bars (on a terminal) or per-seed lines (otherwise)")
    run.add_argument("--overwrite", action="store_true",
                     help="recompute seeds whose stored result comes from another config")
    run.add_argument("--checkpoint-every", type=_seconds, default=CHECKPOINT_EVERY_S,
                     metavar="SECONDS",
                     help="all tasks but node: save a seed's training state at most "
                          "this often, so a killed run resumes inside the seed with the "
                          f"same numbers (default {CHECKPOINT_EVERY_S:g}; 0: every epoch; "
                          "'off': never)")
    run.set_defaults(func=_cmd_run)

    rep = sub.add_parser("report", help="aggregate a results folder (mean ± sample std)")
    rep.add_argument("results_dir")
    rep.add_argument("--plot", help="also write a PNG bar chart here")
    rep.add_argument("--metrics", nargs="+", action="append", metavar="METRIC",
                     help="also a table of these metrics (mean ± sample std) per config; "
                          "repeat for several tables (e.g. --metrics test_mae@3 test_mae@12 "
                          "--metrics test_rmse@3 test_rmse@12)")
    rep.set_defaults(func=_cmd_report)

    res = sub.add_parser("results", help="regenerate the tables of RESULTS.md and README.md "
                                          "from records/")
    res.add_argument("document", nargs="*", default=["RESULTS.md", "README.md"])
    res.add_argument("--check", action="store_true",
                     help="change nothing; exit 1 naming every table that differs from what "
                          "its records give")
    res.set_defaults(func=_cmd_results)

    data = sub.add_parser("data", help="list or fetch registered datasets")
    data.add_argument("action", choices=["list", "fetch"])
    data.add_argument("name", nargs="?")
    data.set_defaults(func=_cmd_data)

    hom = sub.add_parser("homophily", help="homophily report (and the AMUD-style test) of "
                                           "registered node datasets")
    hom.add_argument("names", nargs="+", metavar="DATASET")
    hom.add_argument("--amud", action="store_true", help="also decide directed vs undirected")
    hom.add_argument("--duplicates", action="store_true",
                     help="also count duplicated nodes and the test nodes whose out-neighbours "
                          "equal a training node's (RemoveDuplicateNodes, twin_leakage)")
    hom.add_argument("--split", type=int, default=0,
                     help="split whose training nodes the test uses (default 0)")
    hom.add_argument("--permutations", type=int, default=200,
                     help="direction flips for the p-value (default 200)")
    hom.set_defaults(func=_cmd_homophily)

    models = sub.add_parser("models", help="list registered models and their parameters")
    models.add_argument("--task", choices=["node", "link", "graph", "lm", "lm_finetune"])
    models.set_defaults(func=_cmd_models)
    bench = sub.add_parser("bench",
                           help="speed benchmarks (JSON + table): 'bench ops', 'bench ncn', "
                                "'bench node', 'bench graph_level', 'bench graph_transformer'")
    bench.add_argument("name", choices=["ops", "ncn", "node", "graph_level",
                                        "graph_transformer"])
    bench.add_argument("bench_args", nargs=argparse.REMAINDER,
                       help="options of the benchmark (see 'graphlab bench ops --help')")
    bench.set_defaults(func=_cmd_bench)
    # the studies parse their own options: their --help is theirs
    expr = sub.add_parser("expressiveness", add_help=False,
                          help="which models separate the pairs of EXP, SR25 and BREC")
    expr.add_argument("expr_args", nargs=argparse.REMAINDER,
                      help="options (see 'graphlab expressiveness --help')")
    expr.set_defaults(func=_cmd_expressiveness)
    tune = sub.add_parser("tune", help="hyper-parameter search over a config's search: "
                                       "block, chosen on the validation metric")
    tune.add_argument("config", metavar="CONFIG")
    tune.add_argument("overrides", nargs="*", metavar="key=value")
    tune.add_argument("--trials", type=int, help="points drawn from ranges (default the "
                                                  "block's trials, else 20)")
    tune.add_argument("--profile", default="full", help="profile to apply (default: full)")
    tune.add_argument("--out", help="results folder (default: as graphlab run)")
    tune.add_argument("--jobs", type=int, default=1, help="seeds in parallel (local pool; "
                                                          "with --launcher ray: its CPUs)")
    tune.add_argument("--launcher", choices=["local", "ray"], default="local")
    tune.add_argument("--address", help="Ray cluster address to join (--launcher ray)")
    tune.add_argument("--import", dest="imports", action="append", default=[],
                      metavar="MODULE", help="a user module registering models or datasets")
    tune.add_argument("--quiet", action="store_true")
    tune.set_defaults(func=_cmd_tune)
    for name, func, text in (
            ("wl", _cmd_wl, "the colour-refinement tests (1-WL, the SWL presets') on BREC's "
                            "pairs, no model"),
            ("wl-control", _cmd_wl_control, "is the harness's GIN a 1-WL control? calibrated "
                                            "on all graphs of up to 7 nodes"),
            ("demo", _cmd_demo, "one short computation per paper: a table and a figure "
                                "(about a minute)")):
        # a study parses its own options (its --help included)
        study = sub.add_parser(name, add_help=False, help=text)
        study.add_argument("study_args", nargs=argparse.REMAINDER,
                           help=f"options (see 'graphlab {name} --help')")
        study.set_defaults(func=func)
    sens = sub.add_parser("sensitivity",
                          help="layer-wise sensitivity ||d h_v / d x_u|| by hop distance of a "
                               "config's model (forecast or node task)")
    sens.add_argument("configs", nargs="+", metavar="CONFIG", help="config files or folders")
    sens.add_argument("--profile", default="full", help="profile to apply (default: full)")
    sens.add_argument("--trained", action="store_true",
                      help="train one seed first (forecast configs); default: at "
                           "initialisation")
    sens.add_argument("--targets", type=int, default=16,
                      help="target nodes v, drawn with --seed (default 16)")
    sens.add_argument("--max-hops", type=int, default=8,
                      help="ignore pairs farther apart (default 8)")
    sens.add_argument("--probes", type=_probes, default=16,
                      help="random projections per Jacobian norm, or 'exact' (default 16)")
    sens.add_argument("--seed", type=int, default=0)
    sens.add_argument("--out", help="write the numbers here as JSON")
    sens.add_argument("--quiet", action="store_true")
    sens.set_defaults(func=_cmd_sensitivity)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings meant for the user (a damaged record skipped, …) as one plain line."""
    print(f"graphlab: warning: {message}", file=sys.stderr, flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        return _main(argv)


def _main(argv: Optional[Sequence[str]]) -> int:
    parser = build_parser()
    # overrides may follow options (`run cfg.yaml --quiet train.epochs=5`), which argparse
    # leaves over: accept those that look like key=value for `run`
    argv = list(sys.argv[1:] if argv is None else argv)
    args, extra = parser.parse_known_args(argv)
    args.argv = argv
    keep_freed_memory()  # activations are recycled instead of faulted in again each batch
    if extra and args.command == "expressiveness":  # its options go to its own parser
        args.expr_args, extra = extra + args.expr_args, []
    if extra and args.command in ("wl", "demo", "wl-control"):
        args.study_args, extra = extra + args.study_args, []
    if extra:
        if args.command not in ("run", "tune") or any("=" not in e or e.startswith("-")
                                                      for e in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        (args.targets if args.command == "run" else args.overrides).extend(extra)
    try:
        return args.func(args)
    except (ConfigError, DatasetNotAvailableError, ResultsConflictError, ResultsFolderError,
            FileNotFoundError, KeyError, TypeError, ValueError, ImportError) as exc:
        if os.environ.get("GRAPHLAB_DEBUG"):
            raise
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        if isinstance(exc, ResultsConflictError):
            msg = exc.message(cli=True)
        print(f"graphlab: error: {msg}\n(set GRAPHLAB_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("graphlab: interrupted; finished seeds are saved, re-run the same command to "
              "resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
