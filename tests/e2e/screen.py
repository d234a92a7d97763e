"""What the browser tests of the web pages share: signing in, the screen checks every page must
pass (no sideways scroll, text of 18 px or more, main buttons of 60 px or more, tap targets of 44 px
or more, no CSP or script error), and where screenshots go (``BANXING_SCREENSHOTS=docs/screenshots``
refreshes the documented ones)."""
from __future__ import annotations

import os
import pathlib
from typing import Any

from playwright.sync_api import Page

from .conftest import ServerProcess

ROOT = pathlib.Path(__file__).resolve().parents[2]
PASSWORD = "banxing2026"  # server.demo.DEMO_PASSWORD
SIZES: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
              "has_touch": True},
    "pc": {"viewport": {"width": 1280, "height": 900}},
}

# The characters of ``chars`` with no glyph in ``family``: each is drawn on a canvas and compared
# with U+10FFFD, which never has one (identical pixels mean the .notdef box, tofu).
GLYPH_CHECK = """([chars, family]) => {
  const draw = (s) => { const c = document.createElement('canvas'); c.width = 64; c.height = 64;
    const g = c.getContext('2d'); g.font = '40px ' + family; g.fillText(s, 4, 48);
    return Array.from(g.getImageData(0, 0, 64, 64).data).join(','); };
  const tofu = draw('\\u{10FFFD}');
  return [...chars].filter((ch) => draw(ch) === tofu);
}"""


def documented_shots() -> pathlib.Path | None:
    """The folder ``BANXING_SCREENSHOTS`` names (relative to the repository), made if need be; else None."""
    raw = os.environ.get("BANXING_SCREENSHOTS")
    if not raw:
        return None
    target = pathlib.Path(raw) if pathlib.Path(raw).is_absolute() else ROOT / raw
    target.mkdir(parents=True, exist_ok=True)
    return target


def shots_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    """Where a test's screenshots go: the documented folder when asked for, else the test's own."""
    return documented_shots() or tmp_path


def sign_in(page: Page, server: ServerProcess, login: str, landing: str) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill(login)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server.url + landing)


def watch_errors(page: Page) -> list[str]:
    """Console errors (a CSP refusal is one) and uncaught script errors of ``page``, as they happen."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
            and not msg.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def check_page(page: Page, width: int, name: str, errors: list[str]) -> None:
    """What every page must do at this width."""
    assert not errors, f"{name}: {errors}"
    page.evaluate("document.fonts.ready")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"{name} scrolls sideways at {width}px: {scroll}px wide"
    body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body >= 18, f"{name}: body text {body}px"
    small = page.evaluate("""() => [...document.querySelectorAll('main *')].filter((el) => {
        const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        const box = el.getBoundingClientRect();
        return own && box.width > 0 && parseFloat(getComputedStyle(el).fontSize) < 18;
      }).map((el) => el.tagName + ':' + el.textContent.trim().slice(0, 20))""")
    assert not small, f"{name}: text under 18px: {small[:5]}"
    # A caption or heading squeezed to one character a line (a table's caption when the table is
    # stacked into cards at phone width took the width of one character).
    columns = page.evaluate("""() => [...document.querySelectorAll('main *')].filter((el) => {
        const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join('');
        const box = el.getBoundingClientRect(), size = parseFloat(getComputedStyle(el).fontSize);
        return own.length >= 4 && box.width > 0 && box.width < 1.6 * size && box.height > 3 * size;
      }).map((el) => el.tagName + ':' + el.textContent.trim().slice(0, 20))""")
    assert not columns, f"{name}: text one character a line: {columns[:5]}"
    buttons = page.evaluate("""() => [...document.querySelectorAll('main .button.primary, main button.primary')]
        .filter((b) => b.getBoundingClientRect().width > 0).map((b) => b.getBoundingClientRect().height)""")
    assert all(h >= 59.5 for h in buttons), f"{name}: main buttons {buttons}"
    targets = page.evaluate("""() => [...document.querySelectorAll('main a.button, main button, main .chip')]
        .filter((b) => b.getBoundingClientRect().width > 0 && b.getBoundingClientRect().height < 43.5)
        .map((b) => b.textContent.trim().slice(0, 20))""")
    assert not targets, f"{name}: tap targets under 44px: {targets[:5]}"
