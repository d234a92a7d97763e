"""A telephone's ``tel:`` link on the server's pages holds only the first number's digits and a
leading +, so a number stored as people write it ("(0513) 8765-4321", "0513-87654321 转 8",
"母亲 139 0513 7777；父亲 …") dials; the text beside it is shown as typed."""
from __future__ import annotations

import re

import pytest

from server.tel import tel_target

from .conftest import Site


@pytest.mark.parametrize(("stored", "dialled"), [
    ("(0513) 8765-4321", "051387654321"),
    ("（0513）8765-4321", "051387654321"),
    ("0513-87654321 转 8", "051387654321"),
    ("139 0513-7777", "13905137777"),
    ("+86 139 0513 7777", "+8613905137777"),
    ("母亲 139 0513 7777；父亲 138 0000 1111", "13905137777"),
    ("13900001111 13800002222", "13900001111"),
    ("0513 8765 4321 13900001111", "051387654321"),
    ("王老师（班主任）", ""),
    ("", ""),
])
def test_a_tel_target_holds_only_the_first_numbers_digits_and_plus(stored: str, dialled: str) -> None:
    assert tel_target(stored) == dialled


def _tel_hrefs(page: str) -> list[str]:
    return re.findall(r'href="tel:([^"]*)"', page)


def test_a_stored_phone_with_brackets_dashes_or_an_extension_dials_from_the_pages(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    added = staff.post("/mentors/new", {"name": "赵老师", "phone": "(0513) 8765-4321", "unit_id": w.st11,
                                        "about": "退休教师", "smartphone": "1"})
    assert added.status_code == 303, added.text
    mentor_id = added.headers["location"].rsplit("/", 1)[1]
    for path in (f"/mentors/{mentor_id}", "/mentors"):
        page = staff.get(path).text
        assert "051387654321" in _tel_hrefs(page), path
        assert ">(0513) 8765-4321</a>" in page, path
    child = staff.post("/mentees/new", {
        "unit_id": w.st11, "name": "陈晓华", "grade": "五年级", "gender": "female", "categories": ["psych"],
        "risk_level": "watch", "guardian_name": "外婆", "guardian_contact": "0513-87654321 转 8",
        "plan": "每两周家访一次"})
    assert child.status_code == 303, child.text
    page = staff.get(child.headers["location"]).text
    assert _tel_hrefs(page) == ["051387654321"]
    assert ">0513-87654321 转 8</a>" in page
    # Every tel: link on these pages dials digits only.
    assert all(re.fullmatch(r"\+?[0-9]+", href) for href in _tel_hrefs(staff.get("/mentors").text))
