"""Whether a row the roster import would register as a new child is likely one already registered:
a name one character off from a child of the same unit (张若希 for 张若曦, a typo in one of the two
lists), or the same name and birth year as a child of another unit (the town moved them there, and
the old unit's roster still lists them). Doubling a child is the worst thing an import can do, so
such a row is held back, in words saying how to go on; never added without the person's decision.

A child outside the importer's scope is not described: only that one of that name and year is
registered elsewhere in the county (as the code check says of a code, ``mentees.py``).
"""
from __future__ import annotations

from typing import Any

from sync.labels import GENDERS
from sync.names import plain_name


def near_names(a: str, b: str) -> bool:
    """Two names of one length that differ in exactly one character (张若希, 张若曦). Names equal but
    for spaces are already one name (``plain_name``), matched as the same child before this is asked."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def agrees(values: dict[str, Any], child: dict[str, Any]) -> bool:
    """The row's birth year and gender are the child's, where both give one."""
    return all(values.get(f) is None or child.get(f) is None or values[f] == child[f]
               for f in ("birth_year", "gender"))


def _described(child: dict[str, Any]) -> str:
    said = [f"编号 {child['code']}"]
    said += [f"{child['birth_year']}年出生"] if child.get("birth_year") else []
    said += [GENDERS.get(str(child["gender"]), str(child["gender"]))] if child.get("gender") else []
    return f"“{child['name']}”（{'，'.join(said)}）"


_ANOTHER = "确实是另一个孩子：请把这一行从表格里删去，到帮扶对象页面单独登记（登记后这份表格再导入，这一行就认作他）。"


def near_name_problem(name: str, values: dict[str, Any], unit_children: list[dict[str, Any]]) -> str | None:
    """Why a new row is held back beside a live child of its unit whose name is one character off, or None."""
    near = [c for c in unit_children
            if not c["deleted"] and c.get("name") and near_names(plain_name(c["name"]), name) and agrees(values, c)]
    if not near:
        return None
    child = near[0]
    more = f"（还有 {len(near) - 1} 个名字相近的：{'、'.join(_described(c) for c in near[1:])}）" if near[1:] else ""
    return (f"这个单位已有一个姓名只差一个字的孩子：{_described(child)}{more}。是同一个孩子吗？为免把一个孩子登记两次，"
            f"这一行先不导入。是同一个孩子：请在这一行的“编号”里填 {child['code']}，姓名改成系统里的“{child['name']}”，"
            f"再上传（要是系统里的名字写错了，请先在他的档案里改）。{_ANOTHER}")


def elsewhere_problem(name: str, values: dict[str, Any], unit_id: str, namesakes: list[dict[str, Any]],
                      unit_names: dict[str, str]) -> str | None:
    """Why a new row is held back beside a live child of another unit with its name (``namesakes``:
    the county's live children of that name) and its birth year and gender, where both give one; or
    None. ``unit_names``: the units in the importer's scope, whose children the importer may see."""
    same = [c for c in namesakes if c["unit_id"] != unit_id and agrees(values, c)]
    if not same:
        return None
    seen = [c for c in same if c["unit_id"] in unit_names]
    if seen:
        child = seen[0]
        return (f"“{unit_names[child['unit_id']]}”已登记了一个同名的孩子：{_described(child)}，可能是转过去了。"
                "为免把一个孩子登记两次，这一行先不导入。是同一个孩子：请把这一行从表格里删去（要把他转回这里，"
                f"请在他的档案里改“所属学校/辅导站”）。{_ANOTHER}")
    return ("县里别的单位已登记了一个同名的孩子，出生年份和性别也对得上（可能是转走了）。"
            "为免把一个孩子登记两次，这一行先不导入。请先问镇（街道）关工委或县关工委是不是同一个孩子：是同一个孩子，请把这一行从表格里删去；"
            f"{_ANOTHER}")
