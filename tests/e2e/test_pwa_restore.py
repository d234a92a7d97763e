"""The server's disk is lost and the county is restored from last night's copy: what the phones had
synced since that copy was made must not be lost with it. The phone still holds it, hears of the
restore from the pull (``history``) and sends it again (pwa/js/sync.js)."""
from __future__ import annotations

import pathlib
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ServerProcess, cli
from .phone import Phone, query

pytestmark = pytest.mark.e2e

LOGIN = "sun.laoshi"


def test_pwa_after_a_restore_from_an_older_copy_the_phone_sends_again_the_visit_and_the_edit_the_server_lost(
    server: ServerProcess, phones: Any, tmp_path: pathlib.Path
) -> None:
    phone: Phone = phones.new(server)
    phone.enrol(LOGIN)
    page = phone.page
    edited, _ = query(server, "SELECT a.id, a.version FROM activities a JOIN pairings p ON p.id = a.pairing_id"
                      " JOIN users u ON u.id = p.mentor_id WHERE u.login = ? AND a.author_id = u.id"
                      " AND a.review_status = 'pending' ORDER BY a.date LIMIT 1", LOGIN)[0]
    before = query(server, "SELECT record, version FROM activities WHERE id = ?", edited)[0]
    nightly = tmp_path / "nightly.db"
    cli(server.db, "backup", "--to", str(nightly))

    # After the copy was made: a new visit and a corrected one, both acknowledged by the server.
    phone.log_activity("备份之后记的家访：孩子期中考试进步了")
    page.goto(f"{server.url}/app/#/activity/{edited}/edit")
    page.get_by_label("过程记录").fill("备份之后补记：和班主任通了电话")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    # 已同步到辅导站 may still be on the page from the new visit's sync: wait for the edit on the server.
    deadline = time.monotonic() + 20
    while query(server, "SELECT record FROM activities WHERE id = ?", edited) != [("备份之后补记：和班主任通了电话",)]:
        assert time.monotonic() < deadline, "the edit never reached the server"
        page.wait_for_timeout(100)
    page.goto(f"{server.url}/app/#/")
    phone.wait_synced()  # and the phone has heard both answers: nothing of them is left to send
    new_visit = query(server, "SELECT id FROM activities WHERE record LIKE '备份之后记的家访%'")
    assert len(new_visit) == 1

    # The disk is lost: the operator restores last night's copy (docs/operations.md §3).
    server.stop()
    cli(server.db, "restore", "--from", str(nightly))
    assert query(server, "SELECT count(*) FROM activities WHERE id = ?", new_visit[0][0]) == [(0,)]
    assert query(server, "SELECT record, version FROM activities WHERE id = ?", edited) == [before]
    server.start(same_port=True)

    page.goto(f"{server.url}/app/#/")
    page.get_by_role("button", name="立即同步").click()
    phone.wait_synced()
    assert query(server, "SELECT id, author_id IS NOT NULL FROM activities"
                 " WHERE record LIKE '备份之后记的家访%'") == [(new_visit[0][0], 1)]
    record, version = query(server, "SELECT record, version FROM activities WHERE id = ?", edited)[0]
    assert (record, version) == ("备份之后补记：和班主任通了电话", before[1] + 1)
    # Sent again as this phone's own changes, each once: the audit shows them after the restore.
    audit = query(server, "SELECT record_id, status FROM sync_audit WHERE device_id = ? AND at >= ("
                  "SELECT max(at) FROM sync_scope_resets WHERE user_id = '')", phone.device_id(LOGIN))
    assert sorted(audit) == sorted([(new_visit[0][0], "applied"), (edited, "applied")])
    # The phone shows both as synced, with nothing left waiting.
    page.goto(f"{server.url}/app/#/activity/{edited}")
    expect(page.locator("main")).to_contain_text("备份之后补记：和班主任通了电话")
    expect(page.locator("main")).to_contain_text("待审核")
    page.goto(f"{server.url}/app/#/")
    expect(page.locator(".sync .line")).to_contain_text("已全部同步")
