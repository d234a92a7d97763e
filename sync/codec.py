"""The value codec, the only place that knows how a wire value (JSON) is stored in an SQLite column."""
from __future__ import annotations

import json
from typing import Any

from .entities import ENTITIES, Entity
from .jsontext import dumps_text, dumps_text_sorted

JSON_KINDS = ("enums", "strs", "json")


_JSON_FIELDS = {e.name: tuple(f.name for f in e.fields if f.kind in JSON_KINDS) for e in ENTITIES.values()}
_ENUM_FIELDS = {e.name: frozenset(f.name for f in e.fields if f.kind == "enums") for e in ENTITIES.values()}
_OBJECT_FIELDS = {e.name: frozenset(f.name for f in e.fields if f.kind == "json") for e in ENTITIES.values()}
_BOOL_FIELDS = {e.name: tuple(f.name for f in e.fields if f.kind == "bool") for e in ENTITIES.values()}


def to_storage(entity: Entity, record: dict[str, Any]) -> dict[str, Any]:
    out = dict(record)
    for name in _JSON_FIELDS[entity.name]:
        value = out.get(name)
        if value is None:
            continue
        if name in _OBJECT_FIELDS[entity.name]:
            out[name] = dumps_text_sorted(value)
        elif not value:
            out[name] = "[]"
        elif name in _ENUM_FIELDS[entity.name]:
            # enum values are plain identifiers: no escaping needed (hot path)
            out[name] = '["' + '","'.join(value) + '"]'
        else:
            out[name] = dumps_text(value)
    for name in _BOOL_FIELDS[entity.name]:
        value = out.get(name)
        if value is not None:
            out[name] = int(value)
    return out


def from_storage(entity: Entity, row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for name in _JSON_FIELDS[entity.name]:
        value = out.get(name)
        if value is not None:
            out[name] = json.loads(value)
    for name in _BOOL_FIELDS[entity.name]:
        value = out.get(name)
        if value is not None:
            out[name] = bool(value)
    return out
