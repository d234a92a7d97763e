"""The WeChat brief and the year-end summary: texts state the numbers of the records (counted
here independently), never a child's name or code; the PNG carries nothing but pixels; the
edited summary is kept, and a concurrent save never overwrites another."""
from __future__ import annotations

import io
import re
import struct
from typing import Any
from urllib.parse import unquote

import pytest
from PIL import Image

from sync.timeutil import local_today

from ...factories import make_activity, mutate
from .conftest import Site, sentence
from .station import back_after_sign_in

OCTOBER = "from=2026-10-01&to=2026-10-31"


def _october(site: Site) -> None:
    w = site.w

    def setup(db: Any) -> None:
        make_activity(db, w.mentor1, w.pairing1, date="2026-10-05", kind="talk")
        make_activity(db, w.mentor3, w.pairing3, date="2026-10-06", kind="remote")
        make_activity(db, w.mentor2, w.pairing2, date="2026-09-30", kind="home_visit")  # outside
        mutate(db, w.staff_st21, "event", {"unit_id": w.st21, "kind": "parent_meeting", "audience": "parents",
                                           "date": "2026-10-20", "participants": 45})

    site.write(setup)


def _count(site: Site, sql: str, params: list[Any]) -> int:
    return int(site.read(lambda db: db.execute(sql, params).fetchone()[0]))


def _live_activities(site: Site, start: str, end: str) -> int:
    return _count(site, "SELECT count(*) FROM activities a JOIN pairings p ON p.id = a.pairing_id"
                        " JOIN mentees m ON m.id = a.mentee_id WHERE a.deleted = 0 AND p.deleted = 0 AND m.deleted = 0"
                        " AND a.date BETWEEN ? AND ?", [start, end])


def _children(site: Site) -> tuple[set[str], set[str]]:
    rows = site.read(lambda db: db.execute("SELECT name, code FROM mentees").fetchall())
    return {r[0] for r in rows if r[0]}, {r[1] for r in rows}


def test_brief_states_the_periods_numbers(site: Site) -> None:
    _october(site)
    w = site.w
    text = site.as_(w.reviewer).get(f"/brief?unit={w.county}&{OCTOBER}").text
    brief = re.search(r'<textarea id="brief-text"[^>]*>(.*?)</textarea>', text, re.S).group(1)
    activities = _live_activities(site, "2026-10-01", "2026-10-31")
    assert activities == 2
    assert "2026年10月1日至10月31日" in brief
    assert "开展专题宣传教育1场、参与120人次" in brief  # make_county's lecture of 10 October
    assert "组织专题家长会1场、参与家长45人次" in brief
    assert f"开展结对帮扶活动{activities}次（其中上门家访和面对面谈心1次）" in brief
    active = _count(site, "SELECT count(*) FROM pairings WHERE status = 'active' AND deleted = 0", [])
    assert f"截至10月31日在结对帮扶{active}对" in brief  # October is over: not "目前"
    assert "目前" not in brief


def test_brief_names_no_child_in_text_or_picture(site: Site) -> None:
    _october(site)
    w = site.w
    browser = site.as_(w.reviewer)
    page = browser.get(f"/brief?unit={w.county}&{OCTOBER}").text
    png = browser.get(f"/brief.png?unit={w.county}&{OCTOBER}")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    names, codes = _children(site)
    assert names and codes
    for secret in names | codes:
        assert secret not in page
        assert secret.encode() not in png.content and secret.encode("utf-16-le") not in png.content
    chunks, offset = [], 8
    while offset < len(png.content):
        length, kind = struct.unpack(">I4s", png.content[offset:offset + 8])
        chunks.append(kind.decode())
        offset += 12 + length
    assert set(chunks) <= {"IHDR", "IDAT", "IEND", "PLTE", "tRNS"}, chunks  # no text or EXIF metadata
    image = Image.open(io.BytesIO(png.content))
    assert image.size[0] == 1080 and not image.info.get("text")


def test_brief_png_downloads_as_a_file_named_for_its_unit(site: Site) -> None:
    """Two units' pictures of one month are two files a person can tell apart before posting one."""
    w = site.w
    names = set()
    for unit in (w.st11, w.town1):
        response = site.as_(w.staff_town1).get(f"/brief.png?unit={unit}&{OCTOBER}&download=1")
        assert response.status_code == 200
        header = response.headers["content-disposition"]
        assert header.startswith('attachment; filename="brief-2026-10-01-2026-10-31.png"; filename*=UTF-8\'\'')
        names.add(unquote(header.split("UTF-8''")[1]))
    assert names == {"简报-掘港小学辅导站-2026-10-01至2026-10-31.png", "简报-掘港街道-2026-10-01至2026-10-31.png"}


