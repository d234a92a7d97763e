"""The random-writes machines copy one county file: each run still writes a county of its own."""
from __future__ import annotations

from sync import connect

from ..factories import county_file
from .county_writes import CountyWrites


def test_each_random_writes_run_gets_its_own_copy_of_the_county_built_once() -> None:
    template, w = county_file(county_staff=True)
    assert county_file(county_staff=True)[0] == template
    first, second = CountyWrites(), CountyWrites()
    try:
        assert first.w is not w and vars(first.w) == vars(w) and first.staff == w.county_staff
        first.db.execute("UPDATE mentees SET name = '改过' WHERE id = ?", [w.mentee1])
        first.db.conn.commit()
        kept = connect(template, readonly=True)
        names = [db.execute("SELECT name FROM mentees WHERE id = ?", [w.mentee1]).fetchone()[0]
                 for db in (second.db, kept)]
        kept.close()
        assert names == ["小明", "小明"]
    finally:
        first.teardown()
        second.teardown()
