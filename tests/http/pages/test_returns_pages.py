"""Statistics returns on the web: file, submit, review by the level above, the lock and the frozen
figures; and the role × page × foreign-record matrix of every report page."""
from __future__ import annotations

import csv
import datetime
import io
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest

from server.pages.report_params import quick_periods
from sync.system import SYSTEM
from sync.timeutil import local_today

from ...factories import make_activity, make_unit, mutate, pull_all, row
from ...stats_oracle import COLUMNS, add_stats_records, expected_form
from .conftest import Site, sentence
from .station import back_after_sign_in, record_id_on

YEAR = {"from": "2026-01-01", "to": "2026-12-31"}


@pytest.fixture
def county(site: Site) -> Any:
    w = site.write(lambda db: add_stats_records(db, site.w))

    def foreign(db: Any) -> None:  # another county the people of this one must never see
        w.other_county = make_unit(db, "如皋市", "county")
        w.other_town = make_unit(db, "城南街道", "town", w.other_county)
        w.other_station = make_unit(db, "城南辅导站", "station", w.other_town)
        w.other_return = mutate(db, SYSTEM, "stats_return", {"unit_id": w.other_station, "period_from": "2026-01-01",
                                                             "period_to": "2026-12-31", "remarks": "外县备注"})

    site.write(foreign)
    return w


def _return_id(location: str) -> str:
    match = re.search(r"/returns/([0-9a-f-]{36})$", location)
    assert match, location
    return match.group(1)


def _version(site: Site, rid: str) -> int:
    found = site.read(lambda db: row(db, "stats_return", rid))
    assert found is not None
    return int(found["version"])


def test_returns_a_unit_files_submits_and_the_level_above_approves_freezing_the_figures(
        site: Site, county: Any) -> None:
    staff = site.as_(county.staff_st12)
    created = staff.post("/returns", YEAR, form_page="/returns")
    assert created.status_code == 303
    rid = _return_id(created.headers["location"])
    page = staff.get(f"/returns/{rid}")
    assert "草稿" in page.text and "上报" in page.text
    saved = staff.post(f"/returns/{rid}", {"remarks": "含家长会线上人次", "filled_by": "站员一二",
                                           "phone": "0513-88886666",
                                           "version": _version(site, rid), "action": "submit"},
                       form_page=f"/returns/{rid}")
    assert saved.status_code == 303
    assert site.read(lambda db: row(db, "stats_return", rid))["status"] == "submitted"  # type: ignore[index]
    # the unit itself cannot approve its own return
    own = staff.post(f"/returns/{rid}/review", {"decision": "approve"}, form_page=f"/returns/{rid}")
    assert own.status_code == 403
    town = site.as_(county.staff_town1)
    assert "待我审核" in town.get("/returns").text
    approved = town.post(f"/returns/{rid}/review", {"decision": "approve", "comment": "同意"},
                         form_page=f"/returns/{rid}")
    assert approved.status_code == 303
    stored = site.read(lambda db: row(db, "stats_return", rid))
    assert stored is not None and stored["status"] == "approved"
    expected = site.read(lambda db: expected_form(db, county.st12, "2026-01-01", "2026-12-31"))
    assert stored["figures"]["rows"][0]["values"] == [expected["rows"][0][2][c] for c in COLUMNS]
    assert stored["figures"]["rows"][0]["remarks"] == "含家长会线上人次"
    # the approval reaches the station's phone (staff device) with its frozen figures
    changes, _, _ = site.read(lambda db: pull_all(db, county.staff_st12))
    assert changes[("stats_return", rid)]["fields"]["status"] == "approved"
    assert changes[("stats_return", rid)]["fields"]["figures"] == stored["figures"]


def _approved(site: Site, county: Any) -> str:
    rid = site.write(lambda db: mutate(db, county.staff_st11, "stats_return", {
        "unit_id": county.st11, "period_from": "2026-09-01", "period_to": "2026-12-31", "remarks": "秋季",
        "status": "submitted"}))
    response = site.as_(county.reviewer).post(f"/returns/{rid}/review", {"decision": "approve"},
                                              form_page=f"/returns/{rid}")
    assert response.status_code == 303
    return str(rid)


def _review_form(site: Site, county: Any) -> tuple[str, Any, dict[str, str], str]:
    """A submitted return and the reviewer's approval form as shown: the return's id, the reviewer's
    browser, the form's fields and its token (for sending the same form again)."""
    rid = site.write(lambda db: mutate(db, county.staff_st11, "stats_return", {
        "unit_id": county.st11, "period_from": "2026-09-01", "period_to": "2026-12-31", "status": "submitted"}))
    reviewer = site.as_(county.reviewer)
    shown = {"decision": "approve", "target_version": str(_version(site, rid)),
             "record_id": record_id_on(reviewer.get(f"/returns/{rid}").text)}
    return rid, reviewer, shown, reviewer.token(f"/returns/{rid}")


