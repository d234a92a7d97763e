"""The pairing form's child picker puts first the children the station home's tile counts as waiting for
a volunteer (``/mentees?pairing=waiting``): never paired, and paired only with a volunteer whose account
was stopped with the pairing left running; the latter is said beside the name, as the picker marks the
children already paired."""
from __future__ import annotations

import re
from typing import Any

from sync.stopping import deactivate_user

from ...factories import mutate
from .conftest import Site, sentence
from .test_pickers import picker


def _choices(page: str) -> list[tuple[str, str]]:
    return [(value, sentence(label)) for value, label in
            re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', picker(page, "mentee_id"))]


def test_a_child_whose_only_volunteer_was_stopped_is_offered_among_the_waiting_and_said_so(site: Site) -> None:
    w = site.w

    def stop(db: Any) -> None:  # 李老师 stopped, her pairing with 小红 left running
        # Codes in the order that puts 小红 last among the paired, where the picker used to offer her.
        for code, child in (("W-1", w.mentee1), ("W-2", w.mentee2), ("W-3", w.mentee_unpaired)):
            version = db.execute("SELECT version FROM mentees WHERE id = ?", [child]).fetchone()[0]
            mutate(db, w.staff_st11, "mentee", {"code": code}, child, base_version=version)
        deactivate_user(db, w.staff_st11, w.mentor2.user_id)

    site.write(stop)
    browser = site.as_(w.staff_st11)
    waiting_list = browser.get("/mentees", params={"pairing": "waiting"}).text
    waiting = set(re.findall(r'href="/mentees/([0-9a-f-]{36})"', waiting_list))
    assert waiting == {w.mentee2, w.mentee_unpaired}
    choices = _choices(browser.get("/pairings/new").text)
    assert [value for value, _ in choices[:2]] == [w.mentee2, w.mentee_unpaired], choices
    assert [value for value, _ in choices[2:]] == [w.mentee1], choices
    labels = dict(choices)
    assert labels[w.mentee2].endswith("小红 · 志愿者李老师已停用，等待新的志愿者"), labels[w.mentee2]
    assert labels[w.mentee1].endswith("小明 · 已与王老师结对") and labels[w.mentee_unpaired].endswith("小刚")
