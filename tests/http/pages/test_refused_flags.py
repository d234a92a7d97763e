"""A self-harm flag a volunteer's phone sent after the station ended the pairing is refused and kept
(``test_phone_refusals.py``): nobody may miss it. The station home counts the refused records on a
to-do tile and puts a flagged one first among the risk flags, one click from 归入原结对; the dashboard
and /risk-flags count and list it for the town and the county, by code where they read codes."""
from __future__ import annotations

import re
from typing import Any

from server.devices import issue_code
from server.queries.refused import refused_records
from sync import Scope, new_id

from ...factories import end_pairing, mutate, push, remove, row, upsert
from .conftest import Site
from .station import query_plans
from .test_phone_refusals import TEXT, phone_sends_visit, words

RISK = "孩子说不想活了，手臂上有划痕"
CAUSE = "结对已于 2026年11月24日 结束，手机送来时已不能再记。"


def phone_sends_flag(site: Site, *, date: str = "2026-11-20", flagged: bool = True,
                     end_date: str = "2026-11-24", child_deleted: bool = False) -> str:
    """王老师's phone, enrolled while the pairing ran, sends a visit (flagged) through /api/sync/push
    after the station ended the pairing on ``end_date`` (and deleted the child's file: ``child_deleted``)."""
    w = site.w
    code = site.write(lambda db: issue_code(db, site.login_of(w.mentor1), hours=1))["code"]
    phone = site.browser().client
    enrolled = phone.post("/api/enrol", json={"code": code, "device_name": "王老师的手机"})
    assert enrolled.status_code == 200, enrolled.text
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1, end_date=end_date))
    if child_deleted:
        site.write(lambda db: remove(db, w.staff_st11, "mentee", w.mentee1))
    site.write(lambda db: db.execute("UPDATE users SET phone = '13912345678' WHERE id = ?", [w.mentor1.user_id]))
    record_id = new_id()
    fields = {"pairing_id": w.pairing1, "kind": "home_visit", "date": date, "record": RISK if flagged else TEXT,
              "follow_up": "明天再打电话", "risk_flag": flagged}
    pushed = phone.post("/api/sync/push", headers={"Authorization": "Bearer " + enrolled.json()["token"]}, json={
        "mutations": [{"mutation_id": 1, "entity": "activity", "record_id": record_id, "op": "upsert",
                       "base_version": None, "fields": fields}]})
    assert pushed.status_code == 200 and pushed.json()["results"][0]["status"] == "rejected", pushed.text
    return record_id


def section(html: str, heading: str) -> str:
    start = html.index(f'id="{heading}"')
    return html[start:html.index("<section", start) if "<section" in html[start:] else len(html)]


def tile(html: str, words_of: str) -> str:
    for t in section(html, "todo-h").split('<div class="card tile">')[1:]:
        if words_of in t:
            return t
    raise AssertionError(f"no tile saying {words_of}")


def logged(site: Site, action: str) -> list[Any]:
    return site.read(lambda db: [(r["user_id"], r["entities"]) for r in db.query(
        "SELECT user_id, entities FROM access_log WHERE action = ?", [action])])


def test_the_station_home_counts_refused_phone_records_on_a_tile_for_every_role_in_its_scope(site: Site) -> None:
    w = site.w
    phone_sends_flag(site, flagged=False)
    said = "条手机送来的记录没有收进系统"
    station = tile(site.as_(w.staff_st11).get("/staff").text, said)
    assert '<p class="figure">1</p>' in station
    assert '<a class="button" href="/activities/phone-import#refused-h">' in station
    town = tile(site.as_(w.staff_town1).get("/staff").text, said)
    assert '<p class="figure">1</p>' in town and "phone-import" in town
    # Another town's station: none of it, said calmly.
    other = tile(site.as_(w.staff_st21).get("/staff").text, said)
    assert '<p class="figure">0</p>' in other and "没有要处理的" in other and "button" not in other
    # The admin may not open the phone-import page: told whom to ask, no button to a page it cannot open.
    admin = tile(site.as_(w.admin).get("/staff").text, said)
    assert '<p class="figure">1</p>' in admin and "button" not in admin and "请辅导站的工作人员" in admin
    # Unflagged, it is in no risk list, and its words are on no home (nor logged as read there).
    home = site.as_(w.staff_st11).get("/staff").text
    assert TEXT not in home and "没有待处理的自伤自残风险提示" in words(home)
    assert logged(site, "view_phone_refusals") == []


