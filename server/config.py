"""Settings: one frozen dataclass, each setting declared once, read from the environment in one place.

Every field carries its help text in ``metadata``; ``SETTINGS`` lists (name, default, help)
for the docs test, and ``from_env`` casts ``BANXING_<NAME>`` by the field's type.
"""
from __future__ import annotations

import os
import pathlib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any


def setting(default: Any, help_text: str, *, secret: bool = False) -> Any:
    if isinstance(default, tuple):
        return field(default=default, metadata={"help": help_text, "secret": secret}, repr=not secret)
    return field(default=default, metadata={"help": help_text, "secret": secret})


# The page size the phone app asks a pull for (pwa/js/sync.js PULL_LIMIT; tests/http/test_numbers.py checks).
PHONE_PULL_LIMIT = 500


class SettingInvalid(ValueError):
    """A setting whose value cannot be used: a sentence naming the variable."""


@dataclass(frozen=True)
class Settings:
    db_path: pathlib.Path = setting(pathlib.Path("data/banxing.db"), "The SQLite file (created and migrated on start).")
    secret_keys: tuple[str, ...] = setting(
        (), "Signing keys, oldest first; the newest signs. Empty: a key file beside the database.", secret=True)
    host: str = setting("127.0.0.1", "Address `banxing serve` listens on.")
    port: int = setting(8000, "Port `banxing serve` listens on.")
    public_url: str = setting(
        "", "The address phones and browsers reach the server at (enrol links and QR codes); "
            "empty: http://HOST:PORT.")
    pwa_dir: str = setting(
        "", "A folder to serve the phone app from instead of the bundled pwa/ (a newer app without reinstalling).")
    header_timeout: float = setting(
        15.0, "Seconds a client may take to send a request's headers before the connection is closed (408).")
    max_header_bytes: int = setting(64 * 1024, "Largest header block of a request in bytes; more gets 431.")
    max_connections: int = setting(
        1000, "Most open connections at once (503 past it); kept below the process's open-file limit.")
    replica: str = setting(
        "", "Where Litestream replicates the database continuously: a folder (on another disk) or a URL "
            "(s3://bucket/path?endpoint=…); empty: no replication.")
    replica_sync_seconds: float = setting(
        1.0, "How often Litestream ships new changes to the replica (the recovery point).")
    max_batch_count: int = setting(1000, "Most mutations in one push; more gets 413.")
    max_batch_bytes: int = setting(4 * 1024 * 1024, "Largest push body in bytes; more gets 413.")
    max_pull_limit: int = setting(1000, "Largest page a pull may ask for.")
    enrol_code_hours: int = setting(72, "How long a one-time enrolment code stays valid.")
    token_days: int = setting(400, "How long a device token stays valid before the phone must enrol again.")
    recovery_code_hours: int = setting(24, "How long a one-time PIN-recovery code for one phone stays valid.")
    enrol_max_failures: int = setting(
        5, "Wrong enrolment codes from one address, or recovery codes for one phone, before it is locked out.")
    enrol_lockout_minutes: int = setting(15, "How long a locked-out address (or phone) must wait.")
    enrol_max_failures_per_hour: int = setting(
        50, "Wrong enrolment codes per hour from all addresses together before enrolment pauses until the hour ends.")
    trusted_proxies: tuple[str, ...] = setting(
        (), "Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are "
            "believed; empty: none, the TCP peer is the client.")
    session_hours: int = setting(12, "How long a web sign-in lasts without activity.")
    login_max_failures: int = setting(5, "Wrong passwords for one account before it is locked out.")
    login_lockout_minutes: int = setting(10, "How long a locked account waits; doubles with each further lockout.")
    readers: int = setting(4, "Read-only connections (threads) serving phone syncs and pages.")
    report_readers: int = setting(2, "Read-only connections (threads) serving reports and exports.")
    report_time_limit_ms: int = setting(20_000, "Longest a report or export may read before it is stopped.")
    fault_delay_in_write: float = setting(
        0.0, "Test only: seconds to sleep inside each write transaction (crash tests).")

    def __repr__(self) -> str:  # secrets never reach logs
        shown = ", ".join(
            f"{f.name}={'***' if f.metadata.get('secret') else getattr(self, f.name)!r}" for f in fields(self)
        )
        return f"Settings({shown})"

    @property
    def base_url(self) -> str:
        """Where people reach this server: ``public_url``, or the address it listens on."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def base_url_unreachable(self) -> str | None:
        """Why ``base_url`` is an address no phone can open, or None: listening on every interface
        (``0.0.0.0``, ``::``) with no ``public_url`` made every enrol link and QR code http://0.0.0.0:…"""
        if self.public_url or self.host.strip("[]") not in ("0.0.0.0", "::", ""):
            return None
        return (f"没有设置 BANXING_PUBLIC_URL，而服务器在本机所有地址上监听（{self.host}）：登记链接和二维码会写成 "
                f"{self.base_url}，手机打不开。请把 BANXING_PUBLIC_URL 设为手机能打开的地址"
                f"（如 http://192.168.1.10:{self.port}）")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``BANXING_<NAME>`` variables; keyword overrides (CLI flags) win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f"BANXING_{f.name.upper()}"
            raw = env.get(name)
            if raw is not None:
                try:
                    values[f.name] = _cast(f.default, raw)
                except ValueError:
                    kind = _KINDS.get(type(f.default), "合适的值")
                    raise SettingInvalid(f"{name}={raw!r} 不是有效的值（应为{kind}）。") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "db_path" in values:
            values["db_path"] = pathlib.Path(values["db_path"])
        settings = replace(cls(), **values)
        # uvicorn does not refuse a port past 65535: it logged nothing and served nothing, for ever.
        if not 0 <= settings.port <= 65535:
            raise SettingInvalid(f"端口 {settings.port} 不存在（应为 0–65535），请检查 --port 或 BANXING_PORT。")
        # A smaller maximum refuses every phone's pull (400) for ever: no phone would get a record again,
        # and each would show the refusal's programmer sentence to its volunteer.
        if settings.max_pull_limit < PHONE_PULL_LIMIT:
            raise SettingInvalid(
                f"BANXING_MAX_PULL_LIMIT={settings.max_pull_limit} 太小：伴行手机每次拉取 {PHONE_PULL_LIMIT} 条，"
                f"应不小于 {PHONE_PULL_LIMIT}。")
        return settings


_KINDS = {int: "整数", float: "数字", str: "文字", bool: "true 或 false", tuple: "逗号分隔的列表",
          pathlib.PosixPath: "路径"}


def _cast(default: Any, raw: str) -> Any:
    """A variable's text as the type of the setting's default."""
    if isinstance(default, pathlib.Path):
        return pathlib.Path(raw)
    if isinstance(default, tuple):
        return tuple(k.strip() for k in raw.split(",") if k.strip())
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int | float):
        return type(default)(raw)
    return raw


# (name, default, help) of every setting, in declaration order; test_docs checks the docs mention each.
SETTINGS: tuple[tuple[str, Any, str], ...] = tuple(
    (f.name, f.default if f.default is not MISSING else None, f.metadata["help"]) for f in fields(Settings)
)
