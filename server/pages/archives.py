"""The pairing page IS the archive (结对帮扶档案): the header, the whole timeline, the change history;
and its A4 print view for on-site inspection (督查).

Shared by station staff (their unit's pairings), the county (every pairing of the county) and the
admin. Every view and every print is written to the access log with what it showed.
"""
from __future__ import annotations

import json
from typing import Any

import sqlite_utils
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import Actor, Scope
from sync.timeutil import local_today, utc_now

from ..access import log_access
from ..clients import client_ip
from ..queries.archive_records import child_pairings, donations_of, referrals_of, screenings_of
from ..queries.archives import archive
from ..queries.followups import follow_up_of
from ..queries.leaving import leaving_of
from ..queries.likely_visits import twins_among
from ..queries.mentees import get_mentee
from ..queries.names import hide_private, name_authors, reads_private, sees_names
from ..queries.stamps import stamp_of
from ..queries.units import unit_name
from ..refusal_closing import closings_of
from .history import changed_after_approval, conflict_lines, deletion, deletion_line, edited_fields, history_lines
from .path_records import not_found, path_id
from .shown import log_shown
from .visits import OFFICE, STAFF, Visit, require


def _number_twins(entries: list[dict[str, Any]], twins: dict[str, list[dict[str, Any]]]) -> None:
    """On paper a likely twin (可能重复) is named by its number among ``entries``, the timeline as that
    print numbers it (a link does not print)."""
    numbers = {e["item"]["id"]: n for n, e in enumerate(entries, 1) if e["kind"] == "activity"}
    for same in twins.values():
        for t in same:
            t["n"] = numbers.get(t["id"])


def _read(db: sqlite_utils.Database, scope: Scope, pairing_id: str) -> dict[str, Any] | None:
    """The archive with every change history and conflict in words: the same for the page and its
    print, so a paper copy shows each edit after approval, each deletion and each clash too."""
    data = archive(db, scope, pairing_id)
    if data is None:
        return None
    data["history"] = history_lines(db, "pairing", pairing_id)
    data["pairing"]["changed_after_approval"] = changed_after_approval(data["history"], data["reviews"])
    data["pairing"]["deleted_line"] = deletion(data["history"]) if data["pairing"]["deleted"] else None
    # Opened from an overdue list (dashboard, station home), the archive says so at the top; it is
    # not stamped: the check code covers the records, and the visit that set the date is among them.
    data["pairing"]["follow_up"] = follow_up_of(db, data["pairing"], local_today())
    data["conflicts"] = conflict_lines("pairing", data["conflicts"])
    # A deleted child's archive is read-only and says who deleted the child's file and when.
    mentee_id = data["pairing"]["mentee_id"]
    data["child_deleted_line"] = deletion_line(db, "mentee", mentee_id) if data["pairing"]["mentee_deleted"] else None
    every = [*data["activities"], *data["deleted"]]
    twins = twins_among(db, data["activities"])  # 可能重复, from the rows read: the pairing's every live visit
    _number_twins(data["timeline"], twins)
    for a in every:
        a["twins"] = twins.get(a["id"], [])
        a["history"] = history_lines(db, "activity", a["id"])
        a["changed_after_approval"] = changed_after_approval(a["history"], a["reviews"])
        a["edited"] = edited_fields("activity", a["history"])
        a["conflicts"] = conflict_lines("activity", a["conflicts"])
        # A visit of a deleted pairing went with it: the pairing's deletion is the visit's.
        a["deleted_line"] = deletion(a["history"]) if a["deleted"] else data["pairing"]["deleted_line"]
        a["with_pairing"] = not a["deleted"]
    for entity, rows in (("screening", data["deleted_screenings"]), ("referral", data["deleted_referrals"]),
                         ("donation", data["deleted_donations"])):
        for x in rows:
            x["history"] = history_lines(db, entity, x["id"])
            x["deleted_line"] = deletion(x["history"])
    for p in data["pairings"]:
        p["deleted_line"] = deletion(history_lines(db, "pairing", p["id"])) if p["deleted"] else None
    # The histories print names (who changed what, a volunteer named in a change): the code covers them.
    shown = [data["history"], data["conflicts"], *([a["history"], a["conflicts"]] for a in every),
             *(x["history"] for x in [*data["deleted_screenings"], *data["deleted_referrals"],
                                      *data["deleted_donations"]]),
             *(p["deleted_line"] for p in data["pairings"]), data["child_deleted_line"]]
    data["words"] = [json.dumps(shown, ensure_ascii=False, sort_keys=True)]
    # Visits a phone sent too late that the station closed without entering them, with what was done:
    # under the check code too, where there are some (an archive without any keeps its code).
    data["closings"] = closings_of(db, pairing_id)
    # Why and when the child left care, printed in the facts: under the check code where there is one.
    data["pairing"]["leaving"] = leaving_of(db, mentee_id)
    if data["pairing"]["leaving"]:
        data["words"].append(json.dumps(data["pairing"]["leaving"], ensure_ascii=False, sort_keys=True))
    if data["closings"]:
        data["words"].append(json.dumps(data["closings"], ensure_ascii=False, sort_keys=True))
    # 可能重复 is printed (archive_print.html): under the check code too, where there are some, so a
    # paper copy marked so is not taken for the archive once the visits are said to be two.
    if twins:
        data["words"].append(json.dumps(twins, ensure_ascii=False, sort_keys=True))
    data["stamp"] = stamp_of(db, data["stamped"], data["words"])
    return data


