"""The 骨干学生 register's pages: a school's staff keep it class by class and see which classes lack a
helper; a town and the county see counts per unit and never a pupil's name; bad input is a Chinese form
error, not a 500; the register is linked from the staff home, the navigation and the inspection item."""
from __future__ import annotations

import re
from typing import Any

from sync import new_id

from ...factories import mutate, row
from .conftest import Site, sentence


def _add(site: Site, who: Any, unit_id: str, **fields: str) -> Any:
    data = {"record_id": new_id(), "class_name": "七(2)班", "boy_name": "陈子涵", "girl_name": "李思雨", **fields}
    return site.as_(who).post(f"/peers/units/{unit_id}", data)


def _peer(site: Site, unit_id: str, class_name: str, **fields: Any) -> str:
    return str(site.write(lambda db: mutate(db, site.w.staff_town1, "peer_helper", {
        "unit_id": unit_id, "class_name": class_name, **fields})))


def test_a_schools_staff_register_a_class_and_see_which_classes_lack_a_helper(site: Site) -> None:
    w = site.w
    assert site.as_(w.staff_st12).get("/peers").headers["location"] == f"/peers/units/{w.st12}"
    saved = _add(site, w.staff_st12, w.st12)
    assert saved.status_code == 303 and saved.headers["location"] == f"/peers/units/{w.st12}", saved.text
    assert _add(site, w.staff_st12, w.st12, class_name="八(1)班", girl_name="").status_code == 303
    page = sentence(site.as_(w.staff_st12).get(f"/peers/units/{w.st12}").text)
    assert "登记 2 个班级，1 个男女都已配齐，1 个还缺人" in page
    assert "八(1)班：缺女生" in page
    assert "陈子涵" in page and "李思雨" in page


def test_an_empty_class_a_class_registered_twice_and_a_long_name_are_form_errors_in_chinese(site: Site) -> None:
    """In words alone: the field's code (class_name), which the API's answer carries, is not on the page."""
    w = site.w
    assert _add(site, w.staff_st12, w.st12).status_code == 303
    for fields, words in (({"class_name": " "}, "“班级”不能为空"),
                          ({"class_name": "七（2）班"}, "“七(2)班”已经登记过了"),
                          ({"class_name": "八(3)班", "boy_name": "这" * 30}, "“男生姓名”最多 20 个字")):
        answer = _add(site, w.staff_st12, w.st12, **fields)
        assert answer.status_code == 400, (fields, answer.status_code)
        assert words in sentence(answer.text), (fields, sentence(answer.text)[:400])
        assert 'class="field has-error"' in answer.text
        assert "class_name" not in sentence(answer.text)
    assert site.read(lambda db: db.execute("SELECT count(*) FROM peer_helpers").fetchone()[0]) == 1


def test_a_town_and_the_county_see_counts_per_unit_and_the_county_never_a_pupils_name(site: Site) -> None:
    w = site.w
    _peer(site, w.st12, "七(1)班", boy_name="陈子涵", girl_name="李思雨")
    _peer(site, w.st12, "七(2)班", boy_name="王浩然")
    town = sentence(site.as_(w.staff_town1).get("/peers").text)
    assert re.search(r"掘港中学\s*掘港街道\s*2 个\s*1 个\s*⚠ 1 个班级缺人", town), town
    assert re.search(r"掘港小学辅导站\s*掘港街道\s*不分班级\s*—\s*⚠ 未登记", town), town
    assert "栟茶" not in town  # another town's units are not the town's
    county = site.as_(w.reviewer)
    listed = sentence(county.get("/peers").text)
    assert "栟茶中学" in listed and "陈子涵" not in listed
    register = county.get(f"/peers/units/{w.st12}")
    assert register.status_code == 200
    text = sentence(register.text)
    assert "七(2)班：缺女生" in text and "✔ 已登记" in text
    assert "陈子涵" not in register.text and "李思雨" not in register.text and "王浩然" not in register.text
    assert 'name="class_name"' not in register.text  # the county reads; staff write


def test_the_units_counts_of_classes_say_their_unit_as_the_other_pages_do(site: Site) -> None:
    """/peers showed 登记班级 2 and 男女都已配齐 1, bare, where every other page writes 2 个 (its lead, the
    unit's own page: 登记 2 个班级，1 个男女都已配齐); a phone's card read 登记班级：2."""
    w = site.w
    _peer(site, w.st12, "七(1)班", boy_name="陈子涵", girl_name="李思雨")
    _peer(site, w.st12, "七(2)班", boy_name="王浩然")
    listed = site.as_(w.reviewer).get("/peers").text
    assert '<td data-label="登记班级" class="num">2 个</td>' in listed
    assert '<td data-label="男女都已配齐" class="num">1 个</td>' in listed
    assert not re.search(r'class="num">\d+</td>', listed), "a count without its unit"


def test_staff_edit_a_class_and_its_page_shows_who_changed_it(site: Site) -> None:
    w = site.w
    rid = _peer(site, w.st12, "七(1)班", boy_name="陈子涵", girl_name="李思雨")
    browser = site.as_(w.staff_st12)
    saved = browser.post(f"/peers/{rid}", {"base_version": "1", "class_name": "七(1)班", "boy_name": "陈子涵",
                                           "girl_name": "李思琪"})
    assert saved.status_code == 303, saved.text
    assert site.read(lambda db: row(db, "peer_helper", rid))["girl_name"] == "李思琪"
    page = sentence(browser.get(f"/peers/{rid}").text)
    assert "女生姓名：李思雨 → 李思琪" in page and "站员一二" in page and "街道干事" in page


