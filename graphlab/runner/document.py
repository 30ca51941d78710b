"""Generated tables inside a hand-written document (RESULTS.md).

A block is a marker line naming a records folder and how to tabulate it, the table, and an
end marker::

    <!-- report: records/ncnc --select 'cora_*' -->
    | config | dataset | ... |
    <!-- end report -->

:func:`update_document` rewrites every block from the records (``make results``);
:func:`check_document` lists the blocks whose text differs from what the records give
(``make results-check``, run by the test suite), so a number typed by hand, or a record
changed without regenerating the document, is caught. Prose outside the blocks is never
touched. The options of a block:

- ``FOLDER`` (first, relative to the document): the records to read (every
  ``seed_*.json`` below it, grouped by config name and fingerprint).
- ``--select PATTERN ...``: only configs whose name matches one of the shell patterns.
- ``--metrics M ...`` (repeatable): a table of those metrics per config instead of the
  ours-vs-paper table (:func:`~graphlab.runner.report.metrics_table`).
- ``--pivot``: one row per dataset, one column per variant (the config name less its
  ``<dataset>_`` prefix), each cell the primary metric's mean ± std.
- ``--columns V ...``: with ``--pivot``, the variants to show, in this order.
- ``--grid ROW COL``: for the configs of a ``sweep:`` (named ``<name>__<key>=<value>…``),
  one row per value of sweep key ``ROW`` and one column per value of ``COL``, each cell the
  primary metric's mean ± std; with ``--diff KEY`` (a boolean sweep key) each cell is
  instead the mean at ``KEY=false`` minus the mean at ``KEY=true``.

- ``--tuned METRIC``: the folder holds the trials of ``graphlab tune`` searches (configs
  named ``<name>__<key>=<value>…``); per search, one row per trial with its values, the
  validation ``METRIC`` and the primary metric (mean ± std over the seeds), and the trial
  chosen by the highest (for a loss or error: lowest) validation mean marked — recomputed
  from the records, in the order of the search's ``<name>.tune.json`` when it is there (of
  equal means, the first), and checked against the choice that file recorded; then a
  summary row per search: the chosen point beside the untuned one (the trial at the
  config's own values, named by the search log or read from the config it names) and the
  paper's number.

- ``--summary``: one row per config whose ``paper:`` block has a number (sweep and search points,
  named ``…__key=value``, left out), then one row per finished ``graphlab tune`` search under
  the folder (its ``<name>.tune.json`` and all its trials' records), labelled ``<name>
  (tuned: <point>)``, for the point chosen on validation as in ``--tuned``: ours, the
  paper's number and a status by a stated rule — *reproduced* when the gap is within the
  paper's standard deviation (1 point, or 10 % of the number for an error metric, when the
  paper gives none), *missed* when ours is worse by more, *above* when better by more.

- ``--study ncn-bench``: the positional argument is the JSON that ``graphlab bench ncn
  --official … --out`` writes; one row per config and thread count with graphlab's and the
  official code's seconds and their ratio per training epoch, evaluation and run.

- ``--study official``: the folder holds JSON records of an official implementation run
  beside graphlab's, split by split (``study: official_<model>``: the code, its commit and
  command, ``dataset``, ``graphlab_records`` — the folder of graphlab's seed records of the
  same data, relative to the official records' folder — and ``splits``, each with
  ``split``, ``best_test`` and ``best_val``); one row per file: the splits the official code
  ran, its test (validation) accuracy over them, graphlab's on the same splits (a seed's
  split is the config's ``split.index``, else the seed modulo the dataset's split count,
  given as ``num_splits``) and graphlab's over all its seeds. A split that names its
  ``log`` (the official run's output, relative to the record) is checked against the log's
  last ``Best val: …, best test: …`` line.

- ``--study expressiveness``: the folder holds the JSON records that ``graphlab
  expressiveness --out`` writes (one file per run, each with its commit and command)
  instead of seed records; one row per model: EXP and SR25 % separated, BREC pairs
  separated per category (regular split into its four parts), total, unreliable pairs,
  where any run trained on the pairs (``--train``) the epochs its pair training ran (mean
  and most), and wall time. ``--select`` picks models by name, in its order. A model found
  in two files is an error (two runs are never merged into one row).

Every block ends with a line naming the records' folder, seed count, commits and total wall
time, so a reader can find the runs behind each number.

A table that is not generated (its records were not kept, or it is typed from a committed
benchmark JSON) sits in a ``<!-- typed -->`` … ``<!-- end typed -->`` block whose first
line says so, in bold: ``**Record not kept**`` or ``**Typed from**``;
:func:`typed_tables_outside_blocks` finds any table that is in neither kind of block.
"""
from __future__ import annotations