def test_brief_copy_button_is_a_static_module(site: Site) -> None:
    page = site.as_(site.w.reviewer).get("/brief").text
    assert re.search(r'<script type="module" src="/static/copy\.js\?v=\w+"></script>', page)
    assert "<script>" not in page
    assert site.browser().get("/static/copy.js").status_code == 200


@pytest.mark.parametrize("path", ["/brief?unit={unit}", "/brief.png?unit={unit}", "/summary?unit={unit}",
                                  "/summary/print?unit={unit}"])
def test_another_units_brief_and_summary_answer_404(site: Site, path: str) -> None:
    w = site.w
    for who, unit in ((w.staff_town2, w.town1), (w.staff_st11, w.st12), (w.staff_st11, w.county)):
        response = site.as_(who).get(path.format(unit=unit))
        assert response.status_code == 404, (who.name, path)


def test_brief_refuses_a_bad_period(site: Site) -> None:
    browser = site.as_(site.w.reviewer)
    assert browser.get("/brief?from=2026-13-01").status_code == 400
    assert browser.get("/brief?from=2026-10-31&to=2026-10-01").status_code == 400


@pytest.mark.parametrize(("path", "named"), [
    ("/brief?unit=not-a-unit", "网址里的单位读不懂"), ("/brief.png?unit=not-a-unit", "网址里的单位读不懂"),
    ("/summary?unit=not-a-unit", "网址里的单位读不懂"), ("/summary?year=1999", "年度应为"),
    ("/summary/print?year=20x6", "年度应为"), ("/brief?from=20261001", "起始日期应为"),
    ("/brief.png?to=2026-10-32", "截止日期“2026-10-32”是不存在的日期")])
def test_brief_and_summary_say_which_parameter_is_unreadable(site: Site, path: str, named: str) -> None:
    """Like every report (``server/pages/report_params.py``): a 400 page naming the value, never a 404."""
    response = site.as_(site.w.reviewer).get(path)
    assert response.status_code == 400
    assert named in sentence(response.text)


def _draft(html: str) -> str:
    return re.search(r'<textarea id="text" name="text"[^>]*>(.*?)</textarea>', html, re.S).group(1)


def test_summary_draft_states_the_years_numbers(site: Site) -> None:
    _october(site)
    w = site.w
    draft = _draft(site.as_(w.reviewer).get(f"/summary?unit={w.county}&year=2026").text)
    activities = _live_activities(site, "2026-01-01", "2026-12-31")
    talks = _count(site, "SELECT count(*) FROM activities WHERE deleted = 0 AND kind IN ('home_visit', 'talk')"
                         " AND date LIKE '2026-%'", [])
    screened = _count(site, "SELECT count(DISTINCT mentee_id) FROM screenings WHERE deleted = 0"
                            " AND psych_problem = 1 AND date LIKE '2026-%'", [])
    assert draft.startswith("如东县2026年心理健康教育工作总结")
    assert "全年开展专题宣传教育1场" in draft and "参与120人次" in draft
    assert f"全年开展帮扶活动{activities}次" in draft
    assert f"开展面对面谈心（含上门家访）{talks}场次" in draft
    assert f"全年排查出存在心理问题的学生{screened}人" in draft
    assert "比上年" not in draft  # nothing recorded in 2025: no change is claimed
    assert "全年开展现场督查1次，平均得分67分" in draft  # make_county's inspection: 2 of 3 items passed
    names, codes = _children(site)
    assert not any(secret in draft for secret in names | codes)


def test_summary_sections_are_numbered_in_order_when_coverage_is_unknown(site: Site) -> None:
    # No enrolment figure for 2025: the draft has no 宣讲覆盖 section, and the sections that follow
    # it are numbered on (二、三、四), not 一、三、四、五 as if a page were missing from the report.
    w = site.w

    def setup(db: Any) -> None:
        make_activity(db, w.mentor1, w.pairing1, date="2025-11-02", kind="talk")
        mutate(db, w.reviewer, "inspection", {"unit_id": w.st11, "date": "2025-09-01", "inspectors": "县关工委 周主任",
                                              "passed": ["records"], "failed": []})

    site.write(setup)
    draft = _draft(site.as_(w.reviewer).get(f"/summary?unit={w.county}&year=2025").text)
    assert "宣讲覆盖" not in draft
    headings = re.findall(r"^([一二三四五六七八九十])、(\S+)$", draft, re.M)
    assert headings == [("一", "总体情况"), ("二", "结对帮扶"), ("三", "排查与干预"), ("四", "督查")]


