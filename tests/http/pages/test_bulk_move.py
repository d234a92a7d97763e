"""撤点并校: a town moves every child of a station or school to another in one form (全部转出), through the
write path one child's move takes, so each child's pairings, visits and 摸排 go along, a child changed
since the form was shown is merged or named, never overwritten, and a form sent twice moves nothing twice.
Only those who move one child today may, and only between the units they reach (server/pages/bulk_move.py)."""
from __future__ import annotations

import re
from typing import Any

from server.unit_closing import close_unit
from sync.timeutil import local_today

from ...factories import make_county_staff, make_mentee, mutate, row
from .conftest import Browser, Site, sentence


def _page(w: Any) -> str:
    return f"/units/{w.st11}/move-children"


def _form(browser: Browser, path: str) -> dict[str, Any]:
    """The form as the page shows it: the children it will move, each at the version shown."""
    page = browser.get(path)
    assert page.status_code == 200, page.text
    return {"child": re.findall(r'name="child" value="([^"]+)"', page.text)}


def _unit_of(site: Site, mentee_id: str) -> str:
    return str(site.read(lambda db: db.execute("SELECT unit_id FROM mentees WHERE id = ?", [mentee_id]).fetchone()[0]))


def _at(site: Site, unit_id: str) -> int:
    return int(site.read(lambda db: db.execute("SELECT count(*) FROM mentees WHERE unit_id = ? AND deleted = 0",
                                               [unit_id]).fetchone()[0]))


def test_a_town_moves_every_child_of_its_station_with_their_pairings_visits_and_screenings_in_one_form(
        site: Site) -> None:
    w = site.w
    town = site.as_(w.staff_town1)
    path = _page(w)
    shown = sentence(town.get(path).text)
    assert "掘港小学辅导站现在有 3 名帮扶对象，其中 2 个结对正在进行" in shown
    form = _form(town, path)
    assert len(form["child"]) == 3
    page = town.get(path).text
    assert f'<option value="{w.st12}">' in page and f'<option value="{w.st11}"' not in page  # never the same unit
    assert f'value="{w.st21}"' not in page  # another town's school is not offered to a town
    moved = town.post(path, {**form, "to_unit": w.st12, "confirm": "yes"})
    assert moved.status_code == 200, moved.text
    said = sentence(moved.text)
    assert ("已把 3 名帮扶对象从掘港小学辅导站转到掘港中学：2 个结对（其中 2 个进行中）、2 条帮扶记录、2 条摸排"
            "都跟着转了过去，由掘港中学管理；掘港小学辅导站的页面上不再有这些孩子的档案。") in said
    # The single move's 注意：, naming both volunteers of the station who still visit.
    note = said[said.index("注意：进行中的结对仍由"):]
    assert "王老师（掘港小学辅导站）" in note and "李老师（掘港小学辅导站）" in note
    assert "志愿者照常去看孩子；要换志愿者，请在结对档案里修改或结束那个结对。" in note
    assert _at(site, w.st11) == 0 and _at(site, w.st12) == 3
    assert site.read(lambda db: row(db, "pairing", w.pairing1))["unit_id"] == w.st12  # the file went along
    assert site.as_(w.staff_st12).get(f"/pairings/{w.pairing2}").status_code == 200
    assert site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}").status_code == 404
    assert "现在没有帮扶对象" in sentence(town.get(path).text)


def test_the_form_sent_twice_moves_nothing_twice_and_says_it_was_moved_already(site: Site) -> None:
    w = site.w
    town = site.as_(w.staff_town1)
    path = _page(w)
    form = {**_form(town, path), "to_unit": w.st12, "confirm": "yes"}
    token = town.token(path)
    first = town.post(path, form, token=token)
    versions = site.read(lambda db: [row(db, "mentee", m)["version"] for m in (w.mentee1, w.mentee2)])
    again = town.post(path, form, token=token)  # a double click, or the back button and 重新提交
    assert again.status_code == 200, again.text
    said = sentence(again.text)
    assert "3 名帮扶对象已经在掘港中学（刚才已经转过），这次没有再转：2 个结对（其中 2 个进行中）" in said
    assert "已把" not in said and "没有转过去" not in said
    assert site.read(lambda db: [row(db, "mentee", m)["version"] for m in (w.mentee1, w.mentee2)]) == versions
    assert first.status_code == 200 and _at(site, w.st12) == 3


