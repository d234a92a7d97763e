"""不收进系统: a refused phone record that can never be filed (the child's file deleted) or should not
be (entered by hand under another id) is closed by the station with what was done, and leaves every
refused list — the home's tile and cards, the dashboard, /risk-flags — at once; the phone-import
page lists it as closed, with who closed it and the words, so nothing vanishes without a trace."""
from __future__ import annotations

import re
from typing import Any

import pytest

from sync.timeutil import local_today

from ...factories import db_snapshot, row
from .conftest import Site
from .test_phone_import import export, preview, visit
from .test_phone_refusals import words
from .test_refused_flags import phone_sends_flag, section, tile

PAGE = "/activities/phone-import"
DONE = "当天给奶奶打了电话，孩子在家安全，班主任也知道了"
TILE = "条手机送来的记录没有收进系统"


def card(html: str, record_id: str) -> str:
    flags = section(html, "flags-h")
    at = flags.index(f'id="refused-{record_id}"')
    return flags[at:flags.index("</article>", at)]


def counts(site: Site, who: Any) -> tuple[int, int]:
    """The dashboard's and /risk-flags' count of open flags, as ``who`` reads them."""
    dashboard = re.search(r"未处理的风险提示</p><p class=\"figure\">(\d+) 条", site.as_(who).get("/dashboard").text)
    listed = re.search(r"未处理的自伤自残风险提示（(\d+) 条）", site.as_(who).get("/risk-flags").text)
    assert dashboard and listed, who
    return int(dashboard.group(1)), int(listed.group(1))


def pending(html: str) -> int:
    found = re.search(r"(\d+) 条待处理", section(html, "flags-h"))
    return int(found.group(1)) if found else 0


def closings(site: Site) -> list[dict[str, Any]]:
    return site.read(lambda db: list(db.query("SELECT * FROM refusal_closings")))


def unchanged(site: Site) -> dict[str, Any]:
    """Everything but the access log (a page shown again logs who read it)."""
    return site.read(lambda db: {k: v for k, v in db_snapshot(db).items() if k != "access_log"})


def close(browser: Any, record_id: str, text: str = DONE, on: str | None = None, back: str | None = "staff") -> Any:
    form = {"action": "close_refusal", "record_id": record_id, "close_words": text,
            "close_on": on or local_today().isoformat(), **({"back": back} if back else {})}
    return browser.post(PAGE, form, form_page="/staff" if back else PAGE)