def test_returns_approve_clicked_twice_is_approved_once_and_says_so(site: Site, county: Any) -> None:
    # The second post of the same review form is refused by the engine (the first changed the return);
    # it must not tell the reviewer the return "was changed after you opened it" about their own approval.
    rid, reviewer, shown, token = _review_form(site, county)
    sent = [reviewer.post(f"/returns/{rid}/review", shown, token=token) for _ in range(2)]
    assert [r.status_code for r in sent] == [303, 303]
    assert "已审核通过" in reviewer.get(sent[1].headers["location"]).text
    reviews = site.read(lambda db: db.execute("SELECT count(*) FROM reviews WHERE target_id = ?", [rid]).fetchone())
    assert reviews == (1,)
    # An old page (another tab, never sent) approving after the return was reopened is still refused.
    old_page = {**shown, "record_id": record_id_on(reviewer.get(f"/returns/{rid}").text)}
    site.write(lambda db: mutate(db, county.reviewer, "review", {
        "target_entity": "stats_return", "target_id": rid, "decision": "return", "comment": "重新核对"}))
    stale = reviewer.post(f"/returns/{rid}/review", old_page, token=token)
    assert stale.status_code == 400
    assert site.read(lambda db: row(db, "stats_return", rid))["status"] == "returned"


def test_returns_a_review_posted_again_as_a_return_is_told_the_return_was_not_saved(site: Site, county: Any) -> None:
    """通过, back, 退回 with a reason: answered 409 (not "已审核通过" as the same post again), the return's
    page linked, the approval standing."""
    rid, reviewer, shown, token = _review_form(site, county)
    assert reviewer.post(f"/returns/{rid}/review", shown, token=token).status_code == 303
    response = reviewer.post(f"/returns/{rid}/review", {**shown, "decision": "return", "comment": "人次需核实"},
                             token=token)
    assert response.status_code == 409 and "人次需核实" in response.text and "没有保存" in response.text
    assert f'href="/returns/{rid}"' in response.text
    assert site.read(lambda db: row(db, "stats_return", rid))["status"] == "approved"


def test_returns_approved_return_refuses_edits_and_keeps_its_record(site: Site, county: Any) -> None:
    rid = _approved(site, county)
    before = site.read(lambda db: row(db, "stats_return", rid))
    staff = site.as_(county.staff_st11)
    page = staff.get(f"/returns/{rid}")
    assert "已锁定" in page.text and 'name="remarks"' not in page.text
    edit = staff.post(f"/returns/{rid}", {"remarks": "改", "version": _version(site, rid), "action": "save"},
                      form_page=f"/returns/{rid}")
    assert edit.status_code == 400 and "锁定" in edit.text
    assert site.read(lambda db: row(db, "stats_return", rid)) == before


def _remarks_changed_by_a_colleague(site: Site, county: Any) -> tuple[str, int]:
    """A return of remarks 秋季, shown at its version, then changed to 冬季 by a colleague: the id and
    the version the form showed."""
    rid = site.write(lambda db: mutate(db, county.staff_st11, "stats_return", {
        "unit_id": county.st11, "period_from": "2026-09-01", "period_to": "2026-12-31", "remarks": "秋季"}))
    shown = _version(site, rid)
    site.write(lambda db: mutate(db, county.staff_st11, "stats_return", {"remarks": "冬季"}, rid,
                                 base_version=shown))
    return rid, shown


def test_returns_a_conflicting_post_without_a_text_field_shows_the_page_with_the_stored_words(
        site: Site, county: Any) -> None:
    """A post that leaves the remarks out (a hand-made or cut-short form) and meets a colleague's
    change came back a 500, the page wanting the field its form shows; it shows the stored words."""
    rid, shown = _remarks_changed_by_a_colleague(site, county)
    staff = site.as_(county.staff_st11)
    answer = staff.post(f"/returns/{rid}", {"action": "save", "filled_by": "张三", "version": shown},
                        form_page=f"/returns/{rid}")
    assert answer.status_code < 500, answer.status_code
    if answer.status_code == 303:
        answer = staff.get(answer.headers["location"])
    assert 'name="remarks" rows="3">冬季</textarea>' in answer.text


