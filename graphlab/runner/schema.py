"""Validation of plain dicts (parsed YAML) into typed dataclasses.

:func:`from_dict` walks a dataclass's fields: an unknown key, a missing required
key or a value of the wrong type raises :class:`ConfigError` naming the dotted key
and the file. Supported annotations: ``str``, ``int``, ``float``, ``bool``,
``Optional[T]``, ``list[T]`` (and ``Sequence[T]``), ``dict[str, Any]``, ``Any``, ``Union`` of
those, and nested dataclasses. A float must be finite; a field whose metadata holds a
``range`` (:func:`graphlab.tasks.settings.ranged`) must lie in it.
"""
from __future__ import annotations

import collections.abc
import dataclasses
import math
import types
import typing
from typing import Any, Union

from graphlab.tasks.settings import range_error


class ConfigError(ValueError):
    """A config file does not match the schema; the message names the key and the file."""


def _type_name(tp: Any) -> str:
    if tp is type(None):
        return "null"
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


def _convert(value: Any, tp: Any, key: str, source: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        errors = []
        for option in args:
            try:
                return _convert(value, option, key, source)
            except ConfigError as exc:
                errors.append(exc)
        raise ConfigError(f"{source}: key '{key}' must be {_type_name(tp)}, got "
                          f"{type(value).__name__} {value!r}")
    if tp is type(None):
        if value is None:
            return None
    elif dataclasses.is_dataclass(tp):
        if isinstance(value, dict):
            return from_dict(tp, value, source, prefix=f"{key}.")
    elif origin in (list, collections.abc.Sequence):
        if isinstance(value, list):
            return [_convert(v, args[0] if args else Any, f"{key}[{i}]", source)
                    for i, v in enumerate(value)]
    elif origin is dict or tp is dict:
        if isinstance(value, dict):
            val_tp = args[1] if args else Any
            return {str(k): _convert(v, val_tp, f"{key}.{k}", source) for k, v in value.items()}
    elif tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        number = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str):  # YAML 1.1 (PyYAML) reads '5e-4' as a string
            try:
                number = float(value)
            except ValueError:
                pass
        if number is not None:
            if not math.isfinite(number):
                raise ConfigError(f"{source}: key '{key}' must be a finite number, got {value!r}")
            return number
    elif tp is str:
        if isinstance(value, str):
            return value
    else:
        raise TypeError(f"schema annotation {tp!r} for '{key}' is not supported")
    raise ConfigError(f"{source}: key '{key}' must be {_type_name(tp)}, got "
                      f"{type(value).__name__} {value!r}")


def from_dict(cls: type, data: dict, source: str, prefix: str = "") -> Any:
    """Build dataclass ``cls`` from ``data``; errors name ``prefix + key`` and ``source``."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: '{prefix.rstrip('.') or 'config'}' must be a mapping, got "
                          f"{type(data).__name__}")
    hints = typing.get_type_hints(cls)
    # a field's config key is its name, or metadata["key"] where the name cannot be
    # (``class``, a Python keyword)
    fields = {f.metadata.get("key", f.name): f for f in dataclasses.fields(cls)}
    unknown = [k for k in data if k not in fields]
    if unknown:
        raise ConfigError(f"{source}: unknown key '{prefix}{unknown[0]}' (allowed under "
                          f"'{prefix.rstrip('.') or 'top level'}': {', '.join(fields)})")
    kwargs = {}
    for name, f in fields.items():
        if name in data:
            kwargs[f.name] = _convert(data[name], hints[f.name], prefix + name, source)
            error = "range" in f.metadata and range_error(prefix + name, f.metadata["range"],
                                                          kwargs[f.name])
            if error:
                raise ConfigError(f"{source}: {error}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{source}: missing required key '{prefix}{name}'")
    return cls(**kwargs)


def check_value(value: Any, tp: Any, key: str, source: str) -> Any:
    """``value`` converted to annotation ``tp``, or a :class:`ConfigError` naming ``key``
    and ``source`` (for values outside a dataclass, such as a model's parameters)."""
    return _convert(value, tp, key, source)


def to_dict(obj: Any) -> Any:
    """The inverse of :func:`from_dict` (plain dicts and lists, under the config keys)."""
    import copy

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.metadata.get("key", f.name): to_dict(getattr(obj, f.name))
                for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_dict(v) for v in obj)
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return copy.deepcopy(obj)
