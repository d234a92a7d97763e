"""撤点并校: a school closes and its children, volunteers and staff move to another unit. Its group events
and statistics returns stay where they were done, so the write path never lets it be deleted; the admin
marks it 已撤并 from a day instead. From then it owes no statistics return for a period that begins
after it closed (the county's 报送截止日期 list, the dashboard's late count), while what it owed or filed
before still shows; its name in every unit list says 已撤并, so nobody files a new record there by mistake.
A unit that still holds children, accounts in use or units below is not closed: the page says which."""
from __future__ import annotations

import datetime
import re

from server.templating import chinese_date
from sync.timeutil import local_today

from ...factories import make_mentee, mutate, row
from .conftest import Site
from .test_archives import words
from .test_imports import upload, xlsx
from .test_return_deadlines import _rows
from .test_stats_pages import _cells


def _empty_the_school(site: Site) -> None:
    """掘港中学 held a lecture (so it can never be deleted); its one account moves to the station."""
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture",
                                                            "audience": "students", "date": "2026-10-12",
                                                            "participants": 300}))
    admin = site.as_(w.admin)
    moved = admin.post(f"/admin/users/{w.staff_st12.user_id}", {
        "action": "save", "login": site.login_of(w.staff_st12), "name": "站员一二", "role": "staff", "unit_id": w.st11})
    assert moved.status_code == 303, words(moved.text)


def _close(site: Site, day: str) -> object:
    version = site.read(lambda db: row(db, "unit", site.w.st12))["version"]
    return site.as_(site.w.admin).post(f"/admin/units/{site.w.st12}", {"action": "close", "closed_on": day,
                                                                     "base_version": version})


def test_a_closed_school_owes_no_return_for_a_period_begun_after_it_closed(site: Site) -> None:
    w = site.w
    _empty_the_school(site)
    today = local_today()
    reviewer = site.as_(w.reviewer)
    late = (today - datetime.timedelta(days=2)).isoformat()
    # A period begun before the closing day, and one begun after it (this month, closed on its 1st).
    first = today.replace(day=1)
    before = {"from": (first - datetime.timedelta(days=40)).replace(day=1).isoformat(),
              "to": (first - datetime.timedelta(days=1)).isoformat()}
    after = {"from": first.isoformat(), "to": (first + datetime.timedelta(days=27)).isoformat()}
    for period in (before, after):
        saved = reviewer.post("/returns/deadlines", {**period, "units_due": max(late, period["from"]),
                                                     "towns_due": max(late, period["from"])})
        assert saved.status_code == 303, words(saved.text)
    page = reviewer.get("/returns").text
    assert page.count('data-label="单位">掘港中学<') == 2  # not closed yet: it owes both

    closed = _close(site, first.isoformat())
    assert closed.status_code == 303, words(closed.text)
    page = reviewer.get("/returns").text
    sections = page.split('id="due"', 1)[1].split("</section>", 1)[0]
    assert sections.count("掘港中学") == 1  # the period it was open in only
    assert "掘港中学" in _rows(page)


def test_a_closed_unit_is_marked_in_the_tree_and_the_unit_lists_and_can_be_reopened(site: Site) -> None:
    w = site.w
    _empty_the_school(site)
    day = local_today().isoformat()
    assert _close(site, day).status_code == 303
    admin = site.as_(w.admin)
    tree = words(admin.get("/admin/units").text)
    assert re.search(r"掘港中学\s*学校\s*（已撤并，", tree), tree
    town = site.as_(w.staff_town1)
    assert "掘港中学（已撤并）" in town.get("/mentees").text  # the unit filter still finds its history
    assert "掘港中学（已撤并）" in admin.get(f"/admin/users/{w.staff_st11.user_id}").text
    version = site.read(lambda db: row(db, "unit", w.st12))["version"]
    reopened = admin.post(f"/admin/units/{w.st12}", {"action": "reopen", "base_version": version})
    assert reopened.status_code == 303, words(reopened.text)
    assert "已撤并" not in words(admin.get("/admin/units").text)
    changes = site.read(lambda db: [r[0] for r in db.execute(
        "SELECT op FROM sync_audit WHERE entity = 'unit_closure' ORDER BY id")])
    assert changes == ["insert", "delete"]


def test_a_school_that_still_holds_a_child_or_an_account_is_not_closed(site: Site) -> None:
    w = site.w
    refused = _close(site, local_today().isoformat())  # its staff account is still in use
    assert refused.status_code == 400
    assert "在用账号" in words(refused.text)
    _empty_the_school(site)
    site.write(lambda db: make_mentee(db, w.staff_town1, w.st12, name="小军"))
    refused = _close(site, local_today().isoformat())
    assert refused.status_code == 400
    assert "帮扶对象" in words(refused.text)
    assert not site.read(lambda db: list(db.query("SELECT * FROM unit_closures")))


