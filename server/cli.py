"""``banxing``: serve, create a county or load the demo one, issue phone codes, manage devices, backups.

Every command takes ``--db PATH`` (default ``data/banxing.db``). With ``--json`` a
command prints exactly one JSON document on stdout; progress goes to stderr.
"""
from __future__ import annotations

import argparse
import getpass
import json
import pathlib
import socket
import sqlite3
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import sqlite_utils

from sync.audit import append_audit
from sync.db import NotADatabase
from sync.system import SYSTEM
from sync.timeutil import SHANGHAI, parse_utc
from sync.users import fold_login

from .config import SettingInvalid, Settings
from .store import Store

T = TypeVar("T")


class Refused(Exception):
    """A sentence for the operator; the command exits 2 having changed nothing."""


def _existing(settings: Settings) -> Settings:
    """Refuse a ``--db`` that does not exist: a mistyped path must not become a new, empty county."""
    if not settings.db_path.exists():
        raise Refused(f"数据库文件 {settings.db_path} 不存在，请检查 --db 或 BANXING_DB_PATH。")
    return settings


def _operator() -> str:
    """Who ran a command, for the audit log: the operating-system account and the machine."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    return f"命令行 {user}@{socket.gethostname()}"


def _store(settings: Settings) -> Store:
    from .preflight import ServeRefused, check_files_beside

    try:
        check_files_beside(settings.db_path)
    except ServeRefused as exc:
        raise Refused(str(exc)) from None
    store = Store(settings.db_path, checkpoints=not settings.replica)
    store.migrate()
    return store


def _once(settings: Settings, fn: Callable[[sqlite_utils.Database], T], *, write: bool) -> T:
    """Open the database, run ``fn(db)`` in one write or read transaction, close it."""
    store = _store(settings)
    try:
        return store.write_now(fn) if write else store.read_now(fn)
    finally:
        store.close()


def _print_table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> None:
    widths = [max(_width(title), *(_width(str(r.get(key) or "")) for r in rows)) for key, title in columns]
    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()
    print(line([t for _, t in columns]))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line([str(r.get(k) or "") for k, _ in columns]))


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from .preflight import ServeRefused
    from .serving import serve

    try:
        serve(settings, create=args.create)
    except ServeRefused as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from .demo import DEMO_PASSWORD, demo_logins, load_demo

    store = _store(settings)
    try:
        has_data = store.read_now(lambda db: db.execute("SELECT count(*) FROM units").fetchone()[0] > 0)
        if has_data and not args.if_empty:
            print(f"{settings.db_path} 里已经有数据：要保留它就加 --if-empty，或者换一个新的 --db。", file=sys.stderr)
            return 2
        if not has_data:
            print("正在载入演示县（要几秒钟）…", file=sys.stderr)
            store.write_now(load_demo)
        users = store.read_now(demo_logins)
    finally:
        store.close()
    if args.json:
        print(json.dumps({"users": users}, ensure_ascii=False))
        return 0
    print(f"演示县已就绪（数据库 {settings.db_path}）。在网页上登录的演示账号，密码都是 {DEMO_PASSWORD}；"
          "五老志愿者不用密码，用辅导站给的登记码在手机上登记。")
    shown = [{**u, "password": u["password"] or "不用密码（手机用登记码登记）"} for u in users]
    _print_table(shown, [("login", "账号"), ("role", "角色"), ("name", "姓名"), ("unit", "单位"), ("password", "密码")])
    return 0


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    """A new county: its database, the county unit and its first administrator, who builds the rest
    (towns, stations and schools, accounts, children) on the web pages or from Excel."""
    from sync import NotAllowed, apply_mutations, new_id
    from sync.mutations import upsert
    from sync.users import create_user

    from .auth import hash_password, new_password

    path = settings.db_path
    if path.exists():
        raise Refused(f"{path} 已经存在：init 只新建一个县的数据库，不会改动已有的数据。")
    password = new_password()
    password_hash = hash_password(password)

    def found(db: sqlite_utils.Database) -> str:
        county = new_id()
        (outcome,) = apply_mutations(db, SYSTEM, [upsert("unit", {"name": args.county, "kind": "county"}, county)])
        if outcome.status != "applied":
            raise Refused(outcome.reason or "县的名称不能用。")
        create_user(db, login=args.admin, name=args.name, role="admin", unit_id=county, password_hash=password_hash,
                    about=f"由 {_operator()} 用 banxing init 建立")
        return county

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        _once(settings, found, write=True)
    except (Refused, NotAllowed):
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)  # nothing half-made is left to refuse the next try
        raise
    if args.json:
        print(json.dumps({"county": args.county, "login": args.admin, "password": password}, ensure_ascii=False))
        return 0
    print(f"已新建{args.county}的数据库 {path}。")
    print(f"管理员账号 {args.admin}（{args.name}），临时密码 {password}：第一次登录时要先设置自己的密码。")
    print(f"下一步：banxing serve --db {path}，用这个账号登录，在“单位”里建镇（街道）、辅导站和学校，"
          "在“账号”里建工作人员和五老志愿者的账号。")
    return 0


def cmd_reset_password(args: argparse.Namespace, settings: Settings) -> int:
    """A new one-time password for a web account, for when nobody who could reset it on 账号 can sign
    in: the county's only administrator forgot theirs or locked it. As the admin page's reset, it
    ends the account's web sessions and clears its sign-in lockout, and it is audited."""
    from sync.users import save_user

    from . import lockout, sessions
    from .auth import hash_password, new_password

    password = new_password()
    password_hash = hash_password(password)

    def reset(db: sqlite_utils.Database) -> dict[str, str]:
        row = db.execute("SELECT id, name, role, active FROM users WHERE login = ? AND id != ?",
                         [args.user, SYSTEM.user_id]).fetchone()
        if row is None:
            raise Refused(f"没有名为 {args.user!r} 的账号。")
        user_id, name, role, active = row
        if role == "mentor":
            raise Refused(f"{args.user} 是五老志愿者：志愿者不用密码，在手机上用登记码登记"
                          f"（banxing enrol-code --user {args.user}），忘记 PIN 码用恢复码（banxing recovery-code）。")
        if not active:
            raise Refused(f"账号 {args.user} 已停用，新密码也不能登录；请先由管理员在“账号”里恢复它。")
        save_user(db, SYSTEM, {"password_hash": password_hash}, user_id=user_id)
        append_audit(db, SYSTEM, "user", user_id, "reset_password", {"by": [None, _operator()]})
        lockout.clear(db, args.user)
        sessions.end_user_sessions(db, user_id)
        return {"login": args.user, "name": name}

    done = _once(_existing(settings), reset, write=True)
    if args.json:
        print(json.dumps({**done, "password": password}, ensure_ascii=False))
        return 0
    print(f"账号 {done['login']}（{done['name']}）的新临时密码 {password}：只显示这一次；"
          "登录后要先设置自己的密码。这个账号已登录的网页都已退出。")
    return 0


