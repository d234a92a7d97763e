"""Children waiting for a volunteer (the station's core job is pairing them): /mentees' 结对 filter
(``pairing=waiting|none|stopped``) and the station home's tile "N 个在帮孩子还没有结对志愿者".

A child in help (在帮, live) waits when no volunteer visits them: never paired or the last pairing
ended (未结对), or paired only with volunteers whose account was stopped while the pairing was left
running (志愿者已停用). The tile counts both, by the same conditions the list filters with, so the
figure and the list agree for every scope; each child listed has a link to pair them.
"""
from __future__ import annotations

import html
import re
from typing import Any

import pytest

from server.queries.mentees import MenteeFilter, count_waiting, list_mentees
from sync import Actor, load_scope
from sync.stopping import deactivate_user
from sync.users import create_user

from ...factories import end_pairing, make_mentee, make_pairing, mutate, remove
from .conftest import Site, sentence

# The children built by ``_children``, by kind; the ones that wait, and why.
NEVER, ENDED, STOPPED = "WT-never", "WT-ended", "WT-stopped"
KINDS = ("WT-never", "WT-ended", "WT-stopped", "WT-active", "WT-both", "WT-ahead", "WT-deleted", "WT-closed",
         "WT-st12", "WT-st21")


def _children(site: Site) -> dict[str, str]:
    """In station 1-1: a child never paired, one whose pairing ended, one paired with a volunteer
    stopped with the pairing left running, one paired with an active volunteer, one paired with both
    a stopped and an active volunteer, one whose (active) volunteer starts next year, a deleted child
    and a closed child (neither paired); and a never-paired child in 掘港中学 (same town) and in
    栟茶小学辅导站 (another town)."""
    w = site.w

    def build(db: Any) -> dict[str, str]:
        elsewhere = {"WT-st12": (w.staff_st12, w.st12), "WT-st21": (w.staff_st21, w.st21)}
        kids = {code: make_mentee(db, *elsewhere.get(code, (w.staff_st11, w.st11)), code=code) for code in KINDS}
        stopping = Actor(create_user(db, login="wt-zhao", name="赵老师", role="mentor", unit_id=w.st11,
                                     password_hash=None, must_change_password=False), "mentor", w.st11)
        end_pairing(db, w.staff_st11, make_pairing(db, w.staff_st11, w.mentor1, kids["WT-ended"]))
        make_pairing(db, w.staff_st11, stopping, kids["WT-stopped"])
        make_pairing(db, w.staff_st11, w.mentor1, kids["WT-active"])
        make_pairing(db, w.staff_st11, stopping, kids["WT-both"])
        make_pairing(db, w.staff_st11, w.mentor2, kids["WT-both"])
        make_pairing(db, w.staff_st11, w.mentor2, kids["WT-ahead"], start_date="2099-09-01")
        remove(db, w.staff_st11, "mentee", kids["WT-deleted"])
        mutate(db, w.staff_st11, "mentee", {"status": "closed"}, kids["WT-closed"], base_version=1)
        deactivate_user(db, w.staff_st11, stopping.user_id)  # the stop form's box left unticked
        return kids

    return site.write(build)


def _listed(page: str) -> set[str]:
    return set(re.findall(r'href="/mentees/([0-9a-f-]{36})"', page))


def test_the_station_lists_the_children_waiting_for_a_volunteer_by_why(site: Site) -> None:
    w = site.w
    kids = _children(site)
    staff = site.as_(w.staff_st11)
    # make_county's 小刚 (never paired) waits too; 小明 and 小红 have their volunteers.
    never = {kids[NEVER], w.mentee_unpaired}
    expected = {"waiting": never | {kids[ENDED], kids[STOPPED]}, "none": never | {kids[ENDED]},
                "stopped": {kids[STOPPED]}}
    for value, children in expected.items():
        page = staff.get("/mentees", params={"pairing": value}).text
        assert _listed(page) == children, value
        assert f"共 {len(children)} 人" in page and f'value="{value}" selected' in page
        for child in children:  # each has its plain link to the pairing form with the child chosen
            assert f'href="/pairings/new?mentee_id={child}"' in page
    every = staff.get("/mentees").text
    assert kids["WT-active"] in every and f"/pairings/new?mentee_id={kids['WT-active']}" not in every
    assert f"/pairings/new?mentee_id={kids['WT-both']}" not in every
    stopped_row = every[every.index(STOPPED):every.index("</tr>", every.index(STOPPED))]
    assert "赵老师（已停用）" in stopped_row  # why the child waits although the list names a volunteer


