"""Experiment configs: the YAML schema, profiles, dotted overrides and semantic checks.

A config file (``experiments/<paper>/<name>.yaml``)::

    task: node                     # node | link | graph
    dataset: {name: cora, params: {}, undirected: false}
    split: {kind: given}           # see graphlab.tasks.settings.SplitSettings
    model: {name: gcn, params: {hidden_channels: 64}}
    train: {epochs: 200, lr: 0.01, weight_decay: 5.0e-4, patience: 50}
    eval: {hits_k: [20, 50, 100]}
    seeds: 10                      # an int N (seeds 0..N-1) or a list of seeds
    paper: {metric: test_acc, mean: 81.5, std: 0.5, source: "Kipf & Welling 2017, Table 2"}
    imports: [mypkg.models]        # optional: user modules that register models / datasets
    resources: {cpus: 1, gpus: 0, device: auto}  # per run: Ray's request; where it trains
    sweep:                         # optional grid: one run per combination (× seeds)
      train.lr: [0.01, 0.001]
      model.params.hidden_channels: [32, 64]
    profiles:
      smoke: {train.epochs: 5, seeds: 1}

``full`` is the config as written; any other profile applies its dotted overrides.
Command-line overrides (``train.epochs=5``) come last. A ``sweep:`` block expands (with
:func:`load_configs`) into one config per combination of its lists, named
``<name>__<key>=<value>__…`` (the last part of each dotted key), each with its own results
folder; a profile or override may not set a swept key. Every key is documented in
the dataclasses below and in :mod:`graphlab.tasks.settings`.
"""
from __future__ import annotations

import copy
import hashlib
import importlib
import itertools
import json
import os
import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence, Union

import yaml

from graphlab.data import DATASETS
from graphlab.data.ogb import is_ogb_name, ogb_info
from graphlab.models import get_model_spec
from graphlab.runner.schema import ConfigError, check_value, from_dict, to_dict
from graphlab.tasks import (
    TASKS,
    DatasetSettings,
    EvalSettings,
    ModelSettings,
    PretrainSettings,
    SplitSettings,
    TrainSettings,
    check_device,
)
from graphlab.tasks.kinds import ogb_metric
from graphlab.tasks.settings import (
    MODEL_PARAM_RANGES,
    NON_NEGATIVE,
    POSITIVE,
    Checked,
    non_default,
    range_error,
    ranged,
)

FULL = "full"


@dataclass
class PaperSettings:
    """``paper:`` — the published number this config reproduces, or why there is none.

    Either a number (``metric`` and ``mean``, with ``std`` and ``source``) or only ``none``:
    ``paper: {none: "the GIN paper reports no ENZYMES number"}`` says that no published
    number is compared and why; such a config is reported like one without a block.

    Attributes:
        metric: our metric key to compare (e.g. ``test_hits@100``).
        mean, std: the published mean and standard deviation (same units as ours: percent
            for accuracy / Hits / MRR / AUC).
        source: where the number comes from (the paper and its table or figure).
        none: why no published number is compared (the paper gives none for this setting,
            it is graphlab's own, …); excludes the other keys.
    """

    metric: Optional[str] = None
    mean: Optional[float] = None
    std: Optional[float] = None
    source: str = ""
    none: Optional[str] = None

    @property
    def has_number(self) -> bool:
        return self.none is None

    def check(self, source: str) -> None:
        """One error naming the problem when the block is neither a number nor a reason."""
        if self.none is not None:
            extra = [k for k in ("metric", "mean", "std") if getattr(self, k) is not None]
            if extra or self.source:
                raise ConfigError(f"{source}: key 'paper.none' says there is no published "
                                  f"number, so 'paper.{(extra or ['source'])[0]}' cannot "
                                  "be given too")
            if not str(self.none).strip():
                raise ConfigError(f"{source}: key 'paper.none' must say why no published "
                                  "number is compared")
            return
        for key in ("metric", "mean"):
            if getattr(self, key) is None:
                raise ConfigError(f"{source}: missing required key 'paper.{key}' (or give "
                                  "only 'paper.none' with the reason there is no number)")