def test_a_child_changed_or_moved_meanwhile_is_never_overwritten_and_the_page_names_each(site: Site) -> None:
    """While the town's form was open, the station changed one child's guardian (kept; the child still
    moves), another of the town's forms moved one child to the school already, and one child was
    registered at the station (not on the form: stays, and the page counts it)."""
    w = site.w
    town = site.as_(w.staff_town1)
    path = _page(w)
    form = _form(town, path)
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"guardian_contact": "13800000000"}, w.mentee1,
                                 base_version=row(db, "mentee", w.mentee1)["version"]))
    site.write(lambda db: mutate(db, w.staff_town1, "mentee", {"unit_id": w.st12}, w.mentee2,
                                 base_version=row(db, "mentee", w.mentee2)["version"]))
    late = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小新"))
    moved = town.post(path, {**form, "to_unit": w.st12, "confirm": "yes"})
    said = sentence(moved.text)
    assert "已把 2 名帮扶对象从掘港小学辅导站转到掘港中学" in said
    code1 = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]
    assert f"其中{code1} 小明在您打开页面后有人改过资料，那些改动都保留了" in said
    assert "1 名帮扶对象已经在掘港中学" in said
    assert "又有 1 名帮扶对象转入或登记到掘港小学辅导站，这次没有转" in said
    assert site.read(lambda db: row(db, "mentee", w.mentee1))["guardian_contact"] == "13800000000"
    assert _unit_of(site, late) == w.st11 and "现在有 1 名帮扶对象" in said


def test_a_child_moved_elsewhere_meanwhile_is_named_and_left_where_it_is(site: Site) -> None:
    w = site.w
    town = site.as_(w.staff_town1)
    path = _page(w)
    form = _form(town, path)
    school = site.write(lambda db: mutate(db, w.admin, "unit", {"name": "掘港二中", "kind": "school",
                                                                "parent_id": w.town1}))
    site.write(lambda db: mutate(db, w.staff_town1, "mentee", {"unit_id": school}, w.mentee2,
                                 base_version=row(db, "mentee", w.mentee2)["version"]))
    said = sentence(town.post(path, {**form, "to_unit": w.st12, "confirm": "yes"}).text)
    code2 = site.read(lambda db: row(db, "mentee", w.mentee2))["code"]
    assert "已把 2 名帮扶对象" in said
    assert "没有转过去的 1 名：" in said and f"{code2} 小红：打开页面后已被转到掘港二中，这次没有再动" in said
    assert _unit_of(site, w.mentee2) == school
    # The answer named a child: read as a list is, in the access log.
    logged = site.read(lambda db: db.execute("SELECT action, target, entities FROM access_log WHERE user_id = ?"
                                             " ORDER BY id DESC LIMIT 1", [w.staff_town1.user_id]).fetchone())
    assert logged[:2] == ("view_mentee_list", w.st11) and '"mentee": 1' in logged[2]


def test_a_child_moved_out_of_the_towns_reach_meanwhile_is_said_by_code_alone(site: Site) -> None:
    """The county moved a child to another town after the form was shown: the town's answer named her
    and the other town's station, now outside its scope. A form forged with an old version of a child
    who was once here asked the same of any child. Said by the code the town's list showed it."""
    w = site.w
    town = site.as_(w.staff_town1)
    path = _page(w)
    form = _form(town, path)
    county = site.write(lambda db: make_county_staff(db, w.county))
    site.write(lambda db: mutate(db, county, "mentee", {"unit_id": w.st21}, w.mentee2,
                                 base_version=row(db, "mentee", w.mentee2)["version"]))
    said = sentence(town.post(path, {**form, "to_unit": w.st12, "confirm": "yes"}).text)
    code2 = site.read(lambda db: row(db, "mentee", w.mentee2))["code"]
    assert "已把 2 名帮扶对象" in said
    assert f"{code2}：打开页面后已被转到您管理范围以外的单位，这次没有再动" in said
    assert "小红" not in said and "栟茶" not in said
    assert _unit_of(site, w.mentee2) == w.st21


def test_a_closed_unit_is_not_offered_and_is_refused_with_nothing_moved(site: Site) -> None:
    w = site.w
    town = site.as_(w.staff_town1)
    path = _page(w)
    form = _form(town, path)
    site.write(lambda db: mutate(db, w.admin, "unit", {"name": "掘港二中", "kind": "school", "parent_id": w.town1}))
    site.write(lambda db: db.execute("UPDATE users SET active = 0 WHERE unit_id = ?", [w.st12]))
    school = site.read(lambda db: row(db, "unit", w.st12))
    written, why = site.write(lambda db: close_unit(db, w.admin, {"id": w.st12, "name": school["name"]},
                                                    local_today().isoformat()))
    assert written, why
    assert f'value="{w.st12}"' not in town.get(path).text and "掘港二中" in town.get(path).text
    refused = town.post(path, {**form, "to_unit": w.st12, "confirm": "yes"})
    assert refused.status_code == 400
    assert "请从列表里选择要转到的学校或辅导站" in sentence(refused.text)
    assert _at(site, w.st11) == 3


