"""A school's teacher handles her own children's self-harm flags and proxies her own volunteers'
visits, as a station does: the pages that said only 辅导站 there (辅导站尚未记录处理情况 on her own
child's visit, 请督促相关辅导站 to the town) told her, and the town, that someone else would act."""
from __future__ import annotations

import datetime
import re

from sync import connect
from sync.timeutil import local_today

from ...factories import make_activity, make_mentee, make_pairing, make_user
from .conftest import Site


def _text(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


def _school_flag(site: Site) -> tuple[str, str]:
    """An open flag on a child of the school 掘港中学, visited by the school's own volunteer."""
    w = site.w
    day = (local_today() - datetime.timedelta(days=1)).isoformat()

    db = connect(site.settings.db_path)  # make_user runs its own transaction
    try:
        mentor = make_user(db, "mentor", w.st12, name="周老师")
        db.execute("UPDATE users SET smartphone = 0 WHERE id = ?", [mentor.user_id])
        child = make_mentee(db, w.staff_st12, w.st12, name="陈思雨")
        pairing = make_pairing(db, w.staff_st12, mentor, child)
        make_activity(db, mentor, pairing, date=day, risk_flag=True, record="孩子说不想活了")
    finally:
        db.close()
    return pairing, child


def test_a_schools_open_flag_never_says_the_station_is_to_handle_it(site: Site) -> None:
    w = site.w
    pairing, child = _school_flag(site)
    for path in (f"/pairings/{pairing}", f"/mentees/{child}/print"):
        page = _text(site.as_(w.staff_st12).get(path).text)
        assert "尚未记录处理情况" in page, path
        assert "辅导站尚未记录处理情况" not in page, path
        assert "记录由辅导站代录" not in page and "记录由辅导站或学校代录" in page, path
    for viewer in (w.staff_town1, w.reviewer):
        for path in ("/risk-flags", "/dashboard"):
            page = _text(site.as_(viewer).get(path).text)
            assert "辅导站或学校" in page, (viewer, path)
            assert "请督促相关辅导站及时处置" not in page and "处理记录由辅导站写" not in page, (viewer, path)


def test_a_schools_home_asks_its_teacher_to_ring_the_guardian_and_class_teacher_not_the_school(site: Site) -> None:
    w = site.w
    _school_flag(site)
    school = _text(site.as_(w.staff_st12).get("/staff").text)
    assert "请当天联系孩子的监护人和班主任" in school and "监护人和学校" not in school
    # The town above reads the same flag: the child's school is still whom to ring.
    town = _text(site.as_(w.staff_town1).get("/staff").text)
    assert "请当天联系孩子的监护人和学校" in town
