"""A 所属单位 cell that names no unit exactly (掘港 for the town's units) is refused with the nearest
names to choose from, never taken silently for one of them."""
from __future__ import annotations

import html

from .conftest import Site
from .test_imports import MENTEE_HEADERS, upload, xlsx


def count(site: Site, table: str) -> int:
    return int(site.read(lambda db: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]))


def test_a_volunteers_unit_written_short_is_answered_with_the_nearest_units_and_nothing_guessed(site: Site) -> None:
    before = count(site, "users")
    browser = site.as_(site.w.staff_town1)
    preview = upload(browser, "/mentors/import", xlsx(["姓名", "手机号", "所属单位"], [
        ["赵德福", "13905130001", "掘港"],
        ["钱桂兰", "13905130002", "掘港小学辅导"],
        ["孙长海", "13905130003", "栟茶小学辅导站"],  # another town's station: never named to this town's staff
    ]))
    text = preview.text
    assert "找不到名为“掘港”的单位" in text and "是不是：掘港中学、掘港街道、掘港小学辅导站？" in text, text
    assert "找不到名为“掘港小学辅导”的单位" in text and "是不是：掘港小学辅导站？" in text
    assert "栟茶小学辅导站？" not in text and "栟茶镇" not in text
    assert 'name="payload"' not in text  # no import offered while a row names no unit
    assert count(site, "users") == before


def test_a_childs_unit_written_short_is_answered_with_the_nearest_schools_and_stations(site: Site) -> None:
    browser = site.as_(site.w.staff_town1)
    preview = upload(browser, "/mentees/import", xlsx(MENTEE_HEADERS, [
        ["", "陈小雨", "掘港小学", "", "", "", "", "", "", "", "", "", ""]]))
    text = preview.text
    assert "找不到名为“掘港小学”的学校或辅导站" in text and "是不是：掘港小学辅导站？" in text, text


def test_a_unit_named_by_two_units_tells_the_admin_to_rename_one_and_staff_whom_to_ask(site: Site) -> None:
    """有 2 个单位都叫…，请联系管理员区分 was shown to the admin too, who is the one to act: the admin is
    sent to 单位 to rename one, the staff told the admin renames units there."""
    w = site.w
    # Two live units of one name, as made before names were kept unique (the write path now refuses it).
    site.write(lambda db: db.execute("UPDATE units SET name = '掘港中学' WHERE id = ?", [w.st11]))
    rows = [["赵德福", "13905130001", "掘港中学"]]
    admin = html.unescape(upload(site.as_(w.admin), "/mentors/import", xlsx(["姓名", "手机号", "所属单位"], rows)).text)
    assert "有 2 个单位都叫“掘港中学”" in admin and "请先在“单位”页" in admin and "/admin/units" in admin
    assert "联系管理员" not in admin and "告诉管理员" not in admin
    staff = html.unescape(upload(site.as_(w.staff_town1), "/mentees/import",
                                 xlsx(["姓名", "所属单位"], [["王小明", "掘港中学"]])).text)
    assert "有 2 个单位都叫“掘港中学”" in staff and "请告诉管理员在“单位”页把其中一个改名" in staff
    assert "/admin/units" not in staff


def test_a_unit_written_by_its_name_before_a_rename_is_answered_with_its_name_now(site: Site) -> None:
    # Stations keep their rosters in Excel: after the admin renames 掘港小学辅导站, every file still
    # says the old name. The nearest names then offered the town (掘港 is in the old name) or another
    # station spelled alike, never the renamed station itself; the rename is known, so say it.
    w = site.w
    version = site.read(lambda db: db.execute("SELECT version FROM units WHERE id = ?", [w.st11]).fetchone()[0])
    renamed = site.as_(w.admin).post(f"/admin/units/{w.st11}", {
        "name": "掘港街道青少年校外辅导站", "kind": "station", "parent_id": w.town1, "base_version": version})
    assert renamed.status_code == 303
    for browser in (site.as_(w.admin), site.as_(w.staff_town1)):
        text = html.unescape(upload(browser, "/mentors/import", xlsx(["姓名", "手机号", "所属单位"], [
            ["赵德福", "13905130001", "掘港小学辅导站"]])).text)
        assert "“掘港小学辅导站”已改名为“掘港街道青少年校外辅导站”" in text, text
        assert 'name="payload"' not in text  # said, never taken silently
    children = html.unescape(upload(site.as_(w.staff_town1), "/mentees/import", xlsx(["姓名", "所属单位"], [
        ["王小明", "掘港小学辅导站"]])).text)
    assert "“掘港小学辅导站”已改名为“掘港街道青少年校外辅导站”" in children
    # Out of the person's reach, a unit's old name is not explained (its new name would be told).
    other = html.unescape(upload(site.as_(w.staff_town2), "/mentors/import", xlsx(["姓名", "手机号", "所属单位"], [
        ["赵德福", "13905130001", "掘港小学辅导站"]])).text)
    assert "已改名" not in other and "青少年校外辅导站" not in other


def test_a_volunteer_with_no_unit_in_the_file_is_said_to_land_at_the_county_or_town_office_before_the_import(
        site: Site) -> None:
    # 留空表示您所在的单位: for the admin that is the county's office, for a town's staff the town's.
    # The preview showed an empty cell and 新增, and the volunteers landed in no station or school.
    w = site.w
    county = site.read(lambda db: db.execute("SELECT name FROM units WHERE kind = 'county'").fetchone()[0])
    rows = [["赵德福", "13905130001", ""], ["钱桂兰", "13905130002", ""]]
    admin = html.unescape(upload(site.as_(w.admin), "/mentors/import",
                                 xlsx(["姓名", "手机号", "所属单位"], rows)).text)
    assert f"有 2 行没有填“所属单位”，这 2 位新志愿者会记在您所在的单位“{county}”" in admin, admin
    station = html.unescape(upload(site.as_(w.staff_st11), "/mentors/import",
                                   xlsx(["姓名", "手机号", "所属单位"], rows)).text)
    assert "没有填“所属单位”" not in station  # a station's own volunteers: where they belong
