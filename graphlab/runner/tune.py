"""``graphlab tune``: hyper-parameter search, selected on the validation metric.

A config's ``search:`` block names the settings to search::

    search:
      metric: val_acc               # default: the config's train.monitor (or its task's)
      trials: 20                    # for ranges; a grid runs every point
      params:
        model.params.hidden_channels: [32, 64, 128]          # a list: these values
        train.lr: {low: 1.0e-4, high: 1.0e-1, log: true}    # a range: sampled
        model.params.num_layers: {low: 1, high: 3}           # integer bounds: integers

When every entry is a list, the trials are the grid of all combinations (named like a
``sweep:``'s points, ``<name>__<key>=<value>…``). When any entry is a range, Optuna's TPE
sampler (seeded, so a re-run replays the same trials) draws ``trials`` points (named
``<name>__trial=<k>``); lists are then categorical choices. Each trial is a normal run of
every seed of the config into the results folder — resumable, with ``--jobs`` or Ray — and
the chosen trial is the one with the best **mean validation metric over its seeds**; the
test metric is reported beside it and never used to choose. The chosen config is written
next to the results (``<name>.tuned.yaml``; ``graphlab run`` on it re-uses the trial's
records), and every trial's numbers to ``<name>.tune.json``.
"""
from __future__ import annotations

import copy
import itertools
import json
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import yaml

from graphlab.io import atomic_write
from graphlab.runner.config import (
    FULL,
    MISSING,
    Config,
    ConfigError,
    _read_yaml,
    apply_override,
    config_from_dict,
    dotted_get,
    parse_override,
    point_name,
    short_keys,
)
from graphlab.tasks.common import minimised

#: trials drawn from ranges when neither the block nor the command says
DEFAULT_TRIALS = 20


@dataclass
class SearchSpace:
    """A parsed ``search:`` block (see the module docstring)."""

    params: dict[str, Any]
    metric: Optional[str] = None
    trials: Optional[int] = None

    @property
    def is_grid(self) -> bool:
        return all(isinstance(v, list) for v in self.params.values())

    def grid(self) -> list[dict[str, Any]]:
        keys = list(self.params)
        return [dict(zip(keys, point, strict=True))
                for point in itertools.product(*(self.params[k] for k in keys))]


@dataclass
class Trial:
    """One point of the search: its values, config, records and scores."""

    name: str
    values: dict[str, Any]
    config: Config
    records: list[dict[str, Any]] = field(default_factory=list)
    val: list[float] = field(default_factory=list)
    test: list[float] = field(default_factory=list)

    @property
    def val_mean(self) -> float:
        return statistics.fmean(self.val) if self.val else math.nan


@dataclass
class TuneResult:
    """Every trial, the chosen one, and the metrics it was chosen and reported by."""

    trials: list[Trial]
    chosen: Trial
    metric: str
    test_metric: str
    rule: str
    chosen_path: Optional[Path] = None