def test_returns_a_save_meeting_a_colleagues_change_is_saved_in_part_and_says_so_not_refused(
        site: Site, county: Any) -> None:
    """Both changed the remarks since the form was shown: the engine keeps the colleague's words,
    saves the rest and stores the clash as a conflict for staff to decide. That is a save, not a
    refusal: the page had answered 409 with the form again, over a conflict already stored."""
    rid, shown = _remarks_changed_by_a_colleague(site, county)
    staff = site.as_(county.staff_st11)
    answer = staff.post(f"/returns/{rid}", {"action": "save", "filled_by": "张三", "remarks": "春季",
                                           "version": shown}, form_page=f"/returns/{rid}")
    assert answer.status_code == 303 and answer.headers["location"].endswith(f"/returns/{rid}")
    page = staff.get(answer.headers["location"])
    assert "已保存，但有冲突" in page.text and "冲突" in page.text
    stored = site.read(lambda db: row(db, "stats_return", rid))
    assert stored is not None and stored["remarks"] == "冬季" and stored["filled_by"] == "张三"
    conflicts = site.read(lambda db: db.execute(
        "SELECT count(*) FROM sync_conflicts WHERE record_id = ? AND status = 'open'", [rid]).fetchone()[0])
    assert conflicts == 1


def test_returns_page_flags_records_changed_after_approval_beside_the_frozen_figures(site: Site,
                                                                                     county: Any) -> None:
    rid = _approved(site, county)
    page = site.as_(county.reviewer).get(f"/returns/{rid}")
    assert "与现在的记录一致" in page.text and "记录有变动" not in page.text
    frozen = site.read(lambda db: row(db, "stats_return", rid))
    site.write(lambda db: make_activity(db, county.mentor2, county.pairing2, kind="talk", date="2026-10-01"))
    page = site.as_(county.reviewer).get(f"/returns/{rid}")
    assert "审核通过后，本时段的记录有变动" in page.text
    diff = re.search(r'<table class="data stack diff-table">(.*?)</table>', page.text, re.S)
    assert diff is not None
    cells = re.findall(r'data-label="[^"]+">([^<]*)<', diff.group(1))
    talks = frozen["figures"]["rows"][0]["values"][4]  # type: ignore[index]
    assert cells == ["掘港小学辅导站", "开展面对面谈心（场次）", str(talks), str(talks + 1),
                     "合计", "开展面对面谈心（场次）", str(talks), str(talks + 1)]
    # the frozen copy is what the return's exports carry
    book = openpyxl.load_workbook(io.BytesIO(site.as_(county.reviewer).get(f"/returns/{rid}.xlsx").content))
    assert book.active is not None and book.active.cell(row=5, column=6).value == talks
    lines = list(csv.reader(io.StringIO(site.as_(county.reviewer).get(f"/returns/{rid}.csv").text.lstrip("\ufeff"))))
    assert lines[1][5] == str(talks) and lines[1][9] == "秋季"


def test_returns_an_approved_returns_files_are_named_apart_from_the_live_form(site: Site, county: Any) -> None:
    """The frozen figures and the live form of one period must not download as one file name."""
    rid = _approved(site, county)
    reviewer = site.as_(county.reviewer)
    period = f"unit={county.st11}&from=2026-09-01&to=2026-12-31"

    def name(path: str) -> str:
        return unquote(reviewer.get(path).headers["content-disposition"].split("UTF-8''")[1])

    for ext in ("xlsx", "csv"):
        assert name(f"/returns/{rid}.{ext}") == f"统计表-掘港小学辅导站-2026-09-01至2026-12-31-已通过.{ext}"
        assert name(f"/reports/stats.{ext}?{period}") == f"统计表-掘港小学辅导站-2026-09-01至2026-12-31.{ext}"


def test_returns_returning_needs_a_reason_then_unlocks_the_return(site: Site, county: Any) -> None:
    rid = _approved(site, county)
    reviewer = site.as_(county.reviewer)
    silent = reviewer.post(f"/returns/{rid}/review", {"decision": "return"}, form_page=f"/returns/{rid}")
    assert silent.status_code == 400 and "原因" in silent.text
    sent = reviewer.post(f"/returns/{rid}/review", {"decision": "return", "comment": "人次需核实"},
                         form_page=f"/returns/{rid}")
    assert sent.status_code == 303
    stored = site.read(lambda db: row(db, "stats_return", rid))
    assert stored is not None and stored["status"] == "returned" and stored["figures"] is None
    page = site.as_(county.staff_st11).get(f"/returns/{rid}")
    assert "人次需核实" in page.text and 'name="remarks"' in page.text


def test_returns_a_returned_return_says_why_beside_its_state_at_the_top(site: Site, county: Any) -> None:
    # The reason stood only in 审核记录 at the foot, under the whole table and the form: on a phone
    # the clerk read 已退回 at the top and nothing of what to correct.
    rid = _approved(site, county)
    site.as_(county.reviewer).post(f"/returns/{rid}/review", {"decision": "return", "comment": "第5讲人次需核实"},
                                   form_page=f"/returns/{rid}")
    page = sentence(site.as_(county.staff_st11).get(f"/returns/{rid}").text)
    top = page[:page.index("填表单位")]
    assert "已退回" in top and "退回原因：第5讲人次需核实" in top


