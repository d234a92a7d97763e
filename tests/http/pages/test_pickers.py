"""The child and pairing pickers of the forms that start a record (结对, 代录, 登记转介) at any scale:
a plain list for a station's few dozen children; past the cap (``queries.pickers.CAP``), a search
box first and at most the cap of matches, inside the same scope."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx2 as httpx
import pytest
import sqlite_utils

from server.queries.pickers import CAP
from sync import connect

from ...factories import make_mentee, make_pairing, make_user
from .conftest import Browser, Site, sentence

CROWD = CAP + 20
# Each form, the field of its picker and the query parameter a deep link names its choice with.
FORMS = [("/pairings/new", "mentee_id"), ("/referrals/new", "mentee_id"), ("/activities/new", "pairing_id")]


def crowd(site: Site) -> dict[str, Any]:
    """Station 1-1 gets ``CROWD`` more children, each paired with 李老师: past the cap in both pickers.
    The last one by code (listed last, past the cap) is 陈晓燕, C-9999."""
    w = site.w
    made: dict[str, Any] = {}

    def write(db: sqlite_utils.Database) -> None:
        for n in range(CROWD):
            last = n == CROWD - 1
            mentee = make_mentee(db, w.staff_st11, w.st11, code="C-9999" if last else f"C-{n:04d}",
                                 name="陈晓燕" if last else f"孩子{n:04d}")
            pairing = make_pairing(db, w.staff_st11, w.mentor2, mentee, start_date="2026-10-01")
            if last:
                made.update(mentee=mentee, pairing=pairing)

    site.write(write)
    return made


def picker(page: str, field: str) -> str:
    select = re.search(rf'<select id="f-{field}".*?</select>', page, re.S)
    assert select, f"no picker {field}"
    return select.group(0)


def options(page: str, field: str) -> list[str]:
    """The values of the choices in the <select> of ``field`` (not its empty 请选择)."""
    return [v for v in re.findall(r'<option value="([^"]*)"', picker(page, field)) if v]


DRAFT_URL = re.compile(r"\?draft=[0-9a-f-]{36}$")


def search(browser: Browser, path: str, data: dict[str, Any], *, form_page: str | None = None) -> httpx.Response:
    """Press 查找 on the form at ``path`` and follow its 303 back to the form, as a browser does."""
    posted = browser.post(path, {**data, "find": "1"}, form_page=form_page)
    assert posted.status_code == 303, posted.text[:300]
    location = posted.headers["location"]
    assert location.startswith(path + "?") and DRAFT_URL.search(location), location
    return browser.get(location)


@pytest.mark.parametrize(("path", "field"), FORMS)
def test_a_big_scope_shows_the_search_and_lists_at_most_the_cap_with_the_count(site: Site, path: str,
                                                                              field: str) -> None:
    crowd(site)
    page = site.as_(site.w.staff_st11).get(path).text
    assert 'name="q"' in page and 'name="find"' in page
    assert len(options(page, field)) == CAP
    noun = "个结对" if field == "pairing_id" else "个孩子"
    in_scope = CROWD + (2 if field == "pairing_id" else 3)  # the station's own: 小明 小红 (小刚 unpaired)
    assert f"共 {in_scope} {noun}，太多了，下面只列出前 {CAP} 个" in sentence(page)


@pytest.mark.parametrize(("path", "field"), FORMS)
def test_a_search_finds_a_child_by_part_of_the_name_and_by_code(site: Site, path: str, field: str) -> None:
    made = crowd(site)
    wanted = made["pairing"] if field == "pairing_id" else made["mentee"]
    browser = site.as_(site.w.staff_st11)
    assert wanted not in options(browser.get(path).text, field)  # last by code: past the cap
    for q in ("晓燕", "9999", "c-99", "Ｃ－９９９９"):  # the last typed in the input method's full width
        page = browser.get(path, params={"q": q}).text
        assert options(page, field) == [wanted], q
        assert "找到 1 " in sentence(page)
    many = sentence(browser.get(path, params={"q": "孩子"}).text)
    assert f"找到 {CROWD - 1} " in many and "请多输入几个字" in many


@pytest.mark.parametrize(("path", "field"), FORMS)
def test_a_search_never_lists_a_child_of_another_station(site: Site, path: str, field: str) -> None:
    w = site.w
    crowd(site)
    other = w.pairing3 if field == "pairing_id" else w.mentee3  # 小芳 of station 2-1, 张老师's
    code = str(site.read(lambda db: db.execute("SELECT code FROM mentees WHERE id = ?", [w.mentee3]).fetchone()[0]))
    browser = site.as_(w.staff_st11)
    for q in ("小芳", "芳", code, "张老师", "", "%"):
        page = browser.get(path, params={"q": q}).text
        assert other not in page and "小芳" not in picker(page, field), q
    assert other not in browser.get(path, params={field: other}).text  # nor a deep link naming it
    # The county's admin sees codes, not names: a name finds nothing, a code finds the child.
    admin = site.as_(w.admin)
    assert other not in admin.get(path, params={"q": "小芳"}).text
    assert options(admin.get(path, params={"q": code}).text, field) == [other]


def test_a_small_scope_still_shows_the_plain_select(site: Site) -> None:
    w = site.w
    crowd(site)  # station 1-1 only: station 2-1 still has its one child
    for path, field in FORMS:
        small = site.as_(w.staff_st21).get(path, params={"q": "no such child"}).text
        assert 'name="q"' not in small and "查找" not in small, path
        assert options(small, field) == [w.pairing3 if field == "pairing_id" else w.mentee3], path
        big = site.as_(w.staff_st11).get(path).text
        assert 'name="q"' in big, path


@pytest.mark.parametrize(("path", "field"), FORMS)
def test_a_deep_link_preselects_a_choice_past_the_cap(site: Site, path: str, field: str) -> None:
    made = crowd(site)
    wanted = made["pairing"] if field == "pairing_id" else made["mentee"]
    page = site.as_(site.w.staff_st11).get(path, params={field: wanted}).text
    assert f'<option value="{wanted}" selected>' in page
    assert wanted in options(page, field) and len(options(page, field)) == CAP + 1  # the cap, and it


def test_the_search_button_keeps_everything_typed_and_saves_nothing(site: Site) -> None:
    w = site.w
    made = crowd(site)
    browser = site.as_(w.staff_st11)
    before = site.read(lambda db: db.execute("SELECT count(*) FROM pairings").fetchone()[0])
    page = search(browser, "/pairings/new", {"mentor_id": w.mentor1.user_id, "mentee_id": "", "approach": "guanai",
                                             "start_date": "2026-11-02", "goals": "每周谈心一次", "q": "晓燕"})
    assert page.status_code == 200 and 'value="晓燕"' in page.text
    assert options(page.text, "mentee_id") == [made["mentee"]]
    assert "每周谈心一次" in page.text and 'value="2026-11-02"' in page.text and 'value="guanai" selected' in page.text
    assert f'<option value="{w.mentor1.user_id}" selected>' in page.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM pairings").fetchone()[0]) == before
    visit = search(browser, "/activities/new", {"pairing_id": "", "kind": "home_visit", "date": "2026-11-20",
                                                "record": "聊了学习", "q": "9999"})
    assert visit.status_code == 200 and "聊了学习" in visit.text
    assert options(visit.text, "pairing_id") == [made["pairing"]]


@pytest.mark.parametrize("q", ["x" * 10_000, "a\x00b", "\ud800", "%", "_", "\\", "'", "%_%"])
@pytest.mark.parametrize(("path", "field"), FORMS)
def test_an_odd_search_gets_a_normal_page(site: Site, path: str, field: str, q: str) -> None:
    crowd(site)
    browser = site.as_(site.w.staff_st11)
    raw = quote(q.encode("utf-8", "surrogatepass"))  # a lone surrogate as a browser could send its bytes
    page = browser.get(f"{path}?q={raw}")
    assert page.status_code == 200, page.text[:300]
    if q in ("%", "_", "%_%"):  # taken literally: no code or name holds them
        assert options(page.text, field) == [] and "没有找到" in sentence(page.text)
    body = f"csrf_token={quote(browser.token(path))}&find=1&q={raw}"
    posted = browser.client.post(path, content=body, follow_redirects=False,
                                 headers={"content-type": "application/x-www-form-urlencoded"})
    assert posted.status_code == 303 and DRAFT_URL.search(posted.headers["location"]), posted.text[:300]
    shown = browser.get(posted.headers["location"])
    assert shown.status_code == 200, shown.text[:300]
    assert 'name="q"' in shown.text


@pytest.mark.parametrize(("path", "field"), FORMS)
def test_a_form_shown_again_with_no_choice_made_still_asks_for_one(site: Site, path: str, field: str) -> None:
    """Shown again after 查找 or a refusal with its picker left empty, the <select> had no （请选择）
    line: the browser showed the first child as chosen, and 保存 would have sent that child."""
    w = site.w
    crowd(site)
    for actor, posted in ((w.staff_st11, {field: "", "q": "孩子", "find": "1"}), (w.staff_st21, {field: ""})):
        browser = site.as_(actor)
        answer = browser.post(path, posted)
        page = (browser.get(answer.headers["location"]) if "find" in posted else answer).text
        select = picker(page, field)
        assert '<option value="">（请选择）</option>' in select and " selected" not in select, actor


def test_the_volunteer_picker_past_the_cap_searches_by_name_or_unit_and_keeps_the_one_chosen(site: Site) -> None:
    """The pairing forms pick a volunteer too: the county's thousands of volunteers were one list."""
    w = site.w

    db = connect(site.settings.db_path)  # make_user runs its own transaction, as the site fixture's county
    try:
        for n in range(CROWD):
            make_user(db, "mentor", w.st12, name=f"志愿者{n:04d}")
    finally:
        db.close()
    town = site.as_(w.staff_town1)  # stations 1-1 and 1-2: 李老师, 王老师 and the crowd
    page = town.get("/pairings/new").text
    assert len(options(page, "mentor_id")) == CAP and 'name="q_mentor"' in page
    assert f"共 {CROWD + 2} 位志愿者，太多了，下面只列出前 {CAP} 位" in sentence(page)
    found = town.get("/pairings/new", params={"q_mentor": "李老"}).text
    assert options(found, "mentor_id") == [w.mentor2.user_id]
    by_unit = sentence(town.get("/pairings/new", params={"q_mentor": "掘港小学"}).text)
    assert "找到 2 位志愿者" in by_unit  # 王老师 and 李老师 of 掘港小学辅导站
    assert w.mentor3.user_id not in town.get("/pairings/new", params={"q_mentor": "张老师"}).text  # town 2's
    edit = town.get(f"/pairings/{w.pairing2}/edit").text  # the volunteer now, past the cap by unit name
    assert f'<option value="{w.mentor2.user_id}" selected>' in edit and 'name="q_mentor"' in edit
    version = re.search(r'name="base_version" value="(\d+)"', edit)
    assert version
    again = search(town, f"/pairings/{w.pairing2}/edit", {"base_version": version.group(1),
                                                           "mentor_id": w.mentor2.user_id, "goals": "改过的目标",
                                                           "q_mentor": "王老"})
    assert again.status_code == 200 and "改过的目标" in again.text
    assert options(again.text, "mentor_id") == [w.mentor2.user_id, w.mentor1.user_id]  # kept, then found
    assert site.read(lambda db: db.execute("SELECT goals FROM pairings WHERE id = ?", [w.pairing2]).fetchone()[0]) \
        != "改过的目标"


@pytest.mark.parametrize(("path", "field"), FORMS)
def test_a_deep_link_to_a_choice_not_listed_leaves_the_picker_asking(site: Site, path: str, field: str) -> None:
    """A link naming a child of another station, or one gone or never made, chose nothing: the
    <select> had no （请选择） line, the browser showed the first child as chosen, and 保存 would
    have sent a child nobody picked."""
    w = site.w
    crowd(site)
    other = w.pairing3 if field == "pairing_id" else w.mentee3  # 小芳 of station 2-1
    for named in (other, "01234567-89ab-7def-8123-456789abcdef", "junk"):
        for actor in (w.staff_st11, w.staff_st21):  # past the cap, and a plain list of one
            select = picker(site.as_(actor).get(path, params={field: named}).text, field)
            if actor is w.staff_st21 and named == other:  # its own child: chosen
                assert f'<option value="{other}" selected>' in select
                continue
            assert '<option value="">（请选择）</option>' in select and " selected" not in select, (actor, named)
