"""``/staff``: the station home page — what needs doing today, most urgent first.

1. Open risk flags (发现自伤自残风险) stay on top until someone writes down the action taken
   (处理记录: ``activity.risk_action`` + ``risk_action_on``, a mutation like any other, kept
   writable after approval); the form for that is on each flag.
2. Records waiting for review, unresolved sync conflicts (counts, linked to those pages).
3. Overdue follow-ups, then those due within a week (``server/queries/followups.py``); how many
   pairings have gone quiet (久未帮扶, ``server/queries/quiet.py``), linked to their list.
4. Open referrals (转介 not yet concluded, ``server/queries/referrals.open_referrals``), the
   longest waiting first, each linked to the referral's page where it is tracked to its return.
5. Children in help whom no volunteer visits (never paired, last pairing ended, or paired only with
   a stopped volunteer), linked to /mentees filtered to them, where each has a link to pair them;
   those whose latest 摸排 rated them above their 关注等级 (a phone's does not change it), linked
   to /mentees?screening=higher (``server/queries/levels.py``).
6. Statistics returns owed for a period the county set days for (``server/deadlines.py``), with
   the earliest day and how many are late, linked to /returns#due. For the admin, a nightly
   ``banxing backup`` never noted or older than two days (``server/backup_record.py``), linked to
   /admin/backup.
7. Visits a volunteer's phone sent after the station ended the pairing (or handed the child on, or
   deleted the child), refused and not in the system yet (``server/queries/refused.py``): counted
   on a tile; one that ticked 发现自伤自残风险 stands first among the flags, with 归入原结对.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import apply_mutations, parse_id
from sync.entities import ENTITIES
from sync.mutations import upsert
from sync.timeutil import local_today

from ..backup_record import check_backup
from ..deadlines import returns_owed
from ..forms import FormInvalid, parse_fields, refusal_errors
from ..queries.dashboard import scope_units
from ..queries.followups import (
    count_open_risk_flags,
    count_overdue_follow_ups,
    due_follow_ups,
    get_flagged_activity,
    handled_risk_flags,
    open_risk_flags,
    overdue_follow_ups,
)
from ..queries.inspections import list_inspections
from ..queries.mentees import count_rated_higher, count_waiting
from ..queries.peers import register_gaps
from ..queries.quiet import count_quiet_pairings
from ..queries.referrals import count_open_referrals, open_referrals, referrals_of_flags
from ..queries.refused import refused_flag_list, refused_records
from ..queries.station import open_conflicts, pending_reviews
from ..queries.units import get_unit
from ..refusal_filing import why_not
from .form_posts import form_values, require_form, restore_draft
from .links import route_paths
from .paging import page_count, page_links, page_number, past_the_end
from .path_records import not_found
from .shown import log_shown
from .visits import ADMIN, CHILD_FILE, STAFF, Visit, require
from .writes import base_version

HANDLING = ("risk_action", "risk_action_on")
# A county's home over years of records can hold thousands of open flags or overdue follow-ups:
# all on one page was 22 MB of HTML and 1.3 s for the admin over 10^6 activities (docs/performance.md,
# "Every page at county scale"). Flags are paged (each carries its own form); the overdue table
# shows the most overdue and links the whole list of the archive browser.
FLAGS_PER_PAGE = 20
OVERDUE_SHOWN = 50


async def render_home(visit: Visit, *, draft: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                  status: int = 200) -> Response:
    scope = await visit.scope()
    today = local_today()
    page = page_number(visit.request.query_params)

    files = visit.actor.role in CHILD_FILE  # reads the refused words and files them (as on phone-import)

    def read(db: Any) -> dict[str, Any]:
        flags = open_risk_flags(db, scope, limit=FLAGS_PER_PAGE, offset=(page - 1) * FLAGS_PER_PAGE)
        units = scope_units(db, scope)
        refused = refused_records(db, scope)
        # A flag a phone sent too late is in no list until filed: it stands first, on the first page.
        unseen = refused_flag_list(db, scope, units, refused)
        for r in unseen:  # 归入原结对 where the write path would take it, else why not
            r["not_filed"] = why_not(db, r) if files else None
        return {
            # A school's staff are the school: its flags' what-to-do names the class teacher instead.
            "own_kind": (get_unit(db, scope, visit.actor.unit_id) or {}).get("kind"),
            "refused_count": len(refused), "refused_flags": unseen if page == 1 else [],
            "refused_flags_count": len(unseen),
            "flags": flags,
            # The child already referred says so on the flag's card, so staff do not refer twice.
            "flag_referrals": referrals_of_flags(db, scope, flags),
            "flags_open": count_open_risk_flags(db, scope),
            "handled": handled_risk_flags(db, scope),
            "overdue": overdue_follow_ups(db, scope, today, limit=OVERDUE_SHOWN),
            "overdue_count": count_overdue_follow_ups(db, scope, today),
            "due": due_follow_ups(db, scope, today),
            "pending_reviews": pending_reviews(db, scope),
            "open_conflicts": open_conflicts(db, scope),
            "referrals": open_referrals(db, scope),
            "referrals_open": count_open_referrals(db, scope),
            # What the county's (or the town's) inspections left to fix here or below, oldest deadline first.
            "rectifications": sorted((r for r in list_inspections(db, scope, today=today)
                                      if r["state"] in ("open", "overdue")), key=lambda r: r["rectify_due"] or ""),
            "quiet": count_quiet_pairings(db, units, today),
            "waiting": count_waiting(db, scope),
            # For those who set a child's level (not the admin): at a county's 50,000 children it cost 0.17 s.
            "rated_higher": count_rated_higher(db, scope) if files else 0,
            "returns": returns_owed(db, scope, today),
            "peers": register_gaps(db, scope),
        }

    data = await visit.state.store.read(read)
    pages = page_count(data["flags_open"], FLAGS_PER_PAGE)
    if (elsewhere := past_the_end(visit, page, pages)) is not None:
        return elsewhere
    # Each open flag shows its visit's 过程记录 and 事后跟踪 (a child at risk of self-harm, in the
    # volunteer's words): reading them here is logged as opening the visit's own page is. A home with
    # none still names children and quotes follow-ups (overdue, due, handled flags, open referrals):
    # one row either way, named for the most sensitive thing shown, counting all of it.
    visits = {row["id"] for key in ("flags", "handled", "overdue", "due") for row in data[key]}
    if files and data["refused_flags"]:  # their words, as the phone-import page shows and logs them
        await log_shown(visit, "view_phone_refusals", visit.actor.unit_id, {"activity": len(data["refused_flags"])})
    await log_shown(visit, "view_risk_flags" if data["flags"] else "view_staff_home", visit.actor.unit_id,
                    {"activity": len(visits), "referral": len({r["id"] for r in data["referrals"]}
                                                              | {r["id"] for rs in data["flag_referrals"].values()
                                                                 for r in rs})})
    return visit.render("staff/home.html", {
        **data, "today": today.isoformat(), "draft": draft or {}, "errors": errors or {},
        # The admin keeps the backups: a missing or old note of the nightly one is a to-do of theirs.
        "nightly": check_backup(visit.state.settings.db_path) if visit.actor.role in ADMIN else None,
        "unit_id": visit.actor.unit_id, "files_refusals": files,
        "page": page, "pager": page_links({}, page, pages), "flags_per_page": FLAGS_PER_PAGE,
        "links": route_paths(visit.request, "review_queue", "conflict_list", "referral_list", "activity_new",
                              "quiet_pairings", "pairing_list", "mentee_list", "return_list", "peer_list",
                              # entered by the staff who work with the children, not by the admin
                              *(("phone_import",) if visit.actor.role in CHILD_FILE else ())),
    }, status=status)


async def staff_home(request: Request) -> Response:
    visit = await require(request, STAFF)
    return await render_home(visit, draft=await restore_draft(visit))


async def risk_action_save(request: Request) -> Response:
    """Record what was done about one risk flag; the flag then leaves the open list."""
    visit, form = await require_form(request, STAFF)
    values = form_values(form)
    activity_id = parse_id(values.get("activity_id"))
    scope = await visit.scope()
    flag = None if activity_id is None else await visit.state.store.read(
        lambda db: get_flagged_activity(db, scope, activity_id))
    if flag is None or activity_id is None:
        raise not_found("风险提示")
    values.setdefault("risk_action_on", local_today().isoformat())
    try:
        fields = parse_fields("activity", HANDLING, values)
    except FormInvalid as exc:
        return await render_home(visit, draft=values, errors={f"{activity_id}.{k}": v for k, v in exc.errors.items()},
                             status=400)
    if not fields["risk_action"]:
        return await render_home(visit, draft=values, status=400,
                             errors={f"{activity_id}.risk_action": "请写下做了什么（如联系了谁、孩子现在怎样）。"})
    fields["risk_action_on"] = fields["risk_action_on"] or local_today().isoformat()
    if str(fields["risk_action_on"]) > local_today().isoformat():
        # What was done about a child at risk is written after doing it: a later day is a slip of
        # the year (2062 for 2026), which would date the handling after it is read.
        return await render_home(visit, draft=values, status=400, errors={
            f"{activity_id}.risk_action_on": "处理日期不能晚于今天，请填写实际处理的那一天。"})
    shown = base_version(values)
    mutation = upsert("activity", fields, activity_id, base_version=flag["version"] if shown is None else shown)
    actor = visit.actor
    (outcome,) = await visit.state.store.write(lambda db: apply_mutations(db, actor, [mutation]))
    if outcome.status == "rejected":
        found = refusal_errors(ENTITIES["activity"], outcome, HANDLING)
        return await render_home(visit, draft=values, status=400,
                             errors={f"{activity_id}.{k}": v for k, v in found.items()})
    if outcome.status == "conflict":
        return visit.redirect(_back(request), flash=f"处理记录已保存，但有冲突：{outcome.reason}")
    return visit.redirect(_back(request), flash=f"已记录对 {flag['mentee_code']} 的风险处理情况。")


def _back(request: Request) -> str:
    """The page of flags the form was on (a handled flag leaves it; past the end goes to the last)."""
    page = page_number(request.query_params)
    return f"{request.url.path}?page={page}" if page > 1 else request.url.path


routes: list[BaseRoute] = [
    Route("/staff", staff_home, methods=["GET"], name="staff_home"),
    Route("/staff", risk_action_save, methods=["POST"], name="risk_action_save"),
]
