"""/coverage: the lecture coverage table, below 100% first, for one's own unit by default."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl

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
    page = site.as_(w.staff_town1).get("/coverage?year=2026")
    assert page.status_code == 200
    schools = page.text.split("按学校和辅导站")[1]
    names = re.findall(r'<td data-label="单位"><a [^>]*>([^<]+)</a></td>', schools)
    assert names == ["掘港中学", "掘港小学辅导站"]  # 25% before 100%
    assert "25%" in schools and "100%" in schools and "（1 个未达 100%）" in page.text
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
    page = site.as_(w.staff_town1).get("/coverage?year=2026").text
    row = next(r for r in page.split("<tr>") if '>掘港中学</a></td>' in r)
    assert '<td data-label="学生覆盖率">99.6%' in row  # 996 of 1000: "%.0f" printed 100%
    assert '<td data-label="家长覆盖率">100%' in row  # reached, so it may read 100%
    assert '<span class="badge bad">未达 100%</span>' in row


def test_every_coverage_row_opens_the_pairings_of_its_unit(site: Site) -> None:
    """A row of /coverage names a town, a school or a station; a click on it lists that unit's pairings
    (the children it helps), as many as the database holds under it."""
    w = site.w
    browser = site.as_(w.reviewer)
    page = browser.get(f"/coverage?unit={w.county}&year=2026").text
    rows = re.findall(r'<td data-label="单位"><a href="([^"]+)">([^<]+)</a></td>', page)
    names = re.findall(r'<td data-label="单位">(.*?)</td>', page)
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
    """覆盖 60 % must be checkable: each row's 第4讲 and 第5讲 figure opens /events with that unit's lectures
    (a town's with the units under it) of that number and year, and the list adds up to the figure."""
    w = site.w

    def records(db: object) -> None:
        for staff, unit, no, audience, day, people in (
                (w.staff_st11, w.st11, 4, "students", "2026-09-01", 300),
                (w.staff_st11, w.st11, 5, None, "2026-09-02", 200),
                (w.staff_st11, w.st11, 4, "parents", "2026-09-03", 11),  # counts nowhere
                (w.staff_st11, w.st11, 4, "students", "2025-12-31", 13),  # another year
                (w.staff_st12, w.st12, 4, None, "2026-03-01", 150),
                (w.staff_town1, w.town1, 5, "parents", "2026-05-01", 70),  # the town's own: in its row only
                (w.staff_st21, w.st21, 4, "students", "2026-12-01", 40)):
            mutate(db, staff, "event", {"unit_id": unit, "kind": "lecture", "lecture_no": no, "audience": audience,
                                        "date": day, "participants": people})
        mutate(db, w.staff_st12, "enrolment", {"unit_id": w.st12, "year": 2026, "students": 400, "parents": 400})

    site.write(records)
    browser = site.as_(w.reviewer)
    page = browser.get(f"/coverage?unit={w.county}&year=2026").text
    figures = re.findall(r'<td class="num" data-label="(学生参与／在校|家长参与／家长数)">'
                         r'<a href="([^"]+)"[^>]*>(\d+)</a> ／', page)
    rows = re.findall(r'<td data-label="单位">', page)
    assert len(figures) == 2 * len(rows) == 12  # two towns, four stations/schools
    shown = {}
    for label, href, number in figures:
        href = html.unescape(href)
        query = dict(parse_qsl(href.split("?", 1)[1]))
        assert (query["from"], query["to"], query["lecture"]) == (
            "2026-01-01", "2026-12-31", "4" if label.startswith("学生") else "5")
        listed = browser.get(href)
        assert listed.status_code == 200
        assert re.search(rf"共 \d+ 场，参与 {number} 人次", listed.text), (href, number)
        shown[(query["unit"], query["lecture"])] = int(number)
    assert shown[(w.st11, "4")] == 300 and shown[(w.st11, "5")] == 200
    assert shown[(w.town1, "4")] == 450 and shown[(w.town1, "5")] == 270
    assert shown[(w.town2, "4")] == 40 and shown[(w.st22, "4")] == 0
