"""/coverage: the lecture coverage table, below 100% first, for one's own unit by default."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl

from sync.timeutil import local_today

from ...factories import mutate
from .conftest import Site


def test_coverage_page_lists_units_below_target_first_with_their_ratios(site: Site) -> None:
    w = site.w

    def records(db: object) -> None:
        mutate(db, w.staff_st11, "event", {"unit_id": w.st11, "kind": "lecture", "lecture_no": 4, "date": "2026-09-01",
                                           "participants": 800})
        mutate(db, w.staff_st11, "event", {"unit_id": w.st11, "kind": "lecture", "lecture_no": 5, "date": "2026-09-02",
                                           "participants": 760})
        mutate(db, w.staff_st12, "enrolment", {"unit_id": w.st12, "year": 2026, "students": 400, "parents": 400})
        mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture", "lecture_no": 4, "date": "2026-09-01",
                                           "participants": 100})

    site.write(records)
    page = site.as_(w.staff_town1).get("/coverage?year=2026&half=2")
    assert page.status_code == 200
    schools = page.text.split("按学校和辅导站")[1]
    names = re.findall(r'<td data-label="单位"[^>]*><a [^>]*>([^<]+)</a></td>', schools)
    assert names == ["掘港中学", "掘港小学辅导站"]  # 25% before 100%
    assert "25%" in schools and "100%" in schools and "（1 个偏低，未达 100%）" in page.text
    for unreadable in ("20x6", "２０２６", "²⁰²⁶"):  # digits int() refuses give 400, not 500
        assert site.as_(w.staff_town1).get("/coverage", params={"year": unreadable}).status_code == 400


def test_coverage_page_never_shows_a_unit_short_of_target_as_100_percent(site: Site) -> None:
    w = site.w

    def records(db: object) -> None:
        mutate(db, w.staff_st12, "enrolment", {"unit_id": w.st12, "year": 2026, "students": 1000, "parents": 1000})
        mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture", "lecture_no": 4, "date": "2026-09-01",
                                           "participants": 996})
        mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture", "lecture_no": 5, "date": "2026-09-01",
                                           "participants": 1000})

    site.write(records)
    page = site.as_(w.staff_town1).get("/coverage?year=2026&half=2").text
    row = next(r for r in page.split("<tr>") if '>掘港中学</a></td>' in r)
    assert '<td data-label="第4讲 学生覆盖率">99.6%' in row  # 996 of 1000: "%.0f" printed 100%
    assert '<td data-label="第5讲 家长覆盖率">100%' in row  # reached, so it may read 100%
    assert '<span class="badge bad parts">偏低 <span class="nowrap">未达 100%</span></span>' in row


def test_every_coverage_row_opens_the_pairings_of_its_unit(site: Site) -> None:
    """A row of /coverage names a town, a school or a station; a click on it lists that unit's pairings
    (the children it helps), as many as the database holds under it."""
    w = site.w
    browser = site.as_(w.reviewer)
    page = browser.get(f"/coverage?unit={w.county}&year=2026&half=2").text
    rows = re.findall(r'<td data-label="单位"[^>]*><a href="([^"]+)">([^<]+)</a></td>', page)
    names = re.findall(r'<td data-label="单位"[^>]*>(.*?)</td>', page)
    assert rows and len(rows) == len(names)  # every row is a link
    seen = 0
    for href, name in rows:
        unit_id = href.rsplit("=", 1)[1]
        expected = site.read(lambda db, u=unit_id: db.execute(
            "WITH RECURSIVE under(id) AS (SELECT ? UNION SELECT u.id FROM units u JOIN under ON u.parent_id = under.id)"
            " SELECT count(*) FROM pairings p JOIN mentees m ON m.id = p.mentee_id"
            " WHERE p.unit_id IN under AND p.deleted = 0 AND m.deleted = 0", [u]).fetchone()[0])
        listed = browser.get(href.replace("&amp;", "&")).text
        assert f"共 {expected} 个结对" in listed, name
        assert f'value="{unit_id}" selected' in listed, name  # the list says whose pairings it shows
        seen += expected
    assert seen > 0


def test_every_coverage_figure_opens_the_lectures_it_counts(site: Site) -> None:
    """覆盖 60 % must be checkable: in either half each row's figure of each lecture (上半年 第1–3讲,
    下半年 第4讲 and 第5讲) opens /events with that unit's lectures (a town's with the units under it)
    of that number and half, and the list adds up to the figure."""
    w = site.w

    def records(db: object) -> None:
        for staff, unit, no, audience, day, people in (
                (w.staff_st11, w.st11, 4, "students", "2026-09-01", 300),
                (w.staff_st11, w.st11, 5, None, "2026-09-02", 200),
                (w.staff_st11, w.st11, 4, "parents", "2026-09-03", 11),  # counts nowhere
                (w.staff_st11, w.st11, 4, "students", "2025-12-31", 13),  # another year
                (w.staff_st11, w.st11, 4, "students", "2026-06-30", 17),  # held early: 第4讲 all the same
                (w.staff_st12, w.st12, 4, None, "2026-07-01", 150),
                (w.staff_town1, w.town1, 5, "parents", "2026-11-01", 70),  # the town's own: in its row only
                (w.staff_st21, w.st21, 4, "students", "2026-12-01", 40),
                (w.staff_st11, w.st11, 1, "students", "2026-03-01", 500),
                (w.staff_st11, w.st11, 2, None, "2026-06-30", 480),
                (w.staff_st12, w.st12, 3, "students", "2026-08-20", 90),  # 暑假补课 of the first half
                (w.staff_st12, w.st12, 3, "students", "2026-09-01", 9),  # a late make-up: still 第3讲
                (w.staff_st21, w.st21, 1, "parents", "2026-04-01", 8)):  # 第1讲 is the students'
            mutate(db, staff, "event", {"unit_id": unit, "kind": "lecture", "lecture_no": no, "audience": audience,
                                        "date": day, "participants": people})
        mutate(db, w.staff_st12, "enrolment", {"unit_id": w.st12, "year": 2026, "students": 400, "parents": 400})

    site.write(records)
    browser = site.as_(w.reviewer)
    shown: dict[tuple[str, str, str], int] = {}
    days = ("2026-01-01", "2026-12-31")  # the year: a lecture's number, not its day, says its half
    for half, lectures in (("1", "123"), ("2", "45")):
        page = browser.get(f"/coverage?unit={w.county}&year=2026&half={half}").text
        figures = re.findall(r'<td class="num" data-label="第(\d)讲 '
                             r'(学生参与（人次）／在校（人）|家长参与（人次）／家长数（人）)">'
                             r'<span class="fraction"><a href="([^"]+)"[^>]*>(\d+)</a> ／', page)
        rows = re.findall(r'<td data-label="单位"[ >]', page)
        assert len(figures) == len(lectures) * len(rows) == len(lectures) * 6  # two towns, four stations/schools
        for no, label, href, number in figures:
            assert no in lectures and label.startswith("家长" if no == "5" else "学生")
            href = html.unescape(href)
            query = dict(parse_qsl(href.split("?", 1)[1]))
            assert (query["from"], query["to"], query["lecture"]) == (*days, no)
            listed = browser.get(href)
            assert listed.status_code == 200
            assert re.search(rf"共 \d+ 场，参与 {number} 人次", listed.text), (href, number)
            shown[(half, query["unit"], no)] = int(number)
    assert shown[("2", w.st11, "4")] == 317 and shown[("2", w.st11, "5")] == 200
    assert shown[("2", w.town1, "4")] == 467 and shown[("2", w.town1, "5")] == 270
    assert shown[("2", w.town2, "4")] == 40 and shown[("2", w.st22, "4")] == 0
    assert shown[("1", w.st11, "1")] == 500 and shown[("1", w.st11, "2")] == 480 and shown[("1", w.st11, "3")] == 0
    assert shown[("1", w.town1, "3")] == 99 and shown[("1", w.town2, "1")] == 0


def test_coverage_page_shows_the_chosen_half_and_marks_units_below_target(site: Site) -> None:
    """上半年 reads 第1–3讲 and names the units short of 100% 偏低; without ``half`` the page is the
    half today is in; a half that is neither is a 400 page, not a 500."""
    w = site.w

    def records(db: object) -> None:
        mutate(db, w.staff_st12, "enrolment", {"unit_id": w.st12, "year": 2026, "students": 400, "parents": 400})
        for no in (1, 2, 3):
            mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture", "lecture_no": no,
                                               "date": "2026-05-01", "participants": 400 if no < 3 else 300})

    site.write(records)
    browser = site.as_(w.staff_town1)
    page = browser.get("/coverage?year=2026&half=1")
    assert page.status_code == 200
    assert "2026年上半年心理健康教育宣讲覆盖率" in page.text
    assert '<option value="1" selected>上半年（第1–3讲）</option>' in page.text
    row = next(r for r in page.text.split("<tr>") if '>掘港中学</a></td>' in r)
    assert '<td data-label="第1讲 学生覆盖率">100%' in row and '<td data-label="第3讲 学生覆盖率">75%' in row
    # 第3讲 short: the unit is short
    assert '<span class="badge bad parts">偏低 <span class="nowrap">未达 100%</span></span>' in row
    assert "第4讲" not in page.text.split("</form>")[1]
    assert "（2 个偏低，未达 100%）" in page.text  # 掘港小学辅导站 held none
    today = browser.get("/coverage").text
    half = "上半年" if local_today().month <= 6 else "下半年"
    assert f"{local_today().year}年{half}心理健康教育宣讲覆盖率" in today
    for unreadable in ("3", "0", "上", "1.5"):
        refused = browser.get("/coverage", params={"year": "2026", "half": unreadable})
        assert refused.status_code == 400 and "半年只能是上半年（1）或下半年（2）" in refused.text


def test_a_coverage_figure_says_it_counts_person_times_out_of_people(site: Site) -> None:
    """/coverage and the year summary showed 914 ／ 1040 with no unit: a county cadre had to guess that
    the first is 人次 (the lectures' participants summed, a pupil at two lectures counted twice) and
    the second 人 (the year's enrolment). The table's heading and a phone card's label now say
    参与（人次）／在校（人）, and the summary's three-column table writes 400 人次 ／ 1800 人."""
    w = site.w

    def records(db: object) -> None:
        mutate(db, w.staff_st12, "enrolment", {"unit_id": w.st12, "year": 2026, "students": 1000, "parents": 950})
        mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture", "lecture_no": 4, "date": "2026-09-01",
                                           "participants": 400})

    site.write(records)
    browser = site.as_(w.staff_town1)
    page = browser.get("/coverage?year=2026&half=2").text
    headings = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r'<th scope="col" class="num">(.*?)</th>', page)]
    assert set(headings) == {"第4讲 学生参与（人次）／在校（人）", "第5讲 家长参与（人次）／家长数（人）"}, headings
    labels = re.findall(r'<td class="num" data-label="([^"]+)"><span class="fraction">', page)
    assert labels and all("（人次）／" in label and label.endswith("（人）") for label in labels), labels
    for path in ("/summary?unit={}&year=2026", "/summary/print?unit={}&year=2026"):
        summary = browser.get(path.format(w.town1)).text
        cells = re.findall(r'<td data-label="参与人次／[^"]+" class="num"><span class="nowrap">([^<]+)</span></td>',
                           summary)
        assert "400 人次 ／ 1800 人" in cells and all(re.fullmatch(r"\d+ 人次 ／ (\d+ 人|—)", c) for c in cells), cells


def test_a_school_reads_its_own_name_in_the_coverage_unit_picker_not_an_empty_box(site: Site) -> None:
    """The picker offered the county and towns only: a school's or a station's teacher met an empty
    单位 box above her own figures. It names her unit, chosen."""
    w = site.w
    page = site.as_(w.staff_st12).get("/coverage?year=2026&half=2").text
    picker = page.split('<select id="unit" name="unit">')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]+)" selected>([^<]+)</option>', picker) == [(w.st12, "掘港中学")]


def test_a_schools_own_coverage_has_no_empty_town_column(site: Site) -> None:
    """The town above a school is outside what the school reads, so its 所属镇（街道） cell was always
    blank on its own page: the column goes when no row names a town, and stays for the town's page."""
    w = site.w
    own = site.as_(w.staff_st12).get("/coverage?year=2026&half=2").text
    assert "所属镇" not in own and 'data-label="所属镇（街道）"' not in own
    town = site.as_(w.staff_town1).get("/coverage?year=2026&half=2").text
    assert 'data-label="所属镇（街道）" class="joined">掘港' in town
