"""Two sync conflicts for the demo's conflicts page, made the way they happen in the field.

Station staff correct a volunteer's recent visit on the web (the follow-up date was missing) while
the volunteer, offline, adds to the same follow-up on the phone; the phone's change arrives second
and becomes a conflict for staff to resolve. No random draws: the visits are the first two pending
ones of volunteers with a smartphone, in the order the demo made them.
"""
from __future__ import annotations

from typing import Any

from sync import apply_mutations

from .state import Demo, Pairing, mutation

STAFF_TEXT = "辅导站补充：已和班主任约好，下周三放学后一起家访，请王老师提前电话联系家长。"
PHONE_TEXTS = (
    "下周再去一次，带上孩子想看的书；顺便问问奶奶的身体。",
    "周末打电话问问作业完成情况，月底再上门。",
)


def conflict_visits(demo: Demo) -> list[tuple[Pairing, dict[str, Any]]]:
    """The planned visits the conflicts are made on, with their pairings."""
    return [(p, a) for p in demo.pairings if p.mentor.smartphone and p.outcome is None
            for a in p.activities if a["review"] == "pending" and not a["risk_flag"]][:len(PHONE_TEXTS)]


def write_conflicts(demo: Demo) -> int:
    """Make the conflicts; return how many (every one must come back as ``conflict``)."""
    picked = conflict_visits(demo)
    for (p, a), phone_text in zip(picked, PHONE_TEXTS, strict=True):
        version = int(demo.db.execute("SELECT version FROM activities WHERE id = ?", [a["id"]]).fetchone()[0])
        staff = demo.staff_of(p.mentee.unit)
        words = STAFF_TEXT.replace("王老师", p.mentor.name)
        (edit,) = apply_mutations(demo.db, staff, [mutation("activity", {"follow_up": words}, a["id"], version)])
        (phone,) = apply_mutations(demo.db, demo.actors[p.mentor.login], [
            mutation("activity", {"follow_up": phone_text}, a["id"], version)])
        if (edit.status, phone.status) != ("applied", "conflict"):
            raise RuntimeError(f"demo: the conflict on {a['id']} came out {edit.status}/{phone.status}")
    return len(picked)
