"""The page list of the web pages, in labelled groups (日常, 台账, 报表, 管理): on a wide screen
each group a labelled block of links, whole groups to a line; on a phone one 菜单 button that
opens the same groups under the same labels, so a staff account's eighteen pages neither push
every page's content below the first screen nor read as one long list."""
from __future__ import annotations

import pathlib
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import ServerProcess
from .screen import SIZES, shots_dir, sign_in, watch_errors

pytestmark = pytest.mark.e2e

# (login, landing, the group labels it sees)
ROLES = {
    "admin": ("/dashboard", ["日常", "台账", "报表", "管理"]),
    "county": ("/dashboard", ["日常", "台账", "报表"]),
    "staff-bencha": ("/staff", ["日常", "台账", "报表"]),  # a town
    "zhan-bencha": ("/staff", ["日常", "台账", "报表"]),  # a station
}
WIDTHS = (390, 768, 1024, 1280, 1440)
SHOTS = {("county", 1280): "site-nav-county-pc.png", ("zhan-bencha", 1280): "site-nav-station-pc.png",
         ("county", 390): "site-menu-county-phone.png"}
PHONE_WIDTH = 700  # site.css: at this width and less the bar is the 菜单 button

# Per group of the wide bar: its label's box, its links' boxes, and the bar's inner width and gap.
GROUP_BOXES = """() => {
  const bar = document.querySelector('nav.site-nav .nav-wide'), style = getComputedStyle(bar);
  const box = (el) => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top}; };
  return {inner: bar.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
          gap: parseFloat(style.columnGap),
          groups: [...bar.querySelectorAll(':scope > .nav-group')].map((g) => ({
            label: g.querySelector('.nav-label').textContent, box: box(g), labelBox: box(g.querySelector('.nav-label')),
            links: [...g.querySelectorAll('a')].map(box)}))};
}"""


def signed_in(browser: Any, server: ServerProcess, login: str, width: int,
              state: dict[str, Any] | None = None) -> tuple[Any, Page]:
    """A page of ``login``'s landing at ``width``; ``state`` (a context's storage) skips signing in again."""
    phone = width <= PHONE_WIDTH
    size = SIZES["phone"] if width == 390 else {"viewport": {"width": width, "height": 900},
                                                "is_mobile": phone, "has_touch": phone}
    context = browser.new_context(**size, locale="zh-CN", storage_state=state)
    page = context.new_page()
    if state is None:
        sign_in(page, server, login, ROLES[login][0])
    else:
        page.goto(server.url + ROLES[login][0])
    page.evaluate("document.fonts.ready")
    return context, page


def shoot_bar(page: Page, path: pathlib.Path) -> None:
    """The header and the bar (with the 菜单 open on a phone), the way a person sees them on arrival."""
    bottom = page.locator("nav.site-nav").bounding_box()
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": page.viewport_size["width"],
                                          "height": bottom["y"] + bottom["height"] + 8})


def test_on_a_phone_the_pages_sit_behind_one_menu_button(module_server: ServerProcess, browser: Any,
                                                         tmp_path: pathlib.Path) -> None:
    context = browser.new_context(**SIZES["phone"], locale="zh-CN")
    page = context.new_page()
    errors = watch_errors(page)
    sign_in(page, module_server, "zhan-chahe", "/staff")
    menu = page.get_by_text("☰ 菜单")
    expect(menu).to_contain_text("工作台")  # the page you are on
    expect(page.get_by_role("link", name="审核", exact=True)).to_be_hidden()
    nav_height = page.locator("nav.site-nav").bounding_box()["height"]
    assert nav_height < 100, f"the closed menu takes {nav_height}px"

    menu.click()
    labels = page.locator("nav.site-nav details .nav-label")
    expect(labels).to_have_text(["日常", "台账", "报表"])
    # Each group under its label: 审核 is in the list the label 日常 names.
    expect(page.get_by_role("list", name="日常").get_by_role("link", name="审核", exact=True)).to_be_visible()
    expect(page.get_by_role("list", name="报表").get_by_role("link", name="统计表", exact=True)).to_be_visible()
    links = page.locator("nav.site-nav details a")
    assert links.count() >= 15
    box = links.first.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 150, box
    shoot_bar(page, shots_dir(tmp_path) / "site-menu-phone.png")
    page.get_by_role("link", name="审核", exact=True).click()
    page.wait_for_url(module_server.url + "/review")
    expect(page.get_by_text("☰ 菜单")).to_contain_text("审核")
    assert not errors, errors
    context.close()


