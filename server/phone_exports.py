"""A phone's export of what it could not send, read back at the station.

A phone that is stopped (lost, revoked, its volunteer gone) or signed out offers its volunteer a
file of everything unsent (``pwa/js/export.js``): changes still in the outbox, changes the server
refused, and half-filled forms. The station uploads that file; its changes go through the same
write path as any staff entry (代录), under the record ids the phone gave them, so a file
uploaded twice, or a change that did reach the server after all, is never entered twice.

This module checks the file's shape, keeps only what a volunteer's phone may write, and only what
belongs to the volunteer whose phone it is; ``sync`` then checks every value and the station's
scope, as for any staff entry.
"""
from __future__ import annotations

import datetime
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

import sqlite_utils

from sync import Actor, Scope, apply_mutations, load_scope
from sync.apply import OWN_RECORDS
from sync.entities import ENTITIES
from sync.handover import spans_in_words, spans_of
from sync.ids import parse_id
from sync.mutations import Rejection, read_mutation, upsert
from sync.records import keys_of
from sync.timeutil import day_in_words, format_utc, parse_utc, utc_now

from .queries.refused import refused_visits

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


@dataclass(frozen=True)
class Entered:
    """What entering one change did, in the station's words."""

    change: Change
    outcome: str  # entered | updated | already | merged | conflict | refused
    mentee_code: str
    words: str
    note: str = ""  # whose it is, when not the volunteer's the child has now (the preview says it too)
    kept: bool = False  # the visit or 摸排 the server refused and kept, on the station's refusals list


def enter(db: sqlite_utils.Database, actor: Actor, export: PhoneExport) -> list[Entered]:
    """Enter the export's changes as ``actor``, in the file's order, each standing alone."""
    # The volunteer as their phone is seen by the write path: what it may send is decided by the
    # engine's own rules for a mentor, not a copy of them.
    volunteer = load_scope(db, Actor(export.volunteer_id or "", "mentor", ""))
    whose = f"这条内容不是{export.volunteer or '导出文件的志愿者'}结对帮扶的记录，没有录入。"
    # The file's changes are merged as that phone's, not as the uploader's: the phone's own edits
    # of one field follow each other as they did on the phone, while any change made since its
    # base by someone else — the uploader's own web correction included — is concurrent, and a clash
    # is parked as a conflict instead of the file silently overwriting it.
    phone = export.device_id if export.device_id and db.execute(
        "SELECT 1 FROM sync_devices WHERE id = ? AND user_id = ?", [export.device_id, export.volunteer_id]
    ).fetchone() else f"export:{export.volunteer_id}"
    writer = replace(actor, device_id=phone)
    station = load_scope(db, actor)
    earlier: Counter[tuple[str, str]] = Counter()
    out = []
    for change in export.changes:
        key = (change.entity, change.record_id)
        digest = _digest(actor, export, change, earlier[key])
        earlier[key] += 1
        if db.execute("SELECT 1 FROM phone_import_ledger WHERE digest = ?", [digest]).fetchone():
            # Before the ownership check: what this unit entered (a screening becomes the staff
            # member's) would otherwise read as "not the volunteer's" the second time.
            out.append(Entered(change, "already", change.mentee_code, "这条在之前上传时已录入，没有重复录入。"))
            continue
        mutation = upsert(change.entity, change.fields, change.record_id, base_version=change.base_version)
        checked = read_mutation(mutation)
        if isinstance(checked, Rejection):
            # A value no phone writes (a list for a pairing, a number past any id): the write path's
            # own sentence, before the ownership checks below look the value up.
            out.append(Entered(change, "refused", change.mentee_code, checked.reason))
            continue
        current = next(iter(db.query(f"SELECT * FROM {ENTITIES[change.entity].table} WHERE id = ?",
                                     [change.record_id])), None)
        kept = current is None and _kept_refusal(db, station, export, change)
        hers: bool | str = False
        if not _sendable(volunteer, change, current) and not _before_pairing_ended(db, volunteer, change, current):
            hers = _handed_on(db, actor, volunteer, change, current)
            if hers is not True:
                out.append(_kept_or_filed(db, export, change, current, kept) or Entered(
                    change, "refused", change.mentee_code, hers or whose))
                continue
            if current is None:  # hers by name: a 代录 otherwise takes the volunteer the child has now
                mutation = upsert(change.entity, {**change.fields, "author_id": volunteer.actor.user_id},
                                  change.record_id, base_version=change.base_version)
        (outcome,) = apply_mutations(db, writer, [mutation])
        if outcome.status == "rejected":
            kind, words = "refused", outcome.reason or ""
        elif outcome.status == "conflict":
            kind, words = "conflict", "和别人先到的修改冲突：保留了先到的内容，这条内容已存为冲突，请到“同步冲突”处理。"
        elif outcome.status == "merged":
            kind, words = "merged", "已录入，和别人的修改合并。"
        elif current is None:
            kind, words = "entered", "已录入。"
        elif outcome.version == current["version"]:
            kind, words = "already", "系统里已有这条内容，没有重复录入。"
        else:
            kind, words = "updated", "已录入这次修改。"
        if kind == "refused":
            out.append(Entered(change, kind, change.mentee_code, words))
            continue
        db.execute("INSERT INTO phone_import_ledger (digest, record_id, entered_by, entered_at, outcome)"
                   " VALUES (?, ?, ?, ?, ?)", [digest, change.record_id, actor.user_id, utc_now(), kind])
        note = HERS.format(export.volunteer or "这位志愿者") if hers is True and current is None else ""
        if kept and kind == "entered":
            words = "已录入：就是服务器保存着的那一条（“手机送来、但没有收下的记录”），它不再列在那里。"
        out.append(Entered(change, kind, _mentee_code(db, change) or change.mentee_code, words, note=note, kept=kept))
    return out


