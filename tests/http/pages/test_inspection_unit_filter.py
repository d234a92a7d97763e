"""督查's unit filter nests only what is there: the towns head their stations and schools as option
groups (a town is no choice, nothing inspects it), and a name is indented only under a station or
school listed above it, never under a town the list does not show."""
from __future__ import annotations

import html
import re

from ...factories import make_unit
from .conftest import Site


def _picker(page: str) -> list[tuple[str, list[str]]]:
    """The unit filter as (group heading, [option words]) in order; '' heads options in no group."""
    select = re.search(r'<select id="unit" name="unit">(.*?)</select>', page, re.S)
    assert select, "no unit filter"
    def words(body: str) -> list[str]:
        return [html.unescape(o) for o in re.findall(r"<option[^>]*>([^<]*)</option>", body)]

    groups = [(html.unescape(label), words(body))
              for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select.group(1), re.S)]
    loose = words(re.sub(r"<optgroup.*?</optgroup>", "", select.group(1), flags=re.S))
    return [("", loose), *groups]


def test_the_county_picks_stations_and_schools_under_their_towns_unindented(site: Site) -> None:
    page = site.as_(site.w.reviewer).get("/inspections")
    assert page.status_code == 200
    assert _picker(page.text) == [("", ["全部"]), ("掘港街道", ["掘港中学", "掘港小学辅导站"]),
                                  ("栟茶镇", ["栟茶中学", "栟茶小学辅导站"])]


def test_a_town_picks_its_own_units_under_its_name(site: Site) -> None:
    page = site.as_(site.w.staff_town1).get("/inspections")
    assert _picker(page.text) == [("", ["全部"]), ("掘港街道", ["掘港中学", "掘港小学辅导站"])]


def test_a_school_under_a_station_is_indented_under_that_station_only(site: Site) -> None:
    w = site.w
    site.write(lambda db: make_unit(db, "掘港小学分校", "school", w.st11))
    county = _picker(site.as_(w.reviewer).get("/inspections").text)
    assert county[1] == ("掘港街道", ["掘港中学", "掘港小学辅导站", "　掘港小学分校"])
    # the station's own list has no town above it: its station first, its school nested under it
    station = _picker(site.as_(w.staff_st11).get("/inspections").text)
    assert station == [("", ["全部", "掘港小学辅导站", "　掘港小学分校"])]