def test_returns_filing_twice_for_a_period_opens_the_existing_return(site: Site, county: Any) -> None:
    staff = site.as_(county.staff_st11)
    again = staff.post("/returns", YEAR, form_page="/returns")
    assert _return_id(again.headers["location"]) == county.return_year


def test_returns_only_a_units_own_staff_file_its_return(site: Site, county: Any) -> None:
    town = site.as_(county.staff_town1)
    response = town.post("/returns", {**YEAR, "unit": county.st11}, form_page="/returns")
    assert response.status_code == 403


# --- role x page x foreign record ------------------------------------------------------------

PAGES = [
    "/reports/stats?unit={unit}", "/reports/stats/records?unit={unit}&measure=talks", "/reports/stats.xlsx?unit={unit}",
    "/reports/stats.csv?unit={unit}", "/coverage?unit={unit}", "/returns/{ret}", "/returns/{ret}.xlsx",
    "/returns/{ret}.csv",
]
ACTORS = ["staff_st11", "staff_st12", "staff_town1", "staff_st21", "staff_town2", "reviewer", "admin"]
# target -> (unit, return) attribute names; who may see it
TARGETS = {
    "station 1-1": ("st11", "return_year", {"staff_st11", "staff_town1", "reviewer", "admin"}),
    "other county": ("other_station", "other_return", {"admin"}),
}


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("actor", ACTORS)
def test_report_pages_show_records_in_scope_and_404_everything_else(site: Site, county: Any, actor: str,
                                                                    target: str) -> None:
    unit_attr, return_attr, allowed = TARGETS[target]
    browser = site.as_(getattr(county, actor))
    for pattern in PAGES:
        path = pattern.format(unit=getattr(county, unit_attr), ret=getattr(county, return_attr))
        response = browser.get(path + ("&" if "?" in path else "?") + "from=2026-01-01&to=2026-12-31")
        if actor in allowed:
            assert response.status_code == 200, (actor, path)
        else:
            assert response.status_code == 404, (actor, path, response.status_code)
            assert "外县备注" not in response.text and "掘港小学辅导站" not in response.text
            assert not response.content.startswith(b"PK")


@pytest.mark.parametrize("actor", ["staff_st21", "staff_st12"])
def test_returns_of_another_unit_cannot_be_edited_or_reviewed_by_post(site: Site, county: Any, actor: str) -> None:
    browser = site.as_(getattr(county, actor))
    before = site.read(lambda db: row(db, "stats_return", county.return_year))
    token = browser.token("/returns")
    for path, data in ((f"/returns/{county.return_year}", {"remarks": "x", "action": "save", "version": 1}),
                       (f"/returns/{county.return_year}/review", {"decision": "approve"})):
        response = browser.post(path, data, token=token)
        assert response.status_code == 404, (actor, path)  # out of scope: as if it did not exist
    assert site.read(lambda db: row(db, "stats_return", county.return_year)) == before


def test_returns_a_filers_telephone_a_digit_short_is_refused_in_words_and_nothing_saved(
        site: Site, county: Any) -> None:
    """填表电话 goes up with the form for the level above to ring: 1396274510 went up unnoticed."""
    staff = site.as_(county.staff_st12)
    rid = _return_id(staff.post("/returns", YEAR, form_page="/returns").headers["location"])
    before = site.read(lambda db: row(db, "stats_return", rid))
    refused = staff.post(f"/returns/{rid}", {"remarks": "含家长会线上人次", "filled_by": "站员一二",
                                             "phone": "1396274510", "version": _version(site, rid), "action": "save"},
                         form_page=f"/returns/{rid}")
    assert refused.status_code == 400 and "填表电话请写手机号（11 位）" in sentence(refused.text)
    assert 'value="1396274510"' in refused.text  # kept in the box to mend
    assert site.read(lambda db: row(db, "stats_return", rid)) == before
    saved = staff.post(f"/returns/{rid}", {"remarks": "含家长会线上人次", "filled_by": "站员一二",
                                           "phone": "139 6274 5100", "version": _version(site, rid), "action": "save"},
                       form_page=f"/returns/{rid}")
    assert saved.status_code == 303
    assert site.read(lambda db: row(db, "stats_return", rid))["phone"] == "139 6274 5100"  # type: ignore[index]


