"""升年级: each September a station's or school's children move up one grade in one form, through the
single edit's write: once per unit and school year (a second run, a double click, two clerks are refused
in words naming who did it and when), a child edited meanwhile merged, a child whose grade was changed
meanwhile or who was promoted already at her old unit not promoted again, 九年级 and 高三 named as 毕业班
with 结束帮扶, a grade naming none left and named (server/pages/grade_promotion.py)."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from ...factories import LAST_TERM, date_last_school_year, make_mentee, mutate, row
from .conftest import Browser, Site, sentence
from .test_probe_recent_routes import HUGE, _chinese_refusal, _written

SEPTEMBER = datetime.date(2026, 9, 7)


def _today(monkeypatch: pytest.MonkeyPatch, day: datetime.date) -> None:
    for module in ("grade_promotion", "mentees"):
        monkeypatch.setattr(f"server.pages.{module}.local_today", lambda: day)


@pytest.fixture
def september(monkeypatch: pytest.MonkeyPatch) -> None:
    _today(monkeypatch, SEPTEMBER)


def _page(w: Any) -> str:
    return f"/units/{w.st11}/promote-grades"


def last_school_year(site: Site) -> None:
    """Date the test world's files and changes so far before SEPTEMBER's school year began."""
    site.write(date_last_school_year)


def _grades(site: Site, **grades: str) -> None:
    """Give the station's children their grades of last school year (mentee1=五年级 …)."""
    w = site.w
    for name, grade in grades.items():
        mentee_id = getattr(w, name)
        site.write(lambda db, m=mentee_id, g=grade: mutate(db, w.staff_st11, "mentee", {"grade": g}, m,
                                                           base_version=row(db, "mentee", m)["version"]))
    last_school_year(site)


def _form(browser: Browser, path: str) -> dict[str, Any]:
    page = browser.get(path)
    assert page.status_code == 200, page.text
    return {"child": re.findall(r'name="child" value="([^"]+)"', page.text), "confirm": "yes"}


def _grade(site: Site, mentee_id: str) -> str:
    return str(site.read(lambda db: row(db, "mentee", mentee_id))["grade"])


def test_the_station_moves_each_child_up_one_grade_and_names_the_leaving_class_and_grades_it_cannot_read(
        site: Site, september: None) -> None:
    w = site.w
    _grades(site, mentee1="五年级", mentee2="五年级", mentee_unpaired="九年级")
    odd = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小新", grade="学前班"))
    classed = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小军", grade="初一（3）班"))
    eighth = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小兰", grade="八年级"))
    last_school_year(site)
    staff = site.as_(w.staff_st11)
    path = _page(w)
    said = sentence(staff.get(path).text)
    assert "五年级 2 名 → 六年级" in said and "七年级 1 名 → 八年级" in said
    assert "确认：这 4 名帮扶对象各升一个年级" in said
    code3, code_odd = (site.read(lambda db, m=m: row(db, "mentee", m))["code"] for m in (w.mentee_unpaired, odd))
    assert "毕业班 1 名（不升年级）" in said and f"{code3} 小刚（九年级）结束帮扶" in said
    assert f'href="/mentees/{w.mentee_unpaired}/leave"' in staff.get(path).text
    assert "看不出年级的 1 名（不动）" in said and f"{code_odd}（学前班）" in said
    answer = staff.post(path, _form(staff, path))
    assert answer.status_code == 200, answer.text
    said = sentence(answer.text)
    assert "已把 4 名帮扶对象各升一个年级" in said and "（五年级→六年级）" in said
    assert [_grade(site, m) for m in (w.mentee1, w.mentee2, w.mentee_unpaired, odd, classed, eighth)] == [
        "六年级", "六年级", "九年级", "学前班", "八年级(3)班", "九年级"]
    # Promoted into 九年级 this year, 小兰 is not last year's leaving class: 小刚 alone is, and no form again.
    assert "毕业班 1 名（不升年级）" in said and "原来的单位" not in said and 'name="child"' not in answer.text
    assert "已经升过年级" in sentence(staff.get(path).text) and "毕业班 1 名" in sentence(staff.get(path).text)
    audited = site.read(lambda db: db.execute(
        "SELECT user_id, changes FROM sync_audit WHERE entity = 'grade_promotion' AND record_id = ?",
        [w.st11]).fetchall())
    assert [a[0] for a in audited] == [w.staff_st11.user_id] and '"promoted"' in audited[0][1]


