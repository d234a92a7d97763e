"""A phone's export of what it could not send, read back at the station.

A phone that is stopped (lost, revoked, its volunteer gone) or signed out offers its volunteer a
file of everything unsent (``pwa/js/export.js``): changes still in the outbox, changes the server
refused, and half-filled forms. The station uploads that file; its changes go through the same
write path as any staff entry (代录), under the record ids the phone gave them, so a file
uploaded twice, or a change that did reach the server after all, is never entered twice.

This module reads the file: it checks its shape and keeps only what a volunteer's phone may write.
``phone_export_entry.py`` enters it, only what belongs to the volunteer whose phone it is
(``phone_export_owners.py``); ``sync`` then checks every value and the station's scope, as for any
staff entry.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sync.entities import ENTITIES
from sync.ids import parse_id
from sync.timeutil import format_utc, parse_utc

MAX_BYTES = 5 * 1024 * 1024  # a phone's months of unsent visits, 5,000-character texts each, fit
MAX_ITEMS = 2000
# What a volunteer's phone writes (pwa/js/repo.js SENDABLE): nothing else is taken from a file.
FROM_PHONES = ("activity", "screening", "mentee")
# And only the fields a volunteer may write: entered as staff, a file must not do what the phone
# could not (close a child's file, write a risk flag's handling in the uploader's name).
PHONE_FIELDS = {e: frozenset(f.name for f in ENTITIES[e].fields if "mentor" in f.writers) for e in FROM_PHONES}
STATES = {"unsent": "未同步", "rejected": "曾被退回"}


class ExportInvalid(Exception):
    """The upload is not a phone's export; ``reason`` says so in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Change:
    """One change the phone had not sent, as the phone would have sent it."""

    entity: str
    record_id: str
    base_version: int | None
    fields: dict[str, Any]
    state: str  # unsent | rejected
    mentee_code: str  # as the phone knew it; the station's page shows the server's
    reason: str  # why the server refused it then (rejected only)


@dataclass(frozen=True)
class Draft:
    """A form the volunteer had not finished: its texts are shown to the station, never entered."""

    texts: tuple[str, ...]


@dataclass(frozen=True)
class PhoneExport:
    exported_at: str
    volunteer: str
    volunteer_id: str | None
    changes: tuple[Change, ...]
    drafts: tuple[Draft, ...]
    unreadable: int  # items of a shape no phone writes
    device_id: str | None = None  # the phone that wrote it, as the file says


def read_export(data: bytes) -> PhoneExport:
    """The export in ``data``; ``ExportInvalid`` when it is not one."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ExportInvalid("这个文件不是伴行手机导出的记录文件（.json）。"
                            "请上传志愿者在手机上点“导出未同步记录”得到的文件。") from None
    if not isinstance(doc, dict) or doc.get("app") != "banxing" or not isinstance(doc.get("items"), list):
        raise ExportInvalid("这个文件不是伴行手机导出的记录文件。请上传志愿者在手机上点“导出未同步记录”得到的文件。")
    try:  # JSON's \ud800 escapes make text no page can show: refused before anything is written
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ExportInvalid("文件里有无法显示的文字，它可能已损坏。请让志愿者重新导出。") from None
    items = doc["items"]
    if len(items) > MAX_ITEMS:
        raise ExportInvalid(f"文件里的条目超过 {MAX_ITEMS} 条，无法一次录入。")
    changes: list[Change] = []
    drafts: list[Draft] = []
    unreadable = 0
    for item in items:
        state = item.get("state") if isinstance(item, dict) else None
        read = _change(item) if isinstance(state, str) and state in STATES else None
        if read is not None:  # several edits of one record are entered in order, as the phone would send them
            changes.append(read)
        elif state == "draft":
            drafts.append(_draft(item))
        else:
            unreadable += 1
    user = doc.get("user")
    if not isinstance(user, dict):
        user = {}
    volunteer_id = parse_id(user.get("id"))
    if changes and volunteer_id is None:
        raise ExportInvalid("文件里没有写是哪位志愿者的手机，无法录入。请让志愿者重新导出。")
    return PhoneExport(_stamp(doc.get("exported_at")), _text(user.get("name")), volunteer_id, tuple(changes),
                       tuple(drafts), unreadable, parse_id(doc.get("device_id")))


def _change(item: dict[str, Any]) -> Change | None:
    entity, fields = item.get("entity"), item.get("fields")
    record_id = parse_id(item.get("record_id"))
    base = item.get("base_version")
    if entity not in FROM_PHONES or record_id is None or not isinstance(fields, dict):
        return None
    fields = {name: value for name, value in fields.items() if name in PHONE_FIELDS[entity]}
    if not fields:
        return None
    if item.get("op", "upsert") != "upsert" or not (base is None or (type(base) is int and base >= 0)):
        return None
    mentee = item.get("mentee")
    return Change(
        entity=str(entity), record_id=record_id, base_version=base if item["state"] == "unsent" else None,
        fields=fields, state=str(item["state"]),
        mentee_code=_text(mentee.get("code")) if isinstance(mentee, dict) else "",
        reason=_text(item.get("reason")),
    )


def shown_records(export: PhoneExport) -> dict[str, int]:
    """What the station's page shows of children once ``export`` is uploaded, by entity: every
    change in the file, whatever entering it does (a refused one still shows the file's own words
    about the child), and every draft with words in it (``draft``)."""
    shown = Counter(change.entity for change in export.changes)
    drafts = sum(1 for draft in export.drafts if draft.texts)
    if drafts:
        shown["draft"] = drafts
    return dict(shown)


def _draft(item: dict[str, Any]) -> Draft:
    values = item.get("values")
    texts = tuple(
        f"{_label(name)}：{value.strip()}" for name, value in (values.items() if isinstance(values, dict) else ())
        if isinstance(value, str) and value.strip() and name != "mentee"
    )
    return Draft(texts)


def _label(name: str) -> str:
    for entity in FROM_PHONES:
        field = ENTITIES[entity].by_name.get(name)
        if field is not None:
            return field.label
    return name


def _stamp(value: Any) -> str:
    """A timestamp the phone wrote, in the stored form, or "" when it is not one."""
    try:
        moment = parse_utc(value) if isinstance(value, str) else None
        return format_utc(moment) if moment is not None and 2000 <= moment.year <= 2100 else ""
    except (ValueError, OverflowError):
        return ""


def _text(value: Any) -> str:
    return value[:200] if isinstance(value, str) else ""
