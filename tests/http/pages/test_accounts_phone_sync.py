"""The accounts list's 最近登录 for a volunteer: volunteers never sign in on the web (their phones
sync), so the column read — for every one of them. It now says when the latest of their phones in
use last synced, 从未同步 for a phone enrolled and never synced, 没有登记手机 for none, so the admin
sees whose phone has gone quiet; the list stays one read a page."""
from __future__ import annotations

import re

from server.queries.admin import list_users

from .conftest import Site


def _cell(page: str, name: str) -> str:
    row = next((r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if name in r), None)
    assert row is not None, page
    found = re.search(r'<td data-label="最近登录／手机同步">(.*?)</td>', row, re.S)
    assert found, row
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_a_volunteers_row_says_when_their_phone_last_synced_or_that_it_never_did(site: Site) -> None:
    w = site.w
    site.write(lambda db: db.execute(
        "UPDATE sync_devices SET created_at = '2026-11-01T00:00:00.000Z', last_seen_at = CASE user_id"
        " WHEN ? THEN '2026-12-04T15:32:00.000Z' ELSE '2026-11-01T00:00:00.000Z' END WHERE user_id IN (?, ?)",
        [w.mentor1.user_id, w.mentor1.user_id, w.mentor2.user_id]))
    # A second phone of 王老师's, put away long ago (revoked): the latest of the phones in use counts.
    site.write(lambda db: db.execute(
        "INSERT INTO sync_devices (id, user_id, name, created_at, last_seen_at, revoked_at)"
        " VALUES ('old-phone', ?, '旧手机', '2026-10-01T00:00:00.000Z', '2026-12-05T00:00:00.000Z',"
        " '2026-12-05T01:00:00.000Z')", [w.mentor1.user_id]))
    site.write(lambda db: db.execute("UPDATE sync_devices SET revoked_at = '2026-11-02T00:00:00.000Z'"
                                     " WHERE user_id = ?", [w.mentor3.user_id]))
    page = site.as_(w.admin).get("/admin/users").text
    assert "<th scope=\"col\">最近登录／手机同步</th>" in page
    assert _cell(page, "王老师") == "手机同步 2026年12月4日 23:32"
    assert _cell(page, "李老师") == "从未同步"  # enrolment stamps last_seen_at with created_at
    assert _cell(page, "张老师") == "没有登记手机"
    assert _cell(page, "站员一一") == "从未登录"  # staff still by their web sign-in


def test_an_account_that_never_signed_in_says_so_rather_than_a_dash(site: Site) -> None:
    # "—" read as "not known" or "not applicable"; the admin looks for accounts handed out and never used.
    w = site.w
    site.as_(w.staff_st12)  # signs in on the web
    page = site.as_(w.admin).get("/admin/users").text
    assert _cell(page, "站员一一") == "从未登录"
    assert _cell(page, "站员一二").startswith("20")  # signed in: the day and time


def test_the_accounts_list_is_one_read_however_many_accounts(site: Site) -> None:
    statements: list[str] = []

    def read(db: object) -> None:
        conn = db.conn  # type: ignore[attr-defined]
        conn.set_trace_callback(statements.append)
        try:
            list_users(db)  # type: ignore[arg-type]
        finally:
            conn.set_trace_callback(None)

    site.read(read)
    assert len([s for s in statements if "SELECT" in s]) == 1, statements