def test_without_the_tick_or_a_unit_nothing_moves(site: Site) -> None:
    w = site.w
    town = site.as_(w.staff_town1)
    path = _page(w)
    form = _form(town, path)
    no_tick = town.post(path, {**form, "to_unit": w.st12})
    assert no_tick.status_code == 400 and "请勾选确认" in sentence(no_tick.text)
    same = town.post(path, {**form, "to_unit": w.st11, "confirm": "yes"})
    assert same.status_code == 400 and "不能是这个单位本身" in sentence(same.text)
    assert _at(site, w.st11) == 3


def test_only_those_who_move_one_child_may_move_them_all(site: Site) -> None:
    """The county reviewer and the admin write no child's file (they read codes only): 403. The station's
    own staff reach only their station, so they are told who moves children, as on the edit form."""
    w = site.w
    path = _page(w)
    form = _form(site.as_(w.staff_town1), path)
    for actor in (w.reviewer, w.admin):
        browser = site.as_(actor)
        assert browser.get(path).status_code == 403
        assert browser.post(path, {**form, "to_unit": w.st12, "confirm": "yes"},
                            form_page="/account").status_code == 403
    station = site.as_(w.staff_st11)
    shown = sentence(station.get(path).text)
    assert "请镇（街道）关工委在这里改" in shown and "全部转过去" not in shown
    refused = station.post(path, {**form, "to_unit": w.st12, "confirm": "yes"})
    assert refused.status_code == 400
    assert _at(site, w.st11) == 3


def test_a_town_neither_moves_another_towns_children_nor_moves_its_own_into_another_town(site: Site) -> None:
    w = site.w
    town2 = site.as_(w.staff_town2)
    path = _page(w)
    form = _form(site.as_(w.staff_town1), path)
    assert town2.get(path).status_code == 404
    assert town2.post(path, {**form, "to_unit": w.st21, "confirm": "yes"}, form_page="/mentees").status_code == 404
    into = site.as_(w.staff_town1).post(path, {**form, "to_unit": w.st21, "confirm": "yes"})
    assert into.status_code == 400
    # A child of another town slipped into the form is not moved, nor named.
    theirs = site.read(lambda db: row(db, "mentee", w.mentee3))
    forged = site.as_(w.staff_town2).post(f"/units/{w.st21}/move-children", {
        "child": [*form["child"], f"{w.mentee3}:{theirs['version']}"], "to_unit": w.st22, "confirm": "yes"})
    assert forged.status_code == 200
    assert _at(site, w.st11) == 3 and _unit_of(site, w.mentee3) == w.st22
    assert "小明" not in forged.text and "1 名帮扶对象" in sentence(forged.text)


def test_the_list_narrowed_to_a_station_offers_the_move_to_the_office_above_it_only(site: Site) -> None:
    w = site.w
    link = f'href="/units/{w.st11}/move-children"'
    assert link in site.as_(w.staff_town1).get(f"/mentees?unit={w.st11}").text
    assert link not in site.as_(w.staff_town1).get("/mentees").text
    for actor in (w.staff_st11, w.reviewer, w.admin):
        assert link not in site.as_(actor).get(f"/mentees?unit={w.st11}").text


def _grades(site: Site, grades: dict[str, str]) -> None:
    """Each child's 年级 as the station typed it."""
    w = site.w
    for mentee_id, grade in grades.items():
        site.write(lambda db, m=mentee_id, g=grade: mutate(db, w.staff_st11, "mentee", {"grade": g}, m,
                                                        base_version=row(db, "mentee", m)["version"]))


