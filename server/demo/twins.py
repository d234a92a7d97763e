"""One visit recorded twice at 栟茶镇校外教育辅导站, so the review queue shows ⚠ 可能重复 in the demo.

杨桂芳 visits a child at home with her phone out of signal; on the way back she telephones the
station, and the station's clerk types the visit in for her (代录) from what she says, shorter, in
the clerk's words. The 代录 form finds no visit of that day to ask about: her phone has not synced
yet. That evening her phone sends its own record of the same visit. Both wait for review, each
marked 可能重复 beside the other (``server/queries/likely_visits.py``): one visit, counted twice
until someone deletes the extra one (or says they are two).

The visit is the newest pending phone visit (上门家访 or 面对面谈心, no risk flag) of a running
pairing of a volunteer of ``UNIT`` with a smartphone, not one of ``conflicts.py``'s; the clerk's
copy is written here, as the station's staff, before ``loader.write_activities`` writes the
phone's, so it is the older of the two, as it was typed first. No draw from the demo's random
source: every other record of the demo stays as it was. The copy keeps the visit's day, kind,
place and follow-up date, so the pairing's next follow-up is the same whichever is read as the
last visit.
"""
from __future__ import annotations

from typing import Any

from sync import apply_mutations

from .conflicts import conflict_visits
from .state import Demo, Pairing, mutation

UNIT = "bencha.station"
FACE = ("home_visit", "talk")


def twin_visit(demo: Demo) -> tuple[Pairing, dict[str, Any]]:
    """The planned phone visit the station also types in (see above)."""
    taken = {a["id"] for _, a in conflict_visits(demo)}
    fits = [(p, a) for p in demo.pairings if p.mentee.unit == UNIT and p.mentor.smartphone and p.outcome is None
            for a in p.activities if a["review"] == "pending" and not a["risk_flag"] and not a["entered_by_staff"]
            and a["kind"] in FACE and a["id"] not in taken]
    if not fits:
        raise RuntimeError(f"demo: no pending phone visit at {UNIT} to be typed in twice")
    return max(fits, key=lambda fit: fit[1]["date"])


def told_on_the_phone(record: str, volunteer: str) -> str:
    """What the clerk types from the volunteer's call: her record's first two sentences, and who told it."""
    sentences = [s for s in record.split("。") if s.strip()]
    return "。".join(sentences[:2]) + f"。（{volunteer}电话口述，辅导站代录）"


def write_twin(demo: Demo) -> str:
    """Type in the station's copy of ``twin_visit``, as the station's staff; return its id."""
    p, a = twin_visit(demo)
    fields = {k: a[k] for k in ("pairing_id", "kind", "date", "duration_min", "place", "preparation",
                                "follow_up", "follow_up_due", "moods", "observations", "tags", "risk_flag")}
    copy = mutation("activity", {**fields, "record": told_on_the_phone(a["record"], p.mentor.name)})
    (outcome,) = apply_mutations(demo.db, demo.staff_of(UNIT), [copy])
    if outcome.status != "applied":
        raise RuntimeError(f"demo: the station's copy of {a['id']} was not applied: {outcome.answer()}")
    return str(copy["record_id"])
