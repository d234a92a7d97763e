"""A child's code typed as an old hand or a Chinese input method types it (BX 2026 0037, BX20260037,
BX——2026——0037, BX·2026·0037) finds the child on every page that searches children: the
/mentees list, the /pairings archive, and the 查找 of the child and pairing pickers; inside the
searcher's scope only, and a name search as before (``server.queries.filters.code_key``)."""
from __future__ import annotations

import re

import pytest
import sqlite_utils

from server.queries.pickers import CAP

from ...factories import make_mentee, make_pairing
from .conftest import Site
from .test_pickers import options

CODE, FOREIGN_CODE = "BX-2026-0037", "BX-2026-0041"


def spellings(code: str) -> dict[str, str]:
    """``code`` (BX-2026-0037) as people type it, by how."""
    letters, year, number = code.split("-")
    full_width = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
    return {
        "em dash": f"{letters}—{year}—{number}",
        "en dash": f"{letters}–{year}–{number}",
        "ime dash": f"{letters}——{year}——{number}",  # the Chinese input method's dash key: two em dashes
        "spaces": f"{letters} {year} {number}",
        "ideographic space": f"{letters}\u3000{year}\u3000{number}",
        "no separators": f"{letters}{year}{number}",
        "middle dot": f"{letters}·{year}·{number}",
        "full width, ime dash": f"{letters}——{year}——{number}".translate(full_width),
        "lower case, no separators": f"{letters.lower()}{year}{number}",
        "year and number": f"{year} {number}",
        "bare digits": f"{year}{number}",
        "full width bare digits": f"{year}{number}".translate(full_width),
    }


SPELLINGS = list(spellings(CODE))


def world(site: Site) -> dict[str, str]:
    """Station 1-1 gets CODE (冯小军, paired with 李老师) and ``CAP`` more children of last year
    (BX-2025-…), past the pickers' cap so they search; station 2-1 gets FOREIGN_CODE (paired with
    张老师)."""
    w = site.w
    made: dict[str, str] = {}

    def write(db: sqlite_utils.Database) -> None:
        made["mentee"] = make_mentee(db, w.staff_st11, w.st11, code=CODE, name="冯小军")
        made["pairing"] = make_pairing(db, w.staff_st11, w.mentor2, made["mentee"])
        for n in range(CAP):
            make_pairing(db, w.staff_st11, w.mentor2,
                         make_mentee(db, w.staff_st11, w.st11, code=f"BX-2025-{n:04d}", name=f"孩子{n:04d}"))
        made["foreign"] = make_mentee(db, w.staff_st21, w.st21, code=FOREIGN_CODE, name="冯小兰")
        made["foreign_pairing"] = make_pairing(db, w.staff_st21, w.mentor3, made["foreign"])

    site.write(write)
    return made


def listed(page: str, kind: str) -> set[str]:
    return set(re.findall(rf'href="/{kind}/([0-9a-f-]{{36}})"', page))


@pytest.mark.parametrize("how", SPELLINGS)
def test_a_code_typed_any_way_finds_the_child_on_the_mentee_list(site: Site, how: str) -> None:
    made = world(site)
    for who in ("staff_st11", "staff_town1", "reviewer", "admin"):  # the county's roles search codes only
        page = site.as_(getattr(site.w, who)).get("/mentees", params={"q": spellings(CODE)[how]}).text
        assert listed(page, "mentees") == {made["mentee"]}, (who, how)


@pytest.mark.parametrize("how", SPELLINGS)
def test_a_code_typed_any_way_finds_the_childs_pairing_in_the_archive(site: Site, how: str) -> None:
    made = world(site)
    for who in ("staff_st11", "staff_town1", "reviewer", "admin"):
        page = site.as_(getattr(site.w, who)).get("/pairings", params={"q": spellings(CODE)[how]}).text
        assert listed(page, "pairings") == {made["pairing"]}, (who, how)


@pytest.mark.parametrize(("path", "field"), [("/pairings/new", "mentee_id"), ("/referrals/new", "mentee_id"),
                                             ("/activities/new", "pairing_id")])
