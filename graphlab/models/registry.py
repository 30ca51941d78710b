"""The model registry: ``(task, name)`` → how to build the model a config names.

A model is registered where it is assembled (in :mod:`graphlab.models`, or in a user's own
module named by a config's ``imports:``) with :func:`register`. Its configurable parameters
are declared once, by one of:

* the registered callable's signature — a model class (its constructor) or a builder
  function; every keyword parameter with a default is a ``model.params`` key;
* a dataclass given as ``params=``; the builder then receives ``params=<instance>``.

``fixed`` pins constructor arguments a config may not set (ADPA's transductive cache);
``defaults`` gives a default to a constructor argument that has none (a layer whose width
is a required argument); neither repeats the signature.

The task supplies the data arguments (:data:`DATA_ARGS`) a builder names: ``in_channels``
(node-feature width, or the vocabulary for ``lm``), and for the tasks that have them
``out_channels``, ``num_nodes``, ``edge_channels``, ``max_length``, ``frozen``
(``lm_finetune``: the pre-trained base), ``adjacency``, ``input_steps``, ``horizon``
(``forecast``). Models for the ``node`` task map ``(x, edge_index) -> logits [N, C]``;
``link`` models map ``(x, edge_index, pairs) -> logits [P]``; ``graph`` models map a
``Batch`` to ``[G, C]``; ``lm`` models map tokens ``[B, L]`` to ``[B, L, V]``;
``lm_finetune`` builders return the frozen base with adapters attached; ``forecast``
models map ``[B, T_in, N, C]`` to ``[B, horizon, N, C]``.
"""
from __future__ import annotations

import dataclasses
import inspect
import typing
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from torch import nn

#: The arguments each task supplies from the data; a config never sets them. A builder
#: receives only those it names in its signature.
DATA_ARGS: dict[str, frozenset[str]] = {
    "node": frozenset({"in_channels", "out_channels", "num_nodes"}),
    "link": frozenset({"in_channels"}),
    "graph": frozenset({"in_channels", "out_channels", "edge_channels"}),
    "forecast": frozenset({"num_nodes", "in_channels", "out_channels", "adjacency",
                           "input_steps", "horizon"}),
    "lm": frozenset({"in_channels", "max_length"}),
    "lm_finetune": frozenset({"frozen"}),
}

#: the tasks a model may be registered for
MODEL_TASKS = tuple(DATA_ARGS)


def _signature(builder: Callable) -> inspect.Signature:
    return inspect.signature(builder)


def _hints(builder: Callable) -> dict[str, Any]:
    target = builder.__init__ if inspect.isclass(builder) else builder
    try:
        return typing.get_type_hints(target)
    except Exception:  # an annotation that does not resolve: types are then not checked
        return {}


@dataclass(frozen=True)
class ModelSpec:
    """One registered model.

    Attributes:
        name, task: its key in :data:`MODELS`.
        builder: the model class or builder function.
        description: one line for ``graphlab models``.
        fixed: constructor arguments the registration pins (a config may not set them).
        defaults: defaults for constructor arguments that have none.
        params_type: a dataclass declaring the parameters (the builder then takes
            ``params=``), or ``None``: the builder's own signature declares them.
    """

    name: str
    task: str
    builder: Callable[..., nn.Module]
    description: str
    fixed: Mapping[str, Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    params_type: Optional[type] = None

    def params(self) -> dict[str, Any]:
        """Configurable parameters and their defaults, in declaration order."""
        if self.params_type is not None:
            return {f.name: (f.default if f.default is not dataclasses.MISSING
                             else f.default_factory())
                    for f in dataclasses.fields(self.params_type)}
        out = {}
        for name, p in _signature(self.builder).parameters.items():
            if (name in DATA_ARGS[self.task] or name in self.fixed
                    or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)):
                continue
            out[name] = self.defaults.get(name, p.default)
        return out

    def param_types(self) -> dict[str, Any]:
        """The annotated type of each configurable parameter (``Any`` where none)."""
        hints = _hints(self.params_type or self.builder)
        return {name: hints.get(name, Any) for name in self.params()}

    def data_args(self) -> set[str]:
        """The data arguments the builder names."""
        return set(_signature(self.builder).parameters) & DATA_ARGS[self.task]

    def build(self, params: Mapping[str, Any], **data_args: Any) -> nn.Module:
        """The model for ``params`` (unknown keys: ``TypeError`` naming them); of
        ``data_args`` the builder receives those it names."""
        known = self.params()
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise TypeError(f"model '{self.name}' got unknown parameter(s) {unknown}; it takes "
                            f"{sorted(known)}")
        given = {k: v for k, v in data_args.items() if k in self.data_args()}
        if self.params_type is not None:
            return self.builder(**given, params=self.params_type(**params))
        values = {**{k: v for k, v in known.items() if k in self.defaults}, **params}
        return self.builder(**given, **self.fixed, **values)


#: every registered model, by ``(task, name)``
MODELS: dict[tuple[str, str], ModelSpec] = {}


def register(name: str, task: str, *, description: str = "",
             fixed: Optional[Mapping[str, Any]] = None,
             defaults: Optional[Mapping[str, Any]] = None,
             params: Optional[type] = None) -> Callable:
    """Decorator (or call on an existing class): register ``builder`` as model ``name`` for
    ``task``, so that a config's ``model: {name: …}`` builds it.

    Example::

        from graphlab.models import register

        @register("my_gcn", task="node")
        class MyGCN(torch.nn.Module):
            def __init__(self, in_channels, out_channels, hidden_channels=64): ...

    Raises:
        ValueError: an unknown task, a name registered twice for the task, a ``fixed`` or
            ``defaults`` key the builder does not take, or a configurable parameter without
            a default.
    """
    if task not in MODEL_TASKS:
        raise ValueError(f"unknown task '{task}' for model '{name}'; choose one of "
                         f"{list(MODEL_TASKS)}")

    def wrap(builder: Callable[..., nn.Module]):
        key = (task, name.lower())
        if key in MODELS:
            raise ValueError(f"model '{name}' for task '{task}' is registered twice")
        doc = description or (inspect.getdoc(builder) or "").split("\n")[0]
        spec = ModelSpec(name.lower(), task, builder, doc, dict(fixed or {}),
                         dict(defaults or {}), params)
        taken = set(_signature(builder).parameters)
        stray = sorted((set(spec.fixed) | set(spec.defaults)) - taken)
        if stray:
            raise ValueError(f"model '{name}': {builder.__name__} takes no argument(s) {stray}")
        if params is not None and not dataclasses.is_dataclass(params):
            raise ValueError(f"model '{name}': params must be a dataclass, got {params!r}")
        required = [k for k, v in spec.params().items() if v is inspect.Parameter.empty]
        if required:
            raise ValueError(f"model '{name}': parameter(s) {required} have no default; give "
                             "them one in the signature or in defaults=")
        MODELS[key] = spec
        return builder
    return wrap


def get_model_spec(name: str, task: str) -> ModelSpec:
    """The registered model ``name`` for ``task``; ``KeyError`` listing the known ones."""
    try:
        return MODELS[(task, name.lower())]
    except KeyError:
        known = sorted(n for t, n in MODELS if t == task)
        raise KeyError(f"unknown model '{name}' for task '{task}'; registered: "
                       f"{', '.join(known)}") from None


def build_model(name: str, task: str, params: Mapping[str, Any], **data_args: Any) -> nn.Module:
    """Build a registered model; an unknown parameter is a ``TypeError`` naming it."""
    return get_model_spec(name, task).build(params, **data_args)