def test_a_flagged_refusal_of_a_deleted_child_is_closed_from_the_home_with_its_handling_and_leaves_every_list(
    site: Site
) -> None:
    w = site.w
    record_id = phone_sends_flag(site, child_deleted=True)
    staff = site.as_(w.staff_st11)
    home = staff.get("/staff").text
    said = words(card(home, record_id))
    assert "不能直接归入原结对：孩子的档案已被删除" in said and "file_refusal" not in card(home, record_id)
    assert "处理记录（做了什么、联系了谁、孩子现在怎样）" in said and "不收进系统，记下处理情况" in said
    before_home, before_tile = pending(home), tile(home, TILE)
    assert '<p class="figure">1</p>' in before_tile
    before = {who: counts(site, who) for who in (w.reviewer, w.staff_town1)}

    done = close(staff, record_id)
    assert done.status_code == 303 and done.headers["location"] == "/staff", words(done.text)[-300:]
    home = staff.get("/staff").text
    assert "已记下处理情况" in words(home) and f'id="refused-{record_id}"' not in home
    assert pending(home) == before_home - 1 and '<p class="figure">0</p>' in tile(home, TILE)
    for who, (dashboard, listed) in before.items():
        assert counts(site, who) == (dashboard - 1, listed - 1), who
        assert "手机送来、还没有收进系统的" not in site.as_(who).get("/risk-flags").text
    # Kept, with who closed it and the words, on the phone-import page under the open ones.
    page = staff.get(PAGE).text
    closed = words(section(page, "closed-h"))
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]
    assert "近 90 天不收进系统的记录（1 条）" in closed and DONE in closed and code in closed and "王老师" in closed
    (kept,) = closings(site)
    assert kept["closed_by"] == w.staff_st11.user_id and kept["flagged"] and kept["words"] == DONE
    assert kept["unit_id"] == w.st11 and kept["done_on"] == local_today().isoformat()
    logged = site.read(lambda db: [r["user_id"] for r in db.query(
        "SELECT user_id FROM access_log WHERE action = 'close_phone_refusal'")])
    assert logged == [w.staff_st11.user_id]
    assert "手机送来的记录不收进系统，记下处理情况" in site.as_(w.admin).get("/admin/access-log").text
    # Part of the pairing's archive, on screen and on paper, for the county on inspection.
    county = site.as_(w.reviewer)
    for path in (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print"):
        trail = words(county.get(path).text)
        assert "手机送来、没有收进系统的帮扶记录（1 条" in trail and DONE in trail, path
        assert "2026年11月20日 ，王老师的手机送来" in trail and "发现自伤自残风险" in trail, path


@pytest.mark.parametrize(("text", "on", "said"), [
    ("  ", None, "请写下做了什么（联系了谁、孩子现在怎样）"),
    ("很" * 20_001, None, "写得太长了：最多 20000 字"),
    (DONE, "2026-13-40", "日期不对"),
    (DONE, "2999-01-01", "处理日期不能晚于今天"),
])
def test_a_closing_without_words_or_with_a_bad_day_is_refused_beside_the_form_and_writes_nothing(
    site: Site, text: str, on: str | None, said: str
) -> None:
    w = site.w
    record_id = phone_sends_flag(site, child_deleted=True)
    staff = site.as_(w.staff_st11)
    staff.get("/staff")
    before = unchanged(site)
    refused = close(staff, record_id, text, on)
    assert refused.status_code == 400
    assert said in words(card(refused.text, record_id)) and 'aria-invalid="true"' in card(refused.text, record_id)
    assert unchanged(site) == before and closings(site) == []


def test_another_towns_staff_cannot_close_it_and_the_admin_sees_no_form(site: Site) -> None:
    w = site.w
    record_id = phone_sends_flag(site, child_deleted=True)
    others, admin = [site.as_(w.staff_st21), site.as_(w.staff_town2)], site.as_(w.admin)
    for browser in (*others, admin):
        browser.token("/staff")
    before = unchanged(site)
    for browser in others:
        answer = close(browser, record_id)
        assert answer.status_code == 404 and "不在您的管理范围内" in words(answer.text)
    home = admin.get("/staff").text
    assert f'id="refused-{record_id}"' in home and "close_refusal" not in home
    assert admin.post(PAGE, {"action": "close_refusal", "record_id": record_id, "close_words": DONE},
                      form_page="/staff").status_code == 403
    assert unchanged(site) == before and closings(site) == []


def test_closing_twice_is_refused_calmly_and_kept_once(site: Site) -> None:
    w = site.w
    record_id = phone_sends_flag(site, flagged=False)
    staff = site.as_(w.staff_st11)
    row_of = section(staff.get(PAGE).text, "refused-h")
    assert "为什么不收进系统（例如：已手工补录、重复的记录）" in words(row_of) and "close_refusal" in row_of
    first = close(staff, record_id, "已在代录里手工补录", back=None)
    assert first.status_code == 303 and first.headers["location"] == PAGE
    again = close(staff, record_id, "重复", back=None)
    assert again.status_code == 409 and "已经由" in words(again.text) and "没有重复记下" in words(again.text)
    from_home = close(site.as_(w.staff_town1), record_id, "重复")
    assert from_home.status_code == 303 and from_home.headers["location"] == "/staff"
    ((kept,),) = [closings(site)]
    assert kept["words"] == "已在代录里手工补录" and not kept["flagged"]
    assert "手机送来、但没有收下的记录" not in staff.get(PAGE).text


def test_a_closed_visit_in_the_volunteers_export_is_not_entered_a_second_time(site: Site) -> None:
    # Closed as 已手工补录 (entered by hand under another id): the same visit in the phone's export
    # file, under the phone's id, would be the child's visit twice.
    w = site.w
    record_id = phone_sends_flag(site, flagged=False)
    staff = site.as_(w.staff_st11)
    assert close(staff, record_id, "已在代录里手工补录", back=None).status_code == 303
    item = {**visit(w.pairing1, "离线时写的家访", record_id), "state": "rejected", "reason": "结对已结束"}
    item["fields"]["date"] = "2026-11-20"
    page = preview(staff, export(w.mentor1, item))
    assert "辅导站已经把这条记录记为“不收进系统”" in words(page.text) and 'name="payload"' not in page.text
    assert site.read(lambda db: row(db, "activity", record_id)) is None