import argparse
import fnmatch
import math
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from graphlab.runner.report import (
    Summary,
    collect,
    fmt,
    markdown_table,
    mean_std,
    metrics_table,
    short_commit,
)

BLOCK = re.compile(r"^<!-- report: (?P<args>.*?) -->\n(?P<body>.*?)^<!-- end report -->$",
                   re.S | re.M)


class DocumentError(ValueError):
    """A block's options or folder are wrong; the message names the block."""


@dataclass
class Block:
    args: str
    line: int          # 1-based line of the opening marker
    body: str

    def label(self, path: Path) -> str:
        return f"{path}:{self.line} <!-- report: {self.args} -->"


def blocks(text: str) -> list[Block]:
    return [Block(m["args"], text.count("\n", 0, m.start()) + 1, m["body"])
            for m in BLOCK.finditer(text)]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="<!-- report: -->", add_help=False,
                                     exit_on_error=False)
    parser.add_argument("folder")
    parser.add_argument("--select", nargs="+", default=None)
    parser.add_argument("--metrics", nargs="+", action="append", default=None)
    parser.add_argument("--pivot", action="store_true")
    parser.add_argument("--columns", nargs="+", default=None)
    parser.add_argument("--grid", nargs=2, default=None, metavar=("ROW", "COL"))
    parser.add_argument("--diff", default=None)
    parser.add_argument("--study", default=None, choices=["expressiveness", "ncn-bench",
                                                            "official"])
    parser.add_argument("--tuned", default=None, metavar="METRIC")
    parser.add_argument("--summary", action="store_true")
    return parser


def variant(s: Summary) -> str:
    """The config name less its dataset prefix: ``chameleon_dir_gcn`` → ``dir_gcn``."""
    prefix = s.dataset.lower().replace("-", "_") + "_"
    return s.name[len(prefix):] if s.name.lower().startswith(prefix) else s.name


def pivot_table(summaries: list[Summary], columns: list[str] | None = None) -> str:
    """Datasets down, variants across, the primary metric's mean ± std in each cell."""
    cols = columns or list(dict.fromkeys(variant(s) for s in summaries))
    rows: dict[str, dict[str, Summary]] = {}
    for s in summaries:
        rows.setdefault(s.dataset, {})[variant(s)] = s
    metrics = sorted({s.primary for s in summaries})
    lines = ["| dataset | " + " | ".join(cols) + " |", "|" + "---|" * (len(cols) + 1)]
    for dataset, cells in rows.items():
        lines.append(f"| {dataset} | " + " | ".join(
            fmt(*cells[c].ours()) if c in cells else "" for c in cols) + " |")
    seeds = sorted({len(s.seeds) for s in summaries})
    return ("\n".join(lines) + f"\n\nMetric: {', '.join(metrics)}; mean ± sample std over "
            f"{'/'.join(map(str, seeds))} seeds.\n")


def sweep_point(name: str) -> dict[str, str]:
    """The sweep values in a config name: ``'x__lr=0.1__undirected=true'`` →
    ``{'lr': '0.1', 'undirected': 'true'}``."""
    return dict(part.split("=", 1) for part in name.split("__")[1:] if "=" in part)


def _order(values: set[str]) -> list[str]:
    try:
        return sorted(values, key=float)
    except ValueError:
        return sorted(values)