def test_in_july_a_town_moves_only_the_leaving_class_to_the_junior_school_and_the_others_stay(site: Site) -> None:
    """Two 六年级 children (one typed 小学六年级) go on to 掘港中学 with their pairings; the 五年级 child
    stays at the station. A 六年级 child registered while the form was open is counted for another go, a
    五年级 one is not: the form was never to move them."""
    w = site.w
    _grades(site, {w.mentee1: "六年级", w.mentee2: "小学六年级", w.mentee_unpaired: "五年级"})
    town = site.as_(w.staff_town1)
    whole = sentence(town.get(_page(w)).text)
    assert "五年级 1 名" in whole and "六年级 2 名" in whole and "全部 3 名" in whole
    path = _page(w) + "?grade=%E5%88%9D%E4%B8%80"  # 初一: the one form 七年级, which no child here is in
    assert "掘港小学辅导站现在没有七年级的帮扶对象" in sentence(town.get(path).text)
    path = _page(w) + "?grade=%E5%85%AD%E5%B9%B4%E7%BA%A7"  # 六年级
    shown = sentence(town.get(path).text)
    assert "掘港小学辅导站现在有 2 名六年级的帮扶对象（全部 3 名），其中 2 个结对正在进行" in shown
    assert "确认：把这 2 名六年级的帮扶对象转过去" in shown
    form = _form(town, path)
    assert len(form["child"]) == 2
    site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小新", grade="六年级"))
    site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小丽", grade="五年级"))
    moved = town.post(path, {**form, "grade": "六年级", "to_unit": w.st12, "confirm": "yes"})
    assert moved.status_code == 200, moved.text
    said = sentence(moved.text)
    assert ("已把 2 名六年级的帮扶对象从掘港小学辅导站转到掘港中学：2 个结对（其中 2 个进行中）、2 条帮扶记录、"
            "2 条摸排都跟着转了过去") in said
    assert "又有 1 名六年级的帮扶对象转入或登记到掘港小学辅导站，这次没有转" in said
    assert _unit_of(site, w.mentee1) == w.st12 and _unit_of(site, w.mentee2) == w.st12
    assert _unit_of(site, w.mentee_unpaired) == w.st11  # the 五年级 child stays
    assert _at(site, w.st11) == 3  # 小刚 and 小丽 (五年级), 小新 (六年级, registered meanwhile)


def _close(site: Site, mentee_id: str) -> None:
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"status": "closed"}, mentee_id,
                                 base_version=row(db, "mentee", mentee_id)["version"]))


def test_a_grade_moves_its_children_in_care_and_leaves_a_closed_file_where_she_was(site: Site) -> None:
    """A 六年级 girl who left care in June (结束帮扶) is not of the class that goes on: her closed archive
    stays at the station, as 升年级 leaves it, and is not counted; one who leaves care after the form
    was shown is named and not moved."""
    w = site.w
    _grades(site, {w.mentee1: "六年级", w.mentee2: "六年级", w.mentee_unpaired: "五年级"})
    left = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小芳", grade="六年级"))
    leaving = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小红", grade="六年级"))
    _close(site, left)
    town = site.as_(w.staff_town1)
    assert "全部 5 名" in sentence(town.get(_page(w)).text) and "六年级 3 名" in sentence(town.get(_page(w)).text)
    path = _page(w) + "?grade=%E5%85%AD%E5%B9%B4%E7%BA%A7"  # 六年级
    # 全部 N 名 is the whole unit's move, which takes her closed file too: the same N on both pages.
    assert "全部 5 名" in sentence(town.get(path).text)
    form = _form(town, path)
    assert len(form["child"]) == 3
    closed = site.read(lambda db: row(db, "mentee", left))["version"]
    forged = [*form["child"], f"{left}:{closed}"]
    _close(site, leaving)
    moved = town.post(path, {"child": forged, "grade": "六年级", "to_unit": w.st12, "confirm": "yes"})
    assert moved.status_code == 200, moved.text
    assert "打开页面后已结束帮扶，档案留在原来的单位" in sentence(moved.text)
    assert _unit_of(site, w.mentee1) == w.st12 and _unit_of(site, w.mentee2) == w.st12
    assert _unit_of(site, leaving) == w.st11 and _unit_of(site, left) == w.st11


def test_a_grade_the_page_cannot_read_is_a_400_in_words_and_a_grade_moves_no_child_of_another(site: Site) -> None:
    w = site.w
    _grades(site, {w.mentee1: "六年级", w.mentee2: "五年级", w.mentee_unpaired: "五年级"})
    town = site.as_(w.staff_town1)
    form = _form(town, _page(w))  # the whole unit's form, all three children
    answer = town.post(_page(w), {**form, "grade": "六" * 30, "to_unit": w.st12, "confirm": "yes"})
    assert answer.status_code == 400 and "年级读不懂" in sentence(answer.text)
    assert town.get(_page(w) + "?grade=" + "六" * 30).status_code == 400
    assert _at(site, w.st11) == 3
    # Posted under 六年级, the whole unit's form moves the 六年级 child alone.
    moved = town.post(_page(w), {**form, "grade": "六年级", "to_unit": w.st12, "confirm": "yes"})
    assert "已把 1 名六年级的帮扶对象从掘港小学辅导站转到掘港中学" in sentence(moved.text)
    assert _unit_of(site, w.mentee1) == w.st12 and _at(site, w.st11) == 2