def test_a_refused_self_harm_flag_stands_first_on_the_home_and_once_filed_is_an_open_flag_to_handle(
    site: Site
) -> None:
    w = site.w
    older = {"pairing_id": w.pairing2, "kind": "home_visit", "date": "2026-11-25", "record": "另一个孩子",
             "risk_flag": True}
    site.write(lambda db: push(db, w.mentor2, upsert("activity", new_id(), older, 102)))  # an open flag, newer
    record_id = phone_sends_flag(site)
    browser = site.as_(w.staff_st11)
    home = browser.get("/staff").text
    flags = section(home, "flags-h")
    opened = site.read(lambda db: db.execute(
        "SELECT count(*) FROM activities WHERE risk_flag = 1 AND coalesce(risk_action, '') = '' AND unit_id = ?",
        [w.st11]).fetchone()[0])
    assert f"{opened + 1} 条待处理" in flags
    card = flags[flags.index(f'id="refused-{record_id}"'):]
    card = card[:card.index("</article>")]
    assert opened and flags.index(f'id="refused-{record_id}"') < flags.index('class="card flag" id="flag-')
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]
    said = words(card)
    assert code in said and "小明" in said and "2026年11月20日" in said and "王老师" in said and "13912345678" in said
    assert CAUSE + "这条记录还没有收进系统" in said and RISK in said
    assert "请当天联系孩子的监护人和学校" in said and "立即拨打 120 或 110" in said
    assert 'name="action" value="file_refusal"' in card and "归入原结对" in said
    assert [u for u, _ in logged(site, "view_phone_refusals")] == [w.staff_st11.user_id]
    # 归入原结对 from the card: back on the home, where the flag is now an ordinary open one.
    filed = browser.post("/activities/phone-import", {"action": "file_refusal", "record_id": record_id,
                                                       "back": "staff"}, form_page="/staff")
    assert filed.status_code == 303 and filed.headers["location"] == "/staff"
    home = browser.get("/staff").text
    assert "请写处理记录" in words(home) and f'<a href="/staff#flag-{record_id}">去写处理记录</a>' in home
    assert f'id="refused-{record_id}"' not in home and f'id="flag-{record_id}"' in home
    assert f"{opened + 1} 条待处理" in section(home, "flags-h")
    stored = site.read(lambda db: row(db, "activity", record_id))
    assert stored["risk_flag"] and stored["author_id"] == w.mentor1.user_id
    # 处理记录 written: the flag leaves the list.
    handled = browser.post("/staff", {"activity_id": record_id, "risk_action": "当天联系了奶奶和班主任，孩子安全",
                                      "risk_action_on": "2026-11-26", "base_version": stored["version"]},
                           form_page="/staff")
    assert handled.status_code == 303, words(handled.text)[-400:]
    home = browser.get("/staff").text
    assert f'id="flag-{record_id}"' not in home and f'id="refused-{record_id}"' not in home
    assert f"{opened} 条待处理" in section(home, "flags-h")


def test_a_refused_flag_that_cannot_be_filed_says_why_and_links_to_the_phone_import_page(site: Site) -> None:
    w = site.w
    record_id = phone_sends_flag(site, date="2026-11-26")  # after the pairing's end: not its visit
    card = section(site.as_(w.staff_st11).get("/staff").text, "flags-h")
    card = card[card.index(f'id="refused-{record_id}"'):]
    card = card[:card.index("</article>")]
    assert "不能直接归入原结对：这次帮扶的日期（ 2026年11月26日 ）不在原结对的日期" in words(card)
    assert "file_refusal" not in card and 'href="/activities/phone-import#refused-h"' in card


