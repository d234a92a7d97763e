"""Debian Chromium (driven by Playwright) against a real ``banxing serve`` process.

The recipe: Playwright's Python package with
``executable_path`` set to Debian's chromium, never ``playwright install``. Each test gets a
fresh browser context (fresh storage) and a fresh copy of the demo county (the ``server``
fixture in conftest.py).

Set ``BANXING_SCREENSHOTS=docs/screenshots`` to refresh the phone screenshots in the README.
"""
from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from .conftest import ServerProcess, cli
from .phone import PHONE as PHONE_390
from .screen import GLYPH_CHECK, shots_dir, watch_errors

pytestmark = pytest.mark.e2e

PHONE = {**PHONE_390, "device_scale_factor": 3}  # a mid-range Android phone
MIN_BODY_PX = 18.0  # MIIT 适老化: body text at least 18 px

# Every element that directly holds visible text, with its computed font size.
TEXT_SIZES = """() => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE)
      .map((n) => n.textContent.trim()).join('');
    if (!own) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(el);
    out.push({tag: el.tagName.toLowerCase(), text: own.slice(0, 30),
              size: parseFloat(style.fontSize), lineHeight: style.lineHeight});
  }
  return out;
}"""

# The sync client a PWA would have, as plain fetch() calls inside the page.
SYNC_CLIENT = """() => {
  const answer = async (resp) => ({
    status: resp.status,
    type: resp.headers.get('content-type'),
    text: await resp.text(),
  });
  window.bx = {
    async enrol(code, deviceName) {
      return answer(await fetch('/api/enrol', {
        method: 'POST', headers: {'content-type': 'application/json'},
        body: JSON.stringify({code, device_name: deviceName}),
      }));
    },
    async pull(token, cursor, limit) {
      const query = new URLSearchParams({limit: String(limit)});
      if (cursor) query.set('cursor', cursor);
      return answer(await fetch('/api/sync/pull?' + query, {headers: {authorization: 'Bearer ' + token}}));
    },
    async pullAll(token, cursor, limit) {
      const pages = [];
      for (;;) {
        const r = await this.pull(token, cursor, limit);
        if (r.status !== 200) throw new Error('pull failed: ' + r.status + ' ' + r.text);
        const page = JSON.parse(r.text);
        pages.push(page);
        cursor = page.cursor;
        if (!page.more) return {pages, cursor};
        if (pages.length > 5000) throw new Error('pull never ended');
      }
    },
    async push(token, batch) {
      return answer(await fetch('/api/sync/push', {
        method: 'POST',
        headers: {'content-type': 'application/json', authorization: 'Bearer ' + token},
        body: JSON.stringify(batch),
      }));
    },
  };
}"""


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh phone-sized context: 390×844 CSS px at 3× like a mid-range Android phone."""
    ctx = browser.new_context(**PHONE)
    yield ctx
    ctx.close()


@pytest.fixture
def shots(tmp_path: pathlib.Path) -> pathlib.Path:
    return shots_dir(tmp_path)


def _assert_chinese_renders(page: Page, sample: str) -> None:
    page.evaluate("document.fonts.ready")
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    missing = page.evaluate(GLYPH_CHECK, [sample + "A", family])
    assert "A" not in missing, f"the canvas check itself is broken: {missing}"
    assert not missing, f"no glyph for {missing} in {family!r}: apt-get install fonts-noto-cjk"


def _assert_elder_friendly_text(page: Page) -> None:
    body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body >= MIN_BODY_PX, f"body text is {body}px"
    small = [t for t in page.evaluate(TEXT_SIZES) if t["size"] < MIN_BODY_PX]
    assert not small, f"text smaller than {MIN_BODY_PX}px: {small}"


def test_front_page_phone_renders_chinese(server: ServerProcess, phone: BrowserContext,
                                          shots: pathlib.Path) -> None:
    page = phone.new_page()
    errors = watch_errors(page)
    response = page.goto(server.url + "/")
    assert response is not None and response.status == 200
    csp = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp, csp
    assert response.headers.get("x-content-type-options") == "nosniff"

    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    heading = page.locator("h1").inner_text()
    assert "伴行" in heading
    _assert_chinese_renders(page, heading + "五老志愿者帮扶")
    _assert_elder_friendly_text(page)

    assert page.evaluate("window.innerWidth") == 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways on a phone"
    page.screenshot(path=str(shots / "home-phone.png"), full_page=True)
    assert errors == []


def sync_page(server: ServerProcess, demo_db: tuple[pathlib.Path, list[dict[str, str]]],
              phone: BrowserContext) -> tuple[dict[str, str], str, Page]:
    """A demo mentor, a fresh enrolment code for them, and a page with the sync client loaded."""
    mentor = next(u for u in demo_db[1] if u["role"] == "mentor")
    code = json.loads(cli(server.db, "enrol-code", "--user", mentor["login"], "--json"))["code"]
    page = phone.new_page()
    page.goto(server.url + "/")
    page.evaluate(SYNC_CLIENT)
    return mentor, code, page


def test_sync_protocol_from_browser_page(server: ServerProcess, demo_db: tuple[pathlib.Path, list[dict[str, str]]],
                                         phone: BrowserContext) -> None:
    mentor, code, page = sync_page(server, demo_db, phone)

    # Enrol, typing the code the way it is read out: "1234 5678".
    enrolled = page.evaluate("([c, n]) => window.bx.enrol(c, n)", [f"{code[:4]} {code[4:]}", f"{mentor['name']}的手机"])
    assert enrolled["status"] == 200, enrolled
    body = json.loads(enrolled["text"])
    token, user = body["token"], body["user"]
    assert user["role"] == "mentor" and user["name"] == mentor["name"]
    again = page.evaluate("([c]) => window.bx.enrol(c, '另一台手机')", [code])
    assert again["status"] == 400 and json.loads(again["text"])["code"] == "code_rejected", "a code is single-use"

    # Pull everything, page by page, until more is false.
    limit = 25
    first = page.evaluate("([t, l]) => window.bx.pullAll(t, null, l)", [token, limit])
    pages = first["pages"]
    for p in pages[:-1]:
        assert p["more"] is True and len(p["changes"]) == limit
    assert pages[-1]["more"] is False
    changes = [c for p in pages for c in p["changes"]]
    ids = [c["record_id"] for c in changes]
    assert len(ids) == len(set(ids)), "a record came twice in one full pull"
    live = [c for c in changes if not c["deleted"]]
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for c in live:
        by_entity.setdefault(c["entity"], []).append(c)
    assert set(by_entity) <= {"mentee", "pairing", "activity", "screening"}, set(by_entity)
    pairings = by_entity.get("pairing", [])
    mentees = {c["record_id"]: c for c in by_entity.get("mentee", [])}
    assert pairings, f"demo mentor {mentor['login']} has no pairing"
    for pairing in pairings:
        assert pairing["fields"]["mentor_id"] == user["id"]
        assert pairing["fields"]["status"] == "active"
        assert pairing["fields"]["mentee_id"] in mentees, "a pairing's mentee was not sent"
    assert {p["fields"]["mentee_id"] for p in pairings} == set(mentees), "a mentee outside the mentor's pairings"
    pairing_ids = {p["record_id"] for p in pairings}
    assert all(a["fields"]["pairing_id"] in pairing_ids for a in by_entity.get("activity", []))
    assert all(mentees[m]["fields"]["name"] for m in mentees), "a mentor's phone gets mentee names"

    # Push a visit recorded offline, with an id made on the phone.
    pairing = pairings[0]
    activity_id = page.evaluate("crypto.randomUUID()")
    today = page.evaluate("new Date().toLocaleDateString('sv-SE', {timeZone: 'Asia/Shanghai'})")
    record = "和孩子聊了期中考试，情绪比上次稳定，说想参加学校的书法小组。"
    batch = {"mutations": [
        {"mutation_id": 1, "entity": "activity", "record_id": activity_id, "op": "upsert", "base_version": None,
         "fields": {"pairing_id": pairing["record_id"], "kind": "home_visit", "date": today,
                    "preparation": "带上练习册和一本《小王子》", "record": record,
                    "follow_up": "下周打电话问问书法小组报名", "follow_up_due": None,
                    "moods": ["平静"], "risk_flag": False}},
        # A field only the server sets: rejected, without blocking the mutation before it.
        {"mutation_id": 2, "entity": "activity", "record_id": activity_id, "op": "upsert", "base_version": 1,
         "fields": {"review_status": "approved"}},
    ]}
    sent = page.evaluate("([t, b]) => window.bx.push(t, b)", [token, batch])
    assert sent["status"] == 200, sent
    answer = json.loads(sent["text"])
    assert answer["last_mutation_id"] == 2
    applied, rejected = answer["results"]
    assert (applied["mutation_id"], applied["status"], applied["version"]) == (1, "applied", 1), applied
    assert applied["record_id"] == activity_id
    assert (rejected["mutation_id"], rejected["status"]) == (2, "rejected"), rejected
    assert "审核状态" in rejected["reason"]

    # The answer was lost on the way: the phone sends the same batch again.
    resent = page.evaluate("([t, b]) => window.bx.push(t, b)", [token, batch])
    assert resent["status"] == 200
    assert json.loads(resent["text"]) == answer
    assert resent["text"] == sent["text"], "a resend must get the same answers, byte for byte"

    # Pull again from the saved cursor: the visit is there exactly once, at version 1.
    later = page.evaluate("([t, c, l]) => window.bx.pullAll(t, c, l)", [token, first["cursor"], limit])
    mine = [c for p in later["pages"] for c in p["changes"] if c["record_id"] == activity_id]
    assert len(mine) == 1, mine
    (visit,) = mine
    assert (visit["entity"], visit["version"], visit["deleted"]) == ("activity", 1, False)
    fields = visit["fields"]
    assert fields["record"] == record and fields["preparation"] == "带上练习册和一本《小王子》"
    assert fields["moods"] == ["平静"] and fields["risk_flag"] is False
    assert fields["author_id"] == user["id"] and fields["entered_by"] is None
    assert fields["mentee_id"] == pairing["fields"]["mentee_id"]
    assert fields["review_status"] == "pending"
    full = page.evaluate("([t, l]) => window.bx.pullAll(t, null, l)", [token, 500])
    assert [c["record_id"] for p in full["pages"] for c in p["changes"]].count(activity_id) == 1


def test_forged_token_gets_json_envelope(server: ServerProcess, demo_db: tuple[pathlib.Path, list[dict[str, str]]],
                                         phone: BrowserContext) -> None:
    _, code, page = sync_page(server, demo_db, phone)
    token = json.loads(page.evaluate("([c]) => window.bx.enrol(c, '手机')", [code])["text"])["token"]
    # Same payload, signature changed: what someone copying a token and editing it would send.
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad in (forged, "bxd1.forged", "not-a-token"):
        result = page.evaluate("""async ([t]) => {
            const r = await fetch('/api/sync/pull', {headers: {authorization: 'Bearer ' + t}});
            return {status: r.status, type: r.headers.get('content-type'), body: await r.json()};
        }""", [bad])
        assert result["status"] == 401, result
        assert result["type"].startswith("application/json")
        body = result["body"]
        assert body["ok"] is False and body["status"] == 401 and body["code"] == "token_invalid", body
        assert isinstance(body["error"], str) and "登记" in body["error"]
    ok = page.evaluate("([t]) => window.bx.pull(t, null, 1)", [token])
    assert ok["status"] == 200, "the real token still works"


def test_missing_page_is_friendly_chinese_404(server: ServerProcess, phone: BrowserContext,
                                              shots: pathlib.Path) -> None:
    page = phone.new_page()
    response = page.goto(server.url + "/no/such/page?from=test")
    assert response is not None and response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers.get("content-security-policy", "")
    html = page.content()
    for leak in ("Traceback", "File \"", "starlette", "Exception"):
        assert leak not in html, f"{leak!r} leaked into the error page"
    text = page.locator("main").inner_text()
    assert "404" in text and "没有这个地址" in text
    home = page.get_by_role("link", name="回到首页")
    assert home.get_attribute("href") == "/"
    box = home.bounding_box()
    assert box is not None and box["height"] >= 60, "the main action is a big tap target"
    _assert_chinese_renders(page, "没有这个地址回到首页")
    _assert_elder_friendly_text(page)
    page.screenshot(path=str(shots / "error-phone.png"), full_page=True)
    home.tap()
    page.wait_for_url(server.url + "/")
