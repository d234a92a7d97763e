"""The ``banxing`` commands for a county's database: serve it, load the demo, create it, reset an
account's password, back it up and restore it."""
from __future__ import annotations

import argparse
import json
import pathlib
import sqlite3
import sys

import sqlite_utils

from sync.audit import append_audit
from sync.system import SYSTEM

from .cli_common import Refused, existing_db, open_store, operator_name, print_table, run_once
from .config import Settings


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

    store = open_store(settings)
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
          "五老志愿者没有网页密码，用辅导站给的登记码在手机上登记。")
    shown = [{**u, "password": u["password"] or "没有网页密码（手机用登记码登记）"} for u in users]
    print_table(shown, [("login", "账号"), ("role", "角色"), ("name", "姓名"), ("unit", "单位"), ("password", "密码")])
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
                    about=f"由 {operator_name()} 用 banxing init 建立")
        return county

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        run_once(settings, found, write=True)
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
            raise Refused(f"{args.user} 是五老志愿者：志愿者没有网页密码，在手机上用登记码登记"
                          f"（banxing enrol-code --user {args.user}），忘记手机密码用恢复码（banxing recovery-code）。")
        if not active:
            raise Refused(f"账号 {args.user} 已停用，新密码也不能登录；请先由管理员在“账号”里恢复它。")
        save_user(db, SYSTEM, {"password_hash": password_hash}, user_id=user_id)
        append_audit(db, SYSTEM, "user", user_id, "reset_password", {"by": [None, operator_name()]})
        lockout.clear(db, args.user)
        sessions.end_user_sessions(db, user_id)
        return {"login": args.user, "name": name}

    done = run_once(existing_db(settings), reset, write=True)
    if args.json:
        print(json.dumps({**done, "password": password}, ensure_ascii=False))
        return 0
    print(f"账号 {done['login']}（{done['name']}）的新临时密码 {password}：只显示这一次；"
          "登录后要先设置自己的密码。这个账号已登录的网页都已退出。")
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from .backup import BackupRefused, backup

    target = pathlib.Path(args.to)
    try:
        with_key = backup(existing_db(settings).db_path, target)
    except BackupRefused as exc:
        print(str(exc), file=sys.stderr)
        return 2
    from .access import log_access
    from .backup_record import note_backup, note_path
    from .errors import StorageUnavailable, storage_failure

    key = f"，密钥文件写到了 {target}.secret（两个文件要放在一起保管）" if with_key else ""
    try:
        # Beside the database, not in it (the server is its only writer): the admin's 备份 page
        # reads it to say when the nightly backup was last taken, and when it stopped.
        note_backup(settings.db_path, target)
    except OSError as exc:
        # The snapshot is whole and stays; the page will go on asking for one, which is the safe side.
        print(f"没能在 {note_path(settings.db_path)} 记下这次备份（{exc.strerror or exc}）："
              "管理员的“备份”页看不到这次备份，会提醒备份没有按时做。", file=sys.stderr)
    try:
        # As the admin page's download is: a copy of every child's record left the server. Never
        # migrated: during an upgrade the old server still serves this file in its own schema.
        run_once(settings, lambda db: log_access(db, SYSTEM, "backup", f"{operator_name()}：{target.resolve()}"),
                 write=True, migrate=False)
    except sqlite3.OperationalError as exc:
        if storage_failure(exc) is not None:
            return _backup_not_logged(target, key, "数据库所在的磁盘不能写入（只读或出错）")
        # An access log of another schema than this code's (a much older or newer database).
        return _backup_not_logged(target, key, "数据库的版本和这个程序的不同")
    except (StorageUnavailable, sqlite3.Error, OSError):
        return _backup_not_logged(target, key, "数据库所在的磁盘不能写入（只读或出错）")
    print(f"备份已写到 {target}{key}。", file=sys.stderr)
    return 0


def _backup_not_logged(target: pathlib.Path, key: str, why: str) -> int:
    # The backup is whole and may be the last copy of a failing disk: it stays, and says so.
    print(f"备份已写到 {target}{key}；但{why}，这次备份没能记入访问日志，"
          "请另行记下是谁、何时做的备份。", file=sys.stderr)
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
