"""补录 of a visit made before a pairing ended: the station may still enter one (the write path lets
staff, never a phone, add a visit dated on or before the end), so an ended pairing's archive offers
补录帮扶记录, which opens the 代录 form for that pairing with its days; a day outside them is refused
beside the date with everything typed kept. A deleted pairing, or a deleted child's, offers nothing."""
from __future__ import annotations

import re

from ...factories import db_snapshot, mutate, row
from .conftest import Site, sentence
from .test_activity_author import checked, hand_over_on, words
from .test_archive_record import delete_as
from .test_deleted_child import delete_child_from_station_phone
from .test_phone_import import quiet

TEXT = "王老师电话口述：结对结束前最后一次家访，孩子说期末考得不错。"
VISIT = {"kind": "home_visit", "place": "孩子家中", "record": TEXT}
LINK = "补录帮扶记录"


def end_pairing1(site: Site, day: str = "2026-11-30") -> None:
    w = site.w
    ended = {"status": "closed", "end_date": day, "outcome": "stable"}
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", ended, w.pairing1,
                                 base_version=(row(db, "pairing", w.pairing1) or {})["version"]))


def form_link(archive: str) -> str | None:
    found = re.search(rf'href="([^"]+)">{LINK}</a>', archive)
    return found.group(1).replace("&amp;", "&") if found else None


def beside_date(page: str) -> str:
    found = re.search(r'id="e-date">(.*?)</p>', page, re.S)
    return sentence(found.group(1)) if found else ""


def test_an_ended_pairings_archive_offers_a_late_visit_entered_only_inside_the_pairings_days(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    assert form_link(staff.get(f"/pairings/{w.pairing1}").text) is None, "a running pairing offers 代录 instead"
    end_pairing1(site)
    archive = staff.get(f"/pairings/{w.pairing1}").text
    link = form_link(archive)
    assert link == f"/activities/new?pairing_id={w.pairing1}" and "代录一次帮扶" not in archive
    form = staff.get(link).text
    said = sentence(form)  # the hint's days come whole, each in its span
    assert "补录帮扶记录（结对已结束）" in said and "只能补录结对期间（2026年9月1日至11月30日）做的帮扶" in said
    assert re.search(rf'<option value="{w.pairing1}" selected>[^<]*已结束的结对：2026年9月1日至11月30日', form)
    assert re.search(r'type="date" value="" min="2026-09-01" max="2026-11-30"', form), "no day is guessed for them"
    picked = {"pairing_id": w.pairing1, **VISIT}
    before = quiet(site.read(db_snapshot))
    for day, refusal in (("2026-12-02", "这个结对已于2026年11月30日结束，只能补录结束以前的帮扶活动"),
                         ("2026-08-20", "不能早于结对的开始日期")):
        refused = staff.post("/activities/new", {**picked, "date": day})
        assert refused.status_code == 400 and refusal in beside_date(refused.text), words(refused.text)[-800:]
        assert TEXT in refused.text and f'value="{day}"' in refused.text and "孩子家中" in refused.text
        assert re.search(rf'<option value="{w.pairing1}" selected>', refused.text), "the pairing stays picked"
    assert quiet(site.read(db_snapshot)) == before
    saved = staff.post("/activities/new", {**picked, "date": "2026-11-28"})
    assert saved.status_code == 303, words(saved.text)[-800:]
    stored = site.read(lambda db: row(db, "activity", saved.headers["location"].removeprefix("/activities/")))
    assert stored is not None and (stored["pairing_id"], stored["author_id"], stored["entered_by"], stored["date"],
                                   stored["review_status"]) == (w.pairing1, w.mentor1.user_id, w.staff_st11.user_id,
                                                                "2026-11-28", "pending")
    assert "已补录" in words(staff.get(saved.headers["location"]).text)


def test_an_ended_pairing_that_had_two_volunteers_asks_whose_late_visit_it_was(site: Site) -> None:
    w = site.w
    hand_over_on(site, w.mentor2, "2026-09-30")  # 王 (since 9月1日) → 李, then ended
    end_pairing1(site)
    staff = site.as_(w.staff_st11)
    form = staff.get(form_link(staff.get(f"/pairings/{w.pairing1}").text) or "").text
    said = words(form)
    assert "做这次帮扶的老师" in said and "王老师（2026年9月1日—9月30日结对）" in said
    assert "李老师（2026年9月30日—11月30日结对）" in said and "现在结对" not in said
    assert checked(form, w.mentor2.user_id)
    picked = {"pairing_id": w.pairing1, "author_for": w.pairing1, **VISIT}
    refused = staff.post("/activities/new", {**picked, "date": "2026-10-20", "author_id": w.mentor1.user_id})
    assert refused.status_code == 400 and "只能记王老师结对期间" in beside_date(refused.text)
    assert checked(refused.text, w.mentor1.user_id) and TEXT in refused.text
    saved = staff.post("/activities/new", {**picked, "date": "2026-09-20", "author_id": w.mentor1.user_id})
    assert saved.status_code == 303, words(saved.text)[-800:]
    stored = site.read(lambda db: row(db, "activity", saved.headers["location"].removeprefix("/activities/")))
    assert stored is not None and (stored["author_id"], stored["entered_by"]) == (w.mentor1.user_id,
                                                                                  w.staff_st11.user_id)


def test_a_deleted_pairing_or_a_deleted_childs_ended_pairing_offers_no_late_visit(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-30",
                                                               "outcome": "stable"}, w.pairing2, base_version=1))
    assert delete_as(site, w.staff_st11, "pairing", w.pairing2).status == "applied"
    delete_child_from_station_phone(site)  # pairing 1 ended, then its child deleted
    for pairing in (w.pairing1, w.pairing2):
        assert form_link(staff.get(f"/pairings/{pairing}").text) is None
        form = staff.get(f"/activities/new?pairing_id={pairing}").text
        assert f'value="{pairing}"' not in form and "补录帮扶记录（结对已结束）" not in form
        before = quiet(site.read(db_snapshot))
        refused = staff.post("/activities/new", {"pairing_id": pairing, **VISIT, "date": "2026-11-20"})
        assert refused.status_code == 400 and quiet(site.read(db_snapshot)) == before
