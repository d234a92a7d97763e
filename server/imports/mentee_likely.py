"""What a roster row that is likely a child already registered says on top of which child it likely
is (``server/queries/likely_children.py``): the row is held back, and how to go on, in a roster's
terms (fill in the code, or take the row out). Never added without the person's decision.
"""
from __future__ import annotations

from typing import Any

from ..queries.likely_children import elsewhere, in_unit

_HELD = "为免把一个孩子登记两次，这一行先不导入。"
_ANOTHER = "确实是另一个孩子：请把这一行从表格里删去，到帮扶对象页面单独登记（登记后这份表格再导入，这一行就认作他）。"


def near_name_problem(name: str, values: dict[str, Any], unit_children: list[dict[str, Any]]) -> str | None:
    """Why a new row is held back beside a live child of its unit whose name is one character off, or None."""
    likely = in_unit(name, values, unit_children)
    if likely is None or likely.child is None:
        return None
    child = likely.child
    return (f"{likely.words()}{_HELD}是同一个孩子：请在这一行的“编号”里填 {child['code']}，"
            f"姓名改成系统里的“{child['name']}”，再上传（要是系统里的名字写错了，请先在他的档案里改）。{_ANOTHER}")


def elsewhere_problem(name: str, values: dict[str, Any], unit_id: str, namesakes: list[dict[str, Any]],
                      unit_names: dict[str, str]) -> str | None:
    """Why a new row is held back beside a live child of another unit with its name (``namesakes``:
    the county's live children of that name) and its birth year and gender, where both give one; or
    None. ``unit_names``: the units in the importer's scope, whose children the importer may see."""
    likely = elsewhere(name, values, unit_id, namesakes, unit_names)
    if likely is None:
        return None
    if likely.child is not None:
        return (f"{likely.words()}{_HELD}是同一个孩子：请把这一行从表格里删去（要把他转回这里，"
                f"请在他的档案里改“所属学校/辅导站”）。{_ANOTHER}")
    return (f"{likely.words()}{_HELD}请先问镇（街道）关工委或县关工委是不是同一个孩子："
            f"是同一个孩子，请把这一行从表格里删去；{_ANOTHER}")