def test_returns_an_invisible_control_character_never_breaks_the_excel_export(site: Site, county: Any) -> None:
    """A control character pasted into a form is dropped; one already stored (sent by a phone, or
    saved before forms dropped them) is left out of the Excel file, which would refuse it."""
    staff = site.as_(county.staff_st12)
    rid = _return_id(staff.post("/returns", YEAR, form_page="/returns").headers["location"])
    saved = staff.post(f"/returns/{rid}", {"remarks": "备注\x00\x01含\n两行", "filled_by": "张\x0b三",
                                           "phone": "0513-88886666", "version": _version(site, rid), "action": "save"},
                       form_page=f"/returns/{rid}")
    assert saved.status_code == 303
    stored = site.read(lambda db: row(db, "stats_return", rid))
    assert stored is not None and (stored["remarks"], stored["filled_by"]) == ("备注含\n两行", "张三")
    site.write(lambda db: mutate(db, county.staff_st12, "stats_return", {"remarks": "旧备注\x07"}, rid,
                                 base_version=_version(site, rid)))
    for path in (f"/returns/{rid}.xlsx", f"/reports/stats.xlsx?unit={county.st12}&from=2026-01-01&to=2026-12-31"):
        response = staff.get(path)
        assert response.status_code == 200, path
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert book.active is not None
    sheet = openpyxl.load_workbook(io.BytesIO(staff.get(f"/returns/{rid}.xlsx").content)).active
    assert sheet is not None and "旧备注" in [str(c.value) for r in sheet.iter_rows() for c in r]


def test_returns_a_period_field_sent_twice_counts_once_not_as_a_list(site: Site, county: Any) -> None:
    staff = site.as_(county.staff_st12)
    created = staff.post("/returns", {"from": ["2025-01-01", "2026-01-01"], "to": "2026-12-31"}, form_page="/returns")
    assert created.status_code == 303, created.text[:300]
    stored = site.read(lambda db: row(db, "stats_return", _return_id(created.headers["location"])))
    assert stored is not None and (stored["period_from"], stored["period_to"]) == ("2026-01-01", "2026-12-31")


def test_returns_a_stale_form_sends_only_the_line_the_person_changed(site: Site, county: Any) -> None:
    staff, colleague = site.as_(county.staff_st12), site.as_(county.admin)
    rid = _return_id(staff.post("/returns", YEAR, form_page="/returns").headers["location"])
    seen = _version(site, rid)
    # A colleague writes the remarks after this person opened the form (no remarks then) ...
    assert colleague.post(f"/returns/{rid}", {"remarks": "含家长会线上人次", "version": seen, "action": "save"},
                          form_page=f"/returns/{rid}").status_code == 303
    # ... and this person, from the form as it was, fills in only the phone number.
    saved = staff.post(f"/returns/{rid}", {"remarks": "", "filled_by": "", "phone": "0513-88886666", "version": seen,
                                           "action": "save"}, form_page=f"/returns/{rid}")
    assert saved.status_code == 303
    stored = site.read(lambda db: row(db, "stats_return", rid))
    assert stored is not None and (stored["remarks"], stored["phone"]) == ("含家长会线上人次", "0513-88886666")
    assert site.read(lambda db: db.execute("SELECT count(*) FROM sync_conflicts").fetchone()[0]) == 0


def test_returns_a_submitted_return_is_not_edited_behind_its_reviewers_back(site: Site, county: Any) -> None:
    staff = site.as_(county.staff_st12)
    rid = _return_id(staff.post("/returns", YEAR, form_page="/returns").headers["location"])
    submit = {"remarks": "上报时的备注", "version": _version(site, rid), "action": "submit"}
    assert staff.post(f"/returns/{rid}", submit, form_page=f"/returns/{rid}").status_code == 303
    late = staff.post(f"/returns/{rid}", {"remarks": "上报后又改的", "version": _version(site, rid), "action": "save"},
                      form_page=f"/returns/{rid}")
    assert late.status_code == 409 and "请先点“撤回修改”" in late.text
    stored = site.read(lambda db: row(db, "stats_return", rid))
    assert stored is not None and (stored["status"], stored["remarks"]) == ("submitted", "上报时的备注")


def test_returns_submit_clicked_twice_is_submitted_once_and_says_so(site: Site, county: Any) -> None:
    # The second post of the same 上报 form finds the return already submitted by that very click; it
    # must be answered as the first was, not with a 409 page saying the return is already submitted.
    staff = site.as_(county.staff_st12)
    rid = _return_id(staff.post("/returns", YEAR, form_page="/returns").headers["location"])
    submit = {"remarks": "上报时的备注", "filled_by": "站员一二", "version": _version(site, rid), "action": "submit"}
    token = staff.token(f"/returns/{rid}")
    sent = [staff.post(f"/returns/{rid}", submit, token=token) for _ in range(2)]
    assert [r.status_code for r in sent] == [303, 303]
    assert "已上报，等待上级审核" in staff.get(sent[1].headers["location"]).text
    assert _version(site, rid) == submit["version"] + 1
    # A 上报 from the same old page with other words is still refused: it is not the same click.
    other = staff.post(f"/returns/{rid}", {**submit, "remarks": "另一段备注"}, token=token)
    assert other.status_code == 409 and "请先点“撤回修改”" in other.text
    # Nor is the same click after someone else changed the return since (withdrawn and submitted again).
    town = site.as_(county.staff_town1)
    sent_back = {"decision": "return", "comment": "请核对", "target_version": str(_version(site, rid))}
    back = town.post(f"/returns/{rid}/review", sent_back, form_page=f"/returns/{rid}")
    assert back.status_code == 303
    again = {**submit, "version": _version(site, rid)}
    assert staff.post(f"/returns/{rid}", again, token=token).status_code == 303
    assert staff.post(f"/returns/{rid}", submit, token=token).status_code == 409


