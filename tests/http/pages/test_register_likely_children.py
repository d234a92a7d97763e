"""The 登记帮扶对象 form does not register a child who is likely one already registered (the same
name or a name one character off in the unit, or the same name in another unit) until the person
ticks that it is another child: the form comes back with everything typed, the likely child said as
the roster import says it, and a link to their file when the person may open it."""
from __future__ import annotations

import re
from typing import Any

from sync.ids import new_id

from ...factories import make_mentee
from .conftest import Site, sentence


def _code(site: Site, child: str) -> str:
    return str(site.read(lambda db: db.execute("SELECT code FROM mentees WHERE id = ?", [child]).fetchone()[0]))


def _named(site: Site, name: str) -> int:
    return int(site.read(lambda db: db.execute("SELECT count(*) FROM mentees WHERE name = ?", [name]).fetchone()[0]))


def _tick(page: str) -> str:
    found = re.search(r'name="another_child" value="([^"]+)"', page)
    assert found, "the form offers the tick"
    return found.group(1)


def _form(unit: str, name: str, **more: Any) -> dict[str, Any]:
    return {"record_id": new_id(), "unit_id": unit, "name": name, "risk_level": "normal",
            "guardian_name": "外婆", "plan": "每两周家访一次", **more}


def test_a_second_child_of_the_same_name_in_the_unit_is_saved_only_once_the_person_ticks_it_is_another(
        site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    form = _form(w.st11, "小明", grade="五年级")
    held = browser.post("/mentees/new", form)
    text = sentence(held.text)
    assert held.status_code == 409 and _named(site, "小明") == 1, "not saved silently"
    assert f"这个单位已有一个同名的孩子：“小明”（编号 {_code(site, w.mentee1)}）" in text
    assert "这次还没有登记" in text and "确实是另一个孩子，仍然登记" in text
    assert f'href="/mentees/{w.mentee1}"' in held.text
    assert all(typed in held.text for typed in ("外婆", "每两周家访一次", "五年级", form["record_id"]))
    saved = browser.post("/mentees/new", {**form, "another_child": _tick(held.text)})
    assert saved.status_code == 303 and saved.headers["location"] == f"/mentees/{form['record_id']}"
    assert _named(site, "小明") == 2


def test_a_name_one_character_off_is_held_back_where_birth_year_and_gender_agree(site: Site) -> None:
    w = site.w
    ruoxi = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="张若曦", birth_year=2015,
                                              gender="female"))
    browser = site.as_(w.staff_st11)
    held = browser.post("/mentees/new", _form(w.st11, "张若希", birth_year="2015", gender="female"))
    assert held.status_code == 409 and _named(site, "张若希") == 0
    said = f"这个单位已有一个姓名只差一个字的孩子：“张若曦”（编号 {_code(site, ruoxi)}，2015年出生，女）。"
    assert said + "是同一个孩子吗？" in sentence(held.text)
    other_year = browser.post("/mentees/new", _form(w.st11, "张若希", birth_year="2016", gender="female"))
    assert other_year.status_code == 303 and _named(site, "张若希") == 1


def test_a_namesake_in_another_unit_is_named_and_linked_only_inside_the_persons_scope(site: Site) -> None:
    w = site.w
    moved = site.write(lambda db: make_mentee(db, w.staff_st12, w.st12, name="刘思远", birth_year=2014))
    # The town reaches both its stations: the child is named, with a link to the file.
    town = site.as_(w.staff_town1).post("/mentees/new", _form(w.st11, "刘思远"))
    text = sentence(town.text)
    assert town.status_code == 409 and "已登记了一个同名的孩子" in text and _code(site, moved) in text
    assert f'href="/mentees/{moved}"' in town.text
    # A station reaches only itself: the child elsewhere is said to exist, never described.
    far = site.as_(w.staff_st11).post("/mentees/new", _form(w.st11, "刘思远"))
    text = sentence(far.text)
    assert far.status_code == 409 and "县里别的单位已登记了一个同名的孩子" in text
    assert _code(site, moved) not in text and moved not in far.text
    assert _named(site, "刘思远") == 1


def test_a_tick_given_beside_one_child_lets_no_other_through(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    held = browser.post("/mentees/new", _form(w.st11, "小明"))
    again = browser.post("/mentees/new", _form(w.st11, "小红", another_child=_tick(held.text)))
    assert again.status_code == 409 and _named(site, "小红") == 1
    assert f"编号 {_code(site, w.mentee2)}" in sentence(again.text)


def test_a_tick_for_a_near_name_in_the_unit_does_not_pass_a_namesake_in_another_unit(site: Site) -> None:
    """A child one character off a child of the unit and of the very name of a child of another unit
    in scope (the town moved them): the form named only the near one, and the tick that it is not
    that child registered the moved child a second time, never named."""
    w = site.w
    near = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="吴语彤", birth_year=2012))
    moved = site.write(lambda db: make_mentee(db, w.staff_st12, w.st12, name="吴语桐", birth_year=2012))
    town = site.as_(w.staff_town1)
    form = _form(w.st11, "吴语桐", birth_year="2012")
    held = town.post("/mentees/new", form)
    text = sentence(held.text)
    assert held.status_code == 409 and _code(site, near) in text and _code(site, moved) in text, text
    assert f'href="/mentees/{near}"' in held.text and f'href="/mentees/{moved}"' in held.text
    # The tick a form naming only the near child offered does not let the moved one through.
    assert town.post("/mentees/new", {**form, "another_child": near}).status_code == 409
    assert _named(site, "吴语桐") == 1
    saved = town.post("/mentees/new", {**form, "another_child": _tick(held.text)})
    assert saved.status_code == 303 and _named(site, "吴语桐") == 2


