"""``/admin/access-log`` (who viewed or exported which child's record, when) and ``/admin/backup``
(when ``banxing backup`` last took the server's own snapshot, ``server/backup_record.py``; and a
consistent online snapshot of the database, downloaded; the download is itself logged)."""
from __future__ import annotations

import asyncio
import datetime
import pathlib
import shutil
import tempfile
from typing import Any
from urllib.parse import urlencode

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from sync import parse_id
from sync.timeutil import SHANGHAI, utc_midnight

from ..access import count_access_log, log_access, read_access_log
from ..backup import BackupRefused, backup
from ..backup_record import check_backup
from ..clients import client_ip
from ..errors import AppError, ParamInvalid
from ..queries.admin import accounts_for, child_unit, describe_targets, people_in_log, target_for_code
from ..replication import replica_state
from ..templating import chinese_date
from .form_posts import require_form
from .paging import page_count, page_number, past_the_end
from .report_params import FIRST_YEAR, LAST_YEAR
from .visits import ADMIN, require

PAGE = 100
ACTIONS = {
    "view_mentee": "查看帮扶对象", "view_pairing": "查看结对档案", "print_pairing": "打印结对档案",
    "print_mentee": "打印一生一档",
    "pull": "手机同步", "export_stats": "导出统计表", "export": "导出", "backup": "下载备份",
    "import_phone_export": "录入手机导出的记录", "preview_phone_export": "预览手机导出的记录",
    "edit_mentee": "打开帮扶对象修改页",
    "edit_activity": "打开帮扶活动修改页",
    "edit_pairing": "打开结对修改页", "view_conflict": "查看同步冲突", "view_conflicts": "查看同步冲突列表",
    "view_activity": "查看帮扶活动", "view_referral": "查看转介", "view_donation": "查看爱心捐助",
    "view_donation_totals": "查看爱心捐助统计",
    "view_stats_records": "查看统计表数字依据的记录", "view_review_queue": "查看审核队列",
    "view_risk_flags": "查看风险提示", "view_phone_refusals": "查看手机送来、没有收下的记录",
    "close_phone_refusal": "手机送来的记录不收进系统，记下处理情况",
    "export_stats_xlsx": "导出统计表（Excel）", "export_stats_csv": "导出统计表（CSV）",
    "export_return_xlsx": "导出报送的统计表（Excel）", "export_return_csv": "导出报送的统计表（CSV）",
    "view_mentee_list": "查看帮扶对象名单", "view_pairing_list": "查看结对档案列表",
    "view_referral_list": "查看转介列表", "view_quiet_pairings": "查看久未帮扶的结对",
    "view_staff_home": "查看工作台的跟踪和转介", "view_dashboard": "查看工作概况里的孩子",
    "view_mentor_pairings": "查看志愿者结对的孩子", "end_pairing": "打开结束结对页", "leave_care": "打开结束帮扶页",
    "view_mentee_choices": "打开列出孩子的登记表",
    "view_import_preview": "导入预览中对照已有帮扶对象",
    "view_likely_visits": "代录时查看同一天已有的帮扶记录",
}
ENTITY_WORDS = {"mentee": "帮扶对象", "pairing": "结对", "activity": "帮扶活动", "screening": "摸排",
                "review": "审核", "event": "集体活动", "unit": "单位", "inspection": "督查", "referral": "转介",
                "donation": "爱心捐助",
                "draft": "草稿", "evidence": "依据"}


def _day(raw: str | None) -> datetime.date | None:
    """A filter's day, or None (no filter) for an empty, unreadable or far-off one: a day past
    9999-12-30 has no next midnight to compare with."""
    try:
        day = datetime.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return day if day is not None and FIRST_YEAR <= day.year <= LAST_YEAR else None