def _read_child(db: sqlite_utils.Database, scope: Scope, mentee_id: str) -> dict[str, Any] | None:
    """The child's 一生一档: the child's file as the viewer may read it, every pairing's archive (as
    ``_read`` gives it, a deleted pairing's too), every 摸排 and 转介 of the child's life, the deleted
    ones marked, and one check code over all of it."""
    mentee = get_mentee(db, scope, mentee_id, deleted_too=True)
    if mentee is None:
        return None
    hide_private(scope.actor.role, "mentee", [mentee])
    gone_child = bool(mentee["deleted"])
    mentee["deleted_line"] = deletion_line(db, "mentee", mentee_id) if gone_child else None
    mentee["leaving"] = leaving_of(db, mentee_id)
    pairings = child_pairings(db, scope, mentee_id)
    archives = [a for a in (_read(db, scope, p["id"]) for p in pairings) if a is not None]
    for a in archives:  # the child's print numbers each pairing's visits and reviews only (child_print.html)
        _number_twins([e for e in a["timeline"] if e["kind"] in ("activity", "review")],
                      {x["id"]: x["twins"] for x in a["activities"]})
    screenings, gone_screenings = screenings_of(db, scope, mentee_id, child_deleted=gone_child)
    referrals, gone_referrals = referrals_of(db, scope, mentee_id, child_deleted=gone_child)
    donations = donations_of(db, scope, mentee_id, child_deleted=gone_child)
    gone_donations = donations_of(db, scope, mentee_id, deleted=True)
    dated = [*screenings, *gone_screenings, *referrals, *gone_referrals]
    name_authors(db, dated)
    for entity, rows in (("screening", gone_screenings), ("referral", gone_referrals), ("donation", gone_donations)):
        for x in rows:
            x["history"] = history_lines(db, entity, x["id"])
            x["deleted_line"] = deletion(x["history"])
    # Donations stamp only where there are some (``queries.archives.archive``): a file without any keeps its code.
    # A deleted one is printed with who deleted it (its last writer): that name is under the code too.
    stamped: dict[str, Any] = {"records": [mentee, *dated, *donations, *gone_donations], "conflicts": [],
                               "people": {x["author_id"] for x in dated}
                               | {p for d in donations for p in (d["author_id"], d["handed_by"])}
                               | {p for d in gone_donations for p in (d["author_id"], d["handed_by"], d["updated_by"])},
                               "units": {mentee["unit_id"]}}
    words = [json.dumps([[x["history"] for x in [*gone_screenings, *gone_referrals, *gone_donations]],
                         mentee["deleted_line"]], ensure_ascii=False)]
    if mentee["leaving"]:  # printed in the facts, so under the code, where there is one
        words.append(json.dumps(mentee["leaving"], ensure_ascii=False, sort_keys=True))
    for a in archives:
        for key in ("records", "conflicts"):
            stamped[key] += a["stamped"][key]
        for key in ("people", "units"):
            stamped[key] |= a["stamped"][key]
        words += a["words"]
    return {"mentee": mentee, "pairings": pairings, "archives": archives, "screenings": screenings,
            "referrals": referrals, "deleted_screenings": gone_screenings, "deleted_referrals": gone_referrals,
            "donations": donations, "deleted_donations": gone_donations, "stamp": stamp_of(db, stamped, words)}