def _box(page: str) -> str:
    """The warning box: the likely child said, the link to their file and the tick that answers it."""
    found = re.search(r'<div class="warning[^"]*" role="alert">(.*?)</div>', page, re.S)
    assert found, "the form says which child it likely is"
    return found.group(1)


def test_the_warning_names_the_child_to_open_and_says_no_he_for_a_girl(site: Site) -> None:
    w = site.w
    ruoxi = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="张若曦", gender="female"))
    held = site.as_(w.staff_st11).post("/mentees/new", _form(w.st11, "张若希", gender="female"))
    text = sentence(held.text)
    assert held.status_code == 409 and "他的档案" not in text
    assert "是同一个孩子：不用再登记，请打开下面“张若曦”的档案。" in text
    # The link's words are one piece: each piece of a tap link is a flex item with a gap either side,
    # which put spaces inside the brackets around the code: （ BX-2026-0001 ）.
    link = re.search(rf'<a class="tap" href="/mentees/{ruoxi}">(.*?)</a>', held.text)
    code = _code(site, ruoxi)
    assert link and link.group(1) == f'<span>打开“张若曦”（<span class="code">{code}</span>）的档案</span>', link


def test_the_tick_sits_in_the_warning_box_under_the_words_it_answers_inside_the_form(site: Site) -> None:
    w = site.w
    held = site.as_(w.staff_st11).post("/mentees/new", _form(w.st11, "小明"))
    box = _box(held.text)
    assert box.index("是同一个孩子吗") < box.index(f'href="/mentees/{w.mentee1}"') < box.index("another_child")
    assert re.search(r'<label class="check[^"]*"><input type="checkbox" name="another_child" value="[^"]+">'
                     r'\s*确实是另一个孩子，仍然登记</label>', box), "the label, words and all, is the tap target"
    form_at = held.text.index('<form method="post"')
    assert form_at < held.text.index('class="warning') < held.text.index('name="unit_id"'), "posted with the form"


def test_a_form_refused_for_another_field_after_the_tick_says_again_which_child_the_tick_answers(
        site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    form = _form(w.st11, "小明")
    tick = _tick(browser.post("/mentees/new", form).text)
    wrong = browser.post("/mentees/new", {**form, "risk_level": "很高", "another_child": tick})
    assert wrong.status_code == 400 and _named(site, "小明") == 1
    box = _box(wrong.text)
    assert f"“小明”（编号 {_code(site, w.mentee1)}）" in sentence(box) and f'href="/mentees/{w.mentee1}"' in box
    assert f'name="another_child" value="{tick}" checked' in box, "the tick kept, beside the child it answers"
    saved = browser.post("/mentees/new", {**form, "another_child": tick})
    assert saved.status_code == 303 and _named(site, "小明") == 2


def test_a_tick_with_no_likely_child_any_more_is_not_shown_on_a_refused_form(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    form = _form(w.st11, "小明")
    tick = _tick(browser.post("/mentees/new", form).text)
    # The name put right (小明 was a slip for 赵小军) and another field wrong: nothing to answer.
    wrong = browser.post("/mentees/new", {**form, "name": "赵小军", "risk_level": "很高", "another_child": tick})
    assert wrong.status_code == 400 and "another_child" not in wrong.text and 'class="warning' not in wrong.text


def test_a_tick_beside_a_namesake_out_of_scope_lets_no_other_namesake_out_of_scope_through(site: Site) -> None:
    """A child of another unit is never named to a station: the tick answers that one child all the same."""
    w = site.w
    site.write(lambda db: make_mentee(db, w.staff_st12, w.st12, name="刘思远"))
    site.write(lambda db: make_mentee(db, w.staff_st12, w.st12, name="陈子涵"))
    browser = site.as_(w.staff_st11)
    tick = _tick(browser.post("/mentees/new", _form(w.st11, "刘思远")).text)
    assert w.st12 not in tick and "刘思远" not in tick
    other = browser.post("/mentees/new", _form(w.st11, "陈子涵", another_child=tick))
    assert other.status_code == 409 and _named(site, "陈子涵") == 1
    saved = browser.post("/mentees/new", _form(w.st11, "刘思远", another_child=tick))
    assert saved.status_code == 303 and _named(site, "刘思远") == 2
