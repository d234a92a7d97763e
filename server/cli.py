"""``banxing``: serve, create a county or load the demo one, issue phone codes, manage devices, backups.

Every command takes ``--db PATH`` (default ``data/banxing.db``). With ``--json`` a
command prints exactly one JSON document on stdout; progress goes to stderr. This module reads
the arguments and turns refusals into exit codes; the commands are in ``county_commands.py`` and
``phone_commands.py``.
"""
from __future__ import annotations

import argparse
import sqlite3
import sys

from sync.account_values import fold_login
from sync.db import NotADatabase

from .cli_common import Refused
from .config import SettingInvalid, Settings
from .county_commands import cmd_backup, cmd_demo, cmd_init, cmd_reset_password, cmd_restore, cmd_serve
from .phone_commands import cmd_devices, cmd_enrol_code, cmd_recovery_code, cmd_revoke


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
    p.add_argument("--json", action="store_true", help='print {"code", "expires_at"} (and "link") only')
    p.add_argument("--link", action="store_true", help="also print the enrol link http://…/app/?code=… (for a QR code)")
    p.set_defaults(func=cmd_enrol_code)

    p = command("recovery-code", "issue a one-time code that unlocks a phone whose PIN was forgotten")
    p.add_argument("--device", required=True, help="the phone's device id (see `banxing devices`)")
    p.add_argument("--json", action="store_true", help='print {"code", "expires_at"} only')
    p.set_defaults(func=cmd_recovery_code)

    p = command("devices", "list a user's phones")
    p.add_argument("--user", required=True, type=fold_login, help="login")
    p.add_argument("--json", action="store_true", help='print {"devices": [...]} only')
    p.set_defaults(func=cmd_devices)

    p = command("revoke", "revoke a (lost) phone")
    p.add_argument("--device", required=True, help="the phone's device id (see `banxing devices`)")
    p.add_argument("--reason", default="手机已挂失", help="why, kept in the audit trail (default: 手机已挂失)")
    p.set_defaults(func=cmd_revoke)

    p = command("backup", "write a consistent snapshot of the database while it runs")
    p.add_argument("--to", required=True, help="the backup file to write (never an existing one)")
    p.set_defaults(func=cmd_backup)

    p = command("restore", "replace the database with a backup (stop the server first)")
    p.add_argument("--from", required=True, help="the backup file to restore from")
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
