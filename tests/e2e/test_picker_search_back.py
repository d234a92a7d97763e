"""查找 on a picker past the cap, then Back, in Debian Chromium against a real ``banxing serve``.

The search posted the form and was answered with the page itself: Back or reload onto that entry
showed Chromium's 确认重新提交表单 page (ERR_CACHE_MISS), which an old user cannot make sense of. The
search now keeps what was typed as the person's draft and redirects to the form with only
``?draft=<id>`` (pages/pickers.found), so every history entry is a GET.
"""
from __future__ import annotations

import pathlib
import re
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from sync import Actor, connect, transaction

from ..factories import make_mentee
from .conftest import ServerProcess
from .phone import query
from .screen import SIZES, sign_in

pytestmark = pytest.mark.e2e

STATION = "staff-bencha"  # 栟茶镇
CROWD = 110  # past queries.pickers.CAP: the child picker becomes a search
REASON = "查找以后返回再登记：孩子最近情绪低落，建议心理评估。"


@pytest.fixture
def crowded(tmp_path: pathlib.Path, demo_db: tuple[pathlib.Path, list[dict[str, str]]]) -> Iterator[ServerProcess]:
    """The demo county with ``CROWD`` more children at 栟茶镇's station, the last of them 陈晓燕."""
    db_path = tmp_path / "banxing.db"
    shutil.copy(demo_db[0], db_path)
    db = connect(db_path)
    try:
        user_id, unit_id = db.execute("SELECT id, unit_id FROM users WHERE login = ?", [STATION]).fetchone()
        (station,) = db.execute("SELECT id FROM units WHERE parent_id = ? AND kind = 'station'", [unit_id]).fetchone()
        staff = Actor(user_id, "staff", unit_id, None, "栟茶镇干事")
        with transaction(db):
            for n in range(CROWD):
                make_mentee(db, staff, station, code=f"BC-{n:04d}", name="陈晓燕" if n == CROWD - 1 else f"孩子{n:04d}")
    finally:
        db.close()
    proc = ServerProcess(db_path)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


def test_back_after_a_picker_search_and_save_registers_one_referral(crowded: ServerProcess, browser: Browser) -> None:
    server = crowded
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    sign_in(page, server, STATION, "/staff")
    page.goto(server.url + "/referrals/new")
    page.get_by_label("医疗机构").check()
    page.get_by_label("转介原因").fill(REASON)
    page.locator("#f-q").fill("晓燕")
    page.get_by_role("button", name="查找").click()
    page.wait_for_url(re.compile(r"/referrals/new\?draft=[0-9a-f-]{36}$"))
    found = page.url
    assert page.get_by_label("转介原因").input_value() == REASON and page.locator("#f-q").input_value() == "晓燕"
    listed = page.locator("#f-mentee_id option:not([value=''])").all_inner_texts()
    assert len(listed) == 1 and "陈晓燕" in listed[0], listed  # narrowed to the one found
    page.reload()  # a GET: no resubmit question
    assert page.url == found and page.get_by_label("转介原因").input_value() == REASON
    page.locator("#f-mentee_id").select_option(index=1)
    page.get_by_role("button", name="登记转介").click()
    page.wait_for_url(re.compile(r"/referrals/[0-9a-f-]{36}$"))
    saved = page.url
    page.go_back()
    assert page.url == found  # the form after the search, not Chromium's ERR_CACHE_MISS page
    assert "ERR_CACHE_MISS" not in page.content() and "重新提交" not in page.content()
    assert page.get_by_role("button", name="登记转介").is_visible()
    assert page.get_by_label("转介原因").input_value() == REASON
    page.get_by_role("button", name="登记转介").click()
    page.wait_for_url(saved)  # answered as the first 保存 was
    assert query(server, "SELECT count(*) FROM referrals WHERE reason = ?", REASON) == [(1,)]
    assert "晓燕" not in server.stderr() and REASON not in server.stderr()  # nor in the server's log
    assert query(server, "SELECT count(*) FROM access_log WHERE target LIKE ? OR entities LIKE ?",
                 "%晓燕%", "%晓燕%") == [(0,)]
    context.close()
