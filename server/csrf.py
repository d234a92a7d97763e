"""CSRF protection for every state-changing request off /api/: a signed double-submit token.

Each browser holds a random ``bx_csrf`` cookie (HttpOnly, SameSite=Lax); every form carries
``csrf_token``, the cookie's value signed with the ``csrf`` salt. Another site can make the
browser send the cookie but can neither read it nor forge its signature, so a post without a
matching token changes nothing (403). It works before sign-in too (the login form).
"""
from __future__ import annotations

import secrets

from itsdangerous import BadSignature

from .auth import Signers

COOKIE = "bx_csrf"
FIELD = "csrf_token"


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def token_for(signers: Signers, secret: str) -> str:
    """The form token for the browser holding ``secret`` in its cookie."""
    return str(signers.serializer("csrf").dumps(secret))


def token_matches(signers: Signers, secret: str | None, token: object) -> bool:
    if not secret or not isinstance(token, str) or len(token) > 200:
        return False
    try:
        signed = signers.serializer("csrf").loads(token)
    except BadSignature:
        return False
    return secrets.compare_digest(str(signed), secret)