def test_on_a_wide_screen_every_page_is_one_tap_away(module_server: ServerProcess, browser: Any) -> None:
    context = browser.new_context(**SIZES["pc"], locale="zh-CN")
    page = context.new_page()
    sign_in(page, module_server, "county", "/dashboard")
    expect(page.get_by_text("☰ 菜单")).to_be_hidden()
    for label in ("总览", "结对档案", "久未帮扶", "审核", "统计表", "报送", "宣讲覆盖"):
        expect(page.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.locator("nav.site-nav .nav-wide .nav-label")).to_have_text(["日常", "台账", "报表"])
    page.get_by_role("link", name="统计表", exact=True).click()
    expect(page.locator("nav.site-nav a[aria-current=page]").first).to_have_text("统计表")
    context.close()


@pytest.mark.parametrize("login", list(ROLES))
def test_nav_at_1280_takes_no_more_lines_than_it_needs(module_server: ServerProcess, browser: Any,
                                                        login: str) -> None:
    """Whole groups to a line, and a group starts a new line only when it does not fit after the
    groups before it; a group that fits a line keeps its links on one line beside its label."""
    context, page = signed_in(browser, module_server, login, 1280)
    bar = page.evaluate(GROUP_BOXES)
    groups = bar["groups"]
    assert [g["label"] for g in groups] == ROLES[login][1]
    lines: list[list[dict[str, Any]]] = []
    for group in groups:
        if lines and abs(group["box"]["top"] - lines[-1][-1]["box"]["top"]) < 1:
            lines[-1].append(group)
        else:
            lines.append([group])
    for group in groups:
        width = group["box"]["right"] - group["box"]["left"]
        tops = {round(link["top"]) for link in group["links"]}
        assert width > bar["inner"] - 1 or len(tops) == 1, f"{group['label']} wraps though it fits a line"
        assert all(link["left"] >= group["labelBox"]["right"] for link in group["links"]), group["label"]
    for before, line in zip(lines, lines[1:], strict=False):
        # What the groups' words take (label to last link), not their boxes, which could stretch.
        used = max(link["right"] for link in before[-1]["links"]) - before[0]["labelBox"]["left"]
        first = max(link["right"] for link in line[0]["links"]) - line[0]["labelBox"]["left"]
        assert used + bar["gap"] + first > bar["inner"], f"{line[0]['label']} would fit after {before[-1]['label']}"
    # Filling each line before the next is the fewest lines for whole groups in this order; and
    # the bar is no taller than its lines.
    height = page.locator("nav.site-nav").bounding_box()["height"]
    assert height <= len(lines) * 52 + 12, f"{login}: {len(lines)} lines in {height}px"
    context.close()


def test_nav_fits_every_role_at_every_width(module_server: ServerProcess, browser: Any,
                                            tmp_path: pathlib.Path) -> None:
    """No sideways scroll, no text under 16 px, the groups' labels shown, and on a phone the 菜单's
    buttons at least 44 px high; the county's and a station's bar are the documented screenshots."""
    shots = shots_dir(tmp_path)
    for login, (_, labels) in ROLES.items():
        context, _page = signed_in(browser, module_server, login, 1280)
        state = context.storage_state()
        context.close()
        for width in WIDTHS:
            context, page = signed_in(browser, module_server, login, width, state)
            errors = watch_errors(page)
            phone = width <= PHONE_WIDTH
            if phone:
                page.locator("summary", has_text="菜单").click()
            where = f"{login} at {width}px"
            scope = "nav.site-nav details" if phone else "nav.site-nav .nav-wide"
            expect(page.locator(f"{scope} .nav-label")).to_have_text(labels)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width + 1, f"{where} scrolls sideways: {scroll}px"
            small = page.evaluate("""() => [...document.querySelectorAll('nav.site-nav *')].filter((el) =>
                el.getBoundingClientRect().width > 0
                && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())
                && parseFloat(getComputedStyle(el).fontSize) < 16).map((el) => el.textContent.trim())""")
            assert not small, f"{where}: text under 16px: {small}"
            heights = page.evaluate(f"""() => [...document.querySelectorAll('{scope} a')]
                .map((a) => a.getBoundingClientRect().height)""")
            assert heights and min(heights) >= 44, f"{where}: tap targets {min(heights)}px"
            # The station's phone menu is site-menu-phone.png, from the test above.
            if (login, width) in SHOTS:
                shoot_bar(page, shots / SHOTS[login, width])
            assert not errors, f"{where}: {errors}"
            context.close()
