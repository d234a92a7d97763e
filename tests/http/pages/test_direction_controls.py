"""Unicode direction overrides typed into a record (U+202E turns round what follows it on the line) are never
drawn: the archive, its print and the visit's page read as typed without them, so 记录人 and a day beside a
record cannot be made to read otherwise. The record keeps what was typed (server/templating.py)."""
from __future__ import annotations

from markupsafe import Markup

from server.templating import undirected

from ...factories import make_activity, row
from .conftest import Site

OVERRIDES = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_a_visit_whose_record_holds_direction_overrides_is_drawn_without_them(site: Site) -> None:
    w = site.w
    record = "孩子说\u202e日02月11年6202\u202c她很好\u2067（右起）\u2069"
    visit = site.write(lambda db: make_activity(db, w.mentor2, w.pairing2, record=record))
    staff = site.as_(w.staff_st11)
    for path in (f"/activities/{visit}", f"/pairings/{w.pairing2}", f"/pairings/{w.pairing2}/print"):
        page = staff.get(path)
        assert page.status_code == 200, path
        assert "孩子说日02月11年6202她很好（右起）" in page.text, path
        assert not set(OVERRIDES) & set(page.text), path
    assert site.read(lambda db: row(db, "activity", visit))["record"] == record  # kept as typed


def test_marked_up_pieces_lose_them_and_stay_marked_up() -> None:
    assert undirected(Markup("<b>王\u202e老师</b>")) == Markup("<b>王老师</b>")
    assert isinstance(undirected(Markup("<i>x</i>")), Markup)
    assert undirected("a\u2066b\u2069c") == "abc" and undirected(3) == 3 and undirected(None) is None