def test_summary_of_a_year_long_past_shows_that_year_in_its_picker(site: Site) -> None:
    # A year typed into the address (or a bookmark from years back): the picker beside the heading
    # must not say this year's 年度 above that year's figures, nor send "查看" back to this year.
    w = site.w
    old = local_today().year - 10
    page = site.as_(w.reviewer).get(f"/summary?unit={w.county}&year={old}").text
    assert f"{old}年</h1>" in page
    picker = re.search(r'<select id="year" name="year">.*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="(\d+)" selected', picker) == [str(old)]


def test_summary_states_the_change_against_last_year(site: Site) -> None:
    w = site.w
    site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, date="2025-11-02", kind="talk"))
    draft = _draft(site.as_(w.reviewer).get(f"/summary?unit={w.county}&year=2026").text)
    talks_2026 = _count(site, "SELECT count(*) FROM activities WHERE deleted = 0 AND kind IN ('home_visit', 'talk')"
                              " AND date LIKE '2026-%'", [])
    assert f"开展面对面谈心（含上门家访）{talks_2026}场次，比上年增加{talks_2026 - 1}场次" in draft


def test_summary_text_is_kept_and_printed(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_town1)
    url = f"/summary?unit={w.town1}&year=2026"
    response = browser.post(url, {"text": "掘港街道年终总结（修改稿）", "base": "", "action": "save"}, form_page=url)
    assert response.status_code == 303
    page = browser.get(url).text
    assert _draft(page) == "掘港街道年终总结（修改稿）" and "第 1 稿" in page
    printed = browser.get(f"/summary/print?unit={w.town1}&year=2026").text
    assert "掘港街道年终总结（修改稿）" in printed and "打印于" in printed and "街道干事" in printed
    audit = site.read(lambda db: db.execute("SELECT count(*) FROM sync_audit WHERE entity = 'year_summary'"
                                            " AND user_id = ?", [w.staff_town1.user_id]).fetchone()[0])
    assert audit == 1


def test_summary_saved_meanwhile_is_not_overwritten(site: Site) -> None:
    w = site.w
    url = f"/summary?unit={w.county}&year=2026"
    first, second = site.as_(w.reviewer), site.as_(w.admin)
    assert first.post(url, {"text": "第一位的稿子", "base": "", "action": "save"}, form_page=url).status_code == 303
    clash = second.post(url, {"text": "第二位的稿子", "base": "", "action": "save"}, form_page=url)
    assert clash.status_code == 409
    assert "第一位的稿子" in clash.text and "第二位的稿子" in clash.text
    texts = site.read(lambda db: [r[0] for r in db.execute("SELECT text FROM year_summaries").fetchall()])
    assert texts == ["第一位的稿子"]
    base = re.search(r'name="base" value="(\d+)"', clash.text).group(1)
    merged = second.post(url, {"text": "合并后的稿子", "base": base, "action": "save"}, form_page=url)
    assert merged.status_code == 303
    assert _draft(first.get(url).text) == "合并后的稿子"


def test_summary_saved_twice_by_a_double_click_is_saved_once_without_a_conflict(site: Site) -> None:
    # The second post still names the version the page was opened on; it carries the same text, so
    # there is nothing to merge: no "在您修改期间……保存了新的一稿" page about one's own save.
    w = site.w
    url = f"/summary?unit={w.county}&year=2026"
    browser = site.as_(w.reviewer)
    token = browser.token(url)
    for _ in range(2):
        sent = browser.post(url, {"text": "县里的年终总结", "base": "", "action": "save"}, token=token)
        assert sent.status_code == 303, sent.text
    assert site.read(lambda db: [r[0] for r in db.execute("SELECT text FROM year_summaries").fetchall()]) == \
        ["县里的年终总结"]


def test_summary_of_another_unit_cannot_be_saved(site: Site) -> None:
    w = site.w
    url = f"/summary?unit={w.town1}&year=2026"
    response = site.as_(w.staff_town2).post(url, {"text": "越权", "base": "", "action": "save"},
                                            form_page="/summary")
    assert response.status_code == 404
    assert site.read(lambda db: db.execute("SELECT count(*) FROM year_summaries").fetchone()[0]) == 0


