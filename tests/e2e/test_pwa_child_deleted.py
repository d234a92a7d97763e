"""A visit and a 摸排 the volunteer's phone held unsent for a child the station deleted meanwhile: the
server refuses them, keeps their words for the station and says so (sync/kept.py). The phone must not
offer to mend by editing what no edit can mend, nor to export what the station already has: it says the
server's sentence in big text and puts the refusal away with one 知道了."""
from __future__ import annotations

import pathlib
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ServerProcess
from .phone import Phone, Station, query, until
from .screen import check_page, shots_dir, watch_errors
from .test_pwa_mishaps import _end_pairing, _first_pairing

pytestmark = pytest.mark.e2e

VISIT = "孩子说晚上睡不着，奶奶也说他最近不爱说话。"
NEEDS = "需要有人每周陪他说说话"


def _refused_rows_on_server(server: ServerProcess) -> list[tuple[Any, ...]]:
    """The refusals the server kept of the phone's visit and 摸排 (the station's phone-refusals list)."""
    return query(server, "SELECT entity, record_id FROM sync_audit WHERE status = 'rejected'"
                 " AND device_id IS NOT NULL AND (changes LIKE ? OR changes LIKE ?) ORDER BY entity",
                 f"%{VISIT}%", f"%{NEEDS}%")


def test_pwa_a_visit_and_a_screening_refused_for_a_deleted_child_say_the_words_are_kept_and_go_with_one_tap(
    module_server: ServerProcess, phones: Any, tmp_path: pathlib.Path
) -> None:
    server = module_server
    pairing, version, code, mentee, _ = _first_pairing(server, "huang.laoshi")
    phone: Phone = phones.new(server)
    phone.enrol("huang.laoshi")
    page = phone.page
    errors = watch_errors(page)
    phone.context.set_offline(True)
    page.goto(server.url + f"/app/#/log/{mentee}")
    page.get_by_label("过程记录").fill(VISIT)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    page.goto(server.url + f"/app/#/screening/{mentee}")
    page.get_by_label("需求").fill(NEEDS)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    # The station's own path: end the pairing, then delete the child's file (a paired child cannot be).
    station = _end_pairing(server, "xiao-chahe", pairing, version)
    (mentee_version,) = query(server, "SELECT version FROM mentees WHERE id = ?", mentee)[0]
    station.push("mentee", mentee, {}, mentee_version, op="delete")
    # First the answer alone (the pull that follows fails): the child is still on the phone, and was
    # the one moment 打开修改 stood there; sending the visit again could only be refused and kept twice.
    # The pulls fail from before the phone is back online: coming online starts a sync of its own.
    page.route("**/api/sync/pull*", lambda route: route.abort())
    phone.context.set_offline(False)
    page.goto(server.url + "/app/#/waiting")
    page.get_by_role("button", name="立即同步").click()
    refused = page.locator(".row.returned")
    expect(refused).to_have_count(2, timeout=20_000)
    told = (f"孩子 {code} 的档案已被辅导站删除，这条记录没有收进系统。"
            "记录的内容已经保存在服务器上，辅导站能看到，请联系辅导站。")

    def says_kept_and_offers_only_understood() -> None:
        for one in (refused.filter(has_text="帮扶记录"), refused.filter(has_text="摸排")):
            expect(one.locator(".big")).to_have_text(told)
            expect(one).not_to_contain_text("需要修改")
            expect(one).not_to_contain_text("不在您的帮扶名单上了")  # not a pairing ended, and no export asked
            expect(one.get_by_role("link", name="打开修改")).to_have_count(0)
            expect(one.get_by_role("button", name="放弃这条修改")).to_have_count(0)
            expect(one.get_by_role("button", name="知道了")).to_be_visible()
        big = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.row .big')).fontSize)")
        body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert big > body, (big, body)

    says_kept_and_offers_only_understood()
    assert page.evaluate("(id) => import('/app/js/repo.js').then((r) => !!r.get(id))", mentee), "not pulled yet"
    # An old link to a fix form leads back to the list, never to a form that would send the visit again.
    notice = page.evaluate("import('/app/js/repo.js')"
                           ".then((r) => r.rejected().find((n) => n.entity === 'activity').id)")
    page.goto(server.url + f"/app/#/notice/{notice}")
    expect(page).to_have_url(server.url + "/app/#/waiting")
    expect(page.get_by_label("过程记录")).to_have_count(0)

    # Then the pull takes the child off the phone; what the phone keeps on disk says the same.
    page.unroute("**/api/sync/pull*")
    page.get_by_role("button", name="立即同步").click()
    until(page, "(id) => import('/app/js/repo.js').then((r) => !r.get(id))", mentee)
    page.reload()
    errors.clear()  # the pulls refused above, offline and aborted
    phone.unlock()
    page.goto(server.url + "/app/#/waiting")
    says_kept_and_offers_only_understood()
    for level in ("std", "xl"):
        page.evaluate(f"document.documentElement.dataset.size = '{level}'")
        check_page(page, 390, f"waiting, child deleted @ {level}", errors)
    page.evaluate("document.documentElement.dataset.size = 'std'")
    page.screenshot(path=str(shots_dir(tmp_path) / "pwa-refused-child-deleted.png"), full_page=True)

    # 知道了 puts each away at one tap; nothing is sent again and the server keeps one copy of each.
    for left in (1, 0):  # each row gone before the next tap: a tap on a row still going dismissed it again
        refused.first.get_by_role("button", name="知道了").click()
        expect(refused).to_have_count(left)
    expect(page.locator(".sync")).not_to_contain_text("没有被接收")
    expect(page.get_by_text("没有待同步的修改。")).to_be_visible()
    page.get_by_role("button", name="立即同步").click()
    phone.wait_synced()
    assert [entity for entity, _ in _refused_rows_on_server(server)] == ["activity", "screening"]
    assert query(server, "SELECT count(*) FROM activities WHERE record = ?", VISIT) == [(0,)]
    assert phone.dialogs == []


