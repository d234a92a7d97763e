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
