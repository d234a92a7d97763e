"""What the station pages share when they write: one mutation through the one write path, the
version an edit form showed, and only the fields the person changed.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from sync import Actor, Outcome, apply_mutations, new_id, parse_id
from sync.account_edits import LABELS, not_as_created
from sync.audit import record_history
from sync.entities import DEFAULTS, ENTITIES, Field
from sync.labels import ROLE_LABELS, this
from sync.mutations import upsert
from sync.rules import NEW_RECORD_HINT, filled_on_create, not_found

from ..errors import BadRequest, SavedBefore
from ..forms import whole_number
from ..queries.versions import changed, values_at
from .links import route_path
from .visits import Visit


async def apply_one(page: Visit, mutation: dict[str, Any]) -> Outcome:
    """Apply ``mutation`` as the signed-in person, in one write transaction."""
    actor = page.actor
    (outcome,) = await page.state.store.write(lambda db: apply_mutations(db, actor, [mutation]))
    return outcome


def base_version(form: dict[str, Any], name: str = "base_version") -> int | None:
    """The record version the edit form showed (the hidden field ``name``), or None when missing or garbled."""
    raw = form.get(name)
    return whole_number(raw[-1] if isinstance(raw, list) else raw, digits=11)


def shown_version(form: dict[str, Any], *, redo: str = "修改", name: str = "base_version") -> int:
    """``base_version`` (or ``name``) of a posted edit form; 400 when it is missing (the person
    ``redo``-es after a reload): without it an edit or delete could not tell what it replaces."""
    version = base_version(form, name)
    if version is None:
        raise BadRequest(f"表单缺少版本号，请刷新页面后重新{redo}。")
    return version


def shown_versions(form: dict[str, Any], name: str) -> dict[str, int]:
    """The records a form listed, each as ``<id>:<version>`` in ``name`` (the children a bulk form
    showed, the pairings a closing ends): id → the version shown. A malformed item names no record and
    is dropped; a record named twice (a forged form) keeps its first version, so one write never takes
    it twice."""
    raw = form.get(name, [])
    out: dict[str, int] = {}
    for item in raw if isinstance(raw, list) else [raw]:
        record, _, version = str(item).partition(":")
        if (record_id := parse_id(record)) is not None and (number := whole_number(version, digits=15)) is not None:
            out.setdefault(record_id, number)
    return out


async def edit(page: Visit, entity: str, record_id: str, version: int, posted: dict[str, Any]) -> Outcome | None:
    """Send the fields of ``posted`` that differ from what the form showed at ``version``.

    Returns None when nothing changed (no mutation, no new version).
    """
    actor = page.actor

    def write(db: Any) -> Outcome | None:
        shown = values_at(db, entity, record_id, version)
        changes = changed(posted, shown or {})
        if not changes:
            return None
        (outcome,) = apply_mutations(db, actor, [upsert(entity, changes, record_id, base_version=version)])
        return outcome

    return await page.state.store.write(write)


def saved_words(outcome: Outcome) -> str:
    """What to tell the person after a save that went through (a conflict is saved in part)."""
    if outcome.status == "conflict":
        return f"已保存，但有冲突：{outcome.reason}"
    return "已保存。"


def form_record_id(values: dict[str, Any]) -> str:
    """The id a new-record form carries: the one it was posted with when shown again (after an
    error), else a fresh one, so that every post of that form names the same record."""
    return parse_id(values.get("record_id")) or new_id()


async def create_once(page: Visit, entity: str, fields: dict[str, Any], posted: dict[str, Any], *,
                      same_values: bool = True, leave_out_empty: bool = False,
                      then: Callable[[Any], object] | None = None) -> Outcome:
    """Create ``entity`` under the id the new form carries (``posted["record_id"]``), at most once.

    The same form posted again (a double tap, the back button, a second tab) is answered as the
    first post was, and nothing is written: the check and the create are one write transaction, so
    two posts at once cannot both create. A missing or garbled id gets a fresh one. When
    ``same_values``, a post again whose values differ from what the first one stored (back, a field
    changed, 保存) raises ``SavedBefore``: its changes are not saved, and the person is told so.
    ``leave_out_empty``: the fields left empty (None) are not sent, and take the entity's defaults.
    ``then(db)`` runs in the same write right after the record is created (not for a post again, nor
    a refused create): what it raises reaches the caller and writes nothing, the record included.
    """
    actor = page.actor
    record_id = parse_id(posted.get("record_id"))

    def write(db: Any) -> Outcome:
        # An empty field left out takes the default; one sent empty is stored empty, or filled by the
        # write rules (an inspection's score). Either way it is compared: emptied is a change too.
        defaults = DEFAULTS.get(entity, {}) if leave_out_empty else {}
        compared = filled_on_create(entity, {k: defaults.get(k) if v is None else v for k, v in fields.items()})
        done = None if record_id is None else already_created(
            page.request, db, actor, entity, record_id, compared if same_values else None)
        if done is not None:
            return done
        sent = {k: v for k, v in fields.items() if v is not None} if leave_out_empty else fields
        (outcome,) = apply_mutations(db, actor, [upsert(entity, sent, record_id)])
        if then is not None and outcome.status == "applied":
            then(db)
        return outcome

    return await page.state.store.write(write)


def already_created(request: Request, db: Any, actor: Actor, entity: str, record_id: str,
                    fields: dict[str, Any] | None) -> Outcome | None:
    """What a new form posted under ``record_id`` gets when that record exists (None: it does not,
    create it): this person's own is the same form again, answered as the first post was; another
    person's is never the one the form meant, and must be neither edited (sent on, it would be an
    edit of a record the form never showed) nor confirmed, so it gets the write path's one
    sentence for "not found or not yours". Called inside the write transaction of the create.

    ``fields`` are this post's values as its create would store them: if they differ from what the
    first post stored, ``SavedBefore`` is raised, since answering "saved" would drop the changes in
    silence."""
    spec = ENTITIES[entity]
    done = db.execute(f"SELECT created_by, version FROM [{spec.table}] WHERE id = ?", [record_id]).fetchone()
    if done is None:
        return None
    if done[0] == actor.user_id:
        if fields is not None:
            refuse_other_values(request, db, entity, record_id, fields)
        return Outcome(None, entity, record_id, "applied", done[1])
    return Outcome.rejected(None, entity, record_id, not_found(this(spec.label), hint=NEW_RECORD_HINT))


async def review_once(page: Visit, fields: dict[str, Any], posted: dict[str, Any]) -> tuple[Outcome, str]:
    """A review made under the id its form carries, by the one rule of ``create_once``, and the
    decision it holds. The same form posted again is answered with the decision its first post made
    (never with "又被改过" about the reviewer's own decision); posted again with another decision or
    comment (退回 after 通过, back and 保存), ``SavedBefore`` says the second was not saved, where the
    first would otherwise stand behind a "已退回" the reviewer believes."""
    outcome = await create_once(page, "review", {"comment": None, **fields}, posted)
    return outcome, str(fields["decision"])


async def deleted_already(page: Visit, entity: str, raw_id: object) -> bool:
    """Whether the record a delete form names is deleted already, and was the visitor's to see: the
    delete button clicked twice (or the form sent again). The second post is answered as the first
    was; otherwise it met "找不到……您填写的内容（没有保存）", as if the deletion had failed."""
    record_id = parse_id(raw_id)
    if record_id is None:
        return False
    unit_column = "id" if entity == "unit" else "unit_id"
    found = await page.state.store.read(lambda db: db.execute(
        f"SELECT deleted, {unit_column} FROM [{ENTITIES[entity].table}] WHERE id = ?", [record_id]).fetchone())
    return found is not None and bool(found[0]) and (await page.scope()).allows_unit(found[1])


def made_already(db: Any, actor: Actor, entity: str, record_id: str, shown_version: int | None,
                 fields: dict[str, Any]) -> bool:
    """Whether this person's own change, made right after the version the form showed
    (``shown_version``), already gave the record ``fields``, and nothing has changed it since: the
    same form sent again (a double click on 上报), whose second post would be refused because the
    first one changed the record. It is answered as the first was."""
    if shown_version is None:
        return False
    current = values_at(db, entity, record_id, shown_version + 1)
    made = [h for h in record_history(db, entity, record_id) if h["version"] is not None]
    if current is None or not made or made[-1]["version"] != shown_version + 1:
        return False
    return made[-1]["user_id"] == actor.user_id and all(current.get(k) == v for k, v in fields.items())


def refuse_other_values(request: Request, db: Any, entity: str, record_id: str,
                        fields: dict[str, Any]) -> None:
    """Raise ``SavedBefore`` when ``fields`` (a new-record form posted again) differ from what the
    record's first post stored (its version 1: a change made since on its page is not this form's)."""
    spec = ENTITIES[entity]
    first = values_at(db, entity, record_id, 1) or {}
    unsaved: list[Field] = []
    typed: list[str] = []
    for name, value in fields.items():
        field = spec.by_name.get(name)
        if field is None:
            continue
        if not _same_value(value, first.get(name)):
            unsaved.append(field)
            typed.append(f"{field.label}：{_shown(field, value)}")
    if unsaved:
        raise saved_before(this(spec.label), [f.label for f in unsaved], typed,
                           (record_page(request, db, entity, record_id), "打开这条记录"))


def saved_before(what: str, labels: list[str], typed: list[str], link: tuple[str, str]) -> SavedBefore:
    """The one answer to a new form posted again with other values: ``what`` was saved by its first
    post, the fields ``labels`` (as ``typed`` this time) were not, and ``link`` is where to change them."""
    named = "、".join(f"“{label}”" for label in labels)
    return SavedBefore(f"{what}在这张表单第一次提交时已经保存过了；您这次改的内容（{named}）没有保存。"
                       f"请{link[1]}，在那里修改。", link=link, typed=typed)


def account_saved_before(request: Request, db: Any, user_id: str, fields: dict[str, Any], page: tuple[str, str],
                         *, also: list[tuple[str, str]] | None = None) -> SavedBefore | None:
    """``saved_before`` for a new-account form posted again (``made_already``) whose ``fields``, or
    the words ``also`` lists (label, shown), are not what the account was created with; None when
    they are. ``page`` is the account page's route and id parameter."""
    unsaved = [(LABELS[k], _account_value(k, fields[k])) for k in not_as_created(db, user_id, fields)]
    unsaved += also or []
    if not unsaved:
        return None
    route, param = page
    return saved_before("这个账号", [label for label, _ in unsaved], [f"{label}：{shown}" for label, shown in unsaved],
                        (route_path(request, route, **{param: user_id}), "打开这个账号"))