@pytest.mark.parametrize("happened", ["ended", "handed"])
def test_pwa_a_visit_and_a_screening_refused_for_a_pairing_ended_or_handed_on_say_the_words_are_kept(
    module_server: ServerProcess, phones: Any, tmp_path: pathlib.Path, happened: str
) -> None:
    """The station ends the pairing, or gives the child to another volunteer, while the phone holds a visit
    and a 摸排 of the child unsent: the server keeps their words for the station and says so, and the phone
    shows that sentence big with one 知道了, asking for no export, before the pull and after it."""
    server = module_server
    login = {"ended": "bao.laoshi", "handed": "ma.ganbu"}[happened]
    pairing, version, code, mentee, _ = _first_pairing(server, login)
    visit, needs = f"{VISIT}（{happened}）", f"{NEEDS}（{happened}）"
    phone: Phone = phones.new(server)
    phone.enrol(login)
    page = phone.page
    errors = watch_errors(page)
    phone.context.set_offline(True)
    page.goto(server.url + f"/app/#/log/{mentee}")
    page.get_by_label("过程记录").fill(visit)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    page.goto(server.url + f"/app/#/screening/{mentee}")
    page.get_by_label("需求").fill(needs)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    if happened == "ended":
        _end_pairing(server, "xiao-chahe", pairing, version)
        what = "的结对已由辅导站结束"
    else:  # to the other volunteer of the same station, on the pairing itself
        ((other,),) = query(server, "SELECT id FROM users WHERE login = 'gu.laobing'")
        Station(server, "zhan-chahe").push("pairing", pairing, {"mentor_id": other}, version)
        what = "已交给别的志愿者"
    page.route("**/api/sync/pull*", lambda route: route.abort())  # before coming online starts a sync
    phone.context.set_offline(False)
    page.goto(server.url + "/app/#/waiting")
    page.get_by_role("button", name="立即同步").click()
    refused = page.locator(".row.returned")
    expect(refused).to_have_count(2, timeout=20_000)
    kept = f"孩子 {code} {what}，这条记录没有收进系统。记录的内容已经保存在服务器上，辅导站能看到，"
    told = {"帮扶记录": kept + "可以把它归入原来的结对，请联系辅导站。", "摸排": kept + "可以替您补录，请联系辅导站。"}

    def says_kept_and_offers_only_understood() -> None:
        for kind, sentence in told.items():
            one = refused.filter(has_text=kind)
            expect(one.locator(".big")).to_have_text(sentence)
            expect(one).not_to_contain_text("需要修改")
            expect(one).not_to_contain_text("不在您的帮扶名单上了")  # the export advice
            expect(one.get_by_role("link", name="打开修改")).to_have_count(0)
            expect(one.get_by_role("button", name="放弃这条修改")).to_have_count(0)
            expect(one.get_by_role("button", name="知道了")).to_be_visible()

    says_kept_and_offers_only_understood()
    assert page.evaluate("(id) => import('/app/js/repo.js').then((r) => !!r.get(id))", mentee), "not pulled yet"
    page.unroute("**/api/sync/pull*")
    page.get_by_role("button", name="立即同步").click()
    until(page, "(id) => import('/app/js/repo.js').then((r) => !r.get(id))", mentee)
    page.reload()
    errors.clear()  # the pull aborted above
    phone.unlock()
    page.goto(server.url + "/app/#/waiting")
    says_kept_and_offers_only_understood()
    for level in ("std", "xl"):
        page.evaluate(f"document.documentElement.dataset.size = '{level}'")
        check_page(page, 390, f"waiting, pairing {happened} @ {level}", errors)
    page.evaluate("document.documentElement.dataset.size = 'std'")
    page.screenshot(path=str(shots_dir(tmp_path) / f"pwa-refused-pairing-{happened}.png"), full_page=True)

    for left in (1, 0):  # each row gone before the next tap: a tap on a row still going dismissed it again
        refused.first.get_by_role("button", name="知道了").click()
        expect(refused).to_have_count(left)
    page.get_by_role("button", name="立即同步").click()
    phone.wait_synced()
    assert query(server, "SELECT entity FROM sync_audit WHERE status = 'rejected' AND device_id IS NOT NULL"
                 " AND (changes LIKE ? OR changes LIKE ?) ORDER BY entity", f"%{visit}%", f"%{needs}%") == [
        ("activity",), ("screening",)]
    assert query(server, "SELECT count(*) FROM activities WHERE record = ?", visit) == [(0,)]
    assert phone.dialogs == []
