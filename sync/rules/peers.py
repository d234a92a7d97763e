"""The rules of the 骨干学生 register (Rudong notice 二.2(3)): a class of a school or station in the
writer's scope, named once in its unit, a station with one row, names of a person's length, and the
五老 who guides them one of the unit's own volunteers."""
from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from ..entities import ENTITIES
from ..labels import ROW_KINDS
from .refusal import Refusal, found, live, person_not_found

if TYPE_CHECKING:
    from ..apply import _Writer

# A pupil's name: Chinese names run 2–4 characters; a minority name written in Chinese with its
# separator (阿卜杜热合曼·买买提) stays well under 20. Thirty characters is a sentence typed in the
# wrong box, which a printed register for the inspectors must not carry.
NAME_MAX = 20
GRADE_MAX = 10  # 初一, 七年级, 小学五年级
CLASS_MAX = 30  # 七(2)班, or a station's own name
LIMITS = {"class_name": CLASS_MAX, "boy_name": NAME_MAX, "girl_name": NAME_MAX,
          "boy_grade": GRADE_MAX, "girl_grade": GRADE_MAX}
_SPACE = re.compile(r"\s+")


def class_key(name: str) -> str:
    """A class name as two spellings of it compare: 七（2）班 typed with full-width brackets by a Chinese
    IME is 七(2)班, and a space typed between is none."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", name)).casefold()


def derive_peer_helper(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A class's two helpers: see the module's docstring. Raises ``Refusal`` naming the field."""
    spec = ENTITIES["peer_helper"]
    for name, limit in LIMITS.items():
        value = record.get(name)
        if isinstance(value, str) and len(value.strip()) > limit:
            label = spec.by_name[name].label
            raise Refusal(f"“{label}”最多 {limit} 个字，现在是 {len(value.strip())} 个字；请只填写{label}本身。", name)
    moved = before is None or record["unit_id"] != before["unit_id"]
    if moved:
        unit = live(w, "unit", record["unit_id"], "学校/辅导站", "unit_id")
        if unit["kind"] not in ROW_KINDS:
            raise Refusal("骨干学生名册是学校或辅导站的：请选择一个学校或辅导站。", "unit_id")
    unit = w.get("unit", record["unit_id"]) or {}
    if moved or class_key(record["class_name"]) != class_key(before["class_name"] if before else ""):
        _once_in_unit(w, unit, record)
    if record.get("mentor_id") is not None and (moved or before is None
                                                or record["mentor_id"] != before.get("mentor_id")):
        _unit_volunteer(w, unit, record["mentor_id"])


def _once_in_unit(w: _Writer, unit: dict[str, Any], record: dict[str, Any]) -> None:
    """A class is named once in its unit (this batch's own changes included), and a station, which the
    notice gives one boy and one girl, keeps one row."""
    key = class_key(record["class_name"])
    others = found(w, "peer_helper",
                   lambda r: r["id"] != record["id"] and not r["deleted"] and r["unit_id"] == record["unit_id"],
                   "SELECT id, class_name FROM peer_helpers WHERE unit_id = ? AND deleted = 0 AND id != ?",
                   [record["unit_id"], record["id"]])
    if unit.get("kind") == "station" and others:
        raise Refusal(f"辅导站只登记一组骨干学生（男女各 1 名）：“{unit.get('name', '')}”已经登记了，"
                      "请修改已登记的那一行。", "class_name")
    same = next((r for r in others if class_key(r["class_name"]) == key), None)
    if same is not None:
        raise Refusal(f"“{same['class_name']}”已经登记过了，一个班级只登记一行；请修改已登记的那一行。", "class_name")


def _unit_volunteer(w: _Writer, unit: dict[str, Any], mentor_id: str) -> None:
    """The 五老 who guides a unit's helpers is an active volunteer of that unit (``关工委“五老”成员指导他们``):
    one of another school would be listed where nobody can reach them."""
    mentor = w.get_user(mentor_id)
    if mentor is None or not w.scope.allows_unit(mentor["unit_id"]):
        raise Refusal(person_not_found(w, "五老志愿者"), "mentor_id")
    if mentor["role"] != "mentor" or not mentor["active"]:
        raise Refusal("指导的志愿者必须是在册的五老志愿者。", "mentor_id")
    if mentor["unit_id"] != unit.get("id"):
        raise Refusal(f"请选择“{unit.get('name', '')}”的五老志愿者。", "mentor_id")
