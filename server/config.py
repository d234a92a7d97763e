"""Settings: one frozen dataclass, read from the environment in one place."""
from __future__ import annotations

import os
import pathlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

# (name, default, help) — every setting, documented; test_docs checks docs/ mention each.
SETTINGS: tuple[tuple[str, Any, str], ...] = (
    ("db_path", "data/banxing.db", "The SQLite file (created and migrated on start)."),
    ("secret_keys", (), "Signing keys, oldest first; the newest signs. Empty: a key file beside the database."),
    ("max_batch_count", 1000, "Most mutations in one push; more gets 413."),
    ("max_batch_bytes", 4 * 1024 * 1024, "Largest push body in bytes; more gets 413."),
    ("max_pull_limit", 1000, "Largest page a pull may ask for."),
    ("enrol_code_hours", 72, "How long a one-time enrolment code stays valid."),
    ("token_days", 400, "How long a device token stays valid before the phone must enrol again."),
    ("enrol_max_failures", 5, "Wrong enrolment codes from one address before it is locked out."),
    ("enrol_lockout_minutes", 15, "How long a locked-out address must wait."),
    ("readers", 4, "Read-only connections (threads) serving reads."),
    ("fault_delay_in_write", 0.0, "Test only: seconds to sleep inside each write transaction (crash tests)."),
)


@dataclass(frozen=True)
class Settings:
    db_path: pathlib.Path = pathlib.Path("data/banxing.db")
    secret_keys: tuple[str, ...] = field(default=(), repr=False)
    max_batch_count: int = 1000
    max_batch_bytes: int = 4 * 1024 * 1024
    max_pull_limit: int = 1000
    enrol_code_hours: int = 72
    token_days: int = 400
    enrol_max_failures: int = 5
    enrol_lockout_minutes: int = 15
    readers: int = 4
    fault_delay_in_write: float = 0.0

    def __repr__(self) -> str:  # secrets never reach logs
        shown = ", ".join(
            f"{f.name}={'***' if f.name == 'secret_keys' else getattr(self, f.name)!r}" for f in fields(self)
        )
        return f"Settings({shown})"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``BANXING_<NAME>`` variables; keyword overrides (CLI flags) win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"BANXING_{f.name.upper()}")
            if raw is None:
                continue
            if f.name == "db_path":
                values[f.name] = pathlib.Path(raw)
            elif f.name == "secret_keys":
                values[f.name] = tuple(k.strip() for k in raw.split(",") if k.strip())
            elif f.name == "fault_delay_in_write":
                values[f.name] = float(raw)
            else:
                values[f.name] = int(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "db_path" in values:
            values["db_path"] = pathlib.Path(values["db_path"])
        return replace(cls(), **values)
