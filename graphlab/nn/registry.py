"""The model registry: name → builder, filled by :func:`register_model` where a model is defined.

A builder is a plain function ``builder(in_channels, [out_channels,] **params) -> nn.Module``;
its keyword parameters (with defaults) are what a config may set in ``model.params``.
Models for the ``node`` task map ``(x, edge_index) -> logits [N, C]``; models for the
``link`` task map ``(x, edge_index, pairs) -> logits [P]``; ``graph`` models map a ``Batch``
to ``[G, C]``; ``lm`` models map tokens ``[B, L]`` to logits ``[B, L, V]`` (the task passes
the vocabulary as ``in_channels`` and the context as ``max_length``); ``lm_finetune``
builders receive the pre-trained base as ``frozen`` and return it with adapters attached;
``forecast`` models map ``[B, T_in, N, C]`` to ``[B, horizon, N, C]`` and receive the sensor
``adjacency``, ``input_steps`` and ``horizon``.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

from torch import nn

#: Arguments the task supplies from the data; a config never sets them. A builder receives
#: only those it names in its signature.
DATA_ARGS = frozenset({"in_channels", "out_channels", "num_nodes", "edge_channels", "max_length",
                       "frozen", "adjacency", "input_steps", "horizon"})


@dataclass(frozen=True)
class ModelSpec:
    name: str
    task: str
    builder: Callable[..., nn.Module]
    description: str

    def params(self) -> dict[str, Any]:
        """Configurable parameters and their defaults."""
        sig = inspect.signature(self.builder)
        return {k: p.default for k, p in sig.parameters.items() if k not in DATA_ARGS}


MODELS: dict[tuple[str, str], ModelSpec] = {}


def register_model(name: str, task: str, description: str = ""):
    """Decorator: register ``builder`` as model ``name`` for ``task`` (``'node'`` / ``'link'``)."""
    def wrap(builder: Callable[..., nn.Module]):
        key = (task, name.lower())
        if key in MODELS:
            raise ValueError(f"model '{name}' for task '{task}' is registered twice")
        doc = description or (inspect.getdoc(builder) or "").split("\n")[0]
        MODELS[key] = ModelSpec(name.lower(), task, builder, doc)
        return builder
    return wrap


def get_model_spec(name: str, task: str) -> ModelSpec:
    try:
        return MODELS[(task, name.lower())]
    except KeyError:
        known = sorted(n for t, n in MODELS if t == task)
        raise KeyError(f"unknown model '{name}' for task '{task}'; registered: "
                       f"{', '.join(known)}") from None


def build_model(name: str, task: str, params: dict[str, Any], **data_args: int) -> nn.Module:
    """Build a registered model; an unknown parameter is a ``TypeError`` naming it."""
    spec = get_model_spec(name, task)
    unknown = sorted(set(params) - set(spec.params()))
    if unknown:
        raise TypeError(f"model '{spec.name}' got unknown parameter(s) {unknown}; it takes "
                        f"{sorted(spec.params())}")
    accepted = inspect.signature(spec.builder).parameters
    given = {k: v for k, v in data_args.items() if k in accepted}
    return spec.builder(**given, **params)