@dataclass
class ResourceSettings(Checked):
    """``resources:`` — what one run (one seed) needs and where it trains. Not part of the
    fingerprint: a run resumed or repeated on another device is the same experiment.

    Attributes:
        cpus: CPU cores per run (also the torch thread count of the run); used by the Ray
            launcher.
        gpus: GPUs per run (fractions allowed, as in Ray); used by the Ray launcher.
        device: where a single-process run trains (every task): ``'auto'`` (default) = the
            first GPU torch sees, else the CPU; ``'cpu'``; ``'cuda'`` / ``'cuda:K'`` (an
            error where torch sees no such GPU). Under ``--ddp`` each process uses its own
            rank's device instead.
    """

    cpus: float = ranged(1.0, POSITIVE)
    gpus: float = ranged(0.0, NON_NEGATIVE)
    device: str = "auto"


@dataclass
class Config:
    """A whole experiment config (one reported number)."""

    task: str
    dataset: DatasetSettings
    model: ModelSettings
    name: Optional[str] = None
    description: str = ""
    split: SplitSettings = field(default_factory=SplitSettings)
    train: TrainSettings = field(default_factory=TrainSettings)
    eval: EvalSettings = field(default_factory=EvalSettings)
    seeds: Union[int, list[int]] = 1
    paper: Optional[PaperSettings] = None
    pretrain: Optional[PretrainSettings] = None
    resources: ResourceSettings = field(default_factory=ResourceSettings)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    profile: str = FULL
    imports: list[str] = field(default_factory=list)

    @property
    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)

    @property
    def monitor(self) -> str:
        if self.train.monitor:
            return self.train.monitor
        metric = ogb_metric(self.dataset)       # an OGB dataset: its Evaluator's metric
        return f"val_{metric}" if metric else TASKS[self.task].default_metrics(self.eval)[0]

    @property
    def primary_metric(self) -> str:
        if self.paper and self.paper.has_number:
            return self.paper.metric
        monitor = self.train.monitor or (f"val_{ogb_metric(self.dataset)}"
                                         if ogb_metric(self.dataset) else None)
        if monitor and monitor.startswith("val_"):  # e.g. val_mae -> test_mae
            return "test_" + monitor[len("val_"):]
        return TASKS[self.task].default_metrics(self.eval)[1]

    def to_dict(self) -> dict[str, Any]:
        d = to_dict(self)
        if not d["imports"]:   # the common case: the snapshot and records stay as they were
            d.pop("imports")
        if d["paper"] is not None:   # a number or a reason, each without the other's keys
            keep = ("none",) if self.paper.none is not None else ("metric", "mean", "std",
                                                                  "source")
            d["paper"] = {k: d["paper"][k] for k in keep}
        return d

    def fingerprint(self) -> str:
        """Hash of the settings that change a seed's result: the task, the name, the model,
        and every ``dataset`` / ``split`` / ``train`` / ``eval`` / ``pretrain`` setting that
        differs from its default. A setting written at its default, or one added to
        graphlab later, leaves the fingerprint as it was. Seeds, paper, profiles, text,
        resources and ``imports`` (where a model's code lives) are not part of it. For a graph
        file (``dataset.path``) the file's content (a sha256) counts, not its path: an edited
        file is a different configuration, a moved one is not."""
        d: dict[str, Any] = {"task": self.task, "name": self.name,
                             "model": to_dict(self.model)}
        for section in ("dataset", "split", "train", "eval", "pretrain"):
            value = getattr(self, section)
            if value is not None:
                d[section] = non_default(value)
        if self.dataset.path is not None:   # the file's content, not where it lies
            from graphlab.data.sources import file_digest
            d["dataset"].pop("path")
            d["dataset_file"] = file_digest(self.dataset.path)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def parse_override(text: str) -> tuple[str, Any]:
    """``'train.epochs=5'`` → ``('train.epochs', 5)``; the value is parsed as YAML."""
    if "=" not in text:
        raise ConfigError(f"override '{text}' must look like dotted.key=value")
    key, value = text.split("=", 1)
    if not key or any(not part for part in key.split(".")):
        raise ConfigError(f"override '{text}' has an empty key")
    return key, yaml.safe_load(value) if value != "" else None


def apply_override(raw: dict, key: str, value: Any, source: str) -> None:
    node = raw
    parts = key.split(".")
    for i, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise ConfigError(f"{source}: cannot set '{key}': '{'.'.join(parts[:i + 1])}' is "
                              f"not a mapping")
        node = child
    node[parts[-1]] = value