def _beijing(stamp: str | None) -> str:
    """A stored UTC time as the clock the station reads (``--json`` keeps the stored form): the raw
    ``2026-12-04T06:19:43.123Z`` read as 6 a.m. puts a code's end eight hours early."""
    return parse_utc(stamp).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if stamp else ""


def cmd_enrol_code(args: argparse.Namespace, settings: Settings) -> int:
    from .devices import issue_code
    from .qr import enrol_url

    def issue(db: sqlite_utils.Database) -> dict[str, str]:
        issued = issue_code(db, args.user, hours=settings.enrol_code_hours)
        user_id = db.execute("SELECT id FROM users WHERE login = ?", [args.user]).fetchone()[0]
        # The same audit row the volunteer's page writes, by the system user, saying who ran it.
        append_audit(db, SYSTEM, "user", user_id, "enrol_code",
                     {"enrol_code_expires_at": [None, issued["expires_at"]], "by": [None, _operator()]})
        return issued

    result = _once(_existing(settings), issue, write=True)
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
    return 0


def cmd_recovery_code(args: argparse.Namespace, settings: Settings) -> int:
    from .recovery import UnknownDevice, issue_recovery_code

    def issue(db: sqlite_utils.Database) -> dict[str, str]:
        issued = issue_recovery_code(db, args.device, hours=settings.recovery_code_hours)
        append_audit(db, SYSTEM, "device", args.device, "recovery_code",
                     {"recovery_code_expires_at": [None, issued["expires_at"]], "by": [None, _operator()]})
        return issued

    try:
        result = _once(_existing(settings), issue, write=True)
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

    rows = _once(_existing(settings), lambda db: list_devices(db, args.user), write=False)
    if args.json:
        print(json.dumps({"devices": rows}, ensure_ascii=False))
    elif not rows:
        print(f"{args.user} 没有登记过手机。")
    else:
        for r in rows:
            r["state"] = f"已停用：{r['revoked_reason']}" if r["revoked_at"] else "在用"
            r["created"], r["seen"] = _beijing(r["created_at"]), _beijing(r["last_seen_at"])
        _print_table(rows, [("id", "设备编号"), ("name", "名称"), ("created", "登记时间（北京时间）"),
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
                         {"revoked_reason": [None, args.reason], "by": [None, _operator()]})
        return known

    known = _once(_existing(settings), revoke, write=True)
    if not known:
        print(f"没有编号为 {args.device} 的设备。", file=sys.stderr)
        return 2
    print(f"设备 {args.device} 已停用；它下次联网时会收到停用通知并清除本机数据。", file=sys.stderr)
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from .backup import BackupRefused, backup

    target = pathlib.Path(args.to)
    try:
        with_key = backup(_existing(settings).db_path, target)
    except BackupRefused as exc:
        print(str(exc), file=sys.stderr)
        return 2
    from .access import log_access
    from .errors import StorageUnavailable

    key = f"，密钥文件写到了 {target}.secret（两个文件要放在一起保管）" if with_key else ""
    try:
        # As the admin page's download is: a copy of every child's record left the server.
        _once(settings, lambda db: log_access(db, SYSTEM, "backup", f"{_operator()}：{target.resolve()}"),
              write=True)
    except (StorageUnavailable, sqlite3.Error, OSError):
        # The backup is whole and may be the last copy of a failing disk: it stays, and says so.
        print(f"备份已写到 {target}{key}；但数据库所在的磁盘不能写入（只读或出错），这次备份没能记入访问日志，"
              "请另行记下是谁、何时做的备份。", file=sys.stderr)
        return 0
    print(f"备份已写到 {target}{key}。", file=sys.stderr)
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from .backup import BackupRefused, restore

    source_path = pathlib.Path(getattr(args, "from"))
    try:
        key_back = restore(source_path, settings.db_path)
    except BackupRefused as exc:
        print(str(exc), file=sys.stderr)
        return 2
    key = f"，密钥文件 {settings.db_path}.secret 也放回了" if key_back else ""
    print(f"已用 {source_path} 恢复了 {settings.db_path}{key}。请重新启动服务。", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="banxing", description="伴行 Banxing server and tools")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--db", default=None, help="SQLite file (default: BANXING_DB_PATH or data/banxing.db)")
        return p

    p = command("serve", "run the web server")
    p.add_argument("--host", default=None, help="listen address (default: BANXING_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="listen port (default: BANXING_PORT or 8000)")
    p.add_argument("--create", action="store_true",
                   help="create a new, empty database if --db does not exist (otherwise that is refused)")
    p.set_defaults(func=cmd_serve)

    p = command("demo", "load a demo county and print its logins")
    p.add_argument("--json", action="store_true", help='print {"users": [...]} only')
    p.add_argument("--if-empty", action="store_true", help="keep existing data; just print the logins")
    p.set_defaults(func=cmd_demo)

    p = command("init", "create a new county's database with its first administrator (prints a one-time password)")
    p.add_argument("--county", required=True, help="the county's name, e.g. 如东县")
    p.add_argument("--admin", required=True, help="the administrator's login")
    p.add_argument("--name", required=True, help="the administrator's name")
    p.add_argument("--json", action="store_true", help='print {"county", "login", "password"} only')
    p.set_defaults(func=cmd_init)

    # Every --user is folded as the sign-in page folds a login (NFKC, case, spaces): an operator's
    # `--user Sun.Laoshi`, or a name typed with a Chinese IME in full-width mode, finds the account.
    p = command("reset-password", "give a web account a new one-time password (e.g. the only admin forgot theirs)")
    p.add_argument("--user", required=True, type=fold_login, help="login")
    p.add_argument("--json", action="store_true", help='print {"login", "name", "password"} only')
    p.set_defaults(func=cmd_reset_password)

    p = command("enrol-code", "issue a one-time enrolment code for a user's phone")
    p.add_argument("--user", required=True, type=fold_login, help="login")
    p.add_argument("--json", action="store_true")
    p.add_argument("--link", action="store_true", help="also print the enrol link http://…/app/?code=… (for a QR code)")
    p.set_defaults(func=cmd_enrol_code)

    p = command("recovery-code", "issue a one-time code that unlocks a phone whose PIN was forgotten")
    p.add_argument("--device", required=True, help="the phone's device id (see `banxing devices`)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_recovery_code)

    p = command("devices", "list a user's phones")
    p.add_argument("--user", required=True, type=fold_login, help="login")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_devices)

    p = command("revoke", "revoke a (lost) phone")
    p.add_argument("--device", required=True)
    p.add_argument("--reason", default="手机已挂失")
    p.set_defaults(func=cmd_revoke)

    p = command("backup", "write a consistent snapshot of the database while it runs")
    p.add_argument("--to", required=True)
    p.set_defaults(func=cmd_backup)

    p = command("restore", "replace the database with a backup (stop the server first)")
    p.add_argument("--from", required=True)
    p.set_defaults(func=cmd_restore)
    return parser


def main(argv: list[str] | None = None) -> int:
    from sync import NotAllowed

    from .devices import UnknownUser
    from .errors import StorageUnavailable

    args = build_parser().parse_args(argv)
    try:
        # Settings are read once: the environment, then the command's flags.
        settings = Settings.from_env(db_path=args.db, host=getattr(args, "host", None),
                                     port=getattr(args, "port", None))
        return int(args.func(args, settings))
    except (UnknownUser, Refused, SettingInvalid, NotADatabase, NotAllowed) as exc:  # a sentence, not a traceback
        print(str(exc), file=sys.stderr)
        return 2
    except StorageUnavailable as exc:  # the Store's word for a full or failing disk
        print(f"没有完成：{exc.message}（{exc.detail}）", file=sys.stderr)
        return 1
    except (OSError, sqlite3.Error) as exc:  # a folder that is not there, a full disk, a damaged file
        print(f"没有完成：{exc}", file=sys.stderr)
        return 1
