"""Entering a phone's export at the station: each change through the one write path as the
uploader's 代录, merged as that phone's, kept in ``phone_import_ledger`` so a file uploaded twice
enters nothing twice; previewed first inside a savepoint rolled back."""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

import sqlite_utils

from sync import Actor, Scope, apply_mutations, load_scope
from sync.apply import OWN_RECORDS
from sync.entities import ENTITIES
from sync.mutations import Rejection, read_mutation, upsert
from sync.timeutil import utc_now

from .phone_export_owners import HERS, before_pairing_ended, handed_on, sendable
from .phone_exports import Change, PhoneExport
from .queries.refused import refused_visits


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
        if current is None and _closed_refusal(db, change.record_id):
            # The station closed it without entering it (已手工补录, a duplicate: server/refusal_closing.py);
            # entered now under the phone's id, the child would have the visit twice.
            out.append(Entered(change, "refused", change.mentee_code, CLOSED))
            continue
        kept = current is None and _kept_refusal(db, station, export, change)
        hers: bool | str = False
        if not sendable(volunteer, change, current) and not before_pairing_ended(db, volunteer, change, current):
            hers = handed_on(db, actor, volunteer, change, current)
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


CLOSED = ("辅导站已经把这条记录记为“不收进系统”（见“近 90 天不收进系统的记录”），这里不录入，免得重复；"
          "确需补录的，请在“代录一次帮扶”里补录。")


def _closed_refusal(db: sqlite_utils.Database, record_id: str) -> bool:
    return db.execute("SELECT 1 FROM refusal_closings WHERE record_id = ?", [record_id]).fetchone() is not None


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