def test_returns_remarks_past_the_limit_are_refused_whole_and_kept_not_saved_cut_short(site: Site,
                                                                                      county: Any) -> None:
    staff = site.as_(county.staff_st12)
    rid = _return_id(staff.post("/returns", YEAR, form_page="/returns").headers["location"])
    remarks = "备注：" + "家长会线上人次按签到表计。" * 1700  # 22,103 characters
    response = staff.post(f"/returns/{rid}", {"remarks": remarks, "filled_by": "站员一二", "phone": "0513-88886666",
                                              "version": _version(site, rid), "action": "save"},
                          form_page=f"/returns/{rid}")
    assert response.status_code == 400 and "太长了" in response.text and remarks in response.text
    assert site.read(lambda db: row(db, "stats_return", rid))["remarks"] is None  # type: ignore[index]


def test_returns_a_review_posted_after_sign_out_elsewhere_is_back_in_its_form_after_signing_in(
        site: Site, county: Any) -> None:
    staff = site.as_(county.staff_st12)
    rid = _return_id(staff.post("/returns", YEAR, form_page="/returns").headers["location"])
    assert staff.post(f"/returns/{rid}", {"version": _version(site, rid), "action": "submit"},
                      form_page=f"/returns/{rid}").status_code == 303
    town = site.as_(county.staff_town1)
    shown = _version(site, rid)
    page = back_after_sign_in(site, town, county.staff_town1, f"/returns/{rid}/review", {
        "decision": "return", "comment": "面对面谈心的场次请再核对一遍", "target_version": str(shown),
        "record_id": record_id_on(town.get(f"/returns/{rid}").text)}, form_page=f"/returns/{rid}")
    assert ">面对面谈心的场次请再核对一遍</textarea>" in page and "已恢复登录前填写的内容" in page
    assert f'name="target_version" value="{shown}"' in page
    assert site.read(lambda db: row(db, "stats_return", rid))["status"] == "submitted"  # type: ignore[index]


def test_returns_a_new_return_posted_after_sign_out_elsewhere_comes_back_with_its_period(
        site: Site, county: Any) -> None:
    """新建报送 sent after the sign-in ran out was kept as a draft, but the list page it came back to
    never read it: the period picked was gone, the year's shown in its place, "已恢复" said over it."""
    staff = site.as_(county.staff_st12)
    page = back_after_sign_in(site, staff, county.staff_st12, "/returns", {"from": "2026-04-01", "to": "2026-06-30"})
    assert 'name="from" type="date" value="2026-04-01"' in page and 'value="2026-06-30"' in page, page
    assert site.read(lambda db: db.execute("SELECT count(*) FROM stats_returns WHERE period_from = '2026-04-01'")
                     .fetchone()) == (0,)


def test_returns_past_300_the_list_says_how_many_there_are_and_pages_to_the_rest(site: Site) -> None:
    w = site.w

    def file_many(db: Any) -> None:
        first = datetime.date(2025, 1, 1)
        for n in range(300):
            day = (first + datetime.timedelta(days=n)).isoformat()
            mutate(db, w.staff_st11, "stats_return", {"unit_id": w.st11, "period_from": day, "period_to": day})

    site.write(file_many)
    browser = site.as_(w.staff_st11)
    text = browser.get("/returns").text
    assert "共 301 份报送，这一页显示第 1–300 份（第 1 / 2 页" in text and 'href="?page=2"' in text
    last = browser.get("/returns?page=2").text
    assert "第 301–301 份（第 2 / 2 页" in last and "上一页" in last


def test_returns_the_county_reviewer_is_told_where_its_own_figures_go_up_not_that_it_never_filed(site: Site) -> None:
    w = site.w
    page = site.as_(w.reviewer).get("/returns")
    own = page.text[page.text.index("<h2>本单位的报送</h2>"):]
    # The reviewer files no return here (no form); the page points at the 统计表 export instead of
    # reading as a return the county still owes.
    assert "新建报送" not in page.text and "本单位还没有报送过统计表" not in own
    assert 'href="/reports/stats"' in own and "导出 Excel 表格" in own
    # A station that can file but has not yet is still told so.
    station = site.as_(w.staff_st12).get("/returns").text
    assert "新建报送" in station and "本单位还没有报送过统计表" in station and "导出 Excel 表格" not in station