#: what :func:`dotted_get` returns for a key the mapping does not hold
MISSING = object()


def dotted_get(raw: dict, key: str) -> Any:
    """The value of dotted ``key`` in the nested mapping ``raw`` (``'train.lr'`` →
    ``raw['train']['lr']``), or :data:`MISSING` where a part of it is absent."""
    node: Any = raw
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def _check_keys(given, allowed, where: str, owner: str, source: str) -> None:
    """Every key of ``given`` must be in ``allowed``; else name the first stranger."""
    for key in given:
        if key not in allowed:
            raise ConfigError(f"{source}: unknown key '{where}.{key}' for {owner} (it takes: "
                              f"{', '.join(allowed) or 'nothing'})")


def _check_model_params(params: dict[str, Any], builder: Any, where: str,
                        source: str) -> None:
    """Each of a model's ``params`` must have the type its builder annotates and lie in the
    range its name carries (:data:`~graphlab.tasks.settings.MODEL_PARAM_RANGES`)."""
    hints = typing.get_type_hints(builder)
    for key, value in params.items():
        value = check_value(value, hints.get(key, Any), f"{where}.{key}", source)
        bound = MODEL_PARAM_RANGES.get(key)
        error = bound is not None and range_error(f"{where}.{key}", bound, value)
        if error:
            raise ConfigError(f"{source}: {error}")


def _check_dataset(dataset, source: str):
    """The ``dataset:`` section names its data once (``name``, ``class`` or ``path``); a
    registered name's params are checked against its loader. Returns the registered
    dataset's spec, or ``None`` for a class, a file, ``tu/NAME`` or in-memory data."""
    from graphlab.data.sources import FILE_FORMATS, named_by

    given = named_by(dataset.name, dataset.cls, dataset.path, dataset.in_memory)
    if len(given) != 1:
        raise ConfigError(f"{source}: key 'dataset' must name its data with exactly one of "
                          f"'name', 'class' or 'path', got {given or 'none'}")
    if dataset.path is None:
        for key, value, default in (("directed", dataset.directed, True),
                                    ("num_nodes", dataset.num_nodes, None),
                                    ("variable", dataset.variable, "net")):
            if value != default:
                raise ConfigError(f"{source}: key 'dataset.{key}' is for a graph file "
                                  "(dataset.path)")
    elif dataset.params:
        raise ConfigError(f"{source}: key 'dataset.params' is for a registered name or a "
                          "class; a file (dataset.path) takes directed, num_nodes, variable")
    if dataset.path is not None:
        suffix = Path(dataset.path).suffix.lower()
        if suffix not in FILE_FORMATS:
            raise ConfigError(f"{source}: key 'dataset.path': unknown graph file extension "
                              f"'{suffix}' (use one of {', '.join(FILE_FORMATS)})")
    if dataset.cls is not None and "." not in dataset.cls:
        raise ConfigError(f"{source}: key 'dataset.class' must be a dotted path, e.g. "
                          f"torch_geometric.datasets.Amazon, got '{dataset.cls}'")
    if dataset.name is None or dataset.name.lower().startswith("tu/"):
        if dataset.name is not None and len(dataset.name) <= 3:
            raise ConfigError(f"{source}: key 'dataset.name': 'tu/' needs a TU dataset name")
        return None
    if is_ogb_name(dataset.name):
        try:
            ogb_info(dataset.name)
        except ValueError as exc:
            raise ConfigError(f"{source}: key 'dataset.name': {exc}") from None
        if dataset.params:
            raise ConfigError(f"{source}: key 'dataset.params': an OGB dataset takes none")
        return None
    name = dataset.name.lower()
    if name not in DATASETS:
        raise ConfigError(f"{source}: key 'dataset.name': unknown dataset '{dataset.name}' "
                          f"(registered: {', '.join(sorted(DATASETS))}; or tu/NAME, a "
                          "dataset.class or a dataset.path)")
    spec = DATASETS[name]
    _check_keys(dataset.params, spec.params(), "dataset.params", f"dataset '{name}'", source)
    return spec


