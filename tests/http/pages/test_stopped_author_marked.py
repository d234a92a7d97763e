"""A stopped (停用) account is marked 已停用 where a page names it as the writer of a record beside a
child: the activity page and its edit form when the visit's 记录人 is no longer the pairing's
volunteer; a 摸排's 记录人 and a 转介's 登记人 on the archive, the child's page, the referral page
and both prints, whose check code changes with the mark. In service, nobody is marked.
(Visits' 记录人 elsewhere: test_stopped_volunteer_lists.py; the pairing's volunteer:
test_stopped_volunteer_shown.py.)
"""
from __future__ import annotations

from typing import Any

from sync import Actor
from sync.stopping import deactivate_user
from sync.users import create_user

from ...factories import mutate, row
from .conftest import Site, sentence

CODE = '核对码 <span class="code">'


def _handed_on(site: Site, *, stop: bool = True) -> None:
    """王老师 made pairing 1's visit, then the station gave the pairing to 李老师 and stopped 王老师."""
    w = site.w

    def change(db: Any) -> None:
        mutate(db, w.staff_st11, "pairing", {"mentor_id": w.mentor2.user_id}, w.pairing1,
               base_version=(row(db, "pairing", w.pairing1) or {})["version"])
        if stop:
            deactivate_user(db, w.staff_st11, w.mentor1.user_id)
    site.write(change)


def test_a_stopped_former_volunteer_is_marked_as_the_visits_author_on_its_page_and_edit_form(site: Site) -> None:
    w = site.w
    _handed_on(site)
    staff = site.as_(w.staff_st11)
    page = sentence(staff.get(f"/activities/{w.activity1}").text)
    assert "这次帮扶是王老师 已停用做的" in page
    edit = sentence(staff.get(f"/activities/{w.activity1}/edit").text)
    assert "← 王老师 已停用" in edit


def test_a_former_volunteer_in_service_is_not_marked_on_the_visits_page_and_edit_form(site: Site) -> None:
    w = site.w
    _handed_on(site, stop=False)
    staff = site.as_(w.staff_st11)
    assert "这次帮扶是王老师做的" in sentence(staff.get(f"/activities/{w.activity1}").text)
    assert "已停用" not in sentence(staff.get(f"/activities/{w.activity1}/edit").text)


def _screened_and_referred(site: Site) -> dict[str, str]:
    """王老师 screened 小明 from her phone; 周站员, a second worker of the station, registered a referral."""
    w = site.w

    def build(db: Any) -> dict[str, str]:
        clerk = Actor(create_user(db, login="staff-zhou", name="周站员", role="staff", unit_id=w.st11,
                                  password_hash=None, must_change_password=False), "staff", w.st11)
        mutate(db, w.mentor1, "screening", {"mentee_id": w.mentee1, "date": "2026-10-01"})
        referral = mutate(db, clerk, "referral", {"mentee_id": w.mentee1, "target": "medical",
                                                  "referred_on": "2026-11-03", "reason": "睡眠很差"})
        return {"clerk": clerk.user_id, "referral": referral}

    made: dict[str, str] = site.write(build)
    return made


def _stop(site: Site, user_id: str) -> None:
    site.write(lambda db: deactivate_user(db, site.w.admin, user_id))


def test_a_stopped_author_of_a_screening_or_referral_is_marked_wherever_it_is_shown(site: Site) -> None:
    w = site.w
    made = _screened_and_referred(site)
    _stop(site, w.mentor1.user_id)
    _stop(site, made["clerk"])
    screened, referred = "记录人王老师 已停用，", "登记人周站员 已停用，"
    for who in (w.staff_st11, w.reviewer):
        browser = site.as_(who)
        for path in (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print", f"/mentees/{w.mentee1}/print",
                     f"/referrals/{made['referral']}"):
            response = browser.get(path)
            assert response.status_code == 200, (who.role, path)
            said = sentence(response.text)
            assert referred in said, (who.role, path)
            assert "/referrals/" in path or screened in said, (who.role, path)
        child = sentence(browser.get(f"/mentees/{w.mentee1}").text)
        assert "— 王老师 已停用" in child, who.role


def test_authors_in_service_are_not_marked_and_stopping_one_marks_the_prints_and_changes_their_code(site: Site) -> None:
    w = site.w
    prints = (f"/pairings/{w.pairing1}/print", f"/mentees/{w.mentee1}/print")
    browser = site.as_(w.reviewer)
    made = _screened_and_referred(site)
    for path in (*prints, f"/pairings/{w.pairing1}", f"/mentees/{w.mentee1}", f"/referrals/{made['referral']}"):
        assert "已停用" not in sentence(browser.get(path).text), path
    # Stopping the registrar marks the prints, and their code changes with the mark: a paper copy
    # from before no longer matches the screen.
    written = {path: browser.get(path).text for path in prints}
    _stop(site, made["clerk"])
    for path in prints:
        after = browser.get(path).text
        assert "登记人周站员 已停用，" in sentence(after), path
        assert after.split(CODE)[1][:8] != written[path].split(CODE)[1][:8], path