def _coverage_rows(html: str) -> dict[str, tuple[int, int, str]]:
    """/coverage's town rows: name → (students reached, enrolled, 学生覆盖率 as shown)."""
    towns = html.split("按学校和辅导站")[0]
    return {m[0]: (int(m[1]), int(m[2]), m[3]) for m in re.findall(
        r'<td data-label="单位"[^>]*><a [^>]*>([^<]+)</a></td>\s*'
        r'<td class="num" data-label="第4讲 学生参与（人次）／在校（人）"><span class="fraction">'
        r'<a [^>]*>(\d+)</a> ／ (\d+)</span></td>\s*'
        r'<td data-label="第4讲 学生覆盖率">([\d.]+)%', towns)}


def test_summary_counts_a_towns_own_lecture_as_the_coverage_page_does(site: Site) -> None:
    w = site.w

    def setup(db: Any) -> None:
        for who, unit, people in ((w.staff_st11, w.st11, 500), (w.staff_st12, w.st12, 200),
                                  (w.staff_town1, w.town1, 100), (w.staff_st21, w.st21, 150)):
            mutate(db, who, "event", {"unit_id": unit, "kind": "lecture", "lecture_no": 4, "audience": "students",
                                      "date": "2026-09-15", "participants": people})
        for who, unit, students in ((w.staff_st12, w.st12, 400), (w.staff_st21, w.st21, 300),
                                    (w.staff_st22, w.st22, 100)):  # st11 has 800 already
            mutate(db, who, "enrolment", {"unit_id": unit, "year": 2026, "students": students, "parents": students})

    site.write(setup)
    town = site.as_(w.staff_town1)
    rows = _coverage_rows(town.get(f"/coverage?unit={w.town1}&year=2026&half=2").text)
    assert rows["掘港街道"] == (800, 1200, "66.6")  # the town's own 100 included; the stations alone give 58.3%
    assert "学生第4讲宣讲覆盖率66.6%" in _draft(town.get(f"/summary?unit={w.town1}&year=2026").text)

    county = site.as_(w.reviewer)
    rows = _coverage_rows(county.get(f"/coverage?unit={w.county}&year=2026&half=2").text)
    assert rows == {"掘港街道": (800, 1200, "66.6"), "栟茶镇": (150, 400, "37.5")}
    # the county's figure is its town rows added up: (800 + 150) / (1200 + 400) = 59.375%
    assert "学生第4讲宣讲覆盖率59.3%" in _draft(county.get(f"/summary?unit={w.county}&year=2026").text)


@pytest.mark.parametrize("name", ["掘港街道\r\n小学辅导站", "掘港\u2029辅导站", "掘港\x85辅导站"])
def test_brief_png_draws_a_unit_name_with_a_line_break(site: Site, name: str) -> None:
    # A name pasted from a spreadsheet could carry a carriage return or a paragraph separator before
    # short fields were one line (the write path refuses one now); the text shaper refuses those, and
    # one such station name kept from then must not break the county's picture.
    w = site.w
    site.write(lambda db: db.execute("UPDATE units SET name = ? WHERE id = ?", [name, w.st11]))
    for unit in (w.county, w.st11):
        png = site.as_(w.reviewer).get(f"/brief.png?unit={unit}&{OCTOBER}")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png", png.text[:300]


def test_brief_says_now_only_for_a_period_not_yet_over() -> None:
    import datetime

    from server.briefing import brief_text

    stats = dict.fromkeys(("lectures", "lecture_people", "parent_meetings", "parent_people", "talks", "brochures",
                           "screened", "helped"), 0)
    figures = {"stats": stats, "activities": 0, "unit_name": "如东县", "date_from": "2026-12-01",
               "date_to": "2026-12-31", "pairings_active": 7, "pairings_new": 0, "inspections": 0}
    assert "目前在结对帮扶7对" in brief_text(figures, today=datetime.date(2026, 12, 2))
    assert "目前在结对帮扶7对" in brief_text(figures, today=datetime.date(2026, 12, 31))
    assert "截至12月31日在结对帮扶7对" in brief_text(figures, today=datetime.date(2027, 1, 1))


def test_a_summary_past_the_limit_is_refused_whole_and_kept_in_the_box_not_saved_cut_short(site: Site) -> None:
    w = site.w
    url = f"/summary?unit={w.county}&year=2026"
    browser = site.as_(w.reviewer)
    text = "县里的年终总结。" + "各镇各校认真开展结对帮扶工作。" * 1500  # 22,508 characters
    response = browser.post(url, {"text": text, "base": "", "action": "save"}, form_page=url)
    assert response.status_code == 400 and "总结文字太长了" in response.text
    assert _draft(response.text) == text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM year_summaries").fetchone()[0]) == 0


