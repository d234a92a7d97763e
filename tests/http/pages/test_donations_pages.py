"""爱心捐助 pages: staff record a donation from the child's page (元 in, 分 stored), edit and delete it;
the child's page lists it; the totals page adds a period by unit, in the caller's scope only."""
from __future__ import annotations

import re
from typing import Any

import pytest

from ...factories import mutate, row
from .conftest import Site, sentence
from .station import access_rows, record_id_on


def give(site: Site, who: Any, **fields: Any) -> str:
    return str(site.write(lambda db: mutate(db, who, "donation", {"date": "2026-11-03", **fields})))


def test_a_donation_is_recorded_from_the_child_page_in_yuan_and_stored_in_fen(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    child = browser.get(f"/mentees/{w.mentee1}").text
    assert f"/donations/new?mentee_id={w.mentee1}" in child and "登记捐助" in child
    form = browser.get(f"/donations/new?mentee_id={w.mentee1}").text
    assert f'value="{w.mentee1}" selected' in form and "捐款（元）" in form
    assert f'value="{w.mentor1.user_id}"' in form  # the child's volunteer may have handed it over
    response = browser.post("/donations/new", {
        "record_id": record_id_on(form), "mentee_id": w.mentee1, "date": "2026-11-20", "amount_fen": "５００.５",
        "goods": "冬衣", "items": "2", "donor": "县老干部局离退休干部", "handed_by": w.mentor1.user_id,
        "notes": "奶奶说孩子很高兴"})
    assert (response.status_code, response.headers["location"]) == (303, f"/mentees/{w.mentee1}#donations")
    (stored,) = site.read(lambda db: list(db.query("SELECT * FROM donations WHERE mentee_id = ?", [w.mentee1])))
    assert (stored["amount_fen"], stored["items"], stored["unit_id"]) == (50_050, 2, w.st11)
    page = sentence(browser.get(f"/mentees/{w.mentee1}").text)
    assert "捐款 500.50 元，捐物 冬衣 2 件；捐助人：县老干部局离退休干部；转交人：王老师" in page
    assert "奶奶说孩子很高兴" in page


@pytest.mark.parametrize(("amount", "goods", "items", "date", "field", "words"), [
    ("-5", "", "", "2026-11-20", "amount_fen", "不能是负数"),
    ("12.345", "", "", "2026-11-20", "amount_fen", "最多两位小数"),
    ("一百", "", "", "2026-11-20", "amount_fen", "请填金额"),
    ("999999999", "", "", "2026-11-20", "amount_fen", "超过一次捐助的上限 100,000 元"),
    ("", "", "", "2026-11-20", "amount_fen", "至少要有捐款或捐物"),
    ("", "书包", "", "2026-11-20", "items", "请填写捐物件数"),
    ("100", "", "", "2099-01-01", "date", "不能晚于今天"),
])
def test_bad_donation_input_is_a_400_beside_the_field_and_saves_nothing(
        site: Site, amount: str, goods: str, items: str, date: str, field: str, words: str) -> None:
    w = site.w
    response = site.as_(w.staff_st11).post("/donations/new", {
        "mentee_id": w.mentee1, "date": date, "amount_fen": amount, "goods": goods, "items": items})
    assert response.status_code == 400
    assert words in sentence(response.text)
    assert f'aria-describedby="e-{field}' in response.text or f'id="e-{field}"' in response.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM donations").fetchone()) == (0,)


def test_a_donation_for_a_child_outside_scope_is_not_found_as_anywhere_else(site: Site) -> None:
    w = site.w
    other = give(site, w.staff_st21, mentee_id=w.mentee3, amount_fen=100)
    browser = site.as_(w.staff_st11)
    assert browser.get(f"/donations/{other}").status_code == 404
    assert browser.post(f"/donations/{other}", {"base_version": "1", "donor": "x"}).status_code == 404
    refused = browser.post("/donations/new", {"mentee_id": w.mentee3, "date": "2026-11-20", "amount_fen": "100"})
    assert refused.status_code == 400 and "找不到帮扶对象" in sentence(refused.text)
    assert browser.get("/donations/not-an-id").status_code == 404


def test_a_donation_is_edited_and_deleted_with_its_history_kept(site: Site) -> None:
    w = site.w
    rid = give(site, w.staff_st11, mentee_id=w.mentee1, amount_fen=10_000)
    browser = site.as_(w.staff_st11)
    page = browser.get(f"/donations/{rid}").text
    assert 'value="100"' in page  # 10,000 分 shown as 100 元 in the form
    saved = browser.post(f"/donations/{rid}", {"base_version": "1", "date": "2026-11-03", "amount_fen": "120",
                                              "donor": "匿名"})
    assert saved.status_code == 303
    assert (site.read(lambda db: row(db, "donation", rid)) or {})["amount_fen"] == 12_000
    assert "匿名" in sentence(browser.get(f"/donations/{rid}").text)
    gone = browser.post(f"/donations/{rid}", {"base_version": "2", "action": "delete"})
    assert (gone.status_code, gone.headers["location"]) == (303, f"/mentees/{w.mentee1}#donations")
    assert (site.read(lambda db: row(db, "donation", rid)) or {})["deleted"] == 1
    assert "还没有登记爱心捐助" in sentence(browser.get(f"/mentees/{w.mentee1}").text)
    assert browser.get(f"/donations/{rid}").status_code == 404


def test_the_county_reads_a_donation_by_code_without_its_notes_and_cannot_write(site: Site) -> None:
    w = site.w
    rid = give(site, w.staff_st11, mentee_id=w.mentee1, goods="书包", items=1, notes="父亲住院")
    county = site.as_(w.reviewer)
    page = sentence(county.get(f"/donations/{rid}").text)
    assert "书包 1 件" in page and "父亲住院" not in page and "小明" not in page and "删除这条捐助" not in page
    assert county.post(f"/donations/{rid}", {"base_version": "1", "donor": "x"}).status_code == 403
    # (the post read the page first for its form token: a second view)
    assert {r["user_id"] for r in access_rows(site, "view_donation", rid)} == {w.reviewer.user_id}


def test_the_totals_add_a_year_by_unit_and_count_each_child_once(site: Site) -> None:
    w = site.w
    give(site, w.staff_st11, mentee_id=w.mentee1, amount_fen=50_050)
    give(site, w.staff_st11, mentee_id=w.mentee1, goods="冬衣", items=3)
    give(site, w.staff_st11, mentee_id=w.mentee2, amount_fen=20_000, goods="书包", items=1)
    give(site, w.staff_st21, mentee_id=w.mentee3, amount_fen=100_000)
    give(site, w.staff_st11, mentee_id=w.mentee2, amount_fen=99_900, date="2025-12-31")  # last year
    town1 = sentence(site.as_(w.staff_town1).get("/donations?year=2026").text)
    assert "受助学生 2 人，捐款 700.50 元，捐物 4 件（共 3 笔）" in town1
    assert "小明" in town1 and "小红" in town1  # staff read names; both children listed
    county = sentence(site.as_(w.reviewer).get("/donations?year=2026").text)
    assert "受助学生 3 人，捐款 1,700.50 元，捐物 4 件（共 4 笔）" in county
    assert "小明" not in county  # the county reads children by code
    station = site.as_(w.staff_st21)
    assert station.get(f"/donations?unit={w.st11}").status_code == 404
    assert station.get("/donations?year=abc").status_code == 400
    assert station.get("/donations?from=2026-13-01").status_code == 400


def test_a_volunteer_phone_never_receives_a_donation(site: Site) -> None:
    from .station import phone_pull
    w = site.w
    give(site, w.staff_st11, mentee_id=w.mentee1, amount_fen=100, handed_by=w.mentor1.user_id)
    held, _, _ = phone_pull(site, w.mentor1)
    assert ("mentee", w.mentee1) in held and not any(entity == "donation" for entity, _ in held)


def test_the_archive_and_its_print_show_a_donation_under_the_check_code_and_one_without_keeps_its_code(
        site: Site) -> None:
    from .test_archive_record import code_on
    w = site.w
    pages = (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print", f"/mentees/{w.mentee1}/print")
    before = [code_on(site, p) for p in pages]
    give(site, w.staff_st11, mentee_id=w.mentee2, amount_fen=100)  # another child's: child 1's codes stay
    assert [code_on(site, p) for p in pages] == before
    pairing_start = site.read(lambda db: row(db, "pairing", w.pairing1))["start_date"]
    rid = give(site, w.staff_st11, mentee_id=w.mentee1, date=pairing_start, goods="书包", items=1,
               handed_by=w.mentor1.user_id)
    county = site.as_(w.reviewer)
    for path in pages:
        assert "捐物 书包 1 件；转交人：王老师" in sentence(county.get(path).text), path
    shown = [code_on(site, p) for p in pages]
    assert shown[0] == shown[1] and all(a != b for a, b in zip(shown, before, strict=True))
    # Printed with the donation, a paper copy no longer matches once the donation changes.
    browser = site.as_(w.staff_st11)
    assert browser.post(f"/donations/{rid}", {"base_version": "1", "date": pairing_start, "goods": "书包",
                                              "items": "2", "handed_by": w.mentor1.user_id}).status_code == 303
    assert code_on(site, pages[1]) != shown[1]
    edited = [code_on(site, p) for p in pages]
    assert browser.post(f"/donations/{rid}", {"base_version": "2", "action": "delete"}).status_code == 303
    # Deleted, it stays on paper marked (test_a_deleted_donation_stays_marked_...), so the code moves on again.
    deleted = [code_on(site, p) for p in pages]
    assert all(d not in (e, b) for d, e, b in zip(deleted, edited, before, strict=True))


def test_the_year_summary_states_the_donations_of_its_year_on_the_page_its_print_and_the_drafted_text(
        site: Site) -> None:
    w = site.w
    give(site, w.staff_st11, mentee_id=w.mentee1, amount_fen=50_050, goods="冬衣", items=2)
    give(site, w.staff_st11, mentee_id=w.mentee1, date="2026-12-01", amount_fen=20_000)
    give(site, w.staff_st21, mentee_id=w.mentee3, goods="书包", items=1)
    give(site, w.staff_st21, mentee_id=w.mentee3, date="2025-06-01", amount_fen=999_900)  # another year
    for path in ("/summary", "/summary/print"):
        raw = site.as_(w.reviewer).get(path, params={"unit": w.county, "year": "2026"}).text
        for label, figure in (("爱心捐款", "700.50 元"), ("爱心捐物（件）", "3"),
                              ("受助的家庭经济困难学生（人）", "2")):
            cell = raw.split(f">{label}<", 1)[1][:120]
            assert f">{figure}<" in cell, (path, label, cell)
        page = sentence(raw)
        assert "发动社会各界人士、离退休干部捐款700.50元、捐物3件，资助家庭经济困难学生2人。" in page, path
    town = sentence(site.as_(w.reviewer).get("/summary", params={"unit": w.town1, "year": "2026"}).text)
    assert "资助家庭经济困难学生1人" in town  # a town counts the children of its own schools and stations


def in_pairing(site: Site) -> str:
    return str(site.read(lambda db: row(db, "pairing", site.w.pairing1))["start_date"])


DELETED_GIFT = re.compile(r"爱心捐助 已删除 站员一一删除于 20\d\d年\d{1,2}月\d{1,2}日 \d\d:\d\d")


def test_a_deleted_donation_stays_marked_on_the_archive_its_print_the_childs_page_and_its_print_in_no_total(
        site: Site) -> None:
    w = site.w
    note = "父亲住院，家里靠低保"
    kept = give(site, w.staff_st11, mentee_id=w.mentee1, date=in_pairing(site), amount_fen=20_000)
    rid = give(site, w.staff_st11, mentee_id=w.mentee1, date=in_pairing(site), amount_fen=50_000, goods="冬衣",
               items=2, handed_by=w.mentor1.user_id, notes=note)
    staff = site.as_(w.staff_st11)
    assert staff.post(f"/donations/{rid}", {"base_version": "1", "action": "delete"}).status_code == 303
    paths = (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print", f"/mentees/{w.mentee1}",
             f"/mentees/{w.mentee1}/print")
    for who in (w.staff_st11, w.reviewer):
        for path in paths:
            raw = site.as_(who).get(path).text
            text = sentence(raw)
            gone = text[text.index("已删除的爱心捐助（1 笔，不计入合计）"):]
            assert DELETED_GIFT.search(gone), (who.name, path)
            assert "冬衣" not in text[:text.index("已删除的爱心捐助")], (who.name, path)  # not among the live
            assert "捐物 冬衣 2 件；转交人：王老师" in gone, (who.name, path)
            assert (note in raw) == (who is w.staff_st11), (who.name, path)  # the county never reads its 备注
            assert f"/donations/{rid}" not in raw, path  # read-only: nothing to open or change
    # Counted in no total: the child's sums, the year's totals and the year summary hold the live gift alone.
    assert "共 1 笔，捐款 200 元。" in sentence(staff.get(f"/mentees/{w.mentee1}").text)
    assert "六、爱心捐助（共 1 笔，捐款 200 元）" in sentence(staff.get(f"/mentees/{w.mentee1}/print").text)
    assert "受助学生 1 人，捐款 200 元" in sentence(site.as_(w.reviewer).get("/donations?year=2026").text)
    raw = site.as_(w.reviewer).get("/summary", params={"unit": w.county, "year": "2026"}).text
    assert ">200 元<" in raw.split(">爱心捐款<", 1)[1][:120]
    assert f"/donations/{kept}" in staff.get(f"/mentees/{w.mentee1}").text  # the live gift still opens


def test_a_child_whose_only_gift_was_deleted_prints_the_section_without_a_sum_of_nothing(site: Site) -> None:
    w = site.w
    rid = give(site, w.staff_st11, mentee_id=w.mentee1, date=in_pairing(site), goods="书包", items=1)
    staff = site.as_(w.staff_st11)
    assert staff.post(f"/donations/{rid}", {"base_version": "1", "action": "delete"}).status_code == 303
    text = " ".join(sentence(staff.get(f"/mentees/{w.mentee1}/print").text).split())
    assert "六、爱心捐助 没有在册的爱心捐助。 已删除的爱心捐助（1 笔，不计入合计）" in text
    assert "共 0 笔" not in text


def test_deleting_a_donation_changes_its_archives_code_and_an_archive_without_donations_keeps_its_code(
        site: Site) -> None:
    from .test_archive_record import code_on
    w = site.w
    ours = (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print", f"/mentees/{w.mentee1}/print")
    others = (f"/pairings/{w.pairing2}", f"/pairings/{w.pairing2}/print", f"/mentees/{w.mentee2}/print")
    before, untouched = [code_on(site, p) for p in ours], [code_on(site, p) for p in others]
    rid = give(site, w.staff_st11, mentee_id=w.mentee1, date=in_pairing(site), goods="书包", items=1)
    given = [code_on(site, p) for p in ours]
    assert site.as_(w.staff_st11).post(f"/donations/{rid}", {"base_version": "1", "action": "delete"}).status_code \
        == 303
    deleted = [code_on(site, p) for p in ours]
    assert deleted[0] == deleted[1], "the archive's screen and its paper copy agree"
    assert all(d not in (g, b) for d, g, b in zip(deleted, given, before, strict=True)), \
        "a paper copy printed before the deletion no longer matches"
    assert [code_on(site, p) for p in others] == untouched, "an archive without donations keeps its code"


def test_a_forged_hand_over_on_the_new_form_never_names_someone_outside_scope(site: Site) -> None:
    """The form shown again after a refusal lists who may have handed the gift over; a forged 转交人
    (another town's staff or volunteer, or the county's reviewer) is refused and never named there."""
    w = site.w
    browser = site.as_(w.staff_st11)
    for stranger, name in ((w.staff_st21, "站员二一"), (w.mentor3, "张老师"), (w.reviewer, "县关工委")):
        response = browser.post("/donations/new", {
            "mentee_id": w.mentee1, "date": "2026-11-20", "amount_fen": "100", "handed_by": stranger.user_id})
        assert response.status_code == 400
        assert name not in sentence(response.text) and f'value="{stranger.user_id}"' not in response.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM donations").fetchone()) == (0,)


def test_a_donation_shown_again_after_a_refused_edit_is_access_logged(site: Site) -> None:
    """A refused edit shows the donation (its sums, goods and history) as its page does: a view too, so
    a post with a bad sum cannot read a child's donation past the access log."""
    w = site.w
    rid = give(site, w.staff_st11, mentee_id=w.mentee1, goods="书包", items=1)
    browser = site.as_(w.staff_st11)
    token = browser.token("/donations")
    refused = browser.post(f"/donations/{rid}", {"base_version": "1", "date": "2026-11-03", "amount_fen": "abc",
                                                "goods": "书包", "items": "1"}, token=token)
    assert refused.status_code == 400 and "书包" in sentence(refused.text)
    assert [r["user_id"] for r in access_rows(site, "view_donation", rid)] == [w.staff_st11.user_id]


def test_money_reads_in_one_form_with_its_unit_wherever_it_is_shown(site: Site) -> None:
    """/donations showed a unit's 捐款 as 1,401 and a child's as 700.50 under a heading's （元）, the year
    summary 700.50 and the child's page 捐款 200 元: now every sum is the one filter's form, whole 元
    with thousands separators, 分 only when there are any, and 元 with it (1,401 元, 700.50 元) — the
    totals page's lead, its tables by unit and by child, the year summary and its print, the child's page."""
    w = site.w
    give(site, w.staff_st11, mentee_id=w.mentee1, amount_fen=70_050)
    give(site, w.staff_st11, mentee_id=w.mentee2, amount_fen=140_100)
    give(site, w.staff_st11, mentee_id=w.mentee2, amount_fen=20_000, date="2025-06-01")  # last year's
    county = site.as_(w.reviewer)
    totals = county.get("/donations?year=2026").text
    cells = re.findall(r'<td data-label="捐款">([^<]*)</td>', totals)
    assert set(cells) == {"0 元", "2,101.50 元", "700.50 元", "1,401 元"}, cells  # units, 合计, children
    assert "捐款 2,101.50 元，" in sentence(totals)
    assert "（元）" not in totals  # the unit is on each sum, not left to a heading
    for path in ("/summary", "/summary/print"):
        raw = county.get(path, params={"unit": w.county, "year": "2026"}).text
        row = re.search(r">爱心捐款</t[hd]>(.*?)</tr>", raw, re.S)
        assert row, path
        assert re.findall(r'class="num">([^<]*)<', row.group(1))[:2] == (
            ["2,101.50 元", "200 元"] if path == "/summary" else ["2,101.50 元"]), (path, row.group(1))
    assert "共 1 笔，捐款 700.50 元。" in sentence(site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}").text)


def test_the_words_that_say_who_works_here_name_the_towns_office_too(site: Site) -> None:
    # A town's clerk signs in, registers donations and reads them on every page of theirs; the sign-in
    # page, the front page and the donation form spoke of 辅导站、学校、县 only, so the clerk read
    # that the town was not meant to be here.
    anyone = site.browser()
    for page in ("/", "/login"):
        assert "镇（街道）" in sentence(anyone.get(page).text), page
    form = sentence(site.as_(site.w.staff_town1).get("/donations/new").text)
    assert "捐助记录只在辅导站、学校、镇（街道）和县里可见" in form
    # The referral form said 只在辅导站和县里可见 to the town's clerk registering one.
    form = sentence(site.as_(site.w.staff_town1).get("/referrals/new").text)
    assert "转介记录只在辅导站、学校、镇（街道）和县里可见" in form