def test_the_register_is_not_on_another_units_pages(site: Site) -> None:
    w = site.w
    rid = _peer(site, w.st12, "七(1)班", boy_name="陈子涵")
    other = site.as_(w.staff_st21)
    assert other.get(f"/peers/units/{w.st12}").status_code == 404
    assert other.get(f"/peers/{rid}").status_code == 404
    assert site.as_(w.reviewer).get(f"/peers/{rid}").status_code == 403
    assert site.as_(w.staff_st12).get("/peers/units/not-an-id").status_code == 404


def test_the_register_is_linked_from_the_staff_home_the_navigation_and_the_inspection_item(site: Site) -> None:
    w = site.w
    _peer(site, w.st11, "掘港小学辅导站", boy_name="钱睿", girl_name="蒋梦瑶")
    home = site.as_(w.staff_st12).get("/staff")
    assert 'href="/peers"' in home.text
    assert "1 个学校或辅导站还没有登记" in sentence(home.text)
    assert 'href="/peers"' in site.as_(w.reviewer).get("/dashboard").text
    # Inspection 1 is of station 1-1: its item 配备心理健康骨干学生 shows the register's figures.
    inspection = sentence(site.as_(w.reviewer).get(f"/inspections/{w.inspection1}").text)
    assert "配备心理健康骨干学生骨干学生名册（现在）：辅导站不分班级，男女都已配齐" in re.sub(r"\s+", "", inspection)
    form = site.as_(w.staff_town1).get(f"/inspections/new?unit={w.st11}").text
    assert f'href="/peers/units/{w.st11}"' in form


def test_the_inspection_item_reads_a_stations_register_in_the_words_of_peers_not_as_a_class(site: Site) -> None:
    """Beside 配备心理健康骨干学生 a station's register read 登记 1 个班级: a station has no classes
    (/peers says 不分班级 and ⚠ 辅导站缺男生或女生); a school's still counts its classes."""
    w = site.w
    inspector = site.as_(w.staff_town1)

    def note(unit_id: str) -> str:
        page = sentence(inspector.get(f"/inspections/new?unit={unit_id}").text)
        return page[page.index("骨干学生名册（现在）"):][:60]

    assert "辅导站不分班级，还没有登记" in note(w.st11)
    _peer(site, w.st11, "掘港小学辅导站", boy_name="钱睿")
    station = note(w.st11)
    assert "辅导站不分班级，⚠ 辅导站缺男生或女生" in station and "个班级" not in station
    _peer(site, w.st12, "七(1)班", boy_name="陈子涵", girl_name="李思雨")
    assert "登记 1 个班级，1 个男女都已配齐" in note(w.st12)


def test_the_admin_who_reads_the_register_as_counts_is_refused_its_forms_in_words(site: Site) -> None:
    """The pupils' names are written by staff only (sync.entities.PEER_HELPER); a class posted or
    opened by the admin is a 403 that says whose forms these are, not a 400 with no error on it."""
    w = site.w
    peer = _peer(site, w.st12, "七(1)班", boy_name="陈子涵")
    admin = site.as_(w.admin)
    token = admin.token(f"/peers/units/{w.st12}")
    answers = [admin.post(f"/peers/units/{w.st12}", {"record_id": new_id(), "class_name": "八(1)班"}, token=token),
               admin.get(f"/peers/{peer}"),
               admin.post(f"/peers/{peer}", {"base_version": "1", "class_name": "七(9)班"}, token=token),
               admin.post(f"/peers/{peer}/delete", {"base_version": "1"}, token=token)]
    for answer in answers:
        assert answer.status_code == 403 and "工作人员" in sentence(answer.text)
        assert "陈子涵" not in answer.text
    assert site.read(lambda db: db.execute(
        "SELECT class_name, deleted, version FROM peer_helpers").fetchall()) == [("七(1)班", 0, 1)]


def test_a_stations_home_says_the_station_lacks_a_helper_not_a_class(site: Site) -> None:
    """A station registers itself, not classes: its staff read "1 个班级缺…" as some school's gap."""
    w = site.w
    _peer(site, w.st11, "掘港小学辅导站", boy_name="钱睿")
    _peer(site, w.st12, "七(2)班", girl_name="李思雨")
    station = sentence(site.as_(w.staff_st11).get("/staff").text)
    assert "1 个辅导站缺男生或女生" in station and "班级缺" not in station
    town = re.sub(r"\s+", " ", sentence(site.as_(w.staff_town1).get("/staff").text))
    assert "项心理健康骨干学生待补齐：1 个班级缺男生或女生，1 个辅导站缺男生或女生" in town


def test_the_registers_station_row_says_the_station_lacks_a_helper_not_a_class(site: Site) -> None:
    """/peers read "⚠ 1 个班级缺人" and "登记班级 1 个" in a station's row, and summed a station into the
    schools' classes: a station has no classes (its 工作台 says 1 个辅导站缺男生或女生)."""
    w = site.w
    _peer(site, w.st11, "掘港小学辅导站", boy_name="钱睿")
    _peer(site, w.st12, "七(1)班", boy_name="陈子涵", girl_name="李思雨")
    _peer(site, w.st12, "七(2)班", boy_name="王浩然")
    for who in (w.staff_town1, w.reviewer):
        page = re.sub(r"\s+", " ", sentence(site.as_(who).get("/peers").text))
        assert re.search(r"掘港小学辅导站 掘港街道 不分班级 否 ⚠ 辅导站缺男生或女生", page), page
        assert re.search(r"掘港中学 掘港街道 2 个 1 个 ⚠ 1 个班级缺人", page), page
        assert "学校登记 2 个班级，其中 1 个班级男女都已配齐；辅导站 1 个已登记，其中 0 个男女都已配齐" in page, page