def test_a_class_written_as_schools_write_it_seven_one_ban_is_promoted_with_its_class(
        site: Site, september: None) -> None:
    """七(1)班 (a roster's 班级 column, the way Chinese schools write a class) is 七年级(1)班: read so
    on 升年级, also where it was stored as typed before this was read, never 看不出年级."""
    w = site.w
    _grades(site, mentee1="五年级")
    typed = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小梅", grade="三（2）班"))
    stored = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小松", grade="七年级"))
    site.write(lambda db: db.execute("UPDATE mentees SET grade = '七(1)班' WHERE id = ?", [stored]))
    last_school_year(site)
    assert _grade(site, typed) == "三年级(2)班"  # the write path keeps the one form
    staff = site.as_(w.staff_st11)
    said = sentence(staff.get(_page(w)).text)
    assert "看不出年级" not in said
    assert "三年级 1 名 → 四年级" in said and "七年级 1 名 → 八年级" in said
    answer = staff.post(_page(w), _form(staff, _page(w)))
    assert answer.status_code == 200, answer.text
    assert [_grade(site, m) for m in (typed, stored)] == ["四年级(2)班", "八年级(1)班"]


def test_a_second_run_in_the_same_school_year_is_refused_naming_who_did_it_and_when(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    w = site.w
    _today(monkeypatch, SEPTEMBER)
    _grades(site, mentee1="五年级", mentee2="三年级")
    staff, town = site.as_(w.staff_st11), site.as_(w.staff_town1)
    path = _page(w)
    form = _form(staff, path)
    other = _form(town, path)  # a second clerk, the town, with the form open at the same time
    token = staff.token(path)
    assert staff.post(path, form, token=token).status_code == 200
    versions = site.read(lambda db: [row(db, "mentee", m)["version"] for m in (w.mentee1, w.mentee2)])
    for browser, sent in ((staff, form), (town, other)):  # a double click, Back and resubmit; the other clerk
        again = browser.post(path, sent)
        assert again.status_code == 409, again.text
        said = sentence(again.text)
        assert "掘港小学辅导站本学年（2026年9月开学）已经升过年级：" in said and "由站员一一办理，升了 2 名" in said
        assert "这次没有再升" in said
    assert [_grade(site, m) for m in (w.mentee1, w.mentee2)] == ["六年级", "四年级"]
    assert site.read(lambda db: [row(db, "mentee", m)["version"] for m in (w.mentee1, w.mentee2)]) == versions
    # Later that school year (spring) still refused; the next September it is due again.
    _today(monkeypatch, datetime.date(2027, 3, 2))
    assert "已经升过年级" in sentence(staff.get(path).text)
    # The promotion was written today, and dated so: on SEPTEMBER, or read next September it is a grade typed
    # that school year (the test would pass only while the machine's clock is before September 2027).
    site.write(lambda db: db.execute("UPDATE sync_audit SET at = ? WHERE at > ?", ["2026-09-07T02:00:00.000Z",
                                                                                  LAST_TERM]))
    _today(monkeypatch, datetime.date(2027, 9, 1))
    assert staff.post(path, _form(staff, path)).status_code == 200
    assert _grade(site, w.mentee1) == "七年级"


def test_a_child_edited_meanwhile_is_merged_and_one_whose_grade_was_changed_is_not_promoted_again(
        site: Site, september: None) -> None:
    w = site.w
    _grades(site, mentee1="五年级", mentee2="五年级")
    staff = site.as_(w.staff_st11)
    path = _page(w)
    form = _form(staff, path)
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"guardian_contact": "13800000000"}, w.mentee1,
                                 base_version=row(db, "mentee", w.mentee1)["version"]))
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"grade": "六年级"}, w.mentee2,
                                 base_version=row(db, "mentee", w.mentee2)["version"]))  # promoted by hand
    said = sentence(staff.post(path, form).text)
    code1, code2 = (site.read(lambda db, m=m: row(db, "mentee", m))["code"] for m in (w.mentee1, w.mentee2))
    assert "已把 1 名帮扶对象各升一个年级" in said
    assert f"其中{code1} 小明在您打开页面后有人改过资料，那些改动都保留了" in said
    assert f"{code2} 小红：打开页面后年级已被改成“六年级”，这次没有再升" in said
    assert [_grade(site, m) for m in (w.mentee1, w.mentee2)] == ["六年级", "六年级"]
    assert site.read(lambda db: row(db, "mentee", w.mentee1))["guardian_contact"] == "13800000000"


