"""结束帮扶: a child leaving care (毕业离校, 转出本县) ends her running pairings and her file in one form,
all or nothing, the archive kept for inspection (server/pages/leaving.py). Without it the file's 状态
结束 was refused until each pairing had been ended on its own page."""
from __future__ import annotations

import re
from typing import Any

from sync.timeutil import local_today

from ...factories import make_activity, make_pairing, row
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
                        {**_form(station, w.mentee1), "end_date": today, "outcome": "stable"})
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
    again = station.post(f"/mentees/{w.mentee1}/leave", {"base_version": "1", "end_date": today, "outcome": "stable"})
    assert again.status_code == 303
    assert site.read(lambda db: row(db, "mentee", w.mentee1))["version"] == version


def test_a_pairing_begun_since_the_page_was_shown_refuses_the_whole_write(site: Site) -> None:
    w = site.w
    station = site.as_(w.staff_st11)
    form = _form(station, w.mentee1)
    site.write(lambda db: make_pairing(db, w.staff_st11, w.mentor2, w.mentee1))
    answer = station.post(f"/mentees/{w.mentee1}/leave", {**form, "end_date": local_today().isoformat(),
                                                          "outcome": "improved"})
    assert answer.status_code == 409, answer.text
    assert "与 李老师 的结对还在进行，页面上没有列出" in sentence(answer.text)
    assert site.read(lambda db: row(db, "pairing", w.pairing1))["status"] == "active"
    assert site.read(lambda db: row(db, "mentee", w.mentee1))["status"] == "active"


def test_an_end_before_a_visit_is_refused_in_words_and_nothing_is_written(site: Site) -> None:
    w = site.w
    station = site.as_(w.staff_st11)
    answer = station.post(f"/mentees/{w.mentee1}/leave", {**_form(station, w.mentee1), "end_date": "2026-10-01",
                                                          "outcome": "stable"})
    assert answer.status_code == 400, answer.text
    assert "2026年11月20日" in sentence(answer.text)  # the visit the end would leave outside
    assert site.read(lambda db: row(db, "pairing", w.pairing1))["status"] == "active"
    assert site.read(lambda db: row(db, "mentee", w.mentee1))["status"] == "active"
    missing = station.post(f"/mentees/{w.mentee1}/leave", {**_form(station, w.mentee1), "end_date": "2026-12-01"})
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
                                                        "end_date": local_today().isoformat(), "outcome": "stable"})
    assert done.status_code == 303
    assert "1 条自伤自残风险提示尚未记录处理情况" in sentence(station.get(f"/mentees/{w.mentee1}").text)
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]
    assert code in sentence(site.as_(w.reviewer).get("/risk-flags").text)  # the county still sees it open