def test_the_admin_home_shows_a_refused_flag_by_code_without_its_words_and_says_whom_to_ask(site: Site) -> None:
    w = site.w
    record_id = phone_sends_flag(site)
    home = site.as_(w.admin).get("/staff").text
    assert f'id="refused-{record_id}"' in home and "发现自伤自残风险" in home
    assert RISK not in home and "小明" not in home and "file_refusal" not in home and "请联系孩子所在辅导站" in home
    assert logged(site, "view_phone_refusals") == []


def test_the_dashboard_and_risk_flags_count_and_list_a_refused_flag_by_code_for_the_county(site: Site) -> None:
    w = site.w
    phone_sends_flag(site)
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]
    for who, names in ((w.reviewer, False), (w.staff_town1, True), (w.staff_st11, True)):
        dashboard = site.as_(who).get("/dashboard").text
        card = re.search(r"未处理的风险提示</p><p class=\"figure\">(\d+) 条", dashboard)
        listed = site.as_(who).get("/risk-flags").text
        total = re.search(r"未处理的自伤自残风险提示（(\d+) 条）", listed)
        assert card and total and card.group(1) == total.group(1), who
        for page in (dashboard, listed):
            said = words(page)
            assert "手机送来、还没有收进系统的（1 条）" in said and code in said and CAUSE in said, who
            assert RISK not in said, "the visit's words stay on the station's pages"
        assert ("小明" in words(listed)) is names and "小明" not in words(dashboard), who
        # Headings in order: under /risk-flags' h1 an h2, under the dashboard's risk section (h2) an h3.
        assert '<h2><span aria-hidden="true">⚠</span> 手机送来、还没有收进系统的' in listed
        assert '<h3><span aria-hidden="true">⚠</span> 手机送来、还没有收进系统的' in dashboard
    # The other town sees none of it.
    assert "手机送来、还没有收进系统的" not in site.as_(w.staff_town2).get("/risk-flags").text


def test_the_refused_list_reads_the_audit_log_through_its_indexes_for_a_child_handed_on(site: Site) -> None:
    # Asked on every opening of the home: a scan of the audit log for each refused visit of a child
    # handed to another volunteer (whether she was ever its volunteer) cost seconds at county scale.
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"mentor_id": w.mentor2.user_id}, w.pairing1,
                                 base_version=row(db, "pairing", w.pairing1)["version"]))  # type: ignore[index]
    phone_sends_visit(site, w.mentor1, w.pairing1, new_id())
    scope = Scope(w.staff_st11, frozenset({w.st11}))

    found, lines = site.read(lambda db: query_plans(db, lambda db: refused_records(db, scope)))
    assert len(found) == 1 and lines
    assert not [line for line in lines if line.startswith("SCAN")], lines


def test_the_phone_import_page_marks_a_refused_flag_and_lists_it_before_newer_refusals_past_its_limit(
    site: Site, monkeypatch: Any
) -> None:
    w = site.w
    record_id = phone_sends_flag(site)  # the older one
    newer = new_id()
    assert phone_sends_visit(site, w.mentor1, w.pairing1, newer, mutation_id=102)["status"] == "rejected"
    monkeypatch.setattr("server.queries.refused.MOST", 1)  # a busy station's 200, made 1
    page = site.as_(w.staff_st11).get("/activities/phone-import").text
    table = section(page, "refused-h")
    said = words(table)
    assert "手机送来、但没有收下的记录（2 条）" in said and "共 2 条，显示其中 1 条：发现自伤自残风险的在最前" in said
    assert f'value="{record_id}"' in table and f'value="{newer}"' not in table
    row_of = table[table.index("<tbody>"):]
    assert "⚠</span> 发现自伤自残风险" in row_of and RISK in row_of
    # With room for both, the flagged one still stands first and only it wears the badge.
    monkeypatch.setattr("server.queries.refused.MOST", 200)
    rows = section(site.as_(w.staff_st11).get("/activities/phone-import").text, "refused-h").split("<tr>")[2:]
    assert len(rows) == 2 and record_id in rows[0] and newer in rows[1]
    assert "发现自伤自残风险" in rows[0] and "发现自伤自残风险" not in rows[1]