def test_a_child_promoted_at_her_old_unit_is_not_promoted_again_where_she_moved(site: Site, september: None) -> None:
    w = site.w
    _grades(site, mentee1="六年级")
    staff = site.as_(w.staff_st11)
    assert staff.post(_page(w), _form(staff, _page(w))).status_code == 200
    site.write(lambda db: mutate(db, w.staff_town1, "mentee", {"unit_id": w.st12}, w.mentee1,
                                 base_version=row(db, "mentee", w.mentee1)["version"]))
    school = site.as_(w.staff_st12)
    said = sentence(school.get(f"/units/{w.st12}/promote-grades").text)
    code1 = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]
    assert f"另有 1 名本学年已经在原来的单位升过年级，这次不再升：{code1}" in said
    assert "现在没有要升年级的孩子" in said and _grade(site, w.mentee1) == "七年级"


def test_a_form_naming_a_child_promoted_this_year_elsewhere_with_her_grade_put_back_promotes_nothing_again(
        site: Site, september: None) -> None:
    """Promoted at her old station, moved, and her grade put back by hand to last year's: no form offers
    her, and one that names her (forged, or kept from before) neither promotes her twice nor fails on
    her one promotion of the school year (it answered 500)."""
    w = site.w
    _grades(site, mentee1="六年级")
    staff = site.as_(w.staff_st11)
    assert staff.post(_page(w), _form(staff, _page(w))).status_code == 200
    site.write(lambda db: mutate(db, w.staff_town1, "mentee", {"unit_id": w.st12, "grade": "六年级"}, w.mentee1,
                                 base_version=row(db, "mentee", w.mentee1)["version"]))
    version = site.read(lambda db: row(db, "mentee", w.mentee1))["version"]
    school = site.as_(w.staff_st12)
    answer = school.post(f"/units/{w.st12}/promote-grades", {"child": f"{w.mentee1}:{version}", "confirm": "yes"})
    assert answer.status_code == 200
    assert "本学年已经在别的单位升过年级，这次没有再升" in sentence(answer.text)
    assert _grade(site, w.mentee1) == "六年级"