def test_the_pairing_link_opens_the_form_with_the_child_chosen(site: Site) -> None:
    kids = _children(site)
    form = site.as_(site.w.staff_st11).get(f"/pairings/new?mentee_id={kids[STOPPED]}").text
    assert re.search(rf'<option value="{kids[STOPPED]}" selected', form)


def test_the_home_tile_counts_both_kinds_and_links_the_list(site: Site) -> None:
    _children(site)
    home = site.as_(site.w.staff_st11).get("/staff")
    text = sentence(home.text)
    assert re.search(r"4\s*个在帮孩子还没有结对志愿者（其中 1 个的志愿者已停用）", text), text
    assert 'href="/mentees?pairing=waiting"' in home.text


@pytest.mark.parametrize("who", ["staff_st11", "staff_st12", "staff_town1", "staff_st21", "admin", "reviewer"])
def test_the_waiting_count_agrees_with_the_list_in_every_scope(site: Site, who: str) -> None:
    _children(site)
    actor = getattr(site.w, who)

    def read(db: Any) -> tuple[dict[str, int], dict[str, set[str]]]:
        scope = load_scope(db, actor)
        lists = {value: {r["id"] for r in list_mentees(db, scope, MenteeFilter(pairing=value))[0]}
                 for value in ("waiting", "stopped")}
        return count_waiting(db, scope), lists

    counts, lists = site.read(read)
    assert counts == {"all": len(lists["waiting"]), "stopped": len(lists["stopped"])}
    expected = {"staff_st11": 4, "staff_st12": 1, "staff_town1": 5, "staff_st21": 1, "admin": 6, "reviewer": 6}
    assert counts["all"] == expected[who]
    page = site.as_(actor).get("/mentees", params={"pairing": "waiting"}).text
    assert _listed(page) == lists["waiting"]


def test_the_county_reads_the_waiting_list_by_code_without_a_pairing_link(site: Site) -> None:
    kids = _children(site)
    page = site.as_(site.w.reviewer).get("/mentees", params={"pairing": "waiting"}).text
    assert kids[STOPPED] in page and STOPPED in page
    assert "小刚" not in page and "小明" not in page and "/pairings/new" not in page


@pytest.mark.parametrize("value", ["", "WAITING", "all", "0", "none ", "已停用"])
def test_an_odd_pairing_value_lists_every_child(site: Site, value: str) -> None:
    _children(site)
    staff = site.as_(site.w.staff_st11)
    odd = staff.get("/mentees", params={"pairing": value})
    assert odd.status_code == 200
    assert _listed(odd.text) == _listed(staff.get("/mentees").text)


BY_UNIT_ROW = re.compile(r'<tr><td>([^<]+)</td><td class="num"><a href="([^"]+)">(\d+) 人</a></td></tr>')


def test_the_county_sees_which_stations_have_children_waiting_each_count_opening_that_stations_list(
        site: Site) -> None:
    """Above the list, the waiting children counted per station or school, most first, so the county
    (and a town) need not page through the list to know where they are; each count opens the list
    of that unit, which shows as many. A station sees its own list without the table."""
    _children(site)
    w = site.w
    county = site.as_(w.reviewer)
    page = html.unescape(county.get("/mentees", params={"pairing": "waiting"}).text)
    rows = BY_UNIT_ROW.findall(page)
    names = dict(site.read(lambda db: db.execute("SELECT id, name FROM units").fetchall()))
    assert [(name, int(n)) for name, _, n in rows] == [(names[w.st11], 4), (names[w.st12], 1), (names[w.st21], 1)]
    assert "按学校/辅导站：3 个单位有这样的孩子" in page
    for _, href, n in rows:
        narrowed = county.get(href).text
        assert f"共 {n} 人" in narrowed and 'value="waiting" selected' in narrowed
    stopped = html.unescape(county.get("/mentees", params={"pairing": "stopped"}).text)
    assert BY_UNIT_ROW.findall(stopped) == []  # one unit only: the list's column says which
    assert BY_UNIT_ROW.findall(site.as_(w.staff_st11).get("/mentees", params={"pairing": "waiting"}).text) == []
    assert BY_UNIT_ROW.findall(county.get("/mentees").text) == []  # only the waiting filters count by unit
