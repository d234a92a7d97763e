"""Which year /summary opens on without one in the address: through January the year just ended,
which the committee is writing up (with a link on to the new year); from February the current one."""
from __future__ import annotations

import datetime

import pytest

from .conftest import Site, sentence


def _on(monkeypatch: pytest.MonkeyPatch, day: str) -> None:
    monkeypatch.setattr("server.pages.summary.local_today", lambda: datetime.date.fromisoformat(day))


def test_the_summary_opens_on_the_year_just_ended_on_2_january_with_a_link_to_the_new_year(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    _on(monkeypatch, "2027-01-02")
    w = site.w
    page = site.as_(w.reviewer).get("/summary").text
    assert "年终总结：" in page and " 2026年</h1>" in page
    assert '<option value="2026" selected>' in page
    assert "?unit=" + w.county + "&amp;year=2026" in page  # the print link and the form stay on 2026
    assert "查看 2027 年" in sentence(page)
    assert f'href="/summary?unit={w.county}&amp;year=2027">查看 2027 年</a>' in page
    print_page = site.as_(w.reviewer).get("/summary/print").text
    assert "2026年" in print_page and "2027年心理健康教育工作总结" not in print_page


def test_the_summary_opens_on_the_current_year_on_2_february_without_the_link(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    _on(monkeypatch, "2027-02-02")
    page = site.as_(site.w.reviewer).get("/summary").text
    assert " 2027年</h1>" in page
    assert 'id="new-year"' not in page


def test_a_year_in_the_address_is_kept_in_january_and_links_on_only_from_the_year_just_ended(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    _on(monkeypatch, "2027-01-02")
    browser = site.as_(site.w.reviewer)
    page = browser.get("/summary?year=2027").text
    assert " 2027年</h1>" in page and 'id="new-year"' not in page
    page = browser.get("/summary?year=2025").text
    assert " 2025年</h1>" in page and 'id="new-year"' not in page