def test_in_july_and_august_the_page_says_to_wait_for_september_and_nothing_is_written(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    w = site.w
    _today(monkeypatch, SEPTEMBER)
    _grades(site, mentee1="五年级")
    staff = site.as_(w.staff_st11)
    form = _form(staff, _page(w))
    _today(monkeypatch, datetime.date(2027, 7, 10))
    page = staff.get(_page(w))
    assert "每年9月1日开学以后再升年级" in sentence(page.text) and 'name="child"' not in page.text
    assert staff.post(_page(w), form).status_code == 400
    assert _grade(site, w.mentee1) == "五年级"
    assert site.read(lambda db: db.execute("SELECT count(*) FROM grade_promotions").fetchone()[0]) == 0


def test_no_tick_is_refused_beside_the_field_and_nothing_is_written(site: Site, september: None) -> None:
    w = site.w
    _grades(site, mentee1="五年级")
    staff = site.as_(w.staff_st11)
    answer = staff.post(_page(w), {**_form(staff, _page(w)), "confirm": ""})
    assert answer.status_code == 400 and "请勾选确认：这里的孩子都升一个年级。" in sentence(answer.text)
    assert _grade(site, w.mentee1) == "五年级"


def test_only_those_who_edit_the_childrens_files_in_their_scope_may_promote(site: Site, september: None) -> None:
    w = site.w
    path = _page(w)
    assert site.as_(w.staff_st11).get(path).status_code == 200
    assert site.as_(w.staff_town1).get(path).status_code == 200
    assert site.as_(w.staff_st21).get(path).status_code == 404  # another town's station
    assert site.as_(w.staff_town2).get(path).status_code == 404
    assert site.as_(w.staff_town1).get(f"/units/{w.town1}/promote-grades").status_code == 404  # a town
    assert site.as_(w.reviewer).get(path).status_code == 403
    assert site.as_(w.admin).get(path).status_code == 403


def test_the_children_list_links_it_from_september_while_not_yet_done(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    w = site.w
    _today(monkeypatch, SEPTEMBER)
    _grades(site, mentee1="五年级")
    staff, town = site.as_(w.staff_st11), site.as_(w.staff_town1)
    link = f'href="/units/{w.st11}/promote-grades"'
    assert link in staff.get("/mentees").text and link in town.get(f"/mentees?unit={w.st11}").text
    assert "/promote-grades" not in town.get("/mentees").text  # a town's own list: no one unit's children
    _today(monkeypatch, datetime.date(2027, 5, 6))
    assert link not in staff.get("/mentees").text
    _today(monkeypatch, SEPTEMBER)
    staff.post(_page(w), _form(staff, _page(w)))
    assert link not in staff.get("/mentees").text


@pytest.mark.parametrize("raw", HUGE)
def test_a_malformed_unit_id_or_a_forged_token_is_refused_in_words_and_nothing_is_written(
        site: Site, september: None, raw: str) -> None:
    w = site.w
    _grades(site, mentee1="五年级")
    staff = site.as_(w.staff_st11)
    form = _form(staff, _page(w))
    before = _written(site)
    _chinese_refusal(staff.get(f"/units/{raw}/promote-grades"), 404)
    _chinese_refusal(staff.post(f"/units/{raw}/promote-grades", form, form_page="/mentees"), 404)
    _chinese_refusal(staff.post(_page(w), form, token="forged.token"), 400, 403)
    assert _written(site) == before and _grade(site, w.mentee1) == "五年级"


# --- a grade typed since 1 September is this year's: not promoted again ---------------------------------


def _typed_in_september(site: Site, mentee_id: str, grade: str) -> None:
    """A clerk corrects the child's grade by hand on her edit form (the same write, audited)."""
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"grade": grade}, mentee_id,
                                 base_version=row(db, "mentee", mentee_id)["version"]))


def test_a_child_whose_grade_was_corrected_by_hand_since_september_is_named_apart_and_not_promoted_again(
        site: Site, september: None) -> None:
    w = site.w
    _grades(site, mentee1="五年级", mentee2="五年级")
    _typed_in_september(site, w.mentee2, "六年级")  # last year's 五年级, put right by hand after 1 September
    staff = site.as_(w.staff_st11)
    path = _page(w)
    page = staff.get(path).text
    said = sentence(page)
    code2 = site.read(lambda db: row(db, "mentee", w.mentee2))["code"]
    assert "五年级 1 名 → 六年级" in said and "六年级 1 名" not in said and "确认：这 1 名帮扶对象各升一个年级" in said
    assert re.findall(r'name="child" value="([^":]+):', page) == [w.mentee1]
    assert "开学后已经填过年级的 1 名（不再升）" in said
    assert f"{code2} 小红：开学后已经改过年级（现在是六年级），这次不再升（站员一一于" in said and "改的）" in said
    assert f'href="/mentees/{w.mentee2}/edit"' in page
    answer = staff.post(path, _form(staff, path))
    assert answer.status_code == 200 and "已把 1 名帮扶对象各升一个年级" in sentence(answer.text)
    assert [_grade(site, m) for m in (w.mentee1, w.mentee2)] == ["六年级", "六年级"]


