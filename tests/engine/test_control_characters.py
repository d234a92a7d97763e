"""Control characters nobody can see (C0 but tab, line feed and carriage return, DEL and C1) never reach a
stored record, whoever sent them: the engine drops them as it reads a mutation (sync/controls.py)."""
from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
import sqlite_utils

from sync import Actor, apply_mutations, mutations, new_id
from sync.batches import read_mutations
from sync.controls import escaped_controls, without_controls
from sync.entities import ENTITIES
from sync.mutations import Mutation, read_mutation
from tests.factories import copy_county, pull_all, push, row, upsert

INVISIBLE = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r")
DEL_AND_C1 = "".join(chr(c) for c in range(0x7F, 0xA0))
TEXT_FIELDS = [(e.name, f.name, f.kind) for e in ENTITIES.values() for f in e.fields
               if f.kind in ("text", "short", "strs")]


@pytest.fixture
def w(db: sqlite_utils.Database) -> SimpleNamespace:
    return copy_county(db)


def test_controls_every_invisible_character_goes_and_tab_and_line_breaks_stay() -> None:
    assert without_controls("甲\x00乙" + INVISIBLE + "\t丙\r\n丁") == "甲乙\t丙\r\n丁"
    assert without_controls("家访记录") == "家访记录"


def test_controls_del_and_the_c1_controls_go_and_the_latin_1_signs_beside_them_stay() -> None:
    # U+00A0 on (the middle dot of 阿依古丽·买买提, °, ×) are characters a person types.
    assert without_controls("王\x7f建" + DEL_AND_C1 + "国·°×\xa0") == "王建国·°×\xa0"


def test_controls_a_digest_text_tells_a_del_or_c1_control_which_it_writes_as_itself() -> None:
    # orjson writes them raw (7F; C2 80–9F in UTF-8), not as \u escapes: the escape test alone missed them.
    for char in DEL_AND_C1:
        for text in (f"记{char}录", char, f"{char}\\"):
            sent = orjson.dumps({"fields": {"record": text}})
            assert char.encode() in sent
            assert escaped_controls(sent), (hex(ord(char)), sent)
    for clean in ("阿依古丽·买买提", "36.5°", "3×4", "\xa0", "é", "行一\n行二"):
        assert not escaped_controls(orjson.dumps(clean)), clean


def test_controls_a_resend_of_a_mutation_that_held_a_del_gets_the_same_answer(db: sqlite_utils.Database,
                                                                               w: SimpleNamespace) -> None:
    sent = upsert("activity", new_id(), {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-21",
                                         "record": "记录\x7f\x85"}, mutation_id=7)
    first = push(db, w.mentor1, sent)
    stored = row(db, "activity", sent["record_id"])
    assert first[0]["status"] == "applied" and stored is not None and stored["record"] == "记录"
    assert push(db, w.mentor1, sent) == first


def test_controls_a_digest_text_tells_every_mutation_that_holds_one() -> None:
    # The push reads a mutation's strings only when the bytes of its digest say it may hold one:
    # a miss here would store the character.
    for code in range(0x20):
        char = chr(code)
        for text in (f"记{char}录", f"\\{char}", f"{char}\\"):
            as_v1 = json.dumps({"record": text}, ensure_ascii=False).encode()  # the digest's fallback
            for sent in (orjson.dumps({"fields": {"record": text}}), as_v1):
                assert escaped_controls(sent) is (char not in "\t\n\r"), (code, sent)
    for clean in ("a\\b", "a\\\\f", "\\u0000", "行一\n行二\t\r", '引号"'):
        assert not escaped_controls(orjson.dumps(clean)), clean