async def admin_access_log(request: Request) -> Response:
    visit = await require(request, ADMIN)
    q = request.query_params
    # A login or a name typed into the address is found too; one that names nobody (or several people)
    # is said, never read as no filter, which would list everyone's views as if they were this person's.
    user_text = (q.get("user") or "").strip()[:60]
    target_text = (q.get("target") or "").strip()[:60]
    since_day, until_day = _day(q.get("from")), _day(q.get("to"))
    if since_day and until_day and since_day > until_day:
        # Read as given, the log would answer 没有符合条件的记录: "nobody looked at this child".
        raise ParamInvalid(f"起始日期{chinese_date(since_day.isoformat())}晚于截止日期"
                           f"{chinese_date(until_day.isoformat())}，请调换后再试。")
    page = page_number(q)

    def read(db: Any) -> dict[str, Any]:
        found = (parse_id(target_text) or target_for_code(db, target_text)) if target_text else None
        target = (found or target_text) if target_text else None
        accounts = accounts_for(db, user_text) if user_text else []
        person = accounts[0][0] if len(accounts) == 1 else None
        filters: dict[str, Any] = {
            "user_id": person, "target": target,
            "since": utc_midnight(since_day) if since_day else None,
            "until": utc_midnight(until_day + datetime.timedelta(days=1)) if until_day else None,
        }
        unknown_user = bool(user_text) and person is None
        rows = [] if unknown_user else read_access_log(db, limit=PAGE, offset=(page - 1) * PAGE, **filters)
        described = describe_targets(db, [r["target"] for r in rows if r["target"]])
        # Neither a record id nor any child's code: 没有符合条件的记录 would read as "no one looked at
        # this child", when the code was mistyped.
        return {"rows": rows, "total": 0 if unknown_user else count_access_log(db, **filters),
                "described": described, "people": people_in_log(db), "person": person or "",
                "unknown_user": unknown_user, "accounts": accounts,
                "unknown_target": bool(target_text) and found is None, "child_unit": child_unit(db, found)}

    data = await visit.state.store.read(read, pool="reports", time_limit_ms=visit.state.settings.report_time_limit_ms)
    pages = page_count(data["total"], PAGE)
    if last := past_the_end(visit, page, pages):
        return last
    return visit.render("admin_access_log.html", {
        **data, "actions": ACTIONS, "entity_words": ENTITY_WORDS, "page": page, "pages": pages,
        "filters": {"user": data["person"], "user_text": user_text, "target": target_text,
                    "from": q.get("from") or "", "to": q.get("to") or ""},
        "query": urlencode({k: v for k, v in (("user", data["person"]), ("target", target_text), ("from", since_day),
                                              ("to", until_day)) if v}),
    })


class BackupNotTaken(AppError):
    """backup() refused (the running server's -wal deleted): the server's, not the admin's, and it passes."""

    status, code = 503, "backup_refused"


async def admin_backup(request: Request) -> Response:
    visit = await require(request, ADMIN)
    return visit.render("admin_backup.html", {"db_path": str(visit.state.settings.db_path), "replica": replica_state(),
                                              "nightly": check_backup(visit.state.settings.db_path)})


async def admin_backup_download(request: Request) -> Response:
    """Copy a consistent snapshot with SQLite's online backup API (the server keeps serving and
    writing meanwhile), log the download, and send the file; the copy is removed once sent."""
    visit, _form = await require_form(request, ADMIN)
    folder = pathlib.Path(tempfile.mkdtemp(prefix="banxing-backup-"))
    stamp = datetime.datetime.now(SHANGHAI).strftime("%Y%m%d-%H%M%S")
    target = folder / f"banxing-{stamp}.db"
    try:
        await asyncio.to_thread(backup, visit.state.settings.db_path, target)
    except BackupRefused as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise BackupNotTaken(str(exc)) from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    actor, ip = visit.actor, client_ip(request)
    await visit.state.store.write(lambda db: log_access(db, actor, "backup", None, ip=ip))
    response = FileResponse(target, media_type="application/vnd.sqlite3", filename=target.name,
                            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))
    response.headers["cache-control"] = "no-store"
    return response


routes: list[BaseRoute] = [
    Route("/admin/access-log", admin_access_log, methods=["GET"], name="admin_access_log"),
    Route("/admin/backup", admin_backup, methods=["GET"], name="admin_backup"),
    Route("/admin/backup", admin_backup_download, methods=["POST"], name="admin_backup_download"),
]
