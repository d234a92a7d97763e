"""The school year's end and likely twins, probed from outside once more, where the first probe
(``test_probe_todays_routes.py``) left off: 结束帮扶 of a child with no running pairing (days written
otherwise than the date box writes them, before 2000, at the edges; two clerks at once; 其他's words at
100 and 101 characters and with hostile bytes; forged pairing lists), 升年级 on the edges of the school
year and with forged children (deleted, repeated, none), 全部转出 of one grade with forged children,
不是重复 said by every office that may review the visit, and the ``/mentees?status=left-…`` filters seen
by every role. Each refusal is a Chinese 4xx that writes nothing (care_leavings, grade_promotions,
promoted_children, distinct_visits, sync_audit, the children's and pairings' versions) and names no
child of another unit."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from sync.timeutil import local_today

from ...factories import make_mentee, mutate, remove, row
from .conftest import Browser, Site, at_once, sentence
from .test_grade_promotion import _today, last_school_year
from .test_probe_recent_routes import _chinese_refusal, _post, _twin


def _written(site: Site) -> tuple[Any, ...]:
    """Every table these routes write: a refusal leaves each as it was."""
    return site.read(lambda db: tuple(db.execute(sql).fetchall() for sql in (
        "SELECT * FROM care_leavings ORDER BY id",
        "SELECT * FROM grade_promotions ORDER BY unit_id, school_year",
        "SELECT * FROM promoted_children ORDER BY mentee_id, school_year",
        "SELECT * FROM distinct_visits ORDER BY activity_id, other_id",
        "SELECT count(*), max(id) FROM sync_audit",
        "SELECT id, version, status, grade, unit_id, deleted FROM mentees ORDER BY id",
        "SELECT id, version, status, end_date FROM pairings ORDER BY id",
    )))


def _child(site: Site, name: str = "小雨", **fields: Any) -> str:
    """A child of station 11 with no pairing."""
    w = site.w
    return str(site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name=name, **fields)))


def _leave_form(browser: Browser, mentee_id: str) -> list[tuple[str, str]]:
    page = browser.get(f"/mentees/{mentee_id}/leave")
    assert page.status_code == 200, page.text[:300]
    base = re.search(r'name="base_version" value="(\d+)"', page.text)
    assert base
    return [("base_version", base[1]), *(("pairing", p) for p in re.findall(r'name="pairing" value="([^"]+)"',
                                                                           page.text)),
            ("end_date", local_today().isoformat()), ("outcome", "stable")]


def _with(form: list[tuple[str, str]], *fields: tuple[str, str]) -> list[tuple[str, str]]:
    """``form`` with ``fields`` in place of those of their names."""
    names = {k for k, _ in fields}
    return [*((k, v) for k, v in form if k not in names), *fields]


def _leavings(site: Site, mentee_id: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in site.read(lambda db: db.execute(
        "SELECT left_on, reason, reason_note FROM care_leavings WHERE mentee_id = ?", [mentee_id]).fetchall())]


# --- 结束帮扶 -------------------------------------------------------------------------------------


def test_a_day_of_leaving_not_as_the_date_box_writes_it_before_2000_or_after_today_is_refused(site: Site) -> None:
    """A child with no running pairing has no pairing's end for the write path to check: the day is the
    page's alone to check, and 2026-W36-2 (which Python reads as 1 September) or 1999 was kept as typed."""
    station = site.as_(site.w.staff_st11)
    kid = _child(site)
    form = _leave_form(station, kid)
    tomorrow = (local_today() + datetime.timedelta(days=1)).isoformat()
    before = _written(site)
    for day in ("2026-W36-2", "1999-12-31", "0001-01-01", "9999-12-31", tomorrow, "2026-02-29", "20260901",
                "2026-9-1", "２０２６-09-01", " ", "2026-09-01T00:00"):
        answer = _post(station, f"/mentees/{kid}/leave", _with(form, ("reason", "graduated"), ("end_date", day)))
        assert answer.status_code == 400, day
        assert "日期" in _chinese_refusal(answer, 400), day
        assert _written(site) == before, day
    leap = _child(site, "小雪")
    for mentee, day in ((kid, local_today().isoformat()), (leap, "2024-02-29")):
        answer = _post(station, f"/mentees/{mentee}/leave",
                       _with(_leave_form(station, mentee), ("end_date", day), ("reason", "graduated")))
        assert answer.status_code == 303, sentence(answer.text)[-400:]
        assert _leavings(site, mentee) == [(day, "graduated", None)]


