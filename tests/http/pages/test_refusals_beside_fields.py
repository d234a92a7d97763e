"""A refusal about one field stands beside that field, the field marked for a screen reader
(aria-invalid, aria-describedby to the words), even when its words do not quote the field's label:
the rule says which field it is about (sync.rules.Refusal.field)."""
from __future__ import annotations

import datetime
import re

from sync.timeutil import local_today

from .conftest import Site, sentence
from .test_activities import VISIT


def assert_marked(page: str, name: str, words: str) -> None:
    control = re.search(rf'<(?:input|select|textarea)[^>]*\bid="f-{name}"[^>]*>', page)
    assert control, page
    assert 'aria-invalid="true"' in control.group(0), control.group(0)
    described = re.search(r'aria-describedby="([^"]+)"', control.group(0))
    assert described and f"e-{name}" in described.group(1).split(), control.group(0)
    said = re.search(rf'<p class="field-error" role="alert" id="e-{name}">(.*?)</p>', page, re.S)
    assert said and words in sentence(said.group(1)), page


def test_a_visit_dated_ahead_or_before_its_pairing_marks_the_date(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    ahead = (local_today() + datetime.timedelta(days=40)).isoformat()
    response = browser.post("/activities/new", {"pairing_id": w.pairing1, **VISIT, "date": ahead})
    assert response.status_code == 400
    assert_marked(response.text, "date", "日期写的是以后的日子")
    response = browser.post("/activities/new", {"pairing_id": w.pairing1, **VISIT, "date": "2026-08-31"})
    assert response.status_code == 400
    assert_marked(response.text, "date", "帮扶活动的日期（2026年8月31日）不能早于结对的开始日期（2026年9月1日）")


def test_a_pairing_made_twice_marks_the_volunteer(site: Site) -> None:
    w = site.w
    response = site.as_(w.staff_st11).post("/pairings/new", {
        "mentor_id": w.mentor1.user_id, "mentee_id": w.mentee1, "approach": "fuxin", "start_date": "2026-11-25"})
    assert response.status_code == 400
    assert_marked(response.text, "mentor_id", "不能重复结对")


def test_a_referral_received_without_a_day_or_before_it_was_made_marks_the_day_received(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    form = {"status": "received", "target": "medical", "referred_on": "2026-11-02", "base_version": "1"}
    for day, words in (("", "状态为“已接收”时请填写接收日期"),
                       ("2026-11-01", "接收日期（2026年11月1日）不能早于转介日期（2026年11月2日）")):
        response = browser.post(f"/referrals/{w.referral1}", {**form, "received_on": day})
        assert response.status_code == 400, response.text
        assert_marked(response.text, "received_on", words)
