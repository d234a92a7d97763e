"""A staff account is written by its unit's kind: the one ``staff`` role (the permission) works at a
town's office, a station or a school, and a town's clerk read as 辅导站/学校工作人员 on every page
that names a role. The role itself is unchanged."""
from __future__ import annotations

import re

from server.access import log_access

from .conftest import Site


def _row_of(page: str, name: str) -> str:
    """The accounts list's or access log's table row naming ``name``."""
    row = next((r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if name in r), None)
    assert row is not None, page
    return row


def test_the_accounts_list_names_a_staff_account_by_its_units_kind(site: Site) -> None:
    page = site.as_(site.w.admin).get("/admin/users").text
    assert "镇/街道工作人员" in _row_of(page, "街道干事")
    assert "辅导站工作人员" in _row_of(page, "站员一一")
    assert "学校工作人员" in _row_of(page, "站员一二") and "辅导站" not in _row_of(page, "站员一二")
    assert "辅导站/学校工作人员" not in page
    # The filter still picks the role itself, all three kinds of staff at once.
    staff = site.as_(site.w.admin).get("/admin/users?role=staff").text
    assert "街道干事" in staff and "站员一一" in staff and "王老师" not in staff


def test_the_access_log_names_a_town_clerk_as_town_staff(site: Site) -> None:
    clerk = site.w.staff_town1
    site.write(lambda db: log_access(db, clerk, "view_mentee", site.w.mentee1))
    page = site.as_(site.w.admin).get("/admin/access-log").text
    assert "镇/街道工作人员" in _row_of(page, "街道干事") and "辅导站/学校工作人员" not in page


def test_a_town_clerks_own_account_page_reads_town_staff(site: Site) -> None:
    assert "<dd>镇/街道工作人员</dd>" in site.as_(site.w.staff_town1).get("/account").text
    assert "<dd>学校工作人员</dd>" in site.as_(site.w.staff_st12).get("/account").text
    assert "<dd>县关工委审核</dd>" in site.as_(site.w.reviewer).get("/account").text