def test_two_clerks_ending_care_at_once_of_a_child_with_no_pairing_keep_her_leaving_once(site: Site) -> None:
    """No pairing ends to refuse the second write: the file's 状态 is read in the write, or both clerks
    closed it and her leaving was kept twice."""
    w = site.w
    kid = _child(site)
    path = f"/mentees/{kid}/leave"
    a, b = site.as_(w.staff_st11), site.as_(w.staff_town1)
    jobs = [(x, {**dict(_leave_form(x, kid)), "reason": "moved_away"}, x.token(path)) for x in (a, b)]
    answers = at_once(*(lambda x=x, form=form, token=token: x.post(path, form, token=token)
                        for x, form, token in jobs))
    assert [r.status_code for r in answers] == [303, 303]
    assert _leavings(site, kid) == [(local_today().isoformat(), "moved_away", None)]
    audits = site.read(lambda db: db.execute(
        "SELECT entity, count(*) FROM sync_audit WHERE record_id = ? OR entity = 'care_leaving' GROUP BY entity",
        [kid]).fetchall())
    assert sorted(tuple(r) for r in audits) == [("care_leaving", 1), ("mentee", 2)]  # created, then closed


@pytest.mark.parametrize(("fields", "beside"), [
    ([("reason", "other"), ("reason_note", "甲" * 101)], "100 个字以内"),
    ([("reason", "other"), ("reason_note", " \t\x00 ")], "写明是什么原因"),
    ([("reason", "other")], "写明是什么原因"),
    ([("reason", "graduated"), ("reason", "other"), ("reason_note", "搬家")], "请选择结束帮扶的原因"),
    ([("reason", "<script>1</script>")], "请选择结束帮扶的原因"),
    ([("reason", "\ud800")], "请选择结束帮扶的原因"),
    ([], "请选择结束帮扶的原因"),
])
def test_a_reason_missing_unknown_repeated_or_too_long_is_refused_beside_it(
        site: Site, fields: list[tuple[str, str]], beside: str) -> None:
    station = site.as_(site.w.staff_st11)
    kid = _child(site)
    form = _leave_form(station, kid)
    before = _written(site)
    text = _chinese_refusal(_post(station, f"/mentees/{kid}/leave", [*form, *fields]), 400)
    assert beside in text
    assert _written(site) == before


def test_other_words_of_100_characters_are_kept_and_hostile_bytes_are_kept_harmless(site: Site) -> None:
    station = site.as_(site.w.staff_st11)
    for note, kept in (("甲" * 100, "甲" * 100), ("a\x00b<script>x</script>\u200f\ud800", None)):
        kid = _child(site)
        answer = _post(station, f"/mentees/{kid}/leave",
                       [*_leave_form(station, kid), ("reason", "other"), ("reason_note", note)])
        assert answer.status_code == 303, sentence(answer.text)[-400:]
        ((_, reason, stored),) = _leavings(site, kid)
        assert reason == "other" and "\x00" not in stored and (kept is None or stored == kept)
        page = station.get(f"/mentees/{kid}").text
        assert "<script>x" not in page and "&lt;script&gt;x" in page if kept is None else kept in page


