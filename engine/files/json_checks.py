"""Checking parsed JSON against field tables, with the JSON path of the first fault (pure).

One table per object, ``field -> (kind, low, high, required)`` with kind ``"int"``,
``"bool"``, ``"str"``, ``"list"`` or ``"object|null"``, as mido keeps its message specs:
the loaders, the writers and the format document all follow the tables.
"""

from __future__ import annotations

import json

from engine.core.errors import ScoreError

_KIND_WORDS = {
    "int": "a whole number",
    "bool": "true or false",
    "str": "text",
    "list": "a list",
    "object|null": "an object or null",
}


class _Problem(Exception):
    """The first problem found, as a phrase naming the JSON path (becomes FileFormatError)."""


def _kind_ok(kind: str, value) -> bool:
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "str":
        return isinstance(value, str)
    if kind == "list":
        return isinstance(value, list)
    return value is None or isinstance(value, dict)


def _check_object(obj, fields: dict, where: str) -> dict:
    """Check ``obj`` against a field table; return its fields (defaults left out)."""
    if not isinstance(obj, dict):
        raise _Problem(f"{where or 'the file'} must be a JSON object, not {_json_kind(obj)}")
    prefix = f"{where}." if where else ""
    for key in obj:
        if key not in fields:
            raise _Problem(f"{prefix}{key} is not a known field")
    for key, (kind, lo, hi, required) in fields.items():
        if key not in obj:
            if required:
                raise _Problem(f"{prefix}{key} is missing")
            continue
        value = obj[key]
        if not _kind_ok(kind, value):
            raise _Problem(f"{prefix}{key} must be {_KIND_WORDS[kind]}, not {_json_text(value)}")
        if kind == "str" and not _is_text(value):
            raise _Problem(f"{prefix}{key} holds a lone surrogate, which is not a character")
        if kind == "int" and ((lo is not None and value < lo) or (hi is not None and value > hi)):
            bound = f"from {lo} to {hi}" if hi is not None else f"at least {lo}"
            raise _Problem(f"{prefix}{key} must be {bound}, not {value}")
    return obj


def _is_text(value: str) -> bool:
    # JSON's \ud800 escapes decode to lone surrogates, which no file can store.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _json_kind(value) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "text",
        bool: "true or false",
        type(None): "null",
    }.get(type(value), "a number")


def _json_text(value) -> str:
    try:
        text = json.dumps(value)
    except (RecursionError, ValueError):  # nested a thousand deep; past the digit limit
        return _json_kind(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _build(where: str, make, *args, **kwargs):
    """Construct a model value, turning its own validation error into a located problem."""
    try:
        return make(*args, **kwargs)
    except ScoreError as exc:
        raise _Problem(f"{where}: {exc}") from None
