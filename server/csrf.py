"""CSRF protection for every state-changing request off /api/: a signed double-submit token.

Each browser holds a random ``bx_csrf`` cookie (HttpOnly, SameSite=Lax); every form carries
``csrf_token``, the cookie's value signed with the ``csrf`` salt. Another site can make the
browser send the cookie but can neither read it nor forge its signature, so a post without a
matching token changes nothing (403). It works before sign-in too (the login form).

The token also names whom the form was shown to (the signed-in account's id, "" for nobody):
the cookie is the browser's, not the person's, and someone else may sign in in another tab of
the same browser while an older form is still open.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature

from .auth import Signers

COOKIE = "bx_csrf"
FIELD = "csrf_token"


@dataclass(frozen=True)
class Shown:
    """What a posted token says: whether it is this browser's (``fresh``), and whom its form was
    shown to (``user_id``; "" for nobody signed in, None when the token is not one of ours or
    older than this field)."""

    fresh: bool
    user_id: str | None


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def token_for(signers: Signers, secret: str, user_id: str = "") -> str:
    """The form token for the browser holding ``secret`` in its cookie, shown to ``user_id``."""
    return str(signers.serializer("csrf").dumps([secret, user_id]))


def read_token(signers: Signers, secret: str | None, token: object) -> Shown:
    """What ``token``, posted by the browser holding ``secret``, says (``Shown``)."""
    if not isinstance(token, str) or len(token) > 300:
        return Shown(False, None)
    try:
        signed = signers.serializer("csrf").loads(token)
    except BadSignature:
        return Shown(False, None)
    # A token made before tokens named their person is a bare secret: still this browser's, but
    # it cannot say whom it was shown to, so a signed-in post treats it as stale.
    if isinstance(signed, list) and len(signed) == 2 and all(isinstance(p, str) for p in signed):
        mine, user_id = str(signed[0]), str(signed[1])
    else:
        mine, user_id = str(signed), None
    fresh = bool(secret) and secrets.compare_digest(mine.encode(), (secret or "").encode())
    return Shown(fresh, user_id)


def token_matches(signers: Signers, secret: str | None, token: object) -> bool:
    """Whether ``token`` is this browser's, whoever its form was shown to (signing in and out)."""
    return read_token(signers, secret, token).fresh
