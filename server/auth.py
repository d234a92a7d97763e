"""Signing (one itsdangerous salt per purpose, key rotation), device tokens, passwords.

Keys are a list, oldest first; the newest signs and all verify, so a key can be
rotated by appending a new one and dropping the oldest later. Tokens carry a
prefix per purpose: ``None`` means "not a token of mine", an exception "mine but bad".
"""
from __future__ import annotations

import datetime
import os
import pathlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .errors import TokenExpired, TokenInvalid

DEVICE_PREFIX = "bxd1."
RECOVERY_PREFIX = "bxr1."
SALTS = {
    "device": "banxing.device-token", "session": "banxing.web-session", "csrf": "banxing.csrf",
    "import": "banxing.import-preview", "phone_import": "banxing.phone-import-preview",
    # Kept in the clear on a phone, so it opens nothing but the PIN-recovery endpoint.
    "recovery": "banxing.recovery-token",
}

VERIFIED_KEPT = 4096  # a county has a few hundred phones; the cache empties itself past this

TOKEN_INVALID = "登记凭证无效，请重新登记这台手机。"

_hasher = PasswordHasher()  # argon2id with the library's (slow) defaults


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# Easy to read aloud and type: no 0/O, 1/l/I.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_password() -> str:
    """A one-time password an administrator reads out, e.g. ``k7mq-x3ta-9pvw``."""
    chars = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))
    return "-".join(chars[i:i + 4] for i in range(0, 12, 4))


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def key_file(db_path: pathlib.Path) -> pathlib.Path:
    """Where the signing key is kept, beside the database, when ``BANXING_SECRET_KEYS`` is unset."""
    return db_path.with_name(db_path.name + ".secret")


def load_keys(configured: tuple[str, ...], db_path: pathlib.Path) -> tuple[str, ...]:
    """Configured keys, or a random key kept in a 0600 file beside the database."""
    if configured:
        return configured
    path = key_file(db_path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32) + "\n")
    keys = tuple(k.strip() for k in path.read_text().splitlines() if k.strip())
    return keys


@dataclass
class Signers:
    """One serializer per purpose, all over the same rotating key list."""

    keys: tuple[str, ...]
    _serializers: dict[str, URLSafeTimedSerializer] = field(default_factory=dict, repr=False)
    # Device tokens whose signature checked out: body -> (payload, signed at, signed by the newest key).
    _verified: dict[str, tuple[dict[str, Any], datetime.datetime, bool]] = field(default_factory=dict, repr=False)

    def serializer(self, purpose: str, *, newest_only: bool = False) -> URLSafeTimedSerializer:
        """The (cached) serializer of ``purpose``; ``newest_only`` verifies with the newest key alone."""
        name = purpose + (":newest" if newest_only else "")
        if name not in self._serializers:
            keys = [self.keys[-1]] if newest_only else list(self.keys)
            self._serializers[name] = URLSafeTimedSerializer(keys, salt=SALTS[purpose])
        return self._serializers[name]

    def device_token(self, device_id: str, user_id: str) -> str:
        return DEVICE_PREFIX + str(self.serializer("device").dumps({"d": device_id, "u": user_id}))

    def recovery_token(self, device_id: str, user_id: str) -> str:
        return RECOVERY_PREFIX + str(self.serializer("recovery").dumps({"d": device_id, "u": user_id}))

    def _read_phone_token(self, purpose: str, body: str, max_age_days: int) -> tuple[dict[str, Any], datetime.datetime]:
        """``({"d", "u"}, signed at)`` from the body of a phone's token; ``Unauthorized`` if bad."""
        try:
            data, signed_at = self.serializer(purpose).loads(body, max_age=max_age_days * 86400, return_timestamp=True)
        except SignatureExpired:
            raise TokenExpired("这台手机的登记已过期，请向辅导站要新的登记码重新登记。") from None
        except BadSignature:
            raise TokenInvalid(TOKEN_INVALID) from None
        if not isinstance(data, dict) or not isinstance(data.get("d"), str) or not isinstance(data.get("u"), str):
            raise TokenInvalid(TOKEN_INVALID)
        return data, signed_at

    def read_recovery_token(self, token: str, *, max_age_days: int) -> dict[str, Any] | None:
        """``{"d", "u"}`` from a recovery token; None if it is not one; ``Unauthorized`` if bad."""
        if not token.startswith(RECOVERY_PREFIX):
            return None
        return self._read_phone_token("recovery", token[len(RECOVERY_PREFIX):], max_age_days)[0]

    def read_device_token(self, token: str, *, max_age_days: int) -> dict[str, Any] | None:
        """``{"d", "u", "stale"}`` from a device token; None if it is not one; ``Unauthorized`` if bad.

        ``stale`` is true when the token should be replaced: a quarter of its life has
        passed, or an older key signed it. The API then hands the phone a fresh one, so
        phones that sync now and then never hit expiry or a retired key.
        """
        if not token.startswith(DEVICE_PREFIX):
            return None
        body = token[len(DEVICE_PREFIX):]
        now = datetime.datetime.now(datetime.UTC)
        known = self._verified.get(body)
        # A token verified before needs only its age checked again: every sync of a phone carries
        # the same token, and its signature check was 4 % of a busy server's time. One older than
        # allowed (or from the future) goes through the full check, which says why.
        if known is None or not datetime.timedelta(0) <= now - known[1] <= datetime.timedelta(days=max_age_days):
            data, signed_at = self._read_phone_token("device", body, max_age_days)
            # With one key the check above already used the newest; only rotation needs a second look.
            newest = len(self.keys) == 1 or self.serializer("device", newest_only=True).loads_unsafe(body)[0]
            if len(self._verified) >= VERIFIED_KEPT:
                self._verified.clear()
            known = self._verified[body] = (data, signed_at, bool(newest))
        data, signed_at, signed_by_newest = known
        age = now - signed_at
        return {**data, "stale": age.days * 4 > max_age_days or not signed_by_newest}
