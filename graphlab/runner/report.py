"""Aggregation of per-seed results: mean ± sample std, the ours-vs-paper table, a plot.

Standard deviations are *sample* standard deviations (``ddof = 1``), the convention of
the papers we compare with; with one seed the std is undefined and shown as ``–``.
"""
from __future__ import annotations

import csv
import io
import math
import statistics
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

from graphlab.io import save_figure
from graphlab.runner.schema import from_dict
from graphlab.runner.store import DamagedRecordWarning, load_record
from graphlab.tasks import TASKS, EvalSettings
from graphlab.tasks.settings import dataset_label


@dataclass
class Summary:
    """All seeds of one config."""

    name: str
    task: str
    dataset: str
    model: str
    seeds: list[int]
    metrics: dict[str, tuple[float, float]]  # metric → (mean, sample std or nan)
    primary: str
    paper: Optional[dict[str, Any]] = None
    wall_time_s: float = 0.0
    profiles: set[str] = field(default_factory=set)
    commits: set[str] = field(default_factory=set)
    #: the config fingerprint of these seeds; ``marked`` when another group of records has
    #: the same name but a different fingerprint (the rows are then labelled with it)
    fingerprint: Optional[str] = None
    marked: bool = False

    def ours(self) -> tuple[float, float]:
        return self.metrics.get(self.primary, (math.nan, math.nan))

    def gap(self) -> Optional[float]:
        if not self.paper:
            return None
        return self.ours()[0] - float(self.paper["mean"])


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof = 1``; ``nan`` for a single value)."""
    if not values:
        return math.nan, math.nan
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else math.nan
    return mean, std


#: what a record needs to be reported
REPORT_KEYS = ("seed", "config", "metrics")


def _from_curve(record: dict[str, Any]) -> dict[str, float]:
    """Measures read from a record's curve: ``epochs_trained``, the last epoch it scored
    (beside ``best_epoch``, the selected one, it shows how far training went past the
    selection: an early-stopped run ends ``patience`` epochs after it)."""
    curve = record.get("curve")
    if isinstance(curve, list) and curve and isinstance(curve[-1], dict) \
            and isinstance(curve[-1].get("epoch"), (int, float)):
        return {"epochs_trained": float(curve[-1]["epoch"])}
    return {}


def collect(results_dir: str | Path) -> list[Summary]:
    """Aggregate every ``seed_*.json`` under ``results_dir``, one :class:`Summary` per
    configuration: records are grouped by (config name, fingerprint), never by folder
    alone, so records of two different configurations are never averaged together — they
    become separate rows, marked (:attr:`Summary.marked`). A seed found twice in one group
    (two folders holding the same run) is counted once, with a warning; a damaged record
    (empty, truncated) is skipped with a :class:`~graphlab.runner.store.DamagedRecordWarning`
    naming it. Records without a fingerprint are grouped by their folder."""
    root = Path(results_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"results folder '{root}' does not exist")
    groups: dict[tuple[str, str], dict[int, tuple[Path, dict[str, Any]]]] = {}
    for path in sorted(root.rglob("seed_*.json")):
        rec = load_record(path, REPORT_KEYS)
        if rec is None:
            warnings.warn(f"skipped '{path}': not a readable record (empty or truncated)",
                          DamagedRecordWarning, stacklevel=2)
            continue
        key = (str(rec["config"]["name"]), str(rec.get("fingerprint") or f"@{path.parent}"))
        seeds = groups.setdefault(key, {})
        if rec["seed"] in seeds:
            warnings.warn(f"seed {rec['seed']} of '{key[0]}' (fingerprint {key[1]}) is in both "
                          f"'{seeds[rec['seed']][0]}' and '{path}'; counted once", stacklevel=2)
            continue
        seeds[rec["seed"]] = (path, rec)
    names = [name for name, _ in groups]
    summaries = []
    for (name, fp), seeds in groups.items():
        records = [rec for _, (_, rec) in sorted(seeds.items())]
        cfg = records[-1]["config"]
        measured = [{**r["metrics"], **_from_curve(r)} for r in records]
        keys = sorted({k for m in measured for k in m})
        metrics = {k: mean_std([float(m[k]) for m in measured if k in m]) for k in keys}
        paper = cfg.get("paper")
        if paper and paper.get("mean") is None:   # `paper: {none: why}`: no number
            paper = None
        primary = paper["metric"] if paper else _primary(cfg, keys, name)
        summaries.append(Summary(
            name=name, task=cfg["task"], dataset=dataset_label(cfg["dataset"]),
            model=cfg["model"]["name"], seeds=[r["seed"] for r in records], metrics=metrics,
            primary=primary, paper=paper,
            wall_time_s=sum(r.get("wall_time_s", 0.0) for r in records),
            profiles={r.get("profile", "full") for r in records},
            commits={short_commit(r.get("git_commit")) for r in records},
            fingerprint=None if fp.startswith("@") else fp, marked=names.count(name) > 1))
    return summaries


def _primary(cfg: dict[str, Any], measured: list[str], where: str) -> str:
    """The metric a config without a ``paper`` block is reported by: the test counterpart of
    its ``train.monitor`` (``val_mae`` → ``test_mae``), else the task's default — or, when
    the runs did not measure that (a graph regression that left the monitor to the task),
    the test metric they did measure."""
    evaluation = from_dict(EvalSettings, cfg.get("eval") or {}, where)
    default = TASKS[cfg["task"]].default_metrics(evaluation)[1]
    monitor = (cfg.get("train") or {}).get("monitor") or ""
    candidates = ([f"test_{monitor[4:]}"] if monitor.startswith("val_") else []) + [default]
    for metric in candidates + ["test_acc", "test_mae"]:
        if metric in measured:
            return metric
    return default


def short_commit(commit: Optional[str]) -> str:
    """``'abcdef0123…+dirty'`` → ``'abcdef0+dirty'``: short, keeping the uncommitted mark."""
    if not commit:
        return "unknown"
    sha, dirty, _ = str(commit).partition("+dirty")
    return sha[:7] + ("+dirty" if dirty else "")


def _label(s: Summary) -> str:
    """The config name, with its profiles when not only ``full``, and its fingerprint when
    another row has the same name (a different configuration)."""
    label = s.name + ("" if s.profiles == {"full"} else f" ({'/'.join(sorted(s.profiles))})")
    return label + (f" [config {(s.fingerprint or 'unknown')[:8]}]" if s.marked else "")


#: printed under a table with marked rows
MARKED_NOTE = ("Rows marked [config …] share a name but not a configuration (different "
               "fingerprints); their seeds are never averaged together.\n")


def _note(summaries: list[Summary]) -> str:
    return "\n" + MARKED_NOTE if any(s.marked for s in summaries) else ""


def decimals(value: float) -> int:
    """Decimal places that show ``value`` to at least 3 significant digits: 2 for
    ``|value| >= 0.1`` (accuracies in percent, MAEs in mph), more below (a counting MAE of
    0.0059 prints as 0.00590, not 0.01), at most 8."""
    if value == 0 or not math.isfinite(value) or abs(value) >= 0.1:
        return 2
    return min(8, 2 - math.floor(math.log10(abs(value))))


def fmt(mean: float, std: float) -> str:
    """``mean ± std`` with :func:`decimals` of the mean, or more where the std is below 0.01
    (then two significant digits of it, so that 0.13 ± 0.004 does not read 0.13 ± 0.00);
    ``–`` for an undefined value."""
    if math.isnan(mean):
        return "–"
    d = decimals(mean)
    if math.isfinite(std) and 0 < std < 0.01:
        d = max(d, min(8, 1 - math.floor(math.log10(std))))
    return f"{mean:.{d}f} ± {std:.{d}f}" if not math.isnan(std) else f"{mean:.{d}f} ± –"


def markdown_table(summaries: list[Summary]) -> str:
    """One row per config: the primary metric, ours beside the paper, and the gap."""
    header = ["config", "dataset", "model", "seeds", "metric", "ours", "paper", "gap", "source"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for s in summaries:
        paper = fmt(float(s.paper["mean"]), float(s.paper["std"]) if s.paper.get("std")
                    is not None else math.nan) if s.paper else ""
        gap = s.gap()
        lines.append("| " + " | ".join([
            _label(s), s.dataset, s.model, str(len(s.seeds)), s.primary, fmt(*s.ours()),
            paper, "" if gap is None else f"{gap:+.{decimals(s.ours()[0])}f}",
            (s.paper or {}).get("source", "")]) + " |")
    return "\n".join(lines) + "\n" + _note(summaries)


def metrics_table(summaries: list[Summary], metrics: Sequence[str]) -> str:
    """One row per config: mean ± sample std of each of ``metrics`` (``–`` where a config
    lacks one), the seeds, the mean wall time per seed and the commits that produced them.

    Raises:
        ValueError: a metric that no config has (the message lists those that exist).
    """
    known = set().union(*(s.metrics for s in summaries)) if summaries else set()
    missing = [m for m in metrics if m not in known]
    if missing:
        shown = sorted(known)
        more = f" … ({len(shown) - 40} more)" if len(shown) > 40 else ""
        raise ValueError(f"no results have the metric(s) {missing}; they have: "
                         f"{', '.join(shown[:40])}{more}")
    header = ["config", "seeds", *metrics, "wall / seed (s)", "commit"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for s in summaries:
        cells = [fmt(*s.metrics.get(m, (math.nan, math.nan))) for m in metrics]
        lines.append("| " + " | ".join([
            _label(s), str(len(s.seeds)), *cells,
            f"{s.wall_time_s / max(len(s.seeds), 1):.0f}", ", ".join(sorted(s.commits))]) + " |")
    return "\n".join(lines) + "\n" + _note(summaries)


def csv_table(summaries: list[Summary]) -> str:
    """Every metric of every config: ``config, metric, mean, std, n``."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["config", "task", "dataset", "model", "metric", "mean", "std", "n",
                     "paper_mean", "paper_std"])
    for s in summaries:
        for metric, (mean, std) in s.metrics.items():
            is_paper = s.paper is not None and metric == s.paper["metric"]
            writer.writerow([s.name, s.task, s.dataset, s.model, metric, f"{mean:.6g}",
                             "" if math.isnan(std) else f"{std:.6g}", len(s.seeds),
                             s.paper["mean"] if is_paper else "",
                             (s.paper.get("std") or "") if is_paper else ""])
    return buf.getvalue()


