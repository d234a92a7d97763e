"""The rules of a review: a verdict on what the reviewer read, never on one's own record, a return
judged above its unit."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import returns
from ..entities import ENTITIES
from ..labels import this
from .deletes import sealed
from .refusal import Refusal, live, refuse_if

if TYPE_CHECKING:
    from ..apply import _Writer


def derive_review(w: _Writer, record: dict[str, Any]) -> None:
    target_name = record["target_entity"]
    target_entity = ENTITIES[target_name]
    label = target_entity.label
    target = live(w, target_name, record["target_id"], f"要审核的{label}", "target_id")
    refuse_if(sealed(w, target_name, target, "审核"), "target_id")
    record["unit_id"] = target.get("unit_id")
    record["mentee_id"] = target.get("mentee_id")
    record["reviewer_id"] = w.actor.user_id
    # A verdict is on what the reviewer read: a target changed since (the volunteer corrected it,
    # someone added a line) is judged again, not approved or returned unseen. The review keeps the
    # version it judged, for the archive.
    seen = record.get("target_version")
    if seen is not None and seen != target["version"]:
        raise Refusal(f"{this(label)}在您打开审核页之后又被改过，请看过现在的内容再审核。")
    record["target_version"] = target["version"]
    approved = record["decision"] == "approve"
    if target_name == "stats_return" and target["unit_id"] == w.actor.unit_id:
        raise Refusal("本单位的统计表由上一级单位审核（镇/街道的由县里，辅导站和学校的由所在镇/街道或县里），"
                      "不能由本单位自己通过或退回。")
    if approved and _wrote(w, target_name, target):
        raise Refusal(f"不能审核通过自己记录、代录、填写或改过的{label}；请由其他工作人员或上级审核。")
    if not approved and target_name == "activity" and target.get(target_entity.approval_field) != "approved":
        # An approved visit is locked: returning it is how the station opens it to correct it itself.
        refuse_if(_nobody_to_correct(w, target))
    if not approved and target.get(target_entity.approval_field) == "approved":
        approver_unit = _approving_unit(w, target["id"])
        if approver_unit is not None and not w.scope.allows_unit(approver_unit):
            raise Refusal(f"{this(label)}由上级单位审核通过，只有该级或更上级可以退回。")
    if target_name == "stats_return":
        refuse_if(returns.check_reviewable(target, approved))
        w.change(target_name, target["id"], returns.review_values(w.db, target, approved))
    else:
        values: dict[str, Any] = {"review_status": "approved" if approved else "returned"}
        if target_name == "activity":
            values["review_comment"] = record.get("comment")
        w.change(target_name, target["id"], values)


def _nobody_to_correct(w: _Writer, visit: dict[str, Any]) -> str | None:
    """Why a visit may not be returned: whoever would correct it (its 代录人, else the volunteer who
    wrote it) has a stopped account, so it would wait as 已退回 for ever, seen by nobody who can act."""
    entered = visit.get("entered_by")
    who = w.get_user(entered or visit.get("author_id") or "")
    if who is None or who["active"]:
        return None
    person = "代录人" if entered else "志愿者"
    return (f"这条帮扶记录的{person}账号已停用，退回后没有人会修改它，所以不能退回。请审核通过；"
            "内容要改的，请打开这条记录，由工作人员修改后再请其他工作人员审核。")


def _wrote(w: _Writer, entity_name: str, target: dict[str, Any]) -> bool:
    return wrote(entity_name, target, w.identities())


def wrote(entity_name: str, target: dict[str, Any], identities: set[str]) -> bool:
    """True when one of ``identities`` (a person's user id and device ids) wrote, entered (代录) or
    created the target, or changed one of its fields a person writes (server-set fields such as the
    review state do not count): such a person may not approve it. The review queue asks it too, so it
    offers no 通过 that this refuses."""
    by_name = ENTITIES[entity_name].by_name
    people = {target.get("author_id"), target.get("entered_by"), target.get("created_by")}
    writers = {who for name, who in target["field_writers"].items()
               if name == "*" or (name in by_name and by_name[name].writers)}
    return bool((people | writers) & identities)


def _approving_unit(w: _Writer, target_id: str) -> str | None:
    """The unit of whoever last approved the target (this batch first), or None if unknown."""
    reviewer_id = next((r["reviewer_id"] for r in reversed(w.dirty["review"].values())
                        if r["target_id"] == target_id and r["decision"] == "approve"), None)
    if reviewer_id is None:
        found = w.db.execute(
            "SELECT reviewer_id FROM reviews WHERE target_id = ? AND decision = 'approve' ORDER BY rowid DESC LIMIT 1",
            [target_id],
        ).fetchone()
        reviewer_id = found[0] if found else None
    reviewer = w.get_user(reviewer_id) if reviewer_id else None
    return None if reviewer is None else str(reviewer["unit_id"])