@pytest.mark.parametrize(("entity", "name", "kind"), TEXT_FIELDS, ids=[f"{e}.{n}" for e, n, _ in TEXT_FIELDS])
def test_controls_every_text_field_of_every_entity_is_read_without_them(entity: str, name: str, kind: str) -> None:
    sent: Any = ["开\x00心", "\x1b"] if kind == "strs" else "王\x00老\x01师\x1f"
    raw = upsert(entity, new_id(), {name: sent}, mutation_id=1)
    digest, (read,) = read_mutations([raw])
    assert isinstance(read, Mutation), read
    assert read.fields[name] == (["开心"] if kind == "strs" else "王老师")
    assert raw["fields"][name] == sent, "the mutation as sent is kept for its digest"
    assert read_mutation(raw).fields == read.fields  # type: ignore[union-attr]


def test_controls_a_pushed_visit_is_stored_and_pulled_without_them(db: sqlite_utils.Database,
                                                                    w: SimpleNamespace) -> None:
    rid = new_id()
    (answer,) = push(db, w.mentor1, upsert("activity", rid, {
        "pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-21", "place": "孩子\x00家",
        "record": "聊了\x08学习\x1b[0m。\n第二段\t缩进", "moods": ["平静\x07"]}, mutation_id=1))
    assert answer["status"] == "applied", answer
    stored = row(db, "activity", rid)
    assert stored is not None
    assert (stored["place"], stored["record"], stored["moods"]) == ("孩子家", "聊了学习[0m。\n第二段\t缩进", ["平静"])
    changes, _, _ = pull_all(db, w.mentor1)
    assert changes[("activity", rid)]["fields"]["record"] == "聊了学习[0m。\n第二段\t缩进"


def test_controls_a_resend_of_a_mutation_that_held_them_gets_the_same_answer(db: sqlite_utils.Database,
                                                                              w: SimpleNamespace) -> None:
    # The digest is of the mutation as sent, not as cleaned: a phone whose answer was lost sends the
    # same bytes again and must be recognised, not told its number was reused for other content.
    sent = upsert("activity", new_id(), {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-21",
                                         "record": "记录\x00"}, mutation_id=7)
    first = push(db, w.mentor1, sent)
    again = push(db, w.mentor1, sent)
    assert first == again and first[0]["status"] == "applied"
    cleaned = {**sent, "fields": {**sent["fields"], "record": "记录"}}
    (other,) = push(db, w.mentor1, cleaned)
    assert other["status"] == "rejected" and "另一条内容不同" in other["reason"]


def test_controls_a_required_name_that_was_nothing_else_is_refused_as_empty(db: sqlite_utils.Database,
                                                                             w: SimpleNamespace) -> None:
    (outcome,) = apply_mutations(db, w.staff_st11, [mutations.upsert("mentee", {"unit_id": w.st11,
                                                                                "code": "\x00\x01"})])
    assert outcome.status == "rejected" and "不能为空" in outcome.reason, outcome.answer()
    assert outcome.refused_field == "code"


def test_controls_a_staff_edit_and_a_telephone_are_stored_without_them(db: sqlite_utils.Database,
                                                                        w: SimpleNamespace) -> None:
    staff: Actor = w.staff_st11
    current = row(db, "unit", w.st11)
    assert current is not None
    sent = {"phone": "０５１３\x00－８８８８", "address": "人民路\x0c1号"}
    (outcome,) = apply_mutations(db, staff, [mutations.upsert("unit", sent, w.st11, base_version=current["version"])])
    assert outcome.status == "applied", outcome.answer()
    stored = row(db, "unit", w.st11)
    assert stored is not None and (stored["phone"], stored["address"]) == ("0513-8888", "人民路1号")


def test_controls_an_empty_mood_as_sent_is_refused_and_one_of_nothing_but_controls_is_left_out() -> None:
    def moods(items: list[str]) -> Any:
        return read_mutation({"mutation_id": 1, "entity": "activity", "record_id": new_id(), "op": "upsert",
                              "base_version": None, "fields": {"moods": items}})
    assert not isinstance(moods([""]), Mutation)
    assert not isinstance(moods(["平静", ""]), Mutation)
    kept = moods(["\x00", "平静\x07"])
    assert isinstance(kept, Mutation) and kept.fields["moods"] == ["平静"]