def plot(summaries: list[Summary], path: str | Path) -> Path:
    """Horizontal bars of each config's primary metric (mean ± std), paper marks beside."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(summaries) + 1.2))
    names = [f"{s.name}  [{s.primary}]" for s in summaries]
    means = [s.ours()[0] for s in summaries]
    stds = [0.0 if math.isnan(s.ours()[1]) else s.ours()[1] for s in summaries]
    ys = list(range(len(summaries)))
    ax.barh(ys, means, xerr=stds, color="#4C72B0", alpha=0.85, label="graphlab")
    papers = [(y, float(s.paper["mean"])) for y, s in zip(ys, summaries, strict=True) if s.paper]
    if papers:
        ax.scatter([p for _, p in papers], [y for y, _ in papers], color="#C44E52", marker="D",
                   zorder=3, label="paper")
        ax.legend(loc="lower right")
    ax.set_yticks(ys, names)
    ax.invert_yaxis()
    ax.set_xlabel("metric (percent), mean ± sample std over seeds")
    return save_figure(fig, path)


def write_report(results_dir: str | Path, plot_path: Optional[str | Path] = None,
                 metrics: Sequence[Sequence[str]] = ()) -> str:
    """Write ``report.md`` and ``report.csv`` (and a plot) into ``results_dir``; returns the
    markdown: the ours-vs-paper table, then one :func:`metrics_table` per group of
    ``metrics`` (e.g. ``[["test_mae@3", "test_mae@12"], ["test_rmse@3", "test_rmse@12"]]``)."""
    root = Path(results_dir)
    summaries = collect(root)
    if not summaries:
        raise FileNotFoundError(f"no seed_*.json results under '{root}'")
    table = markdown_table(summaries)
    for group in metrics:
        table += "\n" + metrics_table(summaries, list(group))
    (root / "report.md").write_text(table)
    (root / "report.csv").write_text(csv_table(summaries))
    if plot_path is not None:
        plot(summaries, plot_path)
    return table
