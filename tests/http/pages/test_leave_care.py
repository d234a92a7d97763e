"""结束帮扶: a child leaving care (毕业离校, 转出本县) ends her running pairings and her file in one form,
all or nothing, the archive kept for inspection (server/pages/leaving.py). Without it the file's 状态
结束 was refused until each pairing had been ended on its own page."""
from __future__ import annotations

import re
from typing import Any

from sync.timeutil import local_today

from ...factories import make_activity, make_pairing, mutate, row
from .conftest import Browser, Site, sentence


def _form(browser: Browser, mentee_id: str) -> dict[str, Any]:
    """The form as the page shows it: the child's version and each running pairing at its version."""
    page = browser.get(f"/mentees/{mentee_id}/leave")
    assert page.status_code == 200, page.text
    return {"base_version": re.search(r'name="base_version" value="(\d+)"', page.text)[1],  # type: ignore[index]
            "pairing": re.findall(r'name="pairing" value="([^"]+)"', page.text)}


def test_a_station_ends_care_for_a_leaver_in_one_form_and_her_archive_stays_for_the_county(site: Site) -> None:
    w = site.w
    station = site.as_(w.staff_st11)
    shown = sentence(station.get(f"/mentees/{w.mentee1}").text)
    assert "结束帮扶" in shown  # offered on the file
    page = sentence(station.get(f"/mentees/{w.mentee1}/leave").text)
    assert "下面 1 个结对会同时结束，志愿者的手机下次同步时会移除这个孩子的档案" in page and "王老师" in page
    today = local_today().isoformat()
    done = station.post(f"/mentees/{w.mentee1}/leave",
                        {**_form(station, w.mentee1), "end_date": today, "outcome": "stable", "reason": "graduated"})
    assert done.status_code == 303, done.text
    said = sentence(station.get(done.headers["location"]).text)
    assert "已结束对" in said and "同时结束了 1 个结对" in said
    child, pairing = site.read(lambda db: (row(db, "mentee", w.mentee1), row(db, "pairing", w.pairing1)))
    assert child["status"] == "closed" and not child["deleted"]
    assert (pairing["status"], pairing["end_date"], pairing["outcome"]) == ("closed", today, "stable")
    code = child["code"]
    assert code not in sentence(station.get("/mentees").text)  # off the 在帮 list
    assert code in sentence(station.get("/mentees?status=closed").text)
    county = site.as_(w.reviewer)
    assert county.get(f"/pairings/{w.pairing1}").status_code == 200  # the archive, for inspection
    assert county.get(f"/mentees/{w.mentee1}/print").status_code == 200
    # Sent again (a double click): nothing more is written.
    version = child["version"]
    again = station.post(f"/mentees/{w.mentee1}/leave", {"base_version": "1", "end_date": today, "outcome": "stable",
                                                         "reason": "graduated"})
    assert again.status_code == 303
    assert site.read(lambda db: row(db, "mentee", w.mentee1))["version"] == version


def test_a_pairing_begun_since_the_page_was_shown_refuses_the_whole_write(site: Site) -> None:
    w = site.w
    station = site.as_(w.staff_st11)
    form = _form(station, w.mentee1)
    site.write(lambda db: make_pairing(db, w.staff_st11, w.mentor2, w.mentee1))
    answer = station.post(f"/mentees/{w.mentee1}/leave", {**form, "end_date": local_today().isoformat(),
                                                          "outcome": "improved", "reason": "graduated"})
    assert answer.status_code == 409, answer.text
    assert "与 李老师 的结对还在进行，页面上没有列出" in sentence(answer.text)
    assert site.read(lambda db: row(db, "pairing", w.pairing1))["status"] == "active"
    assert site.read(lambda db: row(db, "mentee", w.mentee1))["status"] == "active"


def test_an_end_before_a_visit_is_refused_in_words_and_nothing_is_written(site: Site) -> None:
    w = site.w
    station = site.as_(w.staff_st11)
    answer = station.post(f"/mentees/{w.mentee1}/leave", {**_form(station, w.mentee1), "end_date": "2026-10-01",
                                                          "outcome": "stable", "reason": "graduated"})
    assert answer.status_code == 400, answer.text
    assert "2026年11月20日" in sentence(answer.text)  # the visit the end would leave outside
    assert site.read(lambda db: row(db, "pairing", w.pairing1))["status"] == "active"
    assert site.read(lambda db: row(db, "mentee", w.mentee1))["status"] == "active"
    missing = station.post(f"/mentees/{w.mentee1}/leave", {**_form(station, w.mentee1), "end_date": "2026-12-01",
                                                           "reason": "graduated"})
    assert missing.status_code == 400 and "请选择结对结束时孩子的情况" in sentence(missing.text)


def test_only_the_childs_own_staff_end_care(site: Site) -> None:
    w = site.w
    assert site.as_(w.reviewer).get(f"/mentees/{w.mentee1}/leave").status_code == 403
    assert site.as_(w.staff_st21).get(f"/mentees/{w.mentee1}/leave").status_code == 404


