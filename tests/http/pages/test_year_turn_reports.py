"""After the turn of the year: through January the statistics form opens on the year just ended and a
unit files its return of that year (or of the half just ended) in one tap, then has it approved; from
February the form opens on the new year."""
from __future__ import annotations

import datetime
import html
import re
from typing import Any

import pytest

from ...factories import row
from ...stats_oracle import add_stats_records
from .conftest import Site, sentence


def _on(monkeypatch: pytest.MonkeyPatch, day: str) -> None:
    for module in ("report_params", "stats", "returns"):
        monkeypatch.setattr(f"server.pages.{module}.local_today", lambda: datetime.date.fromisoformat(day))


@pytest.fixture
def w(site: Site) -> Any:
    return site.write(lambda db: add_stats_records(db, site.w))


def _taps(page: str) -> dict[str, tuple[str, str]]:
    """The one-tap periods of 新建报送: label → (from, to)."""
    found = re.findall(r'<input type="hidden" name="from" value="([\d-]+)"><input type="hidden" name="to"'
                       r' value="([\d-]+)"><button type="submit" class="button"><span>(.+?)</span></button>', page)
    return {re.sub(r"<[^>]+>", "", label): (start, end) for start, end, label in found}


def test_on_4_january_the_statistics_form_opens_on_the_year_just_ended_with_the_new_one_a_tap_away(
        site: Site, w: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _on(monkeypatch, "2027-01-04")
    page = html.unescape(site.as_(w.reviewer).get("/reports/stats").text)
    assert "统计时段：2026年1月1日至2026年12月31日" in sentence(page)
    assert 'value="2026-01-01"' in page and 'value="2026-12-31"' in page
    assert "from=2026-01-01&to=2026-12-31" in page  # its XLSX too
    links = dict((re.sub(r"<[^>]+>", "", label), href) for href, label in
                 re.findall(r'<a class="button" href="(/reports/stats\?[^"]+)"><span>(.+?)</span></a>', page))
    assert "from=2026-01-01&to=2026-12-31" in links["去年全年（2026年）"]
    assert "from=2027-01-01&to=2027-12-31" in links["今年全年（2027年）"]


def test_from_february_the_statistics_form_opens_on_the_new_year_without_last_years_tap(
        site: Site, w: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _on(monkeypatch, "2027-02-15")
    page = html.unescape(site.as_(w.reviewer).get("/reports/stats").text)
    assert "统计时段：2027年1月1日至2027年12月31日" in sentence(page)
    assert "去年全年" not in page


def test_in_january_a_town_files_its_return_of_the_year_just_ended_in_one_tap_and_the_county_approves_it(
        site: Site, w: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _on(monkeypatch, "2027-01-04")
    town = site.as_(w.staff_town1)
    page = town.get("/returns").text
    taps = _taps(page)
    assert taps["去年全年（2026年）"] == ("2026-01-01", "2026-12-31")
    assert taps["上个半年（2026年下半年）"] == ("2026-07-01", "2026-12-31")
    assert taps["本半年（2027年上半年）"] == ("2027-01-01", "2027-06-30")
    assert taps["上季度（2026年第四季度）"] == ("2026-10-01", "2026-12-31")
    assert 'name="from" type="date" value="2026-01-01"' in page  # the pickers start on that year too
    made = town.post("/returns", {"from": "2026-01-01", "to": "2026-12-31"}, form_page="/returns")
    rid = made.headers["location"].rsplit("/", 1)[1]
    version = site.read(lambda db: row(db, "stats_return", rid))["version"]
    sent = town.post(f"/returns/{rid}", {"remarks": "", "version": version, "action": "submit"},
                     form_page=f"/returns/{rid}")
    assert sent.status_code == 303
    county = site.as_(w.reviewer)
    approved = county.post(f"/returns/{rid}/review", {"decision": "approve", "comment": "同意"},
                           form_page=f"/returns/{rid}")
    assert approved.status_code == 303
    stored = site.read(lambda db: row(db, "stats_return", rid))
    assert stored is not None and stored["status"] == "approved"
    assert (stored["period_from"], stored["period_to"]) == ("2026-01-01", "2026-12-31")
    assert any(v for r in stored["figures"]["rows"] for v in r["values"])  # the year's figures, not zeros


def test_in_july_a_unit_files_the_half_just_ended_in_one_tap_and_no_year_but_this(
        site: Site, w: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _on(monkeypatch, "2027-07-12")
    taps = _taps(site.as_(w.staff_st12).get("/returns").text)
    assert taps["上个半年（2027年上半年）"] == ("2027-01-01", "2027-06-30")
    assert taps["本半年（2027年下半年）"] == ("2027-07-01", "2027-12-31")
    assert not any("去年" in label for label in taps)
