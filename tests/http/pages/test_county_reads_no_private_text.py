"""One rule: the county reads a child's records by code. What names the child or the family — the
name, the guardian and their number, the free-text 备注 of the child's file and of each 摸排 — is
for the people who work with the child, on every page that holds it, not only on the child's file.
"""
from __future__ import annotations

import pytest

from ...factories import mutate
from .conftest import Site

NOTE = "父母离异，跟奶奶住在北村三组，奶奶王秀英"
PAGES = ("/mentees/{mentee}", "/pairings/{pairing}", "/pairings/{pairing}/print", "/mentees/{mentee}/print")


@pytest.mark.parametrize("page", PAGES)
def test_a_screenings_free_text_notes_are_not_shown_to_the_county(site: Site, page: str) -> None:
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "screening", {"mentee_id": w.mentee1, "date": "2026-10-20",
                                                                 "needs": "需要学业辅导", "notes": NOTE}))
    path = page.format(mentee=w.mentee1, pairing=w.pairing1)
    county = site.as_(w.reviewer).get(path)
    assert county.status_code == 200 and "需要学业辅导" in county.text  # the screening is there, by code
    assert NOTE not in county.text
    assert NOTE in site.as_(w.staff_st11).get(path).text  # the station that works with the child reads it
