"""监护人联系方式 is free text (两个号码 with who answers each are fine), but a run of more than 12 digits
with nothing between them is no telephone anyone dials: a number pasted twice (13812345678138123456780).
The station's form refuses it beside the field, everything typed kept and nothing written; the phone's
sync is not refused (a volunteer's visit must never be lost over a number), and a number the phone
wrote so does not stop an edit of the child's other fields."""
from __future__ import annotations

import re
from typing import Any

import pytest

from ...factories import mutate
from .conftest import Site, sentence
from .test_refusals_beside_fields import assert_marked

PASTED_TWICE = "13812345678138123456780"
WORDS = "电话号码太长，是不是粘贴了两次？"


def _child(w: Any, contact: str) -> dict[str, Any]:
    return {"unit_id": w.st11, "name": "陈晓华", "grade": "五年级", "gender": "female", "categories": ["psych"],
            "risk_level": "watch", "guardian_name": "外婆", "guardian_contact": contact, "plan": "每两周家访一次"}


def _edit(w: Any, contact: str, **more: str) -> dict[str, Any]:
    return {"base_version": "1", "unit_id": w.st11, "name": "小明", "risk_level": "normal", "status": "active",
            "categories": ["psych"], "guardian_contact": contact, **more}


def _count(site: Site) -> int:
    return int(site.read(lambda db: db.execute("SELECT count(*) FROM mentees").fetchone()[0]))


def _contact(site: Site, mentee_id: str) -> tuple[str, int]:
    found = site.read(lambda db: db.execute("SELECT guardian_contact, version FROM mentees WHERE id = ?",
                                            [mentee_id]).fetchone())
    return found[0], found[1]


@pytest.mark.parametrize("contact", [PASTED_TWICE, "１３８１２３４５６７８１３８１２３４５６７８",
                                     "外婆 1381234567813812345678"])
def test_a_number_pasted_twice_is_refused_beside_the_field_on_registering_and_nothing_is_written(
        site: Site, contact: str) -> None:
    w = site.w
    before = _count(site)
    answer = site.as_(w.staff_st11).post("/mentees/new", _child(w, contact))
    assert answer.status_code == 400, answer.text[:300]
    assert_marked(answer.text, "guardian_contact", WORDS)
    assert f'value="{contact}"' in answer.text  # the number as typed, to put right
    assert "陈晓华" in answer.text and "每两周家访一次" in sentence(answer.text)
    assert _count(site) == before


def test_a_number_pasted_twice_is_refused_on_the_edit_form_and_the_child_is_unchanged(site: Site) -> None:
    w = site.w
    before = _contact(site, w.mentee1)
    answer = site.as_(w.staff_st11).post(f"/mentees/{w.mentee1}/edit", _edit(w, PASTED_TWICE, plan="每周家访"))
    assert answer.status_code == 400, answer.text[:300]
    assert_marked(answer.text, "guardian_contact", WORDS)
    assert f'value="{PASTED_TWICE}"' in answer.text and "每周家访" in answer.text
    assert _contact(site, w.mentee1) == before


@pytest.mark.parametrize("contact", ["13812345678（母） 13987654321（父）", "13812345678 13987654321",
                                     "051387654321", "0513-87654321 转 8", "139 0513 7777"])
def test_two_numbers_apart_or_a_landline_with_its_area_code_are_saved(site: Site, contact: str) -> None:
    w = site.w
    answer = site.as_(w.staff_st11).post("/mentees/new", _child(w, contact))
    assert answer.status_code == 303, answer.text[:300]
    mentee_id = answer.headers["location"].rsplit("/", 1)[1]
    assert _contact(site, mentee_id)[0] == contact


def test_the_phone_may_write_such_a_number_and_it_does_not_stop_an_edit_of_another_field(site: Site) -> None:
    w = site.w
    site.write(lambda db: mutate(db, w.mentor1, "mentee", {"guardian_contact": PASTED_TWICE}, w.mentee1, 1))
    assert _contact(site, w.mentee1) == (PASTED_TWICE, 2)
    staff = site.as_(w.staff_st11)
    form = staff.get(f"/mentees/{w.mentee1}/edit").text
    assert re.search(r'name="base_version" value="2"', form)
    answer = staff.post(f"/mentees/{w.mentee1}/edit", {**_edit(w, PASTED_TWICE, plan="每周家访"), "base_version": "2"})
    assert answer.status_code == 303, answer.text[:300]
    plan = site.read(lambda db: db.execute("SELECT plan FROM mentees WHERE id = ?", [w.mentee1]).fetchone()[0])
    assert plan == "每周家访"
