"""The ``banxing`` commands for volunteers' phones: enrolment and recovery codes, listing a user's
phones, revoking a lost one."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import sqlite_utils

from sync.audit import append_audit
from sync.system import SYSTEM
from sync.timeutil import SHANGHAI, parse_utc

from .cli_common import Refused, existing_db, operator_name, print_table, run_once
from .config import Settings


def _beijing(stamp: str | None) -> str:
    """A stored UTC time as the clock the station reads (``--json`` keeps the stored form): the raw
    ``2026-12-04T06:19:43.123Z`` read as 6 a.m. puts a code's end eight hours early."""
    return parse_utc(stamp).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if stamp else ""


def cmd_enrol_code(args: argparse.Namespace, settings: Settings) -> int:
    from .devices import issue_code
    from .qr import enrol_url

    def issue(db: sqlite_utils.Database) -> dict[str, Any]:
        issued = issue_code(db, args.user, hours=settings.enrol_code_hours)
        user_id = db.execute("SELECT id FROM users WHERE login = ?", [args.user]).fetchone()[0]
        # The same audit row the volunteer's page writes, by the system user, saying who ran it.
        append_audit(db, SYSTEM, "user", user_id, "enrol_code",
                     {"enrol_code_expires_at": [None, issued["expires_at"]], "by": [None, operator_name()]})
        return issued

    unreachable = settings.base_url_unreachable
    if args.link and unreachable:  # checked first: a code issued for a link nobody can open is wasted
        raise Refused(f"{unreachable}，再运行这个命令。没有发登记码。")
    result = run_once(existing_db(settings), issue, write=True)
    # The JSON document stays {"code", "expires_at"} (DESIGN.md); the notice goes to stderr there.
    replaced = result.pop("replaced")
    if args.link:
        # What the station's QR code carries: opening it fills the code in, one tap enrols.
        result["link"] = enrol_url(settings.base_url, result["code"])
    if args.json:
        print(json.dumps(result))
    else:
        code = result["code"]
        print(f"登记码 {code[:4]} {code[4:]}（一次有效，北京时间 {_beijing(result['expires_at'])} 前使用）")
        if args.link:
            print(f"登记链接 {result['link']}")
    if replaced:
        print(f"之前发给 {args.user} 的登记码已经作废，不能再用来登记；只有这个新码有效。",
              file=sys.stderr if args.json else sys.stdout)
    return 0


def cmd_recovery_code(args: argparse.Namespace, settings: Settings) -> int:
    from .recovery import UnknownDevice, issue_recovery_code

    def issue(db: sqlite_utils.Database) -> dict[str, str]:
        issued = issue_recovery_code(db, args.device, hours=settings.recovery_code_hours)
        append_audit(db, SYSTEM, "device", args.device, "recovery_code",
                     {"recovery_code_expires_at": [None, issued["expires_at"]], "by": [None, operator_name()]})
        return issued

    try:
        result = run_once(existing_db(settings), issue, write=True)
    except UnknownDevice as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result))
    else:
        code = result["code"]
        until = _beijing(result["expires_at"])
        print(f"恢复码 {code[:4]} {code[4:]}（只对这台手机有效，一次有效，北京时间 {until} 前使用）")
    return 0


def cmd_devices(args: argparse.Namespace, settings: Settings) -> int:
    from .devices import list_devices

    rows = run_once(existing_db(settings), lambda db: list_devices(db, args.user), write=False)
    if args.json:
        print(json.dumps({"devices": rows}, ensure_ascii=False))
    elif not rows:
        print(f"{args.user} 没有登记过手机。")
    else:
        for r in rows:
            r["state"] = f"已停用：{r['revoked_reason']}" if r["revoked_at"] else "在用"
            r["created"], r["seen"] = _beijing(r["created_at"]), _beijing(r["last_seen_at"])
        print_table(rows, [("id", "设备编号"), ("name", "名称"), ("created", "登记时间（北京时间）"),
                            ("seen", "最近同步（北京时间）"), ("state", "状态")])
    return 0


def cmd_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from .devices import revoke_device

    def revoke(db: sqlite_utils.Database) -> bool:
        was_live = db.execute("SELECT 1 FROM sync_devices WHERE id = ? AND revoked_at IS NULL",
                              [args.device]).fetchone() is not None
        known = revoke_device(db, args.device, args.reason)
        if was_live:
            append_audit(db, SYSTEM, "device", args.device, "revoke",
                         {"revoked_reason": [None, args.reason], "by": [None, operator_name()]})
        return known

    known = run_once(existing_db(settings), revoke, write=True)
    if not known:
        print(f"没有编号为 {args.device} 的设备。", file=sys.stderr)
        return 2
    print(f"设备 {args.device} 已停用；它下次联网时会收到停用通知并清除本机数据。", file=sys.stderr)
    return 0
