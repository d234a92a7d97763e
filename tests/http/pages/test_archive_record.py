"""What a paper copy of an archive can be checked against: its check code covers every word it
prints, and nothing recorded about the child leaves the archive by being deleted."""
from __future__ import annotations

import html
import re

import sqlite_utils

from sync.users import save_user

from ...factories import mutate, row
from .conftest import Site

CODE = re.compile(r"档案数据截至 (20\d\d-\d\d-\d\d \d\d:\d\d)（北京时间，最后一次改动），"
                  r"核对码 <span class=\"code\">(\w{8})<")


def code_on(site: Site, path: str) -> str:
    found = CODE.findall(site.as_(site.w.reviewer).get(path).text)
    assert found, path
    return str(found[0][1])


def test_the_check_code_changes_when_the_printed_volunteer_or_unit_is_renamed(site: Site) -> None:
    w = site.w
    path = f"/pairings/{w.pairing1}/print"
    first = code_on(site, path)
    assert code_on(site, f"/pairings/{w.pairing1}") == first
    site.write(lambda db: save_user(db, w.admin, {"name": "王建国"}, user_id=w.mentor1.user_id))
    text = html.unescape(site.as_(w.reviewer).get(path).text)
    assert "王建国" in text
    renamed = code_on(site, path)
    assert renamed != first, "the printed volunteer's name changed, so must the code"
    assert code_on(site, f"/pairings/{w.pairing1}") == renamed, "screen and paper still agree"

    def rename_unit(db: sqlite_utils.Database) -> None:
        mutate(db, w.admin, "unit", {"name": "掘港街道城东小学辅导站"}, w.st11,
               base_version=row(db, "unit", w.st11)["version"])

    site.write(rename_unit)
    assert "掘港街道城东小学辅导站" in html.unescape(site.as_(w.reviewer).get(path).text)
    assert code_on(site, path) != renamed, "the printed unit's name changed, so must the code"