def test_a_closing_day_that_is_no_day_or_after_today_is_refused_in_words(site: Site) -> None:
    _empty_the_school(site)
    for day in ("", "2026-02-30", "abc", (local_today() + datetime.timedelta(days=1)).isoformat()):
        refused = _close(site, day)
        assert refused.status_code == 400, day
        assert "撤并日期" in words(refused.text)
    assert not site.read(lambda db: list(db.query("SELECT * FROM unit_closures")))


def test_a_closing_day_no_calendar_has_is_told_there_is_no_such_day(site: Site) -> None:
    # As every other date field says it (server/forms.py), not 请选择撤并日期 as if none were typed.
    _empty_the_school(site)
    refused = _close(site, "2026-02-30")
    assert refused.status_code == 400
    said = words(refused.text)
    assert "撤并日期没有这一天（2026-02-30）" in said and "单位没有改动" in said and "请选择撤并日期" not in said
    assert not site.read(lambda db: list(db.query("SELECT * FROM unit_closures")))


def test_a_closing_day_typed_in_another_shape_is_refused_never_kept_as_typed(site: Site) -> None:
    """Python reads 20260901 and 2026-W36-2 as 2026-09-01; kept as typed, the day compared as text
    against the periods' days, so the closed school still owed returns of periods after it (and
    0001-01-01, a slip for 2001, closed it before any record was kept)."""
    _empty_the_school(site)
    for day in ("20260901", "2026-W36-2", "2026-244", "２０２６-０９-０１", "0001-01-01"):
        refused = _close(site, day)
        assert refused.status_code == 400, day
        assert "请选择撤并日期" in words(refused.text) and "单位没有改动" in words(refused.text)
    assert not site.read(lambda db: list(db.query("SELECT * FROM unit_closures")))
    assert _close(site, " 2026-09-01 ").status_code == 303  # spaces around the day are no other day
    assert site.read(lambda db: db.execute("SELECT closed_on FROM unit_closures").fetchone()[0]) == "2026-09-01"


def test_a_school_that_holds_events_is_not_offered_for_deletion_but_for_closing(site: Site) -> None:
    """The page offered 删除 (with its warning that nothing undoes it) to every unit without children or
    accounts, and the write path then refused it for the events and returns it still held: a closed
    school's admin met the irreversible button and a refusal each time. It now says why up front."""
    _empty_the_school(site)
    page = site.as_(site.w.admin).get(f"/admin/units/{site.w.st12}").text
    assert 'value="delete"' not in page
    assert "集体活动（宣讲等）" in words(page)
    assert 'value="close"' in page


def test_a_child_is_neither_registered_at_nor_moved_into_a_closed_school(site: Site) -> None:
    """Once closed, no staff works at the school: a child put there by a slip of the picker would have
    nobody at a station or school to see their file or the ⚠ on a visit. Refused beside the unit."""
    w = site.w
    _empty_the_school(site)
    assert _close(site, local_today().isoformat()).status_code == 303
    town = site.as_(w.staff_town1)
    version = site.read(lambda db: row(db, "mentee", w.mentee1))["version"]
    moved = town.post(f"/mentees/{w.mentee1}/edit", {"unit_id": w.st12, "base_version": version})
    assert moved.status_code == 400
    assert f"已撤并（{chinese_date(local_today())}起）" in words(moved.text)
    registered = town.post("/mentees/new", {"unit_id": w.st12, "name": "陈晓华", "risk_level": "normal"})
    assert registered.status_code == 400
    assert "已撤并" in words(registered.text)
    assert site.read(lambda db: row(db, "mentee", w.mentee1))["unit_id"] == w.st11
    assert not site.read(lambda db: list(db.query("SELECT id FROM mentees WHERE unit_id = ?", [w.st12])))


def test_the_towns_form_keeps_the_closed_schools_row_before_it_closed_and_drops_its_zeros_after(site: Site) -> None:
    """A period begun after the school closed would carry a row of zeros for it on every form for ever;
    one it held a lecture in keeps its row, and so does a later one where something is still counted."""
    w = site.w
    _empty_the_school(site)
    first = local_today().replace(day=1)
    assert _close(site, first.isoformat()).status_code == 303
    town = site.as_(w.staff_town1)

    def row_names(date_from: str, date_to: str) -> list[str]:
        page = town.get(f"/reports/stats?unit={w.town1}&from={date_from}&to={date_to}").text
        return [cells[0] for cells in _cells(page).rows if cells]

    assert any(name.startswith("掘港中学") for name in row_names("2026-10-01", "2026-10-31"))
    after = row_names(first.isoformat(), (first + datetime.timedelta(days=27)).isoformat())
    assert "掘港小学辅导站" in " ".join(after)
    assert not any(name.startswith("掘港中学") for name in after), after


