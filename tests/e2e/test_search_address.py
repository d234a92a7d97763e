"""A child's name searched for on a list, in Debian Chromium against a real ``banxing serve``: the
address (what the shared office computer's history, address bar and any proxy's log keep) names
nobody, while the list, Back and reload work as a search always did (pages/list_search.py)."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Browser

from .conftest import ServerProcess
from .phone import query
from .screen import SIZES, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path", ["/mentees", "/pairings"])
def test_a_childs_name_searched_for_stays_out_of_the_address_and_the_list_still_narrows(
        server: ServerProcess, browser: Browser, path: str) -> None:
    name = query(server, "SELECT m.name FROM mentees m JOIN units u ON u.id = m.unit_id JOIN pairings p"
                         " ON p.mentee_id = m.id WHERE u.name = '栟茶镇初级中学' AND m.deleted = 0"
                         " AND p.deleted = 0 AND p.status = 'active' ORDER BY m.code LIMIT 1")[0][0]
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["pc"])
    page = context.new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if r.resource_type == "document" else None)
    try:
        sign_in(page, server, "staff-bencha", "/staff")
        page.goto(server.url + path)
        everyone = page.locator("main table tbody tr").count()
        search = page.locator("form.filters input[name=q]")
        search.fill(name)
        search.press("Enter")
        page.wait_for_url(server.url + path + "?*draft=*")
        assert page.locator("main table tbody tr").count() < everyone
        assert name in page.locator("main table").inner_text()
        assert search.input_value() == name
        page.reload()
        assert search.input_value() == name
        page.go_back()  # the list before the search
        page.go_forward()
        assert search.input_value() == name
        assert not [url for url in seen if quote(name) in url or name in url], seen
    finally:
        context.close()