def preview(db: sqlite_utils.Database, actor: Actor, export: PhoneExport) -> list[Entered]:
    """What entering ``export`` as ``actor`` would do now, change by change, with nothing of it kept:
    the write path decides each change as it would on 确认导入 (its scope, its rules, the ledger),
    inside a savepoint rolled back before anyone else can read it."""
    db.execute("SAVEPOINT phone_export_preview")
    try:
        return enter(db, actor, export)
    finally:
        db.execute("ROLLBACK TO phone_export_preview")
        db.execute("RELEASE phone_export_preview")


def enter_as_previewed(db: sqlite_utils.Database, actor: Actor, export: PhoneExport,
                       previewed: list[str]) -> tuple[list[Entered], bool]:
    """Enter ``export`` if every change still does what the preview said (``previewed``, one
    outcome a change), and say so with True; otherwise enter nothing and return what each change
    would do now, with False. A change the preview would have entered that is in the system by
    now (the same confirm sent twice, the file entered meanwhile) is no difference: it is not
    entered again."""
    db.execute("SAVEPOINT phone_export_enter")
    try:
        entered = enter(db, actor, export)
    except BaseException:
        db.execute("ROLLBACK TO phone_export_enter")
        db.execute("RELEASE phone_export_enter")
        raise
    same = len(entered) == len(previewed) and all(
        e.outcome in (was, "already") for e, was in zip(entered, previewed, strict=True))
    if not same:
        db.execute("ROLLBACK TO phone_export_enter")
    db.execute("RELEASE phone_export_enter")
    return entered, same


def _sendable(volunteer: Scope, change: Change, current: dict[str, Any] | None) -> bool:
    """Whether the volunteer's own phone could have sent ``change``, by the write path's rules for a
    mentor: the record in their scope (their active pairings and those children), a new record only
    of what mentors create (never a child), an existing visit or screening only their own."""
    if current is None:
        return ("mentor" in ENTITIES[change.entity].creators
                and volunteer.allows(keys_of(change.entity, {**change.fields, "id": change.record_id})))
    if change.entity in OWN_RECORDS and current.get("author_id") != volunteer.actor.user_id:
        return False
    return volunteer.allows(keys_of(change.entity, current))


def _before_pairing_ended(db: sqlite_utils.Database, volunteer: Scope, change: Change,
                          current: dict[str, Any] | None) -> bool:
    """A new visit in one of the volunteer's own pairings that has ended since: the phone held it
    unsent when the station ended the pairing and can no longer send it. The station enters it
    here; the write path takes it only if it is dated on or before the pairing's end."""
    if current is not None or change.entity != "activity":
        return False
    pairing = db.execute("SELECT mentor_id, status FROM pairings WHERE id = ? AND deleted = 0",
                         [change.fields.get("pairing_id")]).fetchone()
    return pairing is not None and pairing[0] == volunteer.actor.user_id and pairing[1] == "closed"


HERS = "记在{}名下（帮扶那天孩子由她结对，后来辅导站把孩子交给了别的志愿者），由您代录"


