"""Enrolment links as QR codes: the phone's camera opens ``/app/?code=…`` and the code is filled in.

segno writes the QR as an inline SVG (a ``<path>``, no script and no ``style`` attribute, so it
passes the page CSP); medium error correction survives a smudged or half-lit phone screen.
"""
from __future__ import annotations

from urllib.parse import quote

import segno


def enrol_url(base_url: str, code: str) -> str:
    """The address a volunteer's phone opens to enrol with ``code``."""
    return f"{base_url.rstrip('/')}/app/?code={quote(code, safe='')}"


def qr_svg(payload: str, *, title: str = "登记二维码") -> str:
    """``payload`` as an inline SVG QR code that scales to its box (``viewBox``, no fixed size)."""
    return str(segno.make(payload, error="m").svg_inline(
        scale=6, border=4, omitsize=True, title=title, svgclass="qr-code", lineclass=None, dark="#000", light="#fff"))