def test_a_form_naming_a_child_whose_grade_was_typed_since_september_does_not_promote_her(
        site: Site, september: None) -> None:
    """Decided in the write, from her file's audit: a form kept from before (or forged) that names her
    at her current version promotes the others and names her, her grade left as typed."""
    w = site.w
    _grades(site, mentee1="五年级", mentee2="五年级")
    _typed_in_september(site, w.mentee2, "六年级")
    version = site.read(lambda db: row(db, "mentee", w.mentee2))["version"]
    staff = site.as_(w.staff_st11)
    form = _form(staff, _page(w))
    answer = staff.post(_page(w), {**form, "child": [*form["child"], f"{w.mentee2}:{version}"]})
    assert answer.status_code == 200
    said = sentence(answer.text)
    code2 = site.read(lambda db: row(db, "mentee", w.mentee2))["code"]
    assert "已把 1 名帮扶对象各升一个年级" in said
    assert f"{code2} 小红：开学后已经改过年级（现在是六年级），这次不再升" in said
    assert [_grade(site, m) for m in (w.mentee1, w.mentee2)] == ["六年级", "六年级"]


def test_a_child_whose_grade_was_typed_between_the_forms_showing_and_the_post_is_not_promoted(
        site: Site, september: None) -> None:
    """Edited after the form was shown: a grade changed is named as changed meanwhile; one changed and
    put back (五年级 → 六年级 → 五年级, as the form showed it) is this year's as typed, and named so."""
    w = site.w
    _grades(site, mentee1="五年级", mentee2="五年级", mentee_unpaired="三年级")
    staff = site.as_(w.staff_st11)
    form = _form(staff, _page(w))
    assert len(form["child"]) == 3
    _typed_in_september(site, w.mentee1, "六年级")
    _typed_in_september(site, w.mentee2, "六年级")
    _typed_in_september(site, w.mentee2, "五年级")
    said = sentence(staff.post(_page(w), form).text)
    code1, code2 = (site.read(lambda db, m=m: row(db, "mentee", m))["code"] for m in (w.mentee1, w.mentee2))
    assert "已把 1 名帮扶对象各升一个年级" in said and "（三年级→四年级）" in said
    assert f"{code1} 小明：打开页面后年级已被改成“六年级”，这次没有再升" in said
    assert f"{code2} 小红：开学后已经改过年级（现在是五年级），这次不再升" in said
    assert [_grade(site, m) for m in (w.mentee1, w.mentee2, w.mentee_unpaired)] == ["六年级", "五年级", "四年级"]


def test_a_child_registered_since_september_keeps_the_grade_she_was_registered_with(
        site: Site, september: None) -> None:
    w = site.w
    _grades(site, mentee1="五年级")
    new = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小新", grade="六年级"))
    code = site.read(lambda db: row(db, "mentee", new))["code"]
    staff = site.as_(w.staff_st11)
    page = staff.get(_page(w)).text
    said = sentence(page)
    assert f"{code} 小新：开学后才登记（现在是六年级），这次不再升（站员一一于" in said and "登记）" in said
    assert f'href="/mentees/{new}/edit"' in page and new not in re.findall(r'name="child" value="([^":]+):', page)
    version = site.read(lambda db: row(db, "mentee", new))["version"]
    form = _form(staff, _page(w))
    answer = sentence(staff.post(_page(w), {**form, "child": [*form["child"], f"{new}:{version}"]}).text)
    assert f"{code} 小新：开学后才登记（现在是六年级），这次不再升" in answer
    assert [_grade(site, m) for m in (w.mentee1, new)] == ["六年级", "六年级"]
