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
    names = re.findall(r'<td data-label="单位">([^<]+)</td>', schools)
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
    row = next(r for r in page.split("<tr>") if '<td data-label="单位">掘港中学</td>' in r)
    assert '<td data-label="学生覆盖率">99.6%' in row  # 996 of 1000: "%.0f" printed 100%
    assert '<td data-label="家长覆盖率">100%' in row  # reached, so it may read 100%
    assert '<span class="badge bad">未达 100%</span>' in row
