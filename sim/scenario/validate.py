"""Typed, bounded sections built from plain TOML tables, with one-line errors.

A scenario section is a frozen dataclass. Each field's annotation is its type and its
``metadata`` carries the bounds: ``ge``, ``gt``, ``le``, ``lt`` (numbers), ``allowed``
(choices), ``length`` / ``maxlen`` (lists: exact or largest number of items; strings: most
characters), ``max_items`` and ``names`` (tables of named entries: how many, and names that
are identifiers). ``build`` walks a TOML table against such a class and raises
:class:`ScenarioError` at the first problem, naming the file, the dotted field and what is
allowed, so that a scenario is validated completely before anything runs.

Limits hold whatever the file holds: a string field takes at most ``MAX_TEXT`` characters
unless it says otherwise and never a control character, and tables and arrays nest at most
``MAX_DEPTH`` deep (:func:`check_depth`, run before anything walks the data recursively).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from typing import Any

MAX_TEXT = 200
"""Characters a string field takes unless its ``maxlen`` says otherwise."""

MAX_DEPTH = 8
"""Tables and arrays nested deeper than this are refused: a scenario's deepest field,
``units.NAME.base_cells[i][j]``, is five deep."""

MAX_NAME = 40
"""Characters of a crime-type or unit-type name (they become metric names such as
``crimes.by_type.robbery``)."""


class FieldError(ValueError):
    """An input file is wrong: one line naming the file, the field and what is allowed.

    The command line prints any of them as that one line and exits 2; a program catching
    input errors of every kind catches this, and :class:`ScenarioError` or :class:`SpecError`
    for one kind.
    """

    def __init__(self, file: str, field: str, problem: str) -> None:
        self.file, self.field, self.problem = file, field, problem
        where = f"{file}: {field}: " if field else f"{file}: "
        # one line whatever the file holds: control characters in keys are shown escaped
        super().__init__("".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in where + problem))


class ScenarioError(FieldError):
    """A scenario file (or a ``--set`` override of one) is wrong."""


class SpecError(FieldError):
    """A sweep or optimisation spec file is wrong: its own fields, or what it asks of its scenario."""


def bounded(default: Any = dataclasses.MISSING, doc: str = "", **bounds: Any) -> Any:
    """A dataclass field with bounds checked by :func:`build` (see the module's docstring)."""
    meta = {"doc": doc, **bounds}
    if isinstance(default, list | dict):
        return dataclasses.field(default_factory=lambda d=default: _copy(d), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        return f"a list of {_plural(typing.get_args(tp)[0])}"
    if origin is dict:
        return f"a table of {_plural(typing.get_args(tp)[1])}"
    if dataclasses.is_dataclass(tp):
        return "a table"
    return {int: "an integer", float: "a number", bool: "true or false", str: "a string"}.get(
        tp, str(tp)
    )


def _plural(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        return f"lists of {_plural(typing.get_args(tp)[0])}"
    if origin is dict:
        return f"tables of {_plural(typing.get_args(tp)[1])}"
    if dataclasses.is_dataclass(tp):
        return "tables"
    return {int: "integers", float: "numbers", bool: "booleans", str: "strings"}.get(tp, str(tp))


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


REPLACED_FIELDS = {
    "policy.buffer_cells": "replaced by policy.buffer_m, the buffer ring's width in metres (3 cells "
                           "of 100 m is buffer_m = 300, the default)",
}
"""Fields a scenario file may no longer use, and what to write instead (the one-line error)."""


class _Builder:
    """Carries the file name while walking nested tables."""

    def __init__(self, file: str, error: type[FieldError]) -> None:
        self.file, self.error = file, error

    def fail(self, field: str, problem: str) -> typing.NoReturn:
        raise self.error(self.file, field, problem)

    def section(self, cls: type, data: Any, path: str) -> Any:
        if not isinstance(data, dict):
            self.fail(path, f"must be a table, got {_describe(data)}")
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
        for key in data:
            if _join(path, key) in REPLACED_FIELDS:
                self.fail(_join(path, key), REPLACED_FIELDS[_join(path, key)])
            if key not in fields:
                allowed = ", ".join(sorted(fields))
                self.fail(_join(path, key), f"unknown field; allowed: {allowed}")
        values = {}
        for name, f in fields.items():
            where = _join(path, name)
            if name in data:
                values[name] = self.value(hints[name], data[name], where, f.metadata)
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                self.fail(where, f"is required ({_type_name(hints[name])})")
        try:
            return cls(**values)
        except FieldError:
            raise
        except ValueError as err:  # cross-field checks in __post_init__: "field: problem"
            self.fail(*self.cross_field(path, fields, str(err)))

    @staticmethod
    def cross_field(path: str, fields: typing.Mapping, message: str) -> tuple[str, str]:
        """The field a cross-field check's ``"field: problem"`` names (dotted from the top, or one
        of this section's own), and the problem; else the section and the whole message.
        """
        field, sep, problem = message.partition(": ")
        if sep and field and all(part.isidentifier() for part in field.split(".")):
            if field == path or field.startswith(f"{path}."):
                return field, problem
            if field.split(".")[0] in fields:
                return _join(path, field), problem
        return path or "(top level)", message

    def value(self, tp: Any, value: Any, where: str, meta: typing.Mapping) -> Any:
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(tp) if a is not type(None)]
            return self.value(options[0], value, where, meta)
        if origin is list:
            return self.list_value(tp, value, where, meta)
        if origin is dict:
            return self.dict_value(tp, value, where, meta)
        if dataclasses.is_dataclass(tp):
            return self.section(tp, value, where)
        return self.scalar(tp, value, where, meta)

    def list_value(self, tp: Any, value: Any, where: str, meta: typing.Mapping) -> list:
        if not isinstance(value, list):
            self.fail(where, f"must be {_type_name(tp)}, got {_describe(value)}")
        length = meta.get("length")
        if length is not None and len(value) != length:
            self.fail(where, f"must have exactly {length} values, got {len(value)}")
        most = meta.get("maxlen")
        if most is not None and len(value) > most:
            self.fail(where, f"must have at most {most} values, got {len(value)}")
        if meta.get("nonempty") and not value:
            self.fail(where, "must not be empty")
        (item,) = typing.get_args(tp)
        item_meta = {k: v for k, v in meta.items() if k not in ("length", "maxlen", "nonempty")}
        return [self.value(item, v, f"{where}[{i}]", item_meta) for i, v in enumerate(value)]

    def dict_value(self, tp: Any, value: Any, where: str, meta: typing.Mapping) -> dict:
        if not isinstance(value, dict):
            self.fail(where, f"must be {_type_name(tp)}, got {_describe(value)}")
        _, item = typing.get_args(tp)
        most = meta.get("max_items")
        if most is not None and len(value) > most:
            self.fail(where, f"must have at most {most} entries, got {len(value)}")
        keys = meta.get("keys")
        out = {}
        for key, v in value.items():
            if keys is not None and key not in keys:
                self.fail(_join(where, key), f"unknown key; allowed: {', '.join(keys)}")
            if meta.get("names") and not is_name(key):
                self.fail(_join(where, key), f"must be a name of at most {MAX_NAME} letters, digits "
                          "and underscores, not starting with a digit")
            item_meta = {k: v for k, v in meta.items() if k not in ("max_items", "names")}
            out[key] = self.value(item, v, _join(where, key), item_meta)
        return out

    def scalar(self, tp: Any, value: Any, where: str, meta: typing.Mapping) -> Any:
        if tp is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        ok = isinstance(value, tp) and not (tp is not bool and isinstance(value, bool))
        if not ok:
            self.fail(where, f"must be {_type_name(tp)}, got {_describe(value)}")
        if tp is float and not math.isfinite(value):
            self.fail(where, f"must be a finite number, got {_describe(value)}")
        if tp is str:
            self.check_text(value, where, meta)
        self.check_bounds(value, where, meta)
        return value

    def check_text(self, value: str, where: str, meta: typing.Mapping) -> None:
        most = meta.get("maxlen", MAX_TEXT)
        if len(value) > most:
            self.fail(where, f"must be at most {most} characters, got {len(value)}")
        if not value.isprintable():
            self.fail(where, f"must be printable text (no control characters), got {_describe(value)}")

    def check_bounds(self, value: Any, where: str, meta: typing.Mapping) -> None:
        allowed = meta.get("allowed")
        if allowed is not None and value not in allowed:
            self.fail(where, f"must be one of {', '.join(map(str, allowed))}; got {_describe(value)}")
        for key, test, words in (
            ("ge", lambda v, b: v >= b, ">="),
            ("gt", lambda v, b: v > b, ">"),
            ("le", lambda v, b: v <= b, "<="),
            ("lt", lambda v, b: v < b, "<"),
        ):
            bound = meta.get(key)
            if bound is not None and not test(value, bound):
                self.fail(where, f"must be {words} {bound}, got {_describe(value)}")
        pattern = meta.get("digits")
        if pattern is not None and not (value.isdigit() and len(value) == pattern):
            self.fail(where, f"must be a string of exactly {pattern} digits, got {_describe(value)}")


def is_name(key: str) -> bool:
    """A crime-type or unit-type name: an identifier of at most ``MAX_NAME`` characters."""
    return isinstance(key, str) and key.isidentifier() and len(key) <= MAX_NAME


def check_depth(data: Any, file: str, limit: int = MAX_DEPTH) -> None:
    """Refuse tables and arrays nested more than ``limit`` deep (checked without recursion,
    so that no nesting, however deep, can exhaust the stack of the checks that follow).
    """
    stack = [(data, 0, "")]
    while stack:
        node, depth, where = stack.pop()
        if isinstance(node, dict):
            children = [(v, _join(where, k)) for k, v in node.items()]
        elif isinstance(node, list):
            children = [(v, f"{where}[{i}]") for i, v in enumerate(node)]
        else:
            continue
        if depth >= limit and children:
            raise ScenarioError(file, where, f"tables and arrays nest too deeply; allowed: at most {limit} levels")
        stack.extend((child, depth + 1, w) for child, w in children)


def _join(path: str, key: str) -> str:
    key = str(key)
    if not key or len(key) > MAX_NAME or not all(ch.isalnum() or ch in "_-" for ch in key):
        key = _describe(key)
    return f"{path}.{key}" if path else key


def build(cls: type, data: Any, file: str, path: str = "", error: type[FieldError] = ScenarioError) -> Any:
    """Build the dataclass ``cls`` from a TOML table, raising ``error`` (a :class:`ScenarioError`
    unless told otherwise) on any problem.
    """
    return _Builder(file, error).section(cls, data, path)


def to_plain(obj: Any) -> Any:
    """A section as plain TOML-ready values (dicts, lists, numbers, strings)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {k: to_plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_plain(v) for v in obj]
    return obj