def _check_semantics(cfg: Config, source: str) -> None:
    if cfg.paper is not None:
        cfg.paper.check(source)
    if cfg.task not in TASKS:
        raise ConfigError(f"{source}: key 'task' must be one of {sorted(TASKS)}, got "
                          f"'{cfg.task}'")
    spec = _check_dataset(cfg.dataset, source)
    name = spec.name if spec is not None else cfg.dataset.label
    if is_ogb_name(cfg.dataset.name):
        wants = {"ogbn-": "node", "ogbl-": "link", "ogbg-": "graph"}[cfg.dataset.name[:5].lower()]
        if cfg.task != wants:
            raise ConfigError(f"{source}: key 'dataset.name': OGB dataset '{cfg.dataset.name}' "
                              f"is for task '{wants}', not '{cfg.task}'")
    try:
        mspec = get_model_spec(cfg.model.name, cfg.task)
    except KeyError as exc:
        raise ConfigError(f"{source}: key 'model.name': {exc.args[0]}") from None
    _check_keys(cfg.model.params, mspec.params(), "model.params", f"model '{mspec.name}'",
                source)
    _check_model_params(cfg.model.params, mspec.builder, "model.params", source)
    holds = ({"text": "text", "traffic": "sensor time series"}.get(spec.kind, "graphs")
             if spec is not None else "graphs")
    needs = TASKS[cfg.task].data
    if holds != needs:
        raise ConfigError(f"{source}: key 'dataset.name': dataset '{name}' holds {holds}, task "
                          f"'{cfg.task}' needs {needs}")
    task = TASKS[cfg.task]
    if (cfg.pretrain is not None) != task.pretrain:
        takes = [t for t, c in TASKS.items() if c.pretrain]
        raise ConfigError(f"{source}: key 'pretrain' is " + (
            f"required by task '{cfg.task}' (the base model to freeze and adapt)"
            if cfg.pretrain is None else
            f"only for task{'s' * (len(takes) > 1)} {', '.join(map(repr, takes))}, not "
            f"'{cfg.task}'"))
    if cfg.pretrain is not None:
        try:
            pspec = get_model_spec(cfg.pretrain.model.name, "lm")
        except KeyError as exc:
            raise ConfigError(f"{source}: key 'pretrain.model.name': {exc.args[0]}") from None
        _check_keys(cfg.pretrain.model.params, pspec.params(), "pretrain.model.params",
                    f"model '{pspec.name}'", source)
        _check_model_params(cfg.pretrain.model.params, pspec.builder, "pretrain.model.params",
                            source)
        if spec is None:
            raise ConfigError(f"{source}: key 'pretrain': needs a registered dataset "
                              "(dataset.name)")
        _check_keys(cfg.pretrain.params, spec.params(), "pretrain.params", f"dataset '{name}'",
                    source)
    if not cfg.eval.hits_k:
        raise ConfigError(f"{source}: key 'eval.hits_k' must list positive integers, got "
                          f"{cfg.eval.hits_k}")
    ratios = [r for r in (cfg.split.train_ratio, cfg.split.val_ratio, cfg.split.test_ratio)
              if r is not None]
    if sum(ratios) > 1 + 1e-9:
        raise ConfigError(f"{source}: keys 'split.train_ratio', 'split.val_ratio' and "
                          f"'split.test_ratio' add up to {sum(ratios):g}, more than 1")
    if not cfg.monitor.startswith("val_") and cfg.monitor != "last":
        raise ConfigError(f"{source}: key 'train.monitor' must name a validation metric "
                          f"(val_…) or be 'last', got '{cfg.monitor}'")
    tiebreak = cfg.train.tiebreak
    if tiebreak is not None:
        if cfg.monitor == "last":
            raise ConfigError(f"{source}: key 'train.tiebreak' needs a selection, but "
                              "train.monitor is 'last'")
        if tiebreak != "last" and not (isinstance(tiebreak, str) and tiebreak.startswith("val_")):
            raise ConfigError(f"{source}: key 'train.tiebreak' must name a validation metric "
                              f"(val_…) or be 'last', got {tiebreak!r}")
    choices = (("train.scheduler", cfg.train.scheduler, (None, "step", "plateau")),
               ("dataset.node_features", cfg.dataset.node_features,
                (None, "degree", "constant") + (("one_hot", "embedding")
                                                if cfg.task in ("node", "link") else ())),
               ("train.test_at", cfg.train.test_at, ("every_epoch", "best")))
    for key, value, allowed in choices:
        if value not in allowed:
            raise ConfigError(f"{source}: key '{key}' must be one of {list(allowed)}, got "
                              f"{value!r}")
    if cfg.dataset.embedding_dim is not None and cfg.dataset.node_features != "embedding":
        raise ConfigError(f"{source}: key 'dataset.embedding_dim' is for node_features: "
                          "embedding")
    unknown_bag = sorted(set(cfg.dataset.bag or {}) - {"max_dis", "hops"})
    if unknown_bag:
        raise ConfigError(f"{source}: unknown key 'dataset.bag.{unknown_bag[0]}' (allowed: "
                          "max_dis, hops)")
    seeds = cfg.seed_list
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise ConfigError(f"{source}: key 'seeds' must be a positive count or a list of distinct "
                          f"non-negative seeds, got {cfg.seeds!r}")
    try:
        check_device(cfg.task, cfg.resources.device)
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    unused = TASKS[cfg.task].unused_settings(cfg.train, cfg.dataset, cfg.eval)
    if unused:
        raise ConfigError(f"{source}: key '{unused[0]}' is not used by task '{cfg.task}' (it "
                          "would change nothing); remove it")