def test_forged_pairing_lists_in_leaving_care_end_nothing(site: Site) -> None:
    """The child's one running pairing left out, one of a deleted child's, one at a version not shown,
    one of another town: 409 naming none of them, nothing written. The same pairing twice is one."""
    w = site.w
    gone = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小丽"))
    gone_pairing = site.write(lambda db: mutate(db, w.staff_st11, "pairing", {
        "mentor_id": w.mentor2.user_id, "mentee_id": gone, "start_date": "2026-09-01", "approach": "fuxin"}))
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-30",
                                                               "outcome": "stable"}, gone_pairing, base_version=1))
    site.write(lambda db: remove(db, w.staff_st11, "mentee", gone))
    station = site.as_(w.staff_st11)
    form = [*_leave_form(station, w.mentee1), ("reason", "graduated")]
    mine = next(v for k, v in form if k == "pairing")
    rest = [(k, v) for k, v in form if k != "pairing"]
    version3 = site.read(lambda db: row(db, "pairing", w.pairing3)["version"])
    before = _written(site)
    for pairings in ([], [f"{gone_pairing}:1"], [mine.split(":")[0] + ":999"], [mine, f"{gone_pairing}:2"],
                     [mine, f"{w.pairing3}:{version3}"], [f"{w.pairing3}:{version3}"]):
        answer = _post(station, f"/mentees/{w.mentee1}/leave", [*rest, *(("pairing", p) for p in pairings)])
        text = _chinese_refusal(answer, 400, 409)
        assert "小丽" not in text and "小芳" not in text and "张老师" not in text, pairings
        assert _written(site) == before, pairings
    answer = _post(station, f"/mentees/{w.mentee1}/leave", [*rest, ("pairing", mine), ("pairing", mine)])
    assert answer.status_code == 303, sentence(answer.text)[-400:]
    ends = site.read(lambda db: db.execute("SELECT count(*) FROM sync_audit WHERE record_id = ? AND op = 'update'",
                                           [w.pairing1]).fetchone()[0])
    assert ends == 1


# --- 升年级 ---------------------------------------------------------------------------------------


def _promotion_form(browser: Browser, unit: str) -> list[tuple[str, str]]:
    page = browser.get(f"/units/{unit}/promote-grades")
    assert page.status_code == 200, page.text[:300]
    return [("child", c) for c in re.findall(r'name="child" value="([^"]+)"', page.text)]


def _set_grade(site: Site, mentee_id: str, grade: str) -> None:
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"grade": grade}, mentee_id,
                                 base_version=row(db, "mentee", mentee_id)["version"]))