def _counts(data: dict[str, Any]) -> dict[str, int]:
    """What a view showed, by entity, for the access log."""
    every = [*data["activities"], *data["deleted"]]
    reviews = len(data["reviews"]) + sum(len(a["reviews"]) for a in every)
    counts = {"mentee": 1, "pairing": len(data["pairings"]) or 1, "activity": len(every),
              "donation": len(data["donations"]) + len(data["deleted_donations"]),
              "screening": len(data["screenings"]) + len(data["deleted_screenings"]),
              "referral": len(data["referrals"]) + len(data["deleted_referrals"]) + len(data["referrals_going_on"]),
              "review": reviews}
    return {k: v for k, v in counts.items() if v}


async def _shown(page: Visit, request: Request, action: str) -> dict[str, Any]:
    """Read the archive in scope (404 otherwise) and log the view in the access log."""
    pairing_id = path_id(request.path_params["pairing_id"], "结对")
    scope = await page.scope()
    data = await page.state.store.read(lambda db: _read(db, scope, pairing_id))
    if data is None:
        raise not_found("结对")
    actor: Actor = page.actor
    counts, ip = _counts(data), client_ip(request)
    await page.state.store.write(lambda db: log_access(db, actor, action, pairing_id, entities=counts, ip=ip))
    data["names"] = sees_names(scope)
    return data


async def archive_detail(request: Request) -> Response:
    page = await require(request, OFFICE)
    data = await _shown(page, request, "view_pairing")
    can_edit = page.actor.role in STAFF and not data["pairing"]["mentee_deleted"]
    return page.render("archive_detail.html", {**data, "can_edit": can_edit})


async def archive_print(request: Request) -> Response:
    page = await require(request, OFFICE)
    data = await _shown(page, request, "print_pairing")
    actor = page.actor
    unit = await page.state.store.read(lambda db: unit_name(db, actor.unit_id))
    printed_at = utc_now()
    return page.render("archive_print.html", {
        **data, "printed_at": printed_at, "printed_by": actor.name, "printed_unit": unit,
    })


async def child_print(request: Request) -> Response:
    """The child's 一生一档 on A4: staff print their unit's children, the county the county's."""
    page = await require(request, OFFICE)
    mentee_id = path_id(request.path_params["mentee_id"], "帮扶对象")
    scope = await page.scope()
    actor = page.actor

    def read(db: sqlite_utils.Database) -> tuple[dict[str, Any] | None, str]:
        return _read_child(db, scope, mentee_id), unit_name(db, actor.unit_id)

    data, unit = await page.state.store.read(read)
    if data is None:
        raise not_found("帮扶对象")
    every = [a for p in data["archives"] for a in [*p["activities"], *p["deleted"]]]
    counts = {"mentee": 1, "pairing": len(data["pairings"]), "activity": len(every),
              "screening": len(data["screenings"]) + len(data["deleted_screenings"]),
              "referral": len(data["referrals"]) + len(data["deleted_referrals"]),
              "donation": len(data["donations"]) + len(data["deleted_donations"]),
              "review": sum(len(p["reviews"]) for p in data["archives"]) + sum(len(a["reviews"]) for a in every)}
    await log_shown(page, "print_mentee", mentee_id, counts)
    return page.render("child_print.html", {
        **data, "names": sees_names(scope), "private": reads_private(actor.role),
        "printed_at": utc_now(), "printed_by": actor.name, "printed_unit": unit,
    })


routes: list[BaseRoute] = [
    Route("/pairings/{pairing_id}", archive_detail, methods=["GET"], name="pairing_detail"),
    Route("/pairings/{pairing_id}/print", archive_print, methods=["GET"], name="pairing_print"),
    Route("/mentees/{mentee_id}/print", child_print, methods=["GET"], name="mentee_print"),
]
