"""Shared steps of the station page tests: make a sync conflict, read a record, pull as a phone."""
from __future__ import annotations

import html
import re
from typing import Any

from server import sessions
from sync import apply_batch, mutations

from ...factories import pull_all, row
from .conftest import PASSWORD, Browser, Site


def conflict_on_activity1(site: Site, staff: Browser) -> str:
    """Staff correct activity 1's record on the web while mentor 1's phone, which had not seen that,
    changes the same field offline: the phone's value arrives second and becomes a conflict."""
    w = site.w
    version = site.read(lambda db: row(db, "activity", w.activity1))["version"]
    response = staff.post(f"/activities/{w.activity1}/edit", {**activity_form(site, w.activity1),
                                                               "record": "站里更正：家访一小时，孩子愿意交流。",
                                                               "base_version": str(version)})
    assert response.status_code == 303, response.text
    push = mutations.upsert("activity", {"record": "手机上补充：孩子说想参加兴趣小组。"}, w.activity1,
                            base_version=version, mutation_id=1)
    answer = site.write(lambda db: apply_batch(db, w.mentor1, {"mutations": [push]})).results[0]
    assert answer["status"] == "conflict", answer
    return str(answer["conflicts"][0]["conflict_id"])


def activity_form(site: Site, activity_id: str) -> dict[str, Any]:
    """The edit form of an activity as the page fills it (wire values as form strings)."""
    current = site.read(lambda db: row(db, "activity", activity_id))
    out: dict[str, Any] = {}
    for name in ("kind", "date", "duration_min", "place", "preparation", "record", "follow_up", "follow_up_due"):
        out[name] = "" if current[name] is None else str(current[name])
    out["moods"], out["observations"], out["tags"] = current["moods"], current["observations"], current["tags"]
    if current["risk_flag"]:
        out["risk_flag"] = "1"
    return out


def phone_pull(site: Site, who: Any, cursor: str | None = None) -> tuple[dict[Any, Any], list[Any], str]:
    """Everything ``who``'s phone receives after ``cursor``: changes, drops, the next cursor."""
    result: tuple[dict[Any, Any], list[Any], str] = site.read(lambda db: pull_all(db, who, cursor))
    return result


def access_rows(site: Site, action: str, target: str) -> list[dict[str, Any]]:
    return list(site.read(lambda db: list(db.query(
        "SELECT * FROM access_log WHERE action = ? AND target = ? ORDER BY id", [action, target]))))


def record_id_on(page: str) -> str:
    """The id a new-record form carries (its hidden ``record_id``), which every post of it names."""
    match = re.search(r'name="record_id" value="([^"]+)"', page)
    assert match, "the form carries no record_id"
    return match.group(1)


def back_after_sign_in(site: Site, browser: Browser, who: Any, path: str, form: dict[str, Any],
                       *, form_page: str | None = None) -> str:
    """Post ``form`` to ``path`` (a form shown on ``form_page``) after ``who`` was signed out from
    elsewhere, sign in again as ``who`` and return the page the sign-in leads back to."""
    token = browser.token(form_page or path)
    site.write(lambda db: sessions.end_user_sessions(db, who.user_id))
    response = browser.post(path, form, token=token)
    assert response.status_code == 401, response.text
    draft = re.search(r'name="draft" value="([^"]+)"', response.text)
    back = re.search(r'name="next" value="([^"]+)"', response.text)
    assert draft and back, "the typed form was not kept"
    response = browser.post("/login", {"username": site.login_of(who), "password": PASSWORD,
                                       "next": html.unescape(back.group(1)), "draft": draft.group(1)},
                            form_page="/login")
    assert response.status_code == 303 and "draft=" in response.headers["location"], response.headers
    return browser.get(response.headers["location"]).text


def query_plans(db: Any, call: Any) -> tuple[Any, list[str]]:
    """What ``call(db)`` returns, and the query plan lines of every statement it ran (``SCAN …`` for a
    table read whole), each with the start of its statement: to hold a page's reads to indexes."""
    said: list[str] = []
    db.conn.set_trace_callback(said.append)
    try:
        result = call(db)
    finally:
        db.conn.set_trace_callback(None)
    return result, [f"{line[3]} in {q[:80]}" for q in said for line in db.execute(f"EXPLAIN QUERY PLAN {q}").fetchall()]