def grid_table(summaries: list[Summary], row: str, col: str, diff: str | None = None) -> str:
    """Sweep key ``row`` down, ``col`` across; the primary metric's mean ± std per cell, or
    with ``diff`` the mean at ``diff=false`` minus the mean at ``diff=true``."""
    points = [(sweep_point(s.name), s) for s in summaries]
    for key in (row, col) + ((diff,) if diff else ()):
        missing = [s.name for p, s in points if key not in p]
        if missing:
            raise DocumentError(f"--grid/--diff: sweep key '{key}' is not in the config name "
                                f"'{missing[0]}'")
    cells: dict[tuple[str, str], dict[str, Summary]] = {}
    for p, s in points:
        cells.setdefault((p[row], p[col]), {})[p[diff] if diff else ""] = s
    rows, cols = _order({r for r, _ in cells}), _order({c for _, c in cells})

    def cell(r: str, c: str) -> str:
        group = cells.get((r, c), {})
        if not diff:
            return fmt(*group[""].ours()) if "" in group else ""
        if {"false", "true"} - set(group):
            return ""
        gain = group["false"].ours()[0] - group["true"].ours()[0]
        return f"{gain:+.2f}"

    lines = [f"| {row} \\ {col} | " + " | ".join(cols) + " |", "|" + "---|" * (len(cols) + 1)]
    lines += [f"| {r} | " + " | ".join(cell(r, c) for c in cols) + " |" for r in rows]
    metrics = sorted({s.primary for s in summaries})
    seeds = sorted({len(s.seeds) for s in summaries})
    what = (f"mean {', '.join(metrics)} at {diff}=false minus at {diff}=true" if diff else
            f"{', '.join(metrics)}, mean ± sample std")
    return "\n".join(lines) + f"\n\nCells: {what}, over {'/'.join(map(str, seeds))} seeds.\n"


def status(s: Summary) -> tuple[str, float]:
    """``('reproduced' | 'missed' | 'above', tolerance)`` of a summary with a paper number
    (the rule of ``--summary``)."""
    from graphlab.tasks.common import minimised

    paper = float(s.paper["mean"])
    std = s.paper.get("std")
    lower = minimised(s.primary)
    tol = float(std) if std is not None else (0.1 * abs(paper) if lower else 1.0)
    gain = (paper - s.ours()[0]) if lower else (s.ours()[0] - paper)
    return ("reproduced" if abs(gain) <= tol else "above" if gain > 0 else "missed"), tol


def _point_label(name: str) -> str:
    """A search trial's values as ``key=value, …`` (from its ``…__key=value`` name)."""
    return ", ".join(f"{k}={v}" for k, v in sweep_point(name).items())


