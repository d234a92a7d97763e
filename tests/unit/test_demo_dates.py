"""The demo county built on days other than early December: each half's lectures fall in that half,
nothing is dated after the demo's today, and the months its texts name are the ones they mean.

The write path refuses days after the real today, so the demo is built at past days that stand for
the awkward ones: 4 January and 1 January (the first days of a 上半年), 1 March, 1 July (a 下半年's
first day), 30 June and 5 December (the day the demo was first written for).
"""
from __future__ import annotations

import datetime
import functools
from collections.abc import Iterator
from typing import Any

import pytest

from server.demo import load_demo
from server.queries.leavers import leavers
from server.store import Store
from sync import load_scope
from sync.users import actor_for

DAYS = ("2024-01-04", "2024-01-01", "2024-03-01", "2024-07-01", "2024-06-30", "2023-12-05")
DATED = (("events", "date"), ("activities", "date"), ("activities", "risk_action_on"), ("screenings", "date"),
         ("referrals", "referred_on"), ("referrals", "received_on"), ("pairings", "start_date"),
         ("pairings", "end_date"), ("inspections", "date"), ("stats_returns", "period_to"), ("donations", "date"))


@pytest.fixture(scope="module", params=DAYS)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    today = datetime.date.fromisoformat(request.param)
    store = Store(tmp_path_factory.mktemp("demo") / "demo.db")
    try:
        store.migrate()
        store.write_now(functools.partial(load_demo, today=today))

        def rows(sql: str) -> list[tuple[Any, ...]]:
            return store.read_now(lambda db: db.execute(sql).fetchall())

        yield today, rows, store.read_now
    finally:
        store.close()


def test_demo_lectures_fall_in_the_half_year_their_number_belongs_to(demo: Any) -> None:
    today, rows, _ = demo
    lectures = rows("SELECT lecture_no, date, title FROM events WHERE lecture_no IS NOT NULL AND make_up = 0")
    assert {no for no, _, _ in lectures} == {1, 2, 3, 4, 5}
    wrong = [(no, day, title) for no, day, title in lectures if (no <= 3) != (int(day[5:7]) <= 6)]
    # A 补课 is a first-half lecture held in the summer holiday (the next test), by definition out of turn.
    assert not wrong, f"built on {today}: 第1–3讲 belong to 上半年, 第4–5讲 to 下半年: {wrong}"


def test_demo_summer_classes_are_held_in_the_summer_holiday(demo: Any) -> None:
    today, rows, _ = demo
    days = [day for (day,) in rows("SELECT date FROM events WHERE title LIKE '暑期%'")]
    assert days and all(day[5:7] in ("07", "08") for day in days), (today, days)


def test_demo_dates_nothing_after_its_today(demo: Any) -> None:
    today, rows, _ = demo
    late = {f"{table}.{column}": rows(f"SELECT max({column}) FROM {table}")[0][0] for table, column in DATED}
    assert all(day is None or day <= today.isoformat() for day in late.values()), (today, late)


def test_demo_has_the_enrolment_of_every_year_it_holds_lectures_in(demo: Any) -> None:
    today, rows, _ = demo
    missing = rows("SELECT DISTINCT e.unit_id, substr(e.date, 1, 4) FROM events e WHERE e.kind = 'lecture'"
                   " AND NOT EXISTS (SELECT 1 FROM enrolments n WHERE n.unit_id = e.unit_id"
                   " AND n.year = CAST(substr(e.date, 1, 4) AS INTEGER))")
    assert not missing, (today, missing)


def test_demo_inspection_checks_the_month_before_it(demo: Any) -> None:
    today, rows, _ = demo
    (day, findings), = rows("SELECT date, findings FROM inspections WHERE findings LIKE '抽查%'")
    before = datetime.date.fromisoformat(day).replace(day=1) - datetime.timedelta(days=1)
    assert findings.startswith(f"抽查{before.month}月份"), (today, day, findings)



def test_demo_registers_some_units_peer_helpers_whole_some_short_and_leaves_one_unbegun(demo: Any) -> None:
    """The 骨干学生 pages show every state on the demo county: complete, a class short, none registered."""
    _, rows, _ = demo
    per_unit = dict(rows("SELECT u.kind || ':' || u.name, sum(coalesce(p.boy_name, '') != '' AND"
                         " coalesce(p.girl_name, '') != '') || '/' || count(p.id) FROM units u"
                         " LEFT JOIN peer_helpers p ON p.unit_id = u.id AND p.deleted = 0"
                         " WHERE u.kind IN ('station', 'school') GROUP BY u.id"))
    states = {"whole" if v.split("/")[0] == v.split("/")[1] != "0" else "none" if v.endswith("/0") else "short"
              for v in per_unit.values()}
    assert states == {"whole", "short", "none"}, per_unit
    assert rows("SELECT count(*) FROM peer_helpers WHERE version > 1") == [(1,)]  # one class with a history


def test_demo_children_who_left_care_this_year_say_why_on_the_year_summary(demo: Any) -> None:
    """Three of the demo's leavers left on 结束帮扶 (its write: the pairing ended that day, the file
    closed, the reason kept) on a day of the demo's year, even built on 1 January: the summary's 本年结束帮扶
    line and the dashboard's card show them by why, not all 未记原因."""
    today, rows, read = demo

    def county_leavers(db: Any) -> dict[str, int]:
        (user,) = db.query("SELECT id, role, unit_id, name FROM users WHERE login = 'county'")
        year = leavers(db, load_scope(db, actor_for(user)), user["unit_id"], today.year)
        assert year is not None
        return {reason: n for reason, n in year.reasons.items() if n}

    by_why = read(county_leavers)
    assert {k: by_why.get(k) for k in ("other", "moved_away", "improved")} == {
        "other": 1, "moved_away": 1, "improved": 1}, (today, by_why)
    ended = rows("SELECT l.left_on, p.end_date, p.outcome FROM care_leavings l"
                 " JOIN pairings p ON p.mentee_id = l.mentee_id")
    assert len(ended) == 3 and all(left == end and outcome in ("improved", "stable") for left, end, outcome in ended)
    assert all(today.replace(month=1, day=1).isoformat() <= left <= today.isoformat() for left, _, _ in ended)