def _account_value(name: str, value: Any) -> str:
    if _blank(value):
        return "（清空）"
    if name == "unit_id":
        return "（改选了）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return ROLE_LABELS.get(value, str(value)) if name == "role" else str(value)


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def _same_value(a: Any, b: Any) -> bool:
    if _blank(a) or _blank(b):
        return _blank(a) and _blank(b)
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return bool(a == b)


def _shown(field: Field, value: Any) -> str:
    """A value as the form showed it (choices by their words), for the list of what was not saved."""
    if _blank(value):
        return "（清空）"
    if field.kind == "ref":
        return "（改选了）"
    if field.kind == "bool":
        return "是" if value else "否"
    choices = field.choices or {}
    items = value if isinstance(value, list) else [value]
    return "、".join(str(choices.get(str(v), v)) for v in items)


# The page where a record made by a new-record form is seen and changed: its route and id parameter.
RECORD_PAGES = {"activity": ("activity_detail", "activity_id"), "pairing": ("pairing_detail", "pairing_id"),
                "mentee": ("mentee_detail", "mentee_id"), "referral": ("referral_detail", "referral_id"),
                "donation": ("donation_detail", "donation_id"),
                "inspection": ("inspection_detail", "inspection_id"), "event": ("event_edit", "event_id"),
                "unit": ("admin_unit", "unit_id")}


def record_page(request: Request, db: Any, entity: str, record_id: str) -> str:
    """The page where a record made by a new-record form is seen and changed."""
    if entity in RECORD_PAGES:
        name, param = RECORD_PAGES[entity]
        return route_path(request, name, **{param: record_id})
    if entity == "review":  # the page of what was reviewed
        found = db.execute("SELECT target_entity, target_id FROM reviews WHERE id = ?", [record_id]).fetchone()
        pages = {**RECORD_PAGES, "stats_return": ("return_detail", "return_id")}
        if found is not None and found[0] in pages:
            name, param = pages[found[0]]
            return route_path(request, name, **{param: found[1]})
        return "/"
    if entity == "screening":
        found = db.execute("SELECT mentee_id FROM screenings WHERE id = ?", [record_id]).fetchone()
        return route_path(request, "mentee_detail", mentee_id=found[0]) + "#screenings" if found else "/"
    if entity == "enrolment":
        found = db.execute("SELECT unit_id, year FROM enrolments WHERE id = ?", [record_id]).fetchone()
        listed = route_path(request, "enrolment_list")
        return f"{listed}?{urlencode({'unit': found[0], 'year': found[1]})}" if found else listed
    return "/"