def test_returns_a_new_return_is_one_tap_for_the_usual_periods_and_the_countys_period(
        site: Site, county: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # A day in no first month of a half (January and July add the half, and the year, just ended).
    today = local_today() if local_today().month not in (1, 7) else local_today().replace(day=15, month=3)
    for module in ("report_params", "returns"):
        monkeypatch.setattr(f"server.pages.{module}.local_today", lambda: today)
    site.as_(county.reviewer).post("/returns/deadlines", {"from": "2026-03-05", "to": "2026-04-04",
                                                           "units_due": "2026-04-10", "towns_due": "2026-04-15"})
    staff = site.as_(county.staff_st12)
    page = staff.get("/returns").text
    taps = re.findall(r'<input type="hidden" name="from" value="([\d-]+)"><input type="hidden" name="to"'
                      r' value="([\d-]+)"><button type="submit" class="button"><span>(.+?)</span></button>', page)
    labels = [label for *_, label in taps]
    half = "上" if today.month <= 6 else "下"
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    # each day and month whole on one line (at phone width a button read 2026年4 / 月4日), the label in
    # one span: a button's children are laid out side by side
    county_period = '<span class="nowrap">2026年3月5日</span>至<span class="nowrap">2026年4月4日</span>'
    assert labels == [f"{county_period}（有截止日期）",
                      f'上个月（<span class="nowrap">{last_month.year}年{last_month.month}月</span>）',
                      f'本月（<span class="nowrap">{today.year}年{today.month}月</span>）',
                      f"本半年（{today.year}年{half}半年）", quick_periods(today)[2][0], f"今年全年（{today.year}年）"]
    assert 'name="from" type="date"' in page  # the pickers stay for any other period
    start, end, _ = taps[3]
    assert (start, end) == ((f"{today.year}-01-01", f"{today.year}-06-30") if half == "上"
                            else (f"{today.year}-07-01", f"{today.year}-12-31"))
    made = staff.post("/returns", {"from": start, "to": end})
    stored = site.read(lambda db: row(db, "stats_return", _return_id(made.headers["location"])))
    assert stored is not None and (stored["period_from"], stored["period_to"]) == (start, end)
    # The county's period, tapped, is a return its deadline counts as filed once submitted.
    made = staff.post("/returns", {"from": taps[0][0], "to": taps[0][1]})
    assert made.status_code == 303
    assert county_period in staff.get("/returns").text


def test_returns_the_list_the_return_and_its_reviews_write_their_times_in_words(site: Site, county: Any) -> None:
    """最后修改, the freezing time and the review lines read 2026-12-04 23:32 where the other pages write
    2026年12月4日 23:32; so did the time a period's deadlines were set."""
    rid = _approved(site, county)

    def stamp(db: Any) -> None:
        db.execute("UPDATE stats_returns SET updated_at = '2026-12-04T15:32:00.000Z',"
                   " figures = json_set(figures, '$.computed_at', '2026-12-04T15:30:00.000Z') WHERE id = ?", [rid])
        db.execute("UPDATE reviews SET created_at = '2026-12-04T15:30:00.000Z' WHERE target_id = ?", [rid])

    site.write(stamp)
    reviewer = site.as_(county.reviewer)
    listing = reviewer.get("/returns").text
    assert '<td data-label="最后修改"><span class="nowrap">2026年12月4日 23:32</span></td>' in listing
    page = reviewer.get(f"/returns/{rid}").text
    assert '数字为审核通过时（<span class="nowrap">2026年12月4日 23:30</span>）冻结的结果' in page
    assert re.search(r'<li><strong>通过</strong> · [^<]+ · <span class="nowrap">2026年12月4日 23:30</span></li>',
                     page), page
    for shown in (listing, page):
        assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", shown)
    assert reviewer.post("/returns/deadlines", {"from": "2026-09-01", "to": "2026-12-31", "units_due": "2027-01-10",
                                                "towns_due": "2027-01-20"}).status_code == 303
    site.write(lambda db: db.execute("UPDATE return_deadlines SET set_at = '2026-12-05T01:07:00.000Z'"))
    deadlines = reviewer.get("/returns/deadlines").text
    assert re.search(r'<td data-label="设定">[^<，]+，<span class="nowrap">2026年12月5日 09:07</span></td>',
                     deadlines), deadlines


CHINESE_DAY = r"\d{4}年\d{1,2}月\d{1,2}日(?: \d\d:\d\d)?"


def test_returns_every_day_and_time_on_the_return_sits_whole_in_a_nowrap_span(site: Site, county: Any) -> None:
    """At 390 px the return read 统计时段：2026年11月1日至2026年11月 / 30日 and 冻结的结果（2026年12月5 / 日 03:00）:
    Chinese breaks between any two characters, so each day and time the page prints is kept on one line."""
    rid = _approved(site, county)
    page = site.as_(county.reviewer).get(f"/returns/{rid}").text
    body = page.split("</title>", 1)[1]
    days = re.findall(rf'(?:<span class="nowrap">)?{CHINESE_DAY}(?:</span>)?', body)
    assert len(days) >= 4, days  # the period's two days, the freezing time, the review's time, 填表时间
    loose = [d for d in days if not (d.startswith('<span class="nowrap">') and d.endswith("</span>"))]
    assert not loose, loose
    assert '统计时段：<span class="nowrap">2026年9月1日</span>至<span class="nowrap">2026年12月31日</span>' in body
    assert "<title>统计表报送 · " in page and "nowrap" not in page.split("</title>", 1)[0]


class _HeadingsOnPaper(HTMLParser):
    """The ``<h2>`` headings a printer shows: those with no ``no-print`` element around them."""

    VOID = {"br", "input", "img", "meta", "link", "hr", "col", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[bool] = []  # per open element: hidden on paper
        self.printed: list[str] = []
        self._h2: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        hidden = "no-print" in (dict(attrs).get("class") or "").split()
        self.open.append(hidden)
        if tag == "h2" and not any(self.open):
            self._h2 = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID or not self.open:
            return
        self.open.pop()
        if tag == "h2" and self._h2 is not None:
            self.printed.append("".join(self._h2).strip())
            self._h2 = None

    def handle_data(self, data: str) -> None:
        if self._h2 is not None:
            self._h2.append(data)


def _printed_headings(page: str) -> list[str]:
    parser = _HeadingsOnPaper()
    parser.feed(page.split("<main", 1)[1])
    return parser.printed


def test_returns_a_printed_return_has_no_review_heading_left_over_its_hidden_form(site: Site, county: Any) -> None:
    """Printed by the county, an approved return ended in a bare 退回更正 (a submitted one in 审核) with
    nothing under it: the form was left off the paper, its heading was not."""
    rid = _approved(site, county)
    approved = site.as_(county.reviewer).get(f"/returns/{rid}").text
    assert "退回更正" in approved
    assert "退回更正" not in _printed_headings(approved), _printed_headings(approved)
    assert "审核记录" in _printed_headings(approved), "the reviews themselves stay on the paper"
    submitted = site.write(lambda db: mutate(db, county.staff_st11, "stats_return", {
        "unit_id": county.st11, "period_from": "2026-03-01", "period_to": "2026-03-31", "status": "submitted"}))
    page = site.as_(county.reviewer).get(f"/returns/{submitted}").text
    assert "通过并锁定" in page and "审核" not in _printed_headings(page), _printed_headings(page)


def test_returns_carry_the_periods_activity_summary_to_the_level_above_and_in_the_excel_file(
        site: Site, county: Any) -> None:
    """Kaizhou 六: 活动总结和活动开展情况统计表…报送片区. The summary is written on the return, read by the
    town that reviews it, locked with it on approval and sent up in the same Excel file."""
    staff = site.as_(county.staff_st12)
    rid = _return_id(staff.post("/returns", YEAR, form_page="/returns").headers["location"])
    assert 'name="summary"' in staff.get(f"/returns/{rid}").text
    summary = "本学期开展第4讲宣讲三场。\n家长会两场，线上参会家长较多。"
    saved = staff.post(f"/returns/{rid}", {"summary": summary, "filled_by": "站员一二", "version": _version(site, rid),
                                           "action": "submit"}, form_page=f"/returns/{rid}")
    assert saved.status_code == 303
    assert site.read(lambda db: row(db, "stats_return", rid))["summary"] == summary  # type: ignore[index]
    town = site.as_(county.staff_town1)
    assert "本学期开展第4讲宣讲三场。" in town.get(f"/returns/{rid}").text
    assert town.post(f"/returns/{rid}/review", {"decision": "approve"}, form_page=f"/returns/{rid}").status_code == 303
    page = staff.get(f"/returns/{rid}").text
    assert "活动总结" in page and "家长会两场" in page and 'name="summary"' not in page  # locked
    book = openpyxl.load_workbook(io.BytesIO(town.get(f"/returns/{rid}.xlsx").content))
    assert book.sheetnames == ["统计表", "活动总结"]
    cells = [c for r in book["活动总结"].iter_rows(values_only=True) for c in r if c]
    assert cells[2:] == ["本学期开展第4讲宣讲三场。", "家长会两场，线上参会家长较多。"]
    # Too long is refused whole, the words kept in the box.
    other = site.as_(county.staff_st11)
    rid2 = _return_id(other.post("/returns", YEAR, form_page="/returns").headers["location"])
    long = other.post(f"/returns/{rid2}", {"summary": "长" * 20_001, "version": _version(site, rid2),
                                           "action": "save"}, form_page=f"/returns/{rid2}")
    assert long.status_code == 400 and "活动总结" in long.text and "长" * 100 in long.text
