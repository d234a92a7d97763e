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
from sync.timeutil import utc_now

from ..access import log_access
from ..clients import client_ip
from ..queries.archives import archive, sees_names, stamp_of
from ..queries.units import unit_name
from .common import OFFICE, STAFF, Visit, not_found, path_id, require
from .history import OPS, changed_after_approval, conflict_lines, edited_fields, history_lines


def _deletion(lines: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The history line of the record's (last) deletion: who deleted it and when, or None."""
    deletions = [h for h in lines if h["op"] == OPS["delete"]]
    return deletions[-1] if deletions else None


def _read(db: sqlite_utils.Database, scope: Scope, pairing_id: str) -> dict[str, Any] | None:
    """The archive with every change history and conflict in words: the same for the page and its
    print, so a paper copy shows each edit after approval, each deletion and each clash too."""
    data = archive(db, scope, pairing_id)
    if data is None:
        return None
    data["history"] = history_lines(db, "pairing", pairing_id)
    data["pairing"]["changed_after_approval"] = changed_after_approval(data["history"], data["reviews"])
    data["pairing"]["deleted_line"] = _deletion(data["history"]) if data["pairing"]["deleted"] else None
    data["conflicts"] = conflict_lines("pairing", data["conflicts"])
    every = [*data["activities"], *data["deleted"]]
    for a in every:
        a["history"] = history_lines(db, "activity", a["id"])
        a["changed_after_approval"] = changed_after_approval(a["history"], a["reviews"])
        a["edited"] = edited_fields("activity", a["history"])
        a["conflicts"] = conflict_lines("activity", a["conflicts"])
        # A visit of a deleted pairing went with it: the pairing's deletion is the visit's.
        a["deleted_line"] = _deletion(a["history"]) if a["deleted"] else data["pairing"]["deleted_line"]
        a["with_pairing"] = not a["deleted"]
    for entity, rows in (("screening", data["deleted_screenings"]), ("referral", data["deleted_referrals"])):
        for x in rows:
            x["history"] = history_lines(db, entity, x["id"])
            x["deleted_line"] = _deletion(x["history"])
    for p in data["pairings"]:
        p["deleted_line"] = _deletion(history_lines(db, "pairing", p["id"])) if p["deleted"] else None
    # The histories print names (who changed what, a volunteer named in a change): the code covers them.
    shown = [data["history"], data["conflicts"], *([a["history"], a["conflicts"]] for a in every),
             *(x["history"] for x in [*data["deleted_screenings"], *data["deleted_referrals"]]),
             *(p["deleted_line"] for p in data["pairings"])]
    data["words"] = [json.dumps(shown, ensure_ascii=False, sort_keys=True)]
    data["stamp"] = stamp_of(db, data["stamped"], data["words"])
    return data


def _counts(data: dict[str, Any]) -> dict[str, int]:
    """What a view showed, by entity, for the access log."""
    every = [*data["activities"], *data["deleted"]]
    reviews = len(data["reviews"]) + sum(len(a["reviews"]) for a in every)
    counts = {"mentee": 1, "pairing": len(data["pairings"]) or 1, "activity": len(every),
              "screening": len(data["screenings"]) + len(data["deleted_screenings"]),
              "referral": len(data["referrals"]) + len(data["deleted_referrals"]), "review": reviews}
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
    return page.render("archive_detail.html", {**data, "can_edit": page.actor.role in STAFF})


async def archive_print(request: Request) -> Response:
    page = await require(request, OFFICE)
    data = await _shown(page, request, "print_pairing")
    actor = page.actor
    unit = await page.state.store.read(lambda db: unit_name(db, actor.unit_id))
    printed_at = utc_now()
    return page.render("archive_print.html", {
        **data, "printed_at": printed_at, "printed_by": actor.name, "printed_unit": unit,
    })


routes: list[BaseRoute] = [
    Route("/pairings/{pairing_id}", archive_detail, methods=["GET"], name="pairing_detail"),
    Route("/pairings/{pairing_id}/print", archive_print, methods=["GET"], name="pairing_print"),
]