def _handed_on(db: sqlite_utils.Database, staff: Actor, volunteer: Scope, change: Change,
               current: dict[str, Any] | None) -> bool | str:
    """A visit in a pairing of the uploader's that was the volunteer's until the station handed the
    child to another (``sync/handover.py``): True when it is hers to enter, as 归入原结对 would file
    it: new and dated inside one of her spans (entered as her 代录), or a visit already in the system
    under her name: the same visit (the write path then finds nothing new) or her edit of it, her own
    record, which she could have sent until the handover and which the station would correct for her
    on her word (merged as her phone's, so a change made since by anyone else is a conflict; the write
    path keeps a moved date inside her spans and refuses an approved or deleted child's visit); a
    sentence when it is new but dated outside them (never entered under the volunteer the child has
    now); False otherwise."""
    if change.entity != "activity":
        return False
    pairing_id = current["pairing_id"] if current is not None else change.fields.get("pairing_id")
    pairing = next(iter(db.query("SELECT * FROM pairings WHERE id = ? AND deleted = 0",
                                 [pairing_id if isinstance(pairing_id, str) else ""])), None)
    # Another unit's pairing is not described: its spans are not the uploader's to read.
    if pairing is None or not load_scope(db, staff).allows(keys_of("pairing", pairing)):
        return False
    me = volunteer.actor.user_id
    spans = spans_of(db, pairing, me)
    if not spans or pairing["mentor_id"] == me:
        return False
    if current is not None:
        return current["author_id"] == me and change.fields.get("pairing_id", pairing_id) == pairing_id
    day = change.fields.get("date")
    if any(s.holds(day) for s in spans):
        return True
    shown = day if isinstance(day, str) else ""
    try:
        said = day_in_words(datetime.date.fromisoformat(shown))
    except ValueError:
        said = "没有日期"
    return (f"这个孩子已由辅导站交给别的志愿者结对；这次帮扶的日期（{said}）不在这位志愿者结对的日期"
            f"（{spans_in_words(spans)}）之内，不是她在这个结对里的帮扶，没有录入；请和志愿者核对日期。")


def _digest(actor: Actor, export: PhoneExport, change: Change, place: int) -> str:
    """What identifies one change of one phone's file, entered by one unit: its volunteer, record,
    version, fields, and ``place``, how many changes to that record come before it in the file (an
    edit sent twice is two edits). Another unit uploading the file is not told what this one entered."""
    said = json.dumps([actor.unit_id, export.volunteer_id, change.entity, change.record_id, change.base_version,
                       change.fields, place], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(said.encode("utf-8")).hexdigest()


def _mentee_code(db: sqlite_utils.Database, change: Change) -> str:
    """The child's code as the server has it (the record was just entered, so it is in scope)."""
    if change.entity == "mentee":
        sql, key = "SELECT code FROM mentees WHERE id = ?", change.record_id
    else:
        table = ENTITIES[change.entity].table
        sql = f"SELECT m.code FROM {table} r JOIN mentees m ON m.id = r.mentee_id WHERE r.id = ?"
        key = change.record_id
    row = db.execute(sql, [key]).fetchone()
    return str(row[0]) if row else ""


def _kept_refusal(db: sqlite_utils.Database, station: Scope, export: PhoneExport, change: Change) -> bool:
    """``change`` is a visit or 摸排 the volunteer's phone sent that the server refused and kept: the
    uploader's station lists it under 手机送来、但没有收下的记录 (server/queries/refused.py)."""
    if change.entity not in OWN_RECORDS:
        return False
    rows, _ = refused_visits(db, station, change.record_id)
    return any(r["user_id"] == export.volunteer_id for r in rows)


def _kept_or_filed(db: sqlite_utils.Database, export: PhoneExport, change: Change,
                   current: dict[str, Any] | None, kept: bool) -> Entered | None:
    """What the page says of a change of the file the volunteer's phone could not send now, when the
    server kept it: the station sees it on its refusals list, or filed it from there (归入原结对) — not
    "not the volunteer's", which it is, and never a second copy."""
    if kept:
        return Entered(change, "refused", change.mentee_code,
                       "这条在手机送来时服务器已经保存，就是下方“手机送来、但没有收下的记录”里的那一条，"
                       "请在那里处理，这里不重复录入。", kept=True)
    filed = current is not None and current.get("author_id") == export.volunteer_id and db.execute(
        "SELECT 1 FROM phone_import_ledger WHERE record_id = ? AND outcome = 'from_refusal'",
        [change.record_id]).fetchone()
    if filed:
        return Entered(change, "already", _mentee_code(db, change) or change.mentee_code,
                       "这条已从“手机送来、但没有收下的记录”归入原结对，没有重复录入。")
    return None