def test_promotion_on_the_edges_of_the_school_year(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """31 August: refused in words, nothing written; 1 September promotes; 29 February of the school
    year after is refused as promoted already; a far year breaks nothing."""
    w = site.w
    _set_grade(site, w.mentee1, "五年级")
    last_school_year(site)  # typed before the school year (a grade typed since 1 September is not promoted)
    station = site.as_(w.staff_st11)
    path = f"/units/{w.st11}/promote-grades"
    _today(monkeypatch, datetime.date(2027, 9, 1))
    form = _promotion_form(station, w.st11)
    _today(monkeypatch, datetime.date(2027, 8, 31))
    before = _written(site)
    assert "name=\"child\"" not in station.get(path).text
    text = _chinese_refusal(_post(station, path, [*form, ("confirm", "yes")]), 400)
    assert "9月1日" in text or "9 月 1 日" in text or "开学" in text
    assert _written(site) == before
    _today(monkeypatch, datetime.date(2027, 9, 1))
    assert _post(station, path, [*form, ("confirm", "yes")]).status_code == 200
    assert site.read(lambda db: row(db, "mentee", w.mentee1)["grade"]) == "六年级"
    _today(monkeypatch, datetime.date(2028, 2, 29))
    done = _written(site)
    _chinese_refusal(_post(station, path, [*form, ("confirm", "yes")]), 409)
    assert _written(site) == done
    _today(monkeypatch, datetime.date(9999, 12, 31))
    assert station.get(path).status_code == 200


def test_promotion_forged_with_a_deleted_a_left_or_no_child_promotes_nothing(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    w = site.w
    _today(monkeypatch, datetime.date(2026, 9, 7))
    gone, left = _child(site, "小丽", grade="三年级"), _child(site, "小雪", grade="三年级")
    gone_shown = f"{gone}:{site.read(lambda db: row(db, 'mentee', gone)['version'])}"
    site.write(lambda db: remove(db, w.staff_st11, "mentee", gone))
    station = site.as_(w.staff_st11)
    left_shown = f"{left}:{site.read(lambda db: row(db, 'mentee', left)['version'])}"
    assert _post(station, f"/mentees/{left}/leave", [*_leave_form(station, left), ("reason", "graduated")]
                 ).status_code == 303
    path = f"/units/{w.st11}/promote-grades"
    assert _promotion_form(station, w.st11) == []  # nobody with a grade to promote: no form
    before = _written(site)
    for children in ([], [gone_shown], [left_shown], ["", ":", f"{gone}:-1"]):
        answer = _post(station, path, [*(("child", c) for c in children), ("confirm", "yes")])
        assert answer.status_code in (200, 400), answer.text[:300]
        assert "Traceback" not in answer.text
        assert _written(site) == before, children
    assert site.read(lambda db: [row(db, "mentee", m)["grade"] for m in (gone, left)]) == ["三年级", "三年级"]


def test_the_same_child_twice_at_the_same_version_is_promoted_once(site: Site,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    w = site.w
    _today(monkeypatch, datetime.date(2026, 9, 7))
    _set_grade(site, w.mentee1, "五年级")
    last_school_year(site)
    station = site.as_(w.staff_st11)
    form = _promotion_form(station, w.st11)
    answer = _post(station, f"/units/{w.st11}/promote-grades", [*form, *form, ("confirm", "yes")])
    assert answer.status_code == 200, answer.text[:300]
    assert site.read(lambda db: (row(db, "mentee", w.mentee1)["grade"], db.execute(
        "SELECT count(*) FROM promoted_children").fetchone()[0])) == ("六年级", 1)


# --- 全部转出 of one grade -------------------------------------------------------------------------


def test_a_grade_move_forged_with_a_deleted_child_one_of_another_grade_or_town_moves_none_of_them(
        site: Site) -> None:
    w = site.w
    _set_grade(site, w.mentee1, "六年级")
    _set_grade(site, w.mentee2, "五年级")
    gone = _child(site, "小丽", grade="六年级")
    gone_shown = f"{gone}:{site.read(lambda db: row(db, 'mentee', gone)['version'])}"
    site.write(lambda db: remove(db, w.staff_st11, "mentee", gone))
    town = site.as_(w.staff_town1)
    path = f"/units/{w.st11}/move-children?grade=六年级"
    page = town.get(path)
    assert page.status_code == 200 and "小红" not in sentence(page.text)
    mine = re.findall(r'name="child" value="([^"]+)"', page.text)
    shown = {m: f"{m}:{site.read(lambda db, m=m: row(db, 'mentee', m)['version'])}" for m in (w.mentee2, w.mentee3)}
    before = _written(site)
    for children, target in (([gone_shown], w.st12), ([shown[w.mentee2]], w.st12), ([shown[w.mentee3]], w.st12),
                             (mine, w.st21), (mine, w.st11), (mine, "")):
        answer = _post(town, f"/units/{w.st11}/move-children",
                       [*(("child", c) for c in children), ("to_unit", target), ("confirm", "yes"),
                        ("grade", "六年级")])
        text = _chinese_refusal(answer, 200, 400)
        assert "小芳" not in text and "栟茶" not in text, children
        assert "小红" not in text, children
        assert _written(site) == before, (children, target)
    answer = _post(town, f"/units/{w.st11}/move-children",
                   [*(("child", c) for c in [*mine, gone_shown, shown[w.mentee2]]), ("to_unit", w.st12),
                    ("confirm", "yes"), ("grade", "六年级")])
    assert "已把 1 名六年级的帮扶对象" in sentence(answer.text)
    units = site.read(lambda db: [row(db, "mentee", m)["unit_id"] for m in (w.mentee1, w.mentee2, gone)])
    assert units == [w.st12, w.st11, w.st11]


def test_a_child_whose_grade_was_put_right_after_the_grade_move_was_shown_stays_and_is_named(site: Site) -> None:
    """July: the town opens 全部转出 of 六年级; meanwhile the station puts one girl's grade right (she is
    五年级, and stays). The form's version said 六年级, but she is not of the grade moved any more: she is
    named and not moved, as 升年级 names a child whose grade changed since its form was shown."""
    w = site.w
    _set_grade(site, w.mentee1, "六年级")
    _set_grade(site, w.mentee2, "六年级")
    town = site.as_(w.staff_town1)
    path = f"/units/{w.st11}/move-children?grade=六年级"
    children = re.findall(r'name="child" value="([^"]+)"', town.get(path).text)
    assert len(children) == 2
    _set_grade(site, w.mentee2, "五年级")
    answer = _post(town, path, [*(("child", c) for c in children), ("to_unit", w.st12), ("confirm", "yes"),
                                ("grade", "六年级")])
    said = sentence(answer.text)
    assert answer.status_code == 200 and "已把 1 名六年级的帮扶对象" in said, said[-600:]
    assert "小红" in said and "打开页面后年级已被改成“五年级”" in said
    units = site.read(lambda db: [row(db, "mentee", m)["unit_id"] for m in (w.mentee1, w.mentee2)])
    assert units == [w.st12, w.st11]


# --- 不是重复 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "kept"), [("admin", True), ("reviewer", True), ("staff_town1", True),
                                           ("staff_st12", False), ("staff_town2", False)])
def test_not_twin_is_said_by_whoever_may_review_the_visit_and_by_nobody_else(site: Site, who: str,
                                                                             kept: bool) -> None:
    w = site.w
    twin = _twin(site)
    key = re.search(r'name="twins" value="([^"]+)"', site.as_(w.staff_st11).get(f"/activities/{twin}").text)
    assert key
    before = _written(site)
    other = site.as_(getattr(w, who))
    answer = other.post(f"/activities/{twin}/not-twin", {"twins": key[1], "confirm": "two"},
                        form_page="/mentees")
    if kept:
        assert answer.status_code == 303
        assert "已记下" in sentence(other.get(answer.headers["location"]).text)
        assert len(site.read(lambda db: db.execute("SELECT * FROM distinct_visits").fetchall())) == 2
    else:
        text = _chinese_refusal(answer, 403, 404)
        assert "小明" not in text and "同一次家访" not in text
        assert _written(site) == before


# --- /mentees?status=left-… -------------------------------------------------------------------


def test_the_left_filters_show_a_leaver_to_her_own_town_and_county_alone_and_hostile_statuses_fall_back(
        site: Site) -> None:
    w = site.w
    st21 = site.as_(w.staff_st21)
    kid = str(site.write(lambda db: make_mentee(db, w.staff_st21, w.st21, name="小燕")))
    assert _post(st21, f"/mentees/{kid}/leave", [*_leave_form(st21, kid), ("reason", "graduated")]).status_code == 303
    code = site.read(lambda db: row(db, "mentee", kid)["code"])
    sees = {"admin": (True, False), "reviewer": (True, False), "staff_town1": (False, False),
            "staff_st11": (False, False), "staff_town2": (True, True), "staff_st21": (True, True)}
    for who, (finds_code, finds_name) in sees.items():
        browser = site.as_(getattr(w, who))
        for status in ("left-graduated", "left-unrecorded", "left-", "left-x", "left-\x00", "LEFT-GRADUATED",
                       "left-graduated'--", "left-" + "x" * 5000):
            for unit in ("", w.st21, w.st11, "x" * 50):
                answer = browser.get("/mentees", params={"status": status, "unit": unit})
                assert answer.status_code == 200, (who, status, unit)
                text = sentence(answer.text)
                shown = status == "left-graduated" and unit != w.st11
                assert (code in text) == (shown and finds_code), (who, status, unit)
                assert ("小燕" in text) == (shown and finds_name), (who, status, unit)