def tuned_rows(summaries: list[Summary], folder: Path, args: str) -> list[tuple[str, Summary]]:
    """``(label, chosen trial)`` of every finished search under ``folder`` (a
    ``<name>.tune.json`` beside the records of all its trials): the trial the records choose
    on the search's validation metric, checked against the log's choice."""
    import json

    rows = []
    for log in sorted(folder.rglob("*.tune.json")):
        try:
            recorded = json.loads(log.read_text())
            wanted = [(t["name"], t.get("fingerprint")) for t in recorded["trials"]]
            metric = recorded["metric"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DocumentError(f"'{args}': search log '{log}' is not readable: {exc}") from None
        # each trial's records, matched by name and (where the log has it) fingerprint
        found = [[s for s in summaries if s.name == name and fp in (None, s.fingerprint)]
                 for name, fp in wanted]
        if not found or any(len(f) != 1 for f in found):
            continue      # a search whose trials are not each recorded here exactly once
        chosen = _chosen([f[0] for f in found], metric, recorded, log, args)
        point = _point_label(chosen.name)
        rows.append((f"{chosen.name.split('__', 1)[0]} (tuned: {point})", chosen))
    return rows


def summary_table(summaries: list[Summary], args: str, folder: Path | None = None) -> str:
    """The table of a ``--summary`` block (see the module docstring)."""
    rows = [(s.name, s) for s in summaries if s.paper and "__" not in s.name]
    tuned = [(label, s) for label, s in (tuned_rows(summaries, folder, args) if folder else [])
             if s.paper]
    if not rows and not tuned:
        raise DocumentError(f"'{args}': no config with a paper block")
    lines = ["| config | dataset | metric | ours | paper | status |", "|---|---|---|---|---|---|"]
    for label, s in rows + tuned:
        paper = fmt(float(s.paper["mean"]), float(s.paper.get("std") or math.nan))
        lines.append(f"| {label} | {s.dataset} | {s.primary} | {fmt(*s.ours())} | {paper} | "
                     f"{status(s)[0]} |")
    note = (" A *tuned* row is the point of a `graphlab tune` search chosen by its validation "
            "metric (the test metric is never used to choose)." if tuned else "")
    return ("\n".join(lines) + "\n\nStatus: *reproduced* when |ours − paper| is within the "
            "paper's standard deviation (1 point, or 10 % for an error metric, when it gives "
            "none); *missed* / *above* when ours is worse / better by more." + note + "\n")


def _untuned_trial(recorded: dict | None, base: Path) -> str | None:
    """The name of the search's trial whose values are the config's own (the untuned
    point): from the search log's ``untuned`` values, else from the config file it names
    (relative to the document); ``None`` where neither tells or no trial has them."""
    from graphlab.runner.config import MISSING, dotted_get

    if not recorded or not recorded.get("trials"):
        return None
    untuned = recorded.get("untuned")
    keys = list(recorded["trials"][0].get("values") or {})
    if untuned is None and recorded.get("config"):
        import yaml

        try:
            raw = yaml.safe_load((base / recorded["config"]).read_text())
        except (OSError, yaml.YAMLError):
            return None
        if not isinstance(raw, dict):
            return None
        untuned = {k: v for k in keys if (v := dotted_get(raw, k)) is not MISSING}
    if not untuned or set(untuned) != set(keys):
        return None
    return next((t["name"] for t in recorded["trials"] if t.get("values") == untuned), None)


def _chosen(trials: list[Summary], metric: str, recorded: dict | None, log: Path,
            args: str) -> Summary:
    """The trial of a search with the best mean validation ``metric`` (of equal means, the
    first of ``trials``), checked against the choice the search log recorded."""
    from graphlab.tasks.common import minimised

    for s in trials:
        if metric not in s.metrics:
            raise DocumentError(f"'{args}': trial '{s.name}' has no '{metric}'")
    pick = min if minimised(metric) else max
    chosen = pick(trials, key=lambda s: s.metrics[metric][0])
    if recorded is not None and recorded.get("chosen") not in (None, chosen.name):
        raise DocumentError(f"'{args}': the records choose '{chosen.name}', but "
                            f"{log.name} recorded '{recorded['chosen']}'")
    return chosen


def tuned_table(summaries: list[Summary], metric: str, folder: Path, args: str,
                doc: Path | None = None) -> str:
    """The table of a ``--tuned METRIC`` block (see the module docstring)."""
    import json

    if not metric.startswith("val_"):
        raise DocumentError(f"'{args}': --tuned needs a validation metric (val_…)")
    searches: dict[str, list[Summary]] = {}
    for s in summaries:
        searches.setdefault(s.name.split("__", 1)[0], []).append(s)
    trial_rows, summary_rows, keys = [], [], []
    for name, trials in searches.items():
        log = folder / f"{name}.tune.json"
        recorded = json.loads(log.read_text()) if log.is_file() else None
        if recorded is not None:
            order = {t["name"]: k for k, t in enumerate(recorded["trials"])}
            trials.sort(key=lambda s: order.get(s.name, len(order)))
        chosen = _chosen(trials, metric, recorded, log, args)
        for s in trials:
            point = sweep_point(s.name)
            keys = keys or list(point)
            trial_rows.append([name, *(point.get(k, "") for k in keys), fmt(*s.metrics[metric]),
                               fmt(*s.ours()), "**chosen**" if s is chosen else ""])
        paper = (fmt(float(chosen.paper["mean"]), float(chosen.paper.get("std", math.nan)))
                 if chosen.paper else "–")
        point = _point_label(chosen.name)
        plain = _untuned_trial(recorded, doc) if doc is not None else None
        untuned = next((fmt(*s.ours()) for s in trials if s.name == plain), "–")
        summary_rows.append([name, chosen.dataset, point, fmt(*chosen.metrics[metric]),
                             fmt(*chosen.ours()), untuned, paper])
    primary = sorted({s.primary for s in summaries})
    head = ["search", *keys, f"{metric} (mean ± std)", " / ".join(primary), ""]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in trial_rows]
    lines += ["", "| search | dataset | chosen | " + metric + " | " + " / ".join(primary)
              + " | untuned | paper |", "|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in summary_rows]
    seeds = sorted({len(s.seeds) for s in summaries})
    return ("\n".join(lines) + f"\n\nChosen: the highest mean {metric} over the "
            f"{'/'.join(map(str, seeds))} seeds or folds (of equal means, the first trial "
            "of the search); the test metric is never used to choose. Untuned: the "
            f"{' / '.join(primary)} of the trial at the config's own values (– where the grid "
            "does not hold them).\n")


def provenance(folder: str, summaries: list[Summary]) -> str:
    commits = sorted(set().union(*(s.commits for s in summaries)))
    seeds = sum(len(s.seeds) for s in summaries)
    wall = sum(s.wall_time_s for s in summaries)
    took = f"{wall / 3600:.1f} h" if wall >= 3600 else f"{wall / 60:.1f} min"
    n = len(summaries)
    return (f"Records: `{folder}` — {seeds} seed{'s' * (seeds != 1)} of {n} "
            f"config{'s' * (n != 1)}; commit{'s' * (len(commits) != 1)} "
            f"{', '.join(f'`{c}`' for c in commits)}; {took} of summed seed wall time.\n")


def render(args: str, base: Path) -> str:
    """The generated text of one block (options ``args``, folders relative to ``base``)."""
    try:
        opts = _parser().parse_args(shlex.split(args))
    except (argparse.ArgumentError, SystemExit, ValueError) as exc:
        raise DocumentError(f"bad options '{args}': {exc}") from None
    if opts.columns and not opts.pivot:
        raise DocumentError(f"'{args}': --columns is for --pivot")
    if opts.diff and not opts.grid:
        raise DocumentError(f"'{args}': --diff is for --grid")
    folder = base / opts.folder
    if opts.study == "ncn-bench":
        if opts.metrics or opts.pivot or opts.grid or opts.select or opts.tuned or opts.summary:
            raise DocumentError(f"'{args}': --study ncn-bench makes its own table")
        if not folder.is_file():
            raise DocumentError(f"'{args}': benchmark JSON '{opts.folder}' does not exist")
        return ncn_bench_table(folder, opts.folder)
    if not folder.is_dir():
        raise DocumentError(f"'{args}': records folder '{opts.folder}' does not exist")
    if opts.study == "official":
        if opts.metrics or opts.pivot or opts.grid or opts.select or opts.tuned or opts.summary:
            raise DocumentError(f"'{args}': --study official makes its own table")
        return official_table(folder, opts.folder, args)
    if opts.study:
        if opts.metrics or opts.pivot or opts.grid:
            raise DocumentError(f"'{args}': --study makes its own table (no --metrics, "
                                "--pivot or --grid)")
        return expressiveness_table(folder, opts.folder, opts.select, args)
    summaries = collect(folder)
    if opts.select:
        summaries = [s for s in summaries
                     if any(fnmatch.fnmatchcase(s.name, p) for p in opts.select)]
    if opts.columns:
        summaries = [s for s in summaries if variant(s) in opts.columns]
    if not summaries:
        raise DocumentError(f"'{args}': no records in '{opts.folder}'"
                            + (f" match {opts.select}" if opts.select else ""))
    if opts.summary:
        if opts.grid or opts.pivot or opts.metrics or opts.tuned:
            raise DocumentError(f"'{args}': --summary makes its own table")
        table = summary_table(summaries, args, folder)
    elif opts.tuned:
        if opts.grid or opts.pivot or opts.metrics:
            raise DocumentError(f"'{args}': --tuned makes its own table")
        table = tuned_table(summaries, opts.tuned, folder, args, base)
    elif opts.grid:
        table = grid_table(summaries, *opts.grid, diff=opts.diff)
    elif opts.pivot:
        table = pivot_table(summaries, opts.columns)
    elif opts.metrics:
        table = "\n".join(metrics_table(summaries, group) for group in opts.metrics)
    else:
        table = markdown_table(summaries)
    return table + "\n" + provenance(opts.folder, summaries)


def ncn_bench_table(path: Path, name: str) -> str:
    """The table of a ``--study ncn-bench`` block: the JSON of ``graphlab bench ncn
    --official`` (graphlab beside the official NCN code, one row per config and thread
    count), with the ratios it measured and where they come from."""
    import json

    try:
        data = json.loads(path.read_text())
        rows = data["rows"]
        cells = [[r["config"], str(r["threads"]),
                  f"{r['graphlab_train_s']:.3f} / {r['official_train_s']:.3f}",
                  f"{r['ratio_train']:.2f}",
                  f"{r['graphlab_eval_s']:.3f} / {r['official_eval_s']:.3f}",
                  f"{r['ratio_eval']:.2f}",
                  f"{r['graphlab_run_s']:.1f} / {r['official_run_s']:.1f}",
                  f"{r['ratio_run']:.2f}"] for r in rows]
        rounds = {(r["rounds"], r["epochs_per_round"]) for r in rows}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DocumentError(f"'{name}': not the JSON of 'graphlab bench ncn --official' "
                            f"({type(exc).__name__}: {exc})") from None
    head = ["config", "threads", "train s/epoch: graphlab / official", "×",
            "eval s: graphlab / official", "×", "s per run: graphlab / official", "×"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(c) + " |" for c in cells]
    protocol = ", ".join(f"{r} alternating rounds of {e} epochs per side" for r, e in
                         sorted(rounds))

    def commit(key: str) -> str:
        value = data.get(key)
        return f"`{short_commit(value)}`" if value and value != "not recorded" \
            else "not recorded"

    lines.append("")
    lines.append(f"JSON: `{name}` — graphlab commit {commit('git_commit')}, official code "
                 f"{data.get('official') or 'not recorded'} at {commit('official_commit')}; "
                 f"medians over {protocol}; torch {data.get('torch', '?')}; × = official "
                 f"seconds / graphlab seconds."
                 + (f" graphlab's allocator: {data['graphlab_allocator']}."
                    if data.get("graphlab_allocator") else ""))
    return "\n".join(lines) + "\n"


def _test_val_cell(values: dict[int, tuple[float, float]], splits: list[int]) -> str:
    """``test (val)``, each the mean ± std over ``splits`` of ``values[split]``."""
    test = mean_std([values[k][0] for k in splits])
    val = mean_std([values[k][1] for k in splits])
    return f"{fmt(*test)} ({fmt(*val)})"


#: the line an official run's log ends its training with (AMUD-ADPA's node classification)
OFFICIAL_BEST = re.compile(r"Best val: ([0-9.]+), best test: ([0-9.]+)")


def _check_official_log(path: Path, entry: dict, args: str) -> None:
    """A split that names its log (relative to the record) must carry the numbers of the
    log's last ``Best val: …, best test: …`` line (fractions there, percent here)."""
    log = path.parent / str(entry["log"])
    try:
        found = OFFICIAL_BEST.findall(log.read_text())
    except OSError as exc:
        raise DocumentError(f"'{args}': {path}: split {entry['split']}'s log '{log}' is not "
                            f"readable ({exc})") from None
    if not found:
        raise DocumentError(f"'{args}': {path}: split {entry['split']}'s log '{log}' has no "
                            "'Best val: …, best test: …' line")
    val, test = (100 * float(v) for v in found[-1])
    if abs(val - float(entry["best_val"])) > 0.006 or abs(test - float(entry["best_test"])) > 0.006:
        raise DocumentError(f"'{args}': {path}: split {entry['split']} says val "
                            f"{entry['best_val']} / test {entry['best_test']}, its log "
                            f"'{log.name}' says {val:.2f} / {test:.2f}")


def official_table(folder: Path, name: str, args: str) -> str:
    """The table of a ``--study official`` block (see the module docstring): an official
    implementation's per-split results beside graphlab's seed records of the same splits."""
    import json

    from graphlab.runner.store import load_record

    files = sorted(folder.glob("*.json"))
    if not files:
        raise DocumentError(f"'{args}': no official records in '{name}'")
    head = ["dataset", "splits run", "official: test (val)",
            "graphlab, same splits: test (val)", "graphlab, all seeds"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    codes, commits, seeds, wall = set(), set(), 0, 0.0
    for path in files:
        try:
            rec = json.loads(path.read_text())
            if not str(rec.get("study", "")).startswith("official_"):
                raise KeyError("study: official_<model>")
            code, commit = rec["code"], rec["commit"]
            dataset, num_splits = rec["dataset"], int(rec["num_splits"])
            theirs = {int(s["split"]): (float(s["best_test"]), float(s["best_val"]))
                      for s in rec["splits"]}
            ours_dir = folder / rec["graphlab_records"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DocumentError(f"'{args}': {path} is not an official-code record "
                                f"({type(exc).__name__}: {exc})") from None
        if not theirs:
            raise DocumentError(f"'{args}': {path} lists no splits")
        for entry in rec["splits"]:
            if entry.get("log"):
                _check_official_log(path, entry, args)
        records = [load_record(p, ("seed", "config", "metrics"))
                   for p in sorted(ours_dir.glob("seed_*.json"))]
        if not records or None in records:
            raise DocumentError(f"'{args}': {path}: graphlab's records '{ours_dir}' are "
                                "missing or damaged")
        if len({r.get("fingerprint") for r in records}) != 1:
            raise DocumentError(f"'{args}': '{ours_dir}' holds records of more than one "
                                "configuration")
        ours: dict[int, tuple[float, float]] = {}
        for r in records:
            index = (r["config"].get("split") or {}).get("index")
            split = int(index) if index is not None else int(r["seed"]) % num_splits
            if split in ours:
                raise DocumentError(f"'{args}': '{ours_dir}' has two seeds on split {split}")
            ours[split] = (float(r["metrics"]["test_acc"]), float(r["metrics"]["val_acc"]))
        missing = sorted(set(theirs) - set(ours))
        if missing:
            raise DocumentError(f"'{args}': graphlab's records '{ours_dir}' have no seed on "
                                f"split(s) {missing}, which the official code ran")
        splits = sorted(theirs)
        lines.append("| " + " | ".join([
            dataset, ", ".join(map(str, splits)), _test_val_cell(theirs, splits),
            _test_val_cell(ours, splits),
            f"{fmt(*mean_std([v[0] for v in ours.values()]))} ({len(ours)} splits)"]) + " |")
        codes.add(f"`{code}` at `{short_commit(commit)}`")
        commits |= {short_commit(r.get("git_commit") or "not recorded") for r in records}
        seeds += len(records)
        wall += sum(float(r.get("wall_time_s") or 0.0) for r in records)
    took = f"{wall / 3600:.1f} h" if wall >= 3600 else f"{wall / 60:.1f} min"
    return ("\n".join(lines) + "\n\n" + f"Records: `{name}` — official code "
            f"{', '.join(sorted(codes))}, {len(files)} file{'s' * (len(files) != 1)}; "
            f"graphlab: {seeds} seeds, commit{'s' * (len(commits) != 1)} "
            f"{', '.join(f'`{c}`' for c in sorted(commits))}, {took} of summed seed wall "
            "time.\n")


#: BREC's categories and the parts of 'regular', in the order of the table
BREC_COLUMNS = ("basic", "regular", "extension", "cfi")
REGULAR_PARTS = ("simple_regular", "strongly_regular", "4_vertex_condition",
                 "distance_regular")


def expressiveness_table(folder: Path, name: str, select: list[str] | None, args: str) -> str:
    """The table of a ``--study expressiveness`` block (see the module docstring)."""
    import json

    rows: dict[str, tuple[dict, dict, Path]] = {}
    records = []
    for path in sorted(folder.rglob("*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise DocumentError(f"'{args}': {path} is not a readable JSON record ({exc})"
                                ) from None
        if not isinstance(record, dict) or record.get("study") != "expressiveness":
            raise DocumentError(f"'{args}': {path} is not a record of graphlab "
                                "expressiveness (no 'study: expressiveness')")
        records.append(record)
        for model, row in record["results"].items():
            if select and not any(fnmatch.fnmatchcase(model, p) for p in select):
                continue
            if model in rows:
                raise DocumentError(f"'{args}': model {model} is in both {rows[model][2]} and "
                                    f"{path}; one row per model, from one run")
            rows[model] = (row, record["settings"], path)
    if not rows:
        raise DocumentError(f"'{args}': no expressiveness records in '{name}'")
    if select:   # rows in the order of the patterns that select them
        rows = dict(sorted(rows.items(), key=lambda kv: next(
            i for i, p in enumerate(select) if fnmatch.fnmatchcase(kv[0], p))))
    categories = [c for c in BREC_COLUMNS if any(c in s["categories"] and "brec" in r
                                                 for r, s, _ in rows.values())]
    cols = ["model", "EXP %", "SR25 %"]
    for c in categories:
        cols.append(f"BREC {c}" + (" (simple / strongly reg. / 4-vertex / distance reg.)"
                                   if c == "regular" else ""))
    cols += ["BREC total", "unreliable"]
    trained = any(r.get("brec_training") for r, _, _ in rows.values())
    if trained:   # BREC's protocol: each model trained on each pair before its test
        cols.append("BREC training: epochs per pair (mean / most)")
    cols.append("wall")
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    read_back: set[str] = set()
    untimed_all, resumed_wall = 0, 0.0
    for model, (row, settings, _) in rows.items():
        cells = [model] + [f"{row[b]:.1f}" if b in row else "–" for b in ("exp", "sr25")]
        brec = row.get("brec")
        for c in categories:
            if brec is None or c not in settings["categories"]:
                cells.append("–")
            elif c == "regular":
                parts = " / ".join(str(brec[f"regular/{p}"]) for p in REGULAR_PARTS)
                cells.append(f"{brec[c]} ({parts})")
            else:
                cells.append(str(brec[c]))
        cells += [f"{brec['total']} / {row['brec_pairs']}" if brec else "–",
                  str(brec["unreliable"]) if brec else "–"]
        if trained:
            cells.append(_training_cell(row))
        # a resumed run: its own wall plus that of the journalled pairs it read back, where
        # the journal timed them (older journals did not)
        wall = sum(v for k, v in row.items() if k.endswith("wall_s"))
        untimed = row.get("brec_read_back_untimed", 0 if "brec_read_back_wall_s" in row
                          else row.get("brec_read_back", 0))
        cells.append(f"{wall:.0f} s" + (f" + {untimed} pair{'s' * (untimed != 1)} resumed "
                                        "from a journal, untimed" if untimed else ""))
        lines.append("| " + " | ".join(cells) + " |")
        read_back |= {c[:7] for c in row.get("brec_read_back_commits", [])}
        untimed_all += untimed
        resumed_wall += row.get("brec_read_back_wall_s", 0.0)
    commits = sorted({r["git_commit"][:7] for r in records} | read_back)
    wall = sum(r["wall_time_s"] for r in records) + resumed_wall
    took = f"{wall / 3600:.1f} h" if wall >= 3600 else f"{wall / 60:.1f} min"
    n = len(records)
    return ("\n".join(lines) + "\n" + f"Records: `{name}` — {n} run{'s' * (n != 1)} of "
            f"`graphlab expressiveness`; commit{'s' * (len(commits) != 1)} "
            f"{', '.join(f'`{c}`' for c in commits)}; {took} of summed wall time"
            + (f" ({untimed_all} pair{'s' * (untimed_all != 1)} resumed from journals "
               "untimed)" if untimed_all else "")
            + ".\n")


def _training_cell(row: dict) -> str:
    """Mean and most epochs the pair training ran (BREC's protocol), or ``untrained``."""
    if not row.get("brec_training"):
        return "untrained"
    epochs = [p["train_epochs"] for p in row.get("brec_per_pair", [])]
    if not epochs:
        return "–"
    return (f"{sum(epochs) / len(epochs):.1f} / {max(epochs)} "
            f"(at most {row['brec_training']['epochs']})")


TYPED = re.compile(r"^<!-- typed -->\n(?P<body>.*?)^<!-- end typed -->$", re.S | re.M)
TYPED_LABELS = ("**Record not kept**", "**Typed from**")


def typed_tables_outside_blocks(text: str) -> list[int]:
    """The 1-based lines where a markdown table starts outside any generated or typed block,
    or where a typed block does not open with one of :data:`TYPED_LABELS`."""
    covered: list[tuple[int, int]] = []
    bad = []
    for m in BLOCK.finditer(text):
        covered.append((m.start(), m.end()))
    for m in TYPED.finditer(text):
        covered.append((m.start(), m.end()))
        first = next((ln for ln in m["body"].splitlines() if ln.strip()), "")
        if not first.startswith(TYPED_LABELS):
            bad.append(text.count("\n", 0, m.start()) + 1)
    offset, previous = 0, ""
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if line.startswith("|") and not previous.startswith("|") and not any(
                a <= offset < b for a, b in covered):
            bad.append(number)
        offset, previous = offset + len(line), line
    return sorted(bad)


def _regenerate(path: Path) -> tuple[str, list[Block]]:
    """The document with every block regenerated, and the blocks that changed."""
    text = path.read_text()
    changed: list[Block] = []
    base = path.parent

    def one(match: re.Match) -> str:
        block = Block(match["args"], text.count("\n", 0, match.start()) + 1, match["body"])
        try:
            body = render(block.args, base)
        except (DocumentError, FileNotFoundError, ValueError) as exc:
            raise DocumentError(f"{block.label(path)}: {exc}") from None
        # the end marker must start its own line, or the next regeneration would read on
        # to the following block's end and swallow the prose between them
        body = body if body.endswith("\n") else body + "\n"
        if body != block.body:
            changed.append(block)
        return f"<!-- report: {block.args} -->\n{body}<!-- end report -->"

    return BLOCK.sub(one, text), changed


def update_document(path: str | Path) -> list[str]:
    """Rewrite every block of ``path`` from its records; returns the labels of the blocks
    that changed."""
    path = Path(path)
    new, changed = _regenerate(path)
    if changed:
        path.write_text(new)
    return [b.label(path) for b in changed]


def check_document(path: str | Path) -> list[str]:
    """The labels of the blocks of ``path`` whose text differs from what their records give
    (empty: the document is up to date)."""
    path = Path(path)
    return [b.label(path) for b in _regenerate(path)[1]]