def test_an_open_self_harm_flag_is_said_before_care_ends_and_stays_on_the_desk_after(site: Site) -> None:
    w = site.w
    site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, risk_flag=True, date="2026-11-25"))
    station = site.as_(w.staff_st11)
    page = sentence(station.get(f"/mentees/{w.mentee1}/leave").text)
    assert "这个孩子有 1 条自伤自残风险提示还没有记录处理情况。结束帮扶不等于处理了" in page
    done = station.post(f"/mentees/{w.mentee1}/leave", {**_form(station, w.mentee1),
                                                        "end_date": local_today().isoformat(), "outcome": "stable",
                                                        "reason": "graduated"})
    assert done.status_code == 303
    assert "1 条自伤自残风险提示尚未记录处理情况" in sentence(station.get(f"/mentees/{w.mentee1}").text)
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]
    assert code in sentence(site.as_(w.reviewer).get("/risk-flags").text)  # the county still sees it open


def _leave(site: Site, mentee_id: str, **fields: str) -> Any:
    station = site.as_(site.w.staff_st11)
    return station.post(f"/mentees/{mentee_id}/leave", {**_form(station, mentee_id), "end_date": "2026-12-01",
                                                        "outcome": "stable", **fields})


def _set_status(site: Site, mentee_id: str, status: str) -> None:
    """The edit form's 状态, as the write path takes it: no reason is asked."""
    def write(db: Any) -> None:
        current = row(db, "mentee", mentee_id)
        assert current is not None
        if status == "closed":  # the edit form refuses a closing while a pairing runs
            for p in db.query("SELECT id, version FROM pairings WHERE mentee_id = ? AND status = 'active'",
                              [mentee_id]):
                mutate(db, site.w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-12-01",
                                                          "outcome": "stable"}, p["id"], base_version=p["version"])
        mutate(db, site.w.staff_st11, "mentee", {"status": status}, mentee_id, base_version=current["version"])
    site.write(write)


def test_why_and_when_she_left_is_kept_in_the_closing_write_and_shown_on_her_file_archive_and_prints(
        site: Site) -> None:
    w = site.w
    assert _leave(site, w.mentee1, reason="moved_away").status_code == 303
    kept = site.read(lambda db: [dict(r) for r in db.query("SELECT * FROM care_leavings")])
    child = site.read(lambda db: row(db, "mentee", w.mentee1))
    assert [(k["mentee_id"], k["left_on"], k["reason"], k["mentee_version"]) for k in kept] == [
        (w.mentee1, "2026-12-01", "moved_away", child["version"])]
    audited = site.read(lambda db: db.execute(
        "SELECT user_id, record_id FROM sync_audit WHERE entity = 'care_leaving'").fetchall())
    assert [tuple(a) for a in audited] == [(w.staff_st11.user_id, str(kept[0]["id"]))]
    said = "已于2026年12月1日结束帮扶：转学到外县，记录人站员一一"
    county = site.as_(w.reviewer)
    for path in (f"/mentees/{w.mentee1}", f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print",
                 f"/mentees/{w.mentee1}/print"):
        assert said in sentence(county.get(path).text), path


def test_other_must_be_written_out_and_is_shown_in_her_words(site: Site) -> None:
    w = site.w
    missing = _leave(site, w.mentee1, reason="other")
    assert missing.status_code == 400 and "选了“其他”，请写明是什么原因" in sentence(missing.text)
    assert site.read(lambda db: row(db, "mentee", w.mentee1))["status"] == "active"
    assert _leave(site, w.mentee1, reason="other", reason_note="随父母去外省打工").status_code == 303
    shown = sentence(site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}").text)
    assert "已于2026年12月1日结束帮扶：其他（随父母去外省打工）" in shown


def test_no_reason_or_no_day_or_a_day_to_come_is_refused_in_words_and_nothing_is_written(site: Site) -> None:
    w = site.w
    for fields, words in (({}, "请选择结束帮扶的原因"), ({"reason": "bogus"}, "请选择结束帮扶的原因"),
                          ({"reason": "graduated", "end_date": ""}, "请填写结束帮扶的日期"),
                          ({"reason": "graduated", "end_date": "2026-13-01"}, "请按“年-月-日”填写日期"),
                          ({"reason": "graduated", "end_date": "2999-01-01"}, "不能晚于今天"),
                          ({"reason": "other", "reason_note": "字" * 101}, "100 个字以内")):
        answer = _leave(site, w.mentee1, **fields)
        assert answer.status_code == 400 and words in sentence(answer.text), fields
    assert site.read(lambda db: row(db, "mentee", w.mentee1))["status"] == "active"
    assert site.read(lambda db: row(db, "pairing", w.pairing1))["status"] == "active"
    assert site.read(lambda db: db.execute("SELECT count(*) FROM care_leavings").fetchone()[0]) == 0