def test_an_excel_row_naming_a_closed_school_is_refused_in_words(site: Site) -> None:
    """Schools keep their rosters in Excel: last term's file still names the school that closed."""
    w = site.w
    _empty_the_school(site)
    assert _close(site, local_today().isoformat()).status_code == 303
    preview = upload(site.as_(w.staff_town1), "/mentees/import", xlsx(["姓名", "所属单位"], [["王小明", "掘港中学"]]))
    text = words(preview.text)
    assert f"“掘港中学”已撤并（{chinese_date(local_today())}起）" in text, text
    assert 'name="payload"' not in preview.text


def test_no_account_is_made_at_moved_to_or_restored_at_a_closed_school(site: Site) -> None:
    """Closing was refused while any account was in use there; one put there afterwards (a new volunteer
    at the old school picked by a slip, a clerk moved back, a stopped account restored as it stood) would
    answer for a unit nobody works at. Each is refused in words and nothing is written."""
    w = site.w
    _empty_the_school(site)
    admin = site.as_(w.admin)
    stopped = admin.post(f"/admin/users/{w.mentor2.user_id}", {"action": "deactivate"})
    assert stopped.status_code == 303, words(stopped.text)
    site.write(lambda db: db.execute("UPDATE users SET unit_id = ? WHERE id = ?", [w.st12, w.mentor2.user_id]))
    assert _close(site, local_today().isoformat()).status_code == 303
    closed = f"“掘港中学”已撤并（{chinese_date(local_today())}起）"
    accounts_before = site.read(lambda db: list(db.query("SELECT * FROM users ORDER BY id")))

    town = site.as_(w.staff_town1)
    made = town.post("/mentors/new", {"name": "李秀英", "phone": "13962745101", "unit_id": w.st12, "smartphone": "1"})
    assert made.status_code == 400 and closed in words(made.text), words(made.text)
    made = admin.post("/admin/users/new", {"login": "xiao-new", "name": "陈老师", "role": "staff", "unit_id": w.st12})
    assert made.status_code == 400 and closed in words(made.text), words(made.text)
    moved = admin.post(f"/admin/users/{w.staff_st12.user_id}", {
        "action": "save", "login": site.login_of(w.staff_st12), "name": "站员一二", "role": "staff", "unit_id": w.st12})
    assert moved.status_code == 400 and closed in words(moved.text), words(moved.text)
    restored = admin.post(f"/admin/users/{w.mentor2.user_id}", {"action": "activate"})
    assert restored.status_code == 400
    assert "不能恢复使用：所属单位" + closed in words(restored.text), words(restored.text)
    restored = town.post(f"/mentors/{w.mentor2.user_id}", {"action": "reactivate"})
    assert restored.status_code == 400 and closed in words(restored.text), words(restored.text)
    assert site.read(lambda db: list(db.query("SELECT * FROM users ORDER BY id"))) == accounts_before


def test_an_excel_row_of_volunteers_naming_a_closed_school_is_refused_in_words(site: Site) -> None:
    w = site.w
    _empty_the_school(site)
    assert _close(site, local_today().isoformat()).status_code == 303
    preview = upload(site.as_(w.staff_town1), "/mentors/import",
                     xlsx(["姓名", "手机号", "所属单位"], [["李秀英", "13962745101", "掘港中学"]]))
    text = words(preview.text)
    assert f"“掘港中学”已撤并（{chinese_date(local_today())}起），不再接收志愿者" in text, text
    assert 'name="payload"' not in preview.text


def test_a_school_still_holding_an_account_says_so_where_the_closing_day_would_be_typed(site: Site) -> None:
    """The card offered a day and 撤并这个单位 to a school still holding its staff, then refused the click:
    what must go first is said up front, as for 删除, and the button comes once the school is empty."""
    admin = site.as_(site.w.admin)
    page = admin.get(f"/admin/units/{site.w.st12}").text
    card = words(page[page.index('id="close"'):])
    assert "还有 1 个在用账号，不能撤并" in card, card
    assert 'value="close"' not in page and 'name="closed_on"' not in page
    _empty_the_school(site)
    page = admin.get(f"/admin/units/{site.w.st12}").text
    assert 'value="close"' in page and "不能撤并" not in words(page)