def parse_search(raw: Any, source: str) -> SearchSpace:
    """Check a ``search:`` block; errors name the key and the file."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: key 'search' must be a mapping with 'params'")
    unknown = sorted(set(raw) - {"params", "metric", "trials"})
    if unknown:
        raise ConfigError(f"{source}: unknown key 'search.{unknown[0]}' (allowed: params, "
                          "metric, trials)")
    params = raw.get("params")
    if not isinstance(params, dict) or not params:
        raise ConfigError(f"{source}: key 'search.params' must map dotted keys to a list of "
                          "values or a range {low, high[, log]}")
    for key, spec in params.items():
        where = f"search.params.{key}"
        if isinstance(spec, list):
            if not spec:
                raise ConfigError(f"{source}: key '{where}' is an empty list")
            continue
        if not isinstance(spec, dict) or not {"low", "high"} <= set(spec) or set(spec) - {
                "low", "high", "log"}:
            raise ConfigError(f"{source}: key '{where}' must be a list of values or a range "
                              f"{{low, high[, log]}}, got {spec!r}")
        low, high = spec["low"], spec["high"]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                   for v in (low, high)) or not low < high:
            raise ConfigError(f"{source}: key '{where}' needs finite numbers low < high, got "
                              f"low={low!r}, high={high!r}")
        if spec.get("log", False) and low <= 0:
            raise ConfigError(f"{source}: key '{where}': a log range needs low > 0")
    trials = raw.get("trials")
    if trials is not None and (not isinstance(trials, int) or isinstance(trials, bool)
                               or trials < 1):
        raise ConfigError(f"{source}: key 'search.trials' must be a positive integer, got "
                          f"{trials!r}")
    metric = raw.get("metric")
    if metric is not None and (not isinstance(metric, str) or not metric.startswith("val_")):
        raise ConfigError(f"{source}: key 'search.metric' must name a validation metric "
                          f"(val_…), got {metric!r}: the search never selects on test")
    return SearchSpace(dict(params), metric, trials)


def _trial_config(raw: dict, values: dict[str, Any], name: str, source: str, profile: str,
                  overrides: Sequence[str], imports: Sequence[str]) -> Config:
    one = copy.deepcopy(raw)
    for key, value in values.items():
        apply_override(one, key, value, f"{source} (search)")
    one["name"] = name
    return config_from_dict(one, source, profile, overrides, imports)


def _optuna():
    try:
        import optuna
    except ImportError:
        raise ImportError("a search over ranges samples with Optuna, which is not installed: "
                          "pip install optuna (make install does), or give every "
                          "search.params entry as a list (a grid)") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def tune(path: str | Path, profile: str = FULL, overrides: Sequence[str] = (),
         trials: Optional[int] = None, out: Optional[str | Path] = None,
         run: Optional[Callable[[list[tuple[Config, Path]]], None]] = None,
         imports: Sequence[str] = ()) -> TuneResult:
    """Search the config at ``path`` (see the module docstring) and choose on validation.

    Args:
        trials: points drawn from ranges (default ``search.trials``, else
            :data:`DEFAULT_TRIALS`); an error for a pure grid.
        out: the results folder (default ``results/<config stem>``; the CLI uses the
            folder ``graphlab run`` would).
        run: runs a list of ``(config, out)`` (default: one local process,
            :func:`~graphlab.runner.run_configs`); the CLI passes ``--jobs`` / Ray here.
    """
    from graphlab.runner.execute import run_configs
    from graphlab.runner.store import read_record, seed_path

    source = str(path)
    raw = _read_yaml(Path(path))
    if not isinstance(raw, dict) or "search" not in raw:
        raise ConfigError(f"{source}: no 'search' block to tune (see graphlab tune --help)")
    if "sweep" in raw:
        raise ConfigError(f"{source}: has both 'sweep' and 'search'; a search is its own grid")
    space = parse_search(raw.pop("search"), source)
    fixed = {parse_override(t)[0] for t in overrides}
    if profile != FULL:
        fixed |= set((raw.get("profiles") or {}).get(profile) or {})
    clash = sorted(fixed & set(space.params))
    if clash:
        raise ConfigError(f"{source}: '{clash[0]}' is searched; a profile or override may not "
                          "set it")
    base_cfg = config_from_dict(raw, source, profile, overrides, imports)
    metric = space.metric or base_cfg.monitor
    if not metric.startswith("val_"):
        raise ConfigError(f"{source}: the search selects on a validation metric, but the "
                          f"config monitors '{metric}'; set search.metric")
    test_metric = "test_" + metric[len("val_"):]
    base = base_cfg.name
    out = Path(out) if out is not None else Path("results") / Path(path).stem
    run = run or (lambda jobs: run_configs(jobs, progress=False))
    lower = minimised(metric)

    def score(trial: Trial) -> None:
        folder = out / trial.config.name
        trial.records = [read_record(seed_path(folder, s)) for s in trial.config.seed_list]
        for r in trial.records:
            if metric not in r["metrics"]:
                raise ValueError(f"trial {trial.name}: its records have no '{metric}' "
                                 f"(they have {sorted(r['metrics'])}); set search.metric")
        trial.val = [float(r["metrics"][metric]) for r in trial.records]
        trial.test = [float(r["metrics"][test_metric]) for r in trial.records
                      if test_metric in r["metrics"]]

    done: list[Trial] = []
    if space.is_grid:
        if trials is not None:
            raise ConfigError(f"{source}: every search.params entry is a list, so the search "
                              f"is a grid of {len(space.grid())} points; --trials is for ranges")
        for values in space.grid():
            name = point_name(base, values)
            done.append(Trial(name, values, _trial_config(raw, values, name, source, profile,
                                                          overrides, imports)))
        run([(t.config, out) for t in done])
        for t in done:
            score(t)
    else:
        optuna = _optuna()
        count = trials or space.trials or DEFAULT_TRIALS
        study = optuna.create_study(direction="minimize" if lower else "maximize",
                                    sampler=optuna.samplers.TPESampler(seed=0))
        for k in range(count):
            ask = study.ask()
            values = {}
            for key, spec in space.params.items():
                if isinstance(spec, list):
                    values[key] = ask.suggest_categorical(key, spec)
                elif all(isinstance(spec[b], int) for b in ("low", "high")):
                    values[key] = ask.suggest_int(key, spec["low"], spec["high"],
                                                  log=bool(spec.get("log", False)))
                else:
                    values[key] = ask.suggest_float(key, float(spec["low"]), float(spec["high"]),
                                                    log=bool(spec.get("log", False)))
            trial = Trial(f"{base}__trial={k}", values,
                          _trial_config(raw, values, f"{base}__trial={k}", source, profile,
                                        overrides, imports))
            run([(trial.config, out)])
            score(trial)
            study.tell(ask, trial.val_mean)
            done.append(trial)
    pick = min if lower else max
    chosen = pick(done, key=lambda t: t.val_mean)       # the first of equal means
    rule = (f"the trial with the {'lowest' if lower else 'highest'} mean {metric} over its "
            f"{len(base_cfg.seed_list)} seed(s) (of equal means, the first in the table); "
            f"{test_metric} is reported, never used to choose")
    result = TuneResult(done, chosen, metric, test_metric, rule)
    result.chosen_path = _write_outputs(result, raw, base, out, source)
    return result


def _write_outputs(result: TuneResult, raw: dict, base: str, out: Path, source: str) -> Path:
    chosen_raw = copy.deepcopy(raw)
    for key, value in result.chosen.values.items():
        apply_override(chosen_raw, key, value, f"{source} (search)")
    chosen_raw["name"] = result.chosen.name
    out.mkdir(parents=True, exist_ok=True)
    chosen_path = out / f"{base}.tuned.yaml"
    header = (f"# chosen by graphlab tune from {source}: {result.rule}\n"
              f"# re-run with: graphlab run {chosen_path} --out {out}\n")
    atomic_write(chosen_path, lambda f: f.write(header + yaml.safe_dump(chosen_raw,
                                                                         sort_keys=False)))
    # the searched keys as the config itself sets them: the untuned point, when in the grid
    untuned = {k: dotted_get(raw, k) for k in result.trials[0].values}
    summary = {"config": source, "metric": result.metric, "test_metric": result.test_metric,
               "rule": result.rule, "chosen": result.chosen.name,
               "untuned": {k: v for k, v in untuned.items() if v is not MISSING},
               "trials": [{"name": t.name, "values": t.values, "val": t.val, "test": t.test,
                           "fingerprint": t.config.fingerprint()} for t in result.trials]}
    atomic_write(out / f"{base}.tune.json", lambda f: f.write(json.dumps(summary, indent=2)))
    return chosen_path


def _mean_std(values: list[float]) -> str:
    if not values:
        return "–"
    mean = statistics.fmean(values)
    if len(values) == 1:
        return f"{mean:.2f} ± –"
    return f"{mean:.2f} ± {statistics.stdev(values):.2f}"


def tune_table(result: TuneResult) -> str:
    """Markdown: one row per trial (its values, validation and test mean ± std), the chosen
    one marked, then the selection rule."""
    keys = list(result.trials[0].values)
    cols = ["trial", *short_keys(keys), f"{result.metric} (mean ± std)", result.test_metric,
            ""]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for t in result.trials:
        cells = [t.name.rsplit("__trial=", 1)[-1] if "__trial=" in t.name else str(
            result.trials.index(t))]
        cells += [_fmt(t.values[k]) for k in keys]
        cells += [_mean_std(t.val), _mean_std(t.test),
                  "**chosen**" if t is result.chosen else ""]
        lines.append("| " + " | ".join(cells) + " |")
    return ("\n".join(lines) + f"\n\nSelection: {result.rule}.\nChosen: {result.chosen.name} "
            f"— {result.test_metric} {_mean_std(result.chosen.test)}; its config: "
            f"{result.chosen_path}\n")


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
