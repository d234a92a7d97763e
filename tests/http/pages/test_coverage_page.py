"""/coverage: the lecture coverage table, below 100% first, for one's own unit by default."""
from __future__ import annotations

import re

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