def test_a_refused_closing_keeps_no_reason(site: Site) -> None:
    w = site.w
    answer = _leave(site, w.mentee1, reason="graduated", end_date="2026-10-01")  # before her visit
    assert answer.status_code == 400
    assert site.read(lambda db: db.execute("SELECT count(*) FROM care_leavings").fetchone()[0]) == 0


def test_a_child_without_a_running_pairing_leaves_with_a_reason_too(site: Site) -> None:
    w = site.w
    page = sentence(site.as_(w.staff_st11).get(f"/mentees/{w.mentee_unpaired}/leave").text)
    assert "结束帮扶的原因" in page and "毕业离校" in page
    assert _leave(site, w.mentee_unpaired, reason="improved").status_code == 303
    shown = sentence(site.as_(w.staff_st11).get(f"/mentees/{w.mentee_unpaired}").text)
    assert "结束帮扶：情况好转，不再需要帮扶" in shown


def test_a_file_closed_by_the_edit_form_says_no_reason_was_kept_never_a_guess(site: Site) -> None:
    w = site.w
    _set_status(site, w.mentee_unpaired, "closed")
    for path in (f"/mentees/{w.mentee_unpaired}", f"/mentees/{w.mentee_unpaired}/print"):
        shown = sentence(site.as_(w.reviewer).get(path).text)
        assert "已结束帮扶，未记原因" in shown and "已于" not in shown, path


def test_a_reopened_file_keeps_the_leaving_as_history_but_no_longer_says_she_left(site: Site) -> None:
    w = site.w
    assert _leave(site, w.mentee_unpaired, reason="graduated").status_code == 303
    _set_status(site, w.mentee_unpaired, "active")
    shown = sentence(site.as_(w.staff_st11).get(f"/mentees/{w.mentee_unpaired}").text)
    assert "结束帮扶：毕业离校" not in shown and "未记原因" not in shown
    assert site.read(lambda db: db.execute("SELECT count(*) FROM care_leavings").fetchone()[0]) == 1
    # Closed again by the edit form: the old reason is not taken for the new closing.
    _set_status(site, w.mentee_unpaired, "closed")
    shown = sentence(site.as_(w.staff_st11).get(f"/mentees/{w.mentee_unpaired}").text)
    assert "已结束帮扶，未记原因" in shown and "毕业离校" not in shown


def test_an_edit_of_a_closed_file_that_leaves_its_status_keeps_the_reason(site: Site) -> None:
    w = site.w
    assert _leave(site, w.mentee_unpaired, reason="graduated").status_code == 303
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"notes": "已考入外县高中"}, w.mentee_unpaired,
                                 base_version=row(db, "mentee", w.mentee_unpaired)["version"]))
    shown = sentence(site.as_(w.staff_st11).get(f"/mentees/{w.mentee_unpaired}").text)
    assert "结束帮扶：毕业离校" in shown


def test_the_countys_children_list_finds_closed_files_by_why_they_left(site: Site) -> None:
    w = site.w
    assert _leave(site, w.mentee1, reason="graduated").status_code == 303
    assert _leave(site, w.mentee2, reason="moved_away").status_code == 303
    _set_status(site, w.mentee_unpaired, "closed")
    codes = site.read(lambda db: {m: row(db, "mentee", m)["code"] for m in (w.mentee1, w.mentee2, w.mentee_unpaired)})
    county = site.as_(w.reviewer)
    page = county.get("/mentees?status=closed").text
    assert "已结束：毕业离校" in page and "已结束：未记原因" in page  # the 状态 choices, under 已结束帮扶
    for status, found in (("closed", {w.mentee1, w.mentee2, w.mentee_unpaired}), ("left-graduated", {w.mentee1}),
                          ("left-moved_away", {w.mentee2}), ("left-improved", set()),
                          ("left-unrecorded", {w.mentee_unpaired})):
        listed = sentence(county.get(f"/mentees?status={status}").text)
        assert {m for m, code in codes.items() if code in listed} == found, status
        assert f"共 {len(found)} 人" in listed, status


def test_a_closed_file_reads_already_ended_care_not_a_bare_ended(site: Site) -> None:
    w = site.w
    assert _leave(site, w.mentee1, reason="graduated").status_code == 303
    listed = site.as_(w.reviewer).get("/mentees?status=closed").text
    assert '<span class="badge">已结束帮扶</span>' in listed
    assert ">结束<" not in listed
    # Her volunteer column says none, not 未结对, which reads as a child still waiting for a volunteer.
    assert '<td data-label="结对志愿者" class="words">无' in listed
    assert '<td data-label="结对志愿者" class="words">未结对' not in listed
    file = site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}").text
    assert '<span class="badge">已结束帮扶</span>' in file
    # No 新增摸排 form on a file whose care ended; it says how to take her back instead.
    assert "保存摸排" not in file and "不再新增摸排" in sentence(file)
    assert "已结束" in sentence(site.as_(w.reviewer).get(f"/pairings/{w.pairing1}").text)  # the pairing's own