def test_a_summary_posted_after_sign_out_elsewhere_is_back_in_the_box_and_still_meets_a_save_meanwhile(
        site: Site) -> None:
    w = site.w
    url = f"/summary?unit={w.county}&year=2026"
    browser = site.as_(w.reviewer)
    page = back_after_sign_in(site, browser, w.reviewer, url, {"text": "我改了一下午的总结", "base": "",
                                                                "action": "save"})
    assert _draft(page) == "我改了一下午的总结" and "已恢复登录前填写的内容" in page
    # Someone saves a version before it is sent again: the kept text meets it as a conflict.
    assert site.as_(w.admin).post(url, {"text": "管理员的稿子", "base": "", "action": "save"},
                                  form_page=url).status_code == 303
    base = re.search(r'name="base" value="([^"]*)"', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    clash = browser.post(url, {"text": "我改了一下午的总结", "base": base, "action": "save"}, token=token)
    assert clash.status_code == 409 and "管理员的稿子" in clash.text


def test_summary_says_when_its_draft_was_saved_in_words(site: Site) -> None:
    """当前是 … 2026-12-04 23:32 保存的第 1 稿, and the same in the saved-meanwhile warning; the other pages
    write 2026年12月4日 23:32."""
    w = site.w
    url = f"/summary?unit={w.county}&year=2026"
    first, second = site.as_(w.reviewer), site.as_(w.admin)
    assert first.post(url, {"text": "第一位的稿子", "base": "", "action": "save"}, form_page=url).status_code == 303
    site.write(lambda db: db.execute("UPDATE year_summaries SET saved_at = '2026-12-04T15:32:00.000Z'"))
    assert re.search(r'当前是 [^<]+ <span class="nowrap">2026年12月4日 23:32</span> 保存的第 1 稿', first.get(url).text)
    clash = second.post(url, {"text": "第二位的稿子", "base": "", "action": "save"}, form_page=url)
    assert clash.status_code == 409 and re.search(r'于 <span class="nowrap">2026年12月4日 23:32</span> 保存了新的一稿',
                                                               clash.text), clash.text
    assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", clash.text)


def _summary_halves(html: str) -> dict[int, list[tuple[str, str, str]]]:
    """The summary's coverage tables: half → [(讲次, 参与人次／人数, 覆盖率)]."""
    out = {}
    for half, body in re.findall(r'<table [^>]*id="coverage-half-(\d)"[^>]*>(.*?)</table>', html, re.S):
        body = re.sub(r"</?span[^>]*>", "", body)  # a figure kept whole on one line (span.nowrap)
        rows = re.findall(r"<tr><td [^>]*>([^<]+)</td>\s*<td [^>]*>([^<]+)</td>\s*<td [^>]*>([^<]+)</td></tr>", body)
        out[int(half)] = [(a.strip(), b.strip(), c.strip()) for a, b, c in rows]
    return out


def test_summary_states_both_halves_lecture_coverage_as_the_coverage_page_does(site: Site) -> None:
    """The summary stated only 第4讲/第5讲: a year's 第1–3讲, the first half's lectures the notice wants
    at 100% (上半年宣讲内容覆盖率达到100%), were missing from the report and its print."""
    w = site.w

    def setup(db: Any) -> None:
        mutate(db, w.staff_st12, "enrolment", {"unit_id": w.st12, "year": 2026, "students": 200, "parents": 190})
        for who, unit, no, audience, day, people in (
                (w.staff_st11, w.st11, 1, "students", "03-02", 400),
                (w.staff_st11, w.st11, 2, "students", "04-02", 800), (w.staff_st12, w.st12, 2, None, "04-03", 200),
                (w.staff_town1, w.town1, 3, None, "07-20", 100),  # made up in the summer holiday: still 上半年's
                (w.staff_st11, w.st11, 4, "students", "03-01", 300),  # held early: still 下半年's
                (w.staff_st12, w.st12, 5, "parents", "10-01", 190)):
            mutate(db, who, "event", {"unit_id": unit, "kind": "lecture", "lecture_no": no, "audience": audience,
                                      "date": f"2026-{day}", "participants": people})

    site.write(setup)
    # By hand, 掘港街道 (800 + 200 students, 760 + 190 parents): 第1讲 400 = 40%, 第2讲 1,000 = 100%,
    # 第3讲 the town's own 100 = 10%; 第4讲 300 = 30%, 第5讲 190 of 950 = 20%.
    expected = {1: [("第1讲（学生）", "400 人次 ／ 1000 人", "40%"), ("第2讲（学生）", "1000 人次 ／ 1000 人", "100%"),
                    ("第3讲（学生）", "100 人次 ／ 1000 人", "10%")],
                2: [("第4讲（学生）", "300 人次 ／ 1000 人", "30%"), ("第5讲（家长）", "190 人次 ／ 950 人", "20%")]}
    browser = site.as_(w.staff_town1)
    page = browser.get(f"/summary?unit={w.town1}&year=2026").text
    assert _summary_halves(page) == expected
    assert _summary_halves(browser.get(f"/summary/print?unit={w.town1}&year=2026").text) == expected
    assert ("上半年（第1–3讲）学生第1讲宣讲覆盖率40%，学生第2讲宣讲覆盖率100%，学生第3讲宣讲覆盖率10%。"
            "下半年（第4–5讲）学生第4讲宣讲覆盖率30%，家长第5讲宣讲覆盖率20%。") in _draft(page)
    for half, rows in expected.items():
        assert f'href="/coverage?unit={w.town1}&amp;year=2026&amp;half={half}"' in page
        towns = browser.get(f"/coverage?unit={w.town1}&year=2026&half={half}").text.split("按学校和辅导站")[0]
        town = re.search(r'<td data-label="单位"[^>]*><a [^>]*>掘港街道</a></td>(.*?)</tr>', towns, re.S).group(1)
        reached = re.findall(r'参与（人次）／(?:在校|家长数)（人）"><span class="fraction">'
                             r'<a [^>]*>(\d+)</a> ／ (\d+)</span></td>', town)
        shown = re.findall(r'覆盖率">([\d.]+%)', town)
        assert [(f"{a} 人次 ／ {b} 人", p) for (a, b), p in zip(reached, shown, strict=True)] == [r[1:] for r in rows]


def test_brief_puts_gong_after_the_volunteers_when_their_visits_come_first() -> None:
    # In December a county often has visits but no lecture yet: the brief's first clause is then
    # the volunteers', and 共 belongs before the verb (如东县“五老”志愿者共开展), not before them.
    import datetime

    from server.briefing import brief_text

    stats = dict.fromkeys(("lectures", "lecture_people", "parent_meetings", "parent_people", "brochures",
                           "screened", "helped"), 0) | {"talks": 11}
    figures = {"stats": stats, "activities": 16, "unit_name": "如东县关工委", "date_from": "2026-12-01",
               "date_to": "2026-12-06", "pairings_active": 33, "pairings_new": 0, "inspections": 0}
    text = brief_text(figures, today=datetime.date(2026, 12, 6))
    assert "如东县关工委“五老”志愿者共开展结对帮扶活动16次" in text
    assert "共“五老”" not in text
    with_lectures = brief_text(figures | {"stats": stats | {"lectures": 2, "lecture_people": 90}},
                               today=datetime.date(2026, 12, 6))
    assert "如东县关工委共开展专题宣传教育2场、参与90人次；“五老”志愿者开展结对帮扶活动16次" in with_lectures


def test_a_schools_own_summary_speaks_of_itself_not_of_its_schools_and_stations(site: Site) -> None:
    """A school's year-end summary, sent up to its town, read 共有1个辅导站和学校纳入统计 and
    上半年有 1 个学校和辅导站未达到 100% — of itself."""
    w = site.w

    def records(db: object) -> None:
        mutate(db, w.staff_st12, "enrolment", {"unit_id": w.st12, "year": 2026, "students": 986, "parents": 931})
        mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture", "lecture_no": 4,
                                           "date": "2026-09-01", "participants": 956})

    site.write(records)
    for path in ("/summary?year=2026", "/summary/print?year=2026"):
        page = re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", site.as_(w.staff_st12).get(path).text))
        assert "纳入统计" not in page and "个学校和辅导站" not in page and "的学校和辅导站" not in page, path
        assert "2026年，掘港中学全年开展专题宣传教育" in page, path
        assert "下半年本单位有讲次未达到100%" in page, path
    town = re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", site.as_(w.staff_town1).get("/summary?year=2026").text))
    assert "共有2个辅导站和学校纳入统计" in town and "下半年有2个学校和辅导站未达到100%" in town
