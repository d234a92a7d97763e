"""A town's 汇总 (Kaizhou 六: 各校统计表…镇收集汇总) beside what its schools filed: each row says the
school's return status, and a row of an approved return whose figures now differ (a phone's late
visit synced after the approval) says so with both numbers — on the town's form, its return, the
county's view of it, its Excel file and its print. The town's own approval freezes what it showed."""
from __future__ import annotations

import csv
import io
import re
from typing import Any

import openpyxl

from server.devices import issue_code
from sync import Actor, new_id

from ...factories import mutate, row
from .conftest import Site

PERIOD = {"from": "2026-09-01", "to": "2026-12-31"}
UNLIKE = "与该单位审核通过的数字不同"  # a station's row as much as a school's: never 该校


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _row_of(html: str, name: str) -> str:
    """The words of the form table's row of ``name``."""
    table = re.search(r'<table class="data stack stats-form">(.*?)</table>', html, re.S)
    assert table is not None
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S):
        if name in tr:
            return words(tr)
    raise AssertionError(name)


def _phone_pushes_talk(site: Site, volunteer: Actor, pairing: str, day: str) -> None:
    """A talk made offline in the period, pushed by the volunteer's phone over HTTP."""
    code = site.write(lambda db: issue_code(db, site.login_of(volunteer), hours=1))["code"]
    client = site.browser().client
    token = client.post("/api/enrol", json={"code": code, "device_name": "李老师的手机"}).json()["token"]
    pushed = client.post("/api/sync/push", headers={"Authorization": "Bearer " + token}, json={"mutations": [
        {"entity": "activity", "record_id": new_id(), "op": "upsert", "base_version": None, "mutation_id": 1,
         "fields": {"pairing_id": pairing, "kind": "talk", "date": day, "record": "没信号时的谈心"}}]})
    assert pushed.status_code == 200 and pushed.json()["results"][0]["status"] == "applied", pushed.text


def _station_return_approved(site: Site, w: Any) -> str:
    rid = site.write(lambda db: mutate(db, w.staff_st11, "stats_return", {
        "unit_id": w.st11, "period_from": PERIOD["from"], "period_to": PERIOD["to"], "status": "submitted"}))
    town = site.as_(w.staff_town1)
    assert town.post(f"/returns/{rid}/review", {"decision": "approve"}, form_page=f"/returns/{rid}").status_code == 303
    return str(rid)


def test_town_form_marks_a_school_row_that_differs_from_its_approved_return_with_both_figures(site: Site) -> None:
    w = site.w
    rid = _station_return_approved(site, w)
    town = site.as_(w.staff_town1)
    form = f"/reports/stats?unit={w.town1}&from={PERIOD['from']}&to={PERIOD['to']}"
    before = town.get(form).text
    station = _row_of(before, "掘港小学辅导站")
    assert "已通过" in station and UNLIKE not in before
    assert "未报" in _row_of(before, "掘港中学")  # the school filed nothing for the period
    approved = site.read(lambda db: row(db, "stats_return", rid))["figures"]["rows"][0]["values"][4]

    _phone_pushes_talk(site, w.mentor2, w.pairing2, "2026-10-01")

    after = town.get(form).text
    station = _row_of(after, "掘港小学辅导站")
    assert "已通过" in station and UNLIKE in station
    assert f"{approved + 1}" in station and f"审核通过：{approved}" in station  # both figures, live first
    assert f'href="/returns/{rid}"' in after  # to the school's return, which lists what changed
    assert UNLIKE not in _row_of(after, "掘港中学")
    notice = re.search(r'<div class="warning" role="status">(.*?)</div>', after, re.S)
    assert notice is not None
    assert f"开展面对面谈心（场次） 现在 {approved + 1}，审核通过 {approved}" in words(notice.group(1))


def test_town_return_freezes_the_marks_it_showed_for_the_county_its_excel_and_print(site: Site) -> None:
    w = site.w
    _station_return_approved(site, w)
    _phone_pushes_talk(site, w.mentor2, w.pairing2, "2026-10-01")
    town = site.as_(w.staff_town1)
    created = town.post("/returns", {**PERIOD, "unit": w.town1}, form_page="/returns")
    town_rid = created.headers["location"].rsplit("/", 1)[1]
    page = town.get(f"/returns/{town_rid}").text
    assert UNLIKE in _row_of(page, "掘港小学辅导站")
    version = site.read(lambda db: row(db, "stats_return", town_rid))["version"]
    assert town.post(f"/returns/{town_rid}", {"version": version, "action": "submit"},
                     form_page=f"/returns/{town_rid}").status_code == 303
    county = site.as_(w.reviewer)
    assert UNLIKE in _row_of(county.get(f"/returns/{town_rid}").text, "掘港小学辅导站")
    assert county.post(f"/returns/{town_rid}/review", {"decision": "approve"},
                       form_page=f"/returns/{town_rid}").status_code == 303

    frozen = site.read(lambda db: row(db, "stats_return", town_rid))["figures"]
    by_name = {r["name"]: r for r in frozen["rows"]}
    assert by_name["掘港小学辅导站"]["filed"]["status"] == "approved"
    assert by_name["掘港中学"]["filed"]["status"] == "none"
    shown = county.get(f"/returns/{town_rid}").text  # the page the county prints
    station = _row_of(shown, "掘港小学辅导站")
    assert "已通过" in station and UNLIKE in station and "未报" in _row_of(shown, "掘港中学")
    assert "该校" not in shown  # 掘港小学辅导站 is a station

    book = openpyxl.load_workbook(io.BytesIO(county.get(f"/returns/{town_rid}.xlsx").content))
    ws = book.active
    assert ws is not None
    lines = {ws.cell(row=r, column=1).value: r for r in range(5, ws.max_row + 1)}
    station_line = lines["掘港小学辅导站"]
    assert UNLIKE in str(ws.cell(row=station_line, column=10).value)
    assert ws.cell(row=4, column=11).value == "该单位报送"
    assert ws.cell(row=station_line, column=11).value == "已通过"
    assert ws.cell(row=lines["掘港中学"], column=11).value == "未报"
    lines_csv = list(csv.reader(io.StringIO(county.get(f"/returns/{town_rid}.csv").text.lstrip("\ufeff"))))
    assert UNLIKE in {r[0]: r for r in lines_csv}["掘港小学辅导站"][9]
