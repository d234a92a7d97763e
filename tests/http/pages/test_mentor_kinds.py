"""A volunteer's kind (Rudong notice 三: 五老 — 老干部、老战士、老专家、老教师、老模范 — with school
teachers and 社会各界人士): picked on the volunteer's form, shown on the file and the list, filtered
on the list; an account stored before the picker existed reads 未填."""
from __future__ import annotations

import re

from .conftest import Site
from .station import record_id_on
from .test_mentors import edit_form


def _kind(site: Site, user_id: str) -> str | None:
    return site.read(lambda db: db.execute("SELECT mentor_kind FROM users WHERE id = ?", [user_id]).fetchone()[0])


def _listed(page: str) -> set[str]:
    return set(re.findall(r'href="/mentors/([0-9a-f-]{36})"', page))


def test_a_volunteers_kind_is_picked_on_the_form_and_shown_on_the_file_and_the_list(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    form = browser.get("/mentors/new").text
    for text in ("老干部", "老战士", "老专家", "老教师", "老模范", "学校教师", "社会各界人士", "未填"):
        assert f"<span>{text}</span>" in form
    response = browser.post("/mentors/new", {"name": "赵老师", "phone": "139 0513 7777", "unit_id": w.st11,
                                             "mentor_kind": "teacher", "smartphone": "1",
                                             "record_id": record_id_on(form)})
    assert response.status_code == 303
    user_id = response.headers["location"].rsplit("/", 1)[1]
    assert _kind(site, user_id) == "teacher"
    assert "<dt>志愿者类别</dt><dd>老教师</dd>" in browser.get(f"/mentors/{user_id}").text
    listed = browser.get("/mentors").text
    assert '<td data-label="类别"><span class="nowrap">老教师</span></td>' in listed
    assert '<td data-label="类别"><span class="nowrap">未填</span></td>' in listed


def test_a_kind_sent_twice_and_not_on_the_list_is_refused_in_words_not_a_500(site: Site) -> None:
    """Found by the form fuzz: mentor_kind=model&mentor_kind=model3 re-drew the form with a list for
    the kind, and the template's ``kind not in kinds`` raised (unhashable list): a 500."""
    w = site.w
    browser = site.as_(w.staff_st11)
    form = browser.get("/mentors/new").text
    response = browser.post("/mentors/new", {"name": "赵老师", "unit_id": w.st11, "mentor_kind": ["model", "model3"],
                                             "record_id": record_id_on(form)})
    assert response.status_code == 400 and "志愿者类别应为" in response.text
    assert 'value="model3"' not in response.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM users WHERE name = '赵老师'").fetchone()[0]) == 0


def test_an_account_stored_before_the_picker_reads_unset_and_its_kind_can_be_changed(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    path = f"/mentors/{w.mentor1.user_id}/edit"
    assert "<dt>志愿者类别</dt><dd>未填</dd>" in browser.get(f"/mentors/{w.mentor1.user_id}").text
    form = edit_form(browser, path)
    assert form["mentor_kind"] == ""  # 未填 is the checked choice, so the form always sends the field
    assert browser.post(path, {**form, "mentor_kind": "veteran"}).status_code == 303
    assert _kind(site, w.mentor1.user_id) == "veteran"
    form = edit_form(browser, path)
    assert form["mentor_kind"] == "veteran"
    assert browser.post(path, {**form, "mentor_kind": ""}).status_code == 303
    assert _kind(site, w.mentor1.user_id) is None


def test_an_edit_form_without_the_kind_leaves_the_stored_kind_as_it_was(site: Site) -> None:
    """A page opened before the picker existed sends no kind: saving its phone number must not wipe it."""
    w = site.w
    browser = site.as_(w.staff_st11)
    path = f"/mentors/{w.mentor1.user_id}/edit"
    assert browser.post(path, {**edit_form(browser, path), "mentor_kind": "cadre"}).status_code == 303
    old_page = {k: v for k, v in edit_form(browser, path).items() if not k.endswith("mentor_kind")}
    assert browser.post(path, {**old_page, "phone": "13900001111"}).status_code == 303
    assert _kind(site, w.mentor1.user_id) == "cadre"
    # ... and a page older still, without the hidden copy of what it showed.
    older = {k: v for k, v in old_page.items() if not k.startswith("shown_")}
    assert browser.post(path, {**older, "phone": "13900002222"}).status_code == 303
    assert _kind(site, w.mentor1.user_id) == "cadre"


def test_a_kind_not_on_the_list_is_refused_in_words_and_nothing_is_saved(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    path = f"/mentors/{w.mentor1.user_id}/edit"
    for bad in ("boss", "老干部"):
        response = browser.post(path, {**edit_form(browser, path), "mentor_kind": bad, "phone": "13900001111"})
        assert response.status_code == 400
        assert "志愿者类别应为 老干部、老战士、老专家、老教师、老模范、学校教师、社会各界人士 之一" in response.text
    assert _kind(site, w.mentor1.user_id) is None
    assert site.read(lambda db: db.execute("SELECT phone FROM users WHERE id = ?",
                                           [w.mentor1.user_id]).fetchone()[0]) != "13900001111"


def test_the_volunteer_list_is_filtered_by_kind_and_by_unset(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_town1)
    path = f"/mentors/{w.mentor1.user_id}/edit"
    assert browser.post(path, {**edit_form(browser, path), "mentor_kind": "school_teacher"}).status_code == 303
    assert _listed(browser.get("/mentors?kind=school_teacher").text) == {w.mentor1.user_id}
    assert _listed(browser.get("/mentors?kind=unset").text) == {w.mentor2.user_id}
    assert _listed(browser.get("/mentors?kind=public").text) == set()
    # A kind nobody offers is no filter, not an error page.
    answer = browser.get("/mentors?kind=%E8%80%81")
    assert answer.status_code == 200 and _listed(answer.text) == {w.mentor1.user_id, w.mentor2.user_id}


def test_a_volunteers_kind_never_reaches_their_phone(site: Site) -> None:
    """Server-side only (DESIGN §4 is fixed): the enrol answer and the pull carry no kind."""
    w = site.w
    browser = site.as_(w.staff_st11)
    path = f"/mentors/{w.mentor1.user_id}/edit"
    assert browser.post(path, {**edit_form(browser, path), "mentor_kind": "model"}).status_code == 303
    issued = browser.post(f"/mentors/{w.mentor1.user_id}", {"action": "enrol_code"}).text
    digits = re.search(r'id="enrol-code">(\d{4}) (\d{4})<', issued)
    assert digits
    enrolled = browser.client.post("/api/enrol", json={"code": digits.group(1) + digits.group(2),
                                                       "device_name": "王老师的手机"}).json()
    assert set(enrolled["user"]) == {"id", "name", "role", "unit_id"}
    pull = browser.client.get("/api/sync/pull", headers={"authorization": f"Bearer {enrolled['token']}"})
    assert pull.status_code == 200 and "mentor_kind" not in pull.text and '"model"' not in pull.text