def test_a_code_typed_any_way_is_found_by_the_pickers_search(site: Site, path: str, field: str) -> None:
    made = world(site)
    wanted = made["pairing"] if field == "pairing_id" else made["mentee"]
    browser = site.as_(site.w.staff_st11)
    assert wanted not in options(browser.get(path).text, field)  # past the cap: only a search lists it
    for how, typed in spellings(CODE).items():
        assert options(browser.get(path, params={"q": typed}).text, field) == [wanted], how


def test_the_ime_dash_used_to_find_nothing_and_now_finds_the_child(site: Site) -> None:
    made = world(site)
    page = site.as_(site.w.staff_st11).get("/mentees", params={"q": "BX——2026——0037"}).text
    assert made["mentee"] in page


def test_a_station_never_finds_another_stations_child_by_any_spelling(site: Site) -> None:
    w = site.w
    made = world(site)
    theirs = site.as_(w.staff_st21)
    ours = site.as_(w.staff_st11)
    for how, typed in spellings(FOREIGN_CODE).items():
        # Their own station finds it by each spelling: so ours finding nothing is the scope, not the spelling.
        assert made["foreign"] in theirs.get("/mentees", params={"q": typed}).text, how
        for path in ("/mentees", "/pairings", "/pairings/new", "/referrals/new", "/activities/new"):
            page = ours.get(path, params={"q": typed}).text
            assert made["foreign"] not in page and made["foreign_pairing"] not in page, (how, path)
            assert FOREIGN_CODE not in page and "冯小兰" not in page, (how, path)


@pytest.mark.parametrize("path", ["/mentees", "/pairings"])
def test_a_plain_name_search_finds_what_it_found_before(site: Site, path: str) -> None:
    made = world(site)
    kind = path.strip("/")
    staff = site.as_(site.w.staff_st11)
    assert listed(staff.get(path, params={"q": "冯小军"}).text, kind) == {made["pairing" if kind == "pairings"
                                                                            else "mentee"]}
    assert len(listed(staff.get(path, params={"q": "孩子000"}).text, kind)) == 10  # 孩子0000 … 孩子0009
    assert not listed(staff.get(path, params={"q": "冯小兰"}).text, kind)  # station 2-1's


@pytest.mark.parametrize("path", ["/mentees", "/pairings"])
@pytest.mark.parametrize("typed", ["冯 小军", "冯\u3000小军", " 冯  小 军 "])
def test_a_name_typed_with_spaces_between_its_characters_finds_the_child(site: Site, path: str, typed: str) -> None:
    """冯 小军, as a clerk copies a name off a paper form with a space after the family name (or the input
    method's full-width space), found nothing; it is 冯小军, and no more children than the name alone finds."""
    made = world(site)
    kind = path.strip("/")
    staff = site.as_(site.w.staff_st11)
    assert listed(staff.get(path, params={"q": typed}).text, kind) == {made["pairing" if kind == "pairings"
                                                                         else "mentee"]}
    assert not listed(staff.get(path, params={"q": "冯 小兰"}).text, kind)  # station 2-1's, however typed


def test_a_name_typed_with_a_space_is_found_by_the_pickers_search(site: Site) -> None:
    made = world(site)
    page = site.as_(site.w.staff_st11).get("/pairings/new", params={"q": "冯 小军"}).text
    assert options(page, "mentee_id") == [made["mentee"]]


@pytest.mark.parametrize(("q", "before"), [("——", 0), ("·", 0), ("BX—", 0), ("BX 2027", 0), ("2026 9999", 0),
                                           ("60", 1), ("20250", 0), ("20269999", 0)])
def test_a_search_that_is_no_code_of_ours_does_not_match_everything(site: Site, q: str, before: int) -> None:
    """Separators alone, a code no child has, or a short number whose digits most codes hold only across a
    separator (BX-2026-0001 joined is BX20260001, holding 60): as many as before (60: BX-2025-0060, 孩子0060).
    Five digits are still short: 20250 would be every BX-2025-0… child."""
    world(site)
    staff = site.as_(site.w.staff_st11)
    for path, kind in (("/mentees", "mentees"), ("/pairings", "pairings")):
        assert len(listed(staff.get(path, params={"q": q}).text, kind)) == before, (q, path)