def import_plugins(modules: Any, source: str, key: str = "imports") -> list[str]:
    """Import the user modules a config names (``imports: [mypkg.models]``) so that the
    models and datasets they register can be named; a module not found on ``sys.path`` is
    looked for in the current folder too. Returns the module names.

    Raises:
        ConfigError: naming the key and the file, for a value that is not a list of module
            names or a module that cannot be imported.
    """
    if modules is None:
        return []
    if isinstance(modules, str) or not isinstance(modules, list) or not all(
            isinstance(m, str) and m for m in modules):
        raise ConfigError(f"{source}: key '{key}' must be a list of module names, got "
                          f"{modules!r}")
    for name in modules:
        try:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name.split(".")[0] or os.getcwd() in sys.path:
                    raise
                sys.path.append(os.getcwd())     # `graphlab run` from the plugin's folder
                importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - re-raised with the key and file named
            raise ConfigError(f"{source}: key '{key}': cannot import '{name}' "
                              f"({type(exc).__name__}: {exc})") from None
    return list(modules)


def config_from_dict(raw: dict, source: str = "<dict>", profile: str = FULL,
                     overrides: Sequence[str] = (), imports: Sequence[str] = ()) -> Config:
    """Validate a parsed config, apply ``profile`` and ``overrides``, check it semantically.
    ``imports``: user modules to import besides the config's own ``imports:`` list."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: a config must be a mapping, got {type(raw).__name__}")
    raw = copy.deepcopy(raw)
    if imports:
        own = raw.get("imports") or []
        raw["imports"] = list(own) + [m for m in imports if m not in own] if isinstance(
            own, list) else own
    import_plugins(raw.get("imports"), source)
    if "sweep" in raw:
        raise ConfigError(f"{source}: has a 'sweep' block, which stands for several configs; "
                          "load it with load_configs() (the CLI does)")
    if "search" in raw:
        raise ConfigError(f"{source}: has a 'search' block, a hyper-parameter search: run it "
                          "with graphlab tune (or remove the block)")
    profiles = raw.get("profiles") or {}
    if not isinstance(profiles, dict):
        raise ConfigError(f"{source}: key 'profiles' must be a mapping of profile name to "
                          "dotted overrides")
    if profile != FULL:
        if profile not in profiles:
            raise ConfigError(f"{source}: no profile '{profile}' (defined: "
                              f"{', '.join(sorted(profiles)) or 'none'}; '{FULL}' is the config "
                              "as written)")
        if not isinstance(profiles[profile], dict):
            raise ConfigError(f"{source}: profile '{profile}' must map dotted keys to values")
    applied: list[tuple[str, str]] = []  # (dotted key, where it was set)
    if profile != FULL:
        for key, value in profiles[profile].items():
            apply_override(raw, key, value, f"{source} (profile '{profile}')")
            applied.append((key, f"profile '{profile}'"))
    for text in overrides:
        key, value = parse_override(text)
        apply_override(raw, key, value, f"{source} (override '{text}')")
        applied.append((key, f"override '{text}'"))
    raw["profile"] = profile
    try:
        cfg = from_dict(Config, raw, source)
        if cfg.name is None:
            cfg.name = Path(source).stem if source.endswith((".yaml", ".yml")) else "run"
        if cfg.dataset.path is not None and source.endswith((".yaml", ".yml")):
            # a relative graph file lives beside its config (else: the current folder)
            beside = Path(source).parent / cfg.dataset.path
            if not Path(cfg.dataset.path).is_absolute() and beside.exists():
                cfg.dataset.path = str(beside)
        _check_semantics(cfg, source)
    except ConfigError as exc:
        # say which override set the offending key, if one did
        origins = [where for key, where in applied if f"'{key}" in str(exc)]
        if origins:
            raise ConfigError(f"{exc} (set by {origins[-1]})") from None
        raise
    return cfg


def _read_yaml(path: Path) -> dict:
    """The parsed config file (``{}`` when empty); a missing file or bad YAML is a
    :class:`ConfigError` naming the file."""
    if not path.is_file():
        raise ConfigError(f"config file '{path}' does not exist")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return raw if raw is not None else {}


def load_config(path: str | Path, profile: str = FULL, overrides: Sequence[str] = (),
                imports: Sequence[str] = ()) -> Config:
    """Read and validate a YAML config; errors name the key and the file."""
    return config_from_dict(_read_yaml(Path(path)), str(path), profile, overrides, imports)


def _sweep_value_text(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return "".join(c if c.isalnum() or c in ".-+_" else "_" for c in text)


def expand_sweep(raw: dict, source: str = "<dict>", profile: str = FULL,
                 overrides: Sequence[str] = (), imports: Sequence[str] = ()) -> list[Config]:
    """The configs of a parsed YAML: one, or one per point of its ``sweep:`` grid.

    Each point's values are applied as dotted overrides after the profile and before the
    command-line ``overrides``; its name is ``<name>__<key>=<value>__…``.
    """
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: a config must be a mapping, got {type(raw).__name__}")
    raw = copy.deepcopy(raw)
    sweep = raw.pop("sweep", None)
    if sweep is None:
        return [config_from_dict(raw, source, profile, overrides, imports)]
    if not isinstance(sweep, dict) or not sweep:
        raise ConfigError(f"{source}: key 'sweep' must map dotted keys to lists of values")
    for key, values in sweep.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{source}: key 'sweep.{key}' must be a non-empty list, got "
                              f"{values!r}")
    fixed = set((raw.get("profiles") or {}).get(profile, {}) if profile != FULL else {})
    fixed |= {parse_override(t)[0] for t in overrides}
    clash = sorted(fixed & set(sweep))
    if clash:
        raise ConfigError(f"{source}: '{clash[0]}' is swept; a profile or override may not "
                          "set it (edit the sweep block instead)")
    keys = list(sweep)
    base = raw.get("name") or (Path(source).stem if source.endswith((".yaml", ".yml"))
                               else "run")
    configs = []
    for point in itertools.product(*(sweep[k] for k in keys)):
        one = copy.deepcopy(raw)
        for key, value in zip(keys, point, strict=True):
            apply_override(one, key, value, f"{source} (sweep)")
        one["name"] = point_name(base, dict(zip(keys, point, strict=True)))
        configs.append(config_from_dict(one, source, profile, overrides, imports))
    return configs


def short_keys(keys: Sequence[str]) -> list[str]:
    """The last part of each dotted key, or the whole keys where two last parts clash."""
    short = [k.split(".")[-1] for k in keys]
    return short if len(set(short)) == len(short) else list(keys)


def point_name(base: str, values: dict[str, Any]) -> str:
    """The name of one point of a grid (a ``sweep:`` or a ``search:``):
    ``<base>__<key>=<value>…`` with :func:`short_keys`."""
    return base + "".join(f"__{s}={_sweep_value_text(v)}"
                          for s, v in zip(short_keys(list(values)), values.values(),
                                          strict=True))


def load_configs(path: str | Path, profile: str = FULL, overrides: Sequence[str] = (),
                 imports: Sequence[str] = ()) -> list[Config]:
    """Like :func:`load_config`, but a ``sweep:`` block expands into one config per point."""
    return expand_sweep(_read_yaml(Path(path)), str(path), profile, overrides, imports)
