"""What a roster row that is likely a child already registered says on top of which child it likely
is (``server/queries/likely_children.py``): the row is held back, and how to go on, in a roster's
terms (fill in the code, or take the row out). Never added without the person's decision.
"""
from __future__ import annotations

import unicodedata
from typing import Any

from ..queries.likely_children import agrees, elsewhere, in_unit, near_names

_HELD = "为免把一个孩子登记两次，这一行先不导入。"
# The row need not be taken out: once that child is registered on its own (the form asks the same
# question and takes the answer), the row names them exactly and the file imports as it is.
_ANOTHER = "确实是另一个孩子：请先到帮扶对象页面单独登记这个孩子，再重新上传这份表格，这一行就会认作刚登记的孩子。"


def near_name_problem(name: str, values: dict[str, Any], unit_children: list[dict[str, Any]]) -> str | None:
    """Why a new row is held back beside a live child of its unit whose name is one character off, or None."""
    likely = in_unit(name, values, unit_children)
    if likely is None or likely.child is None:
        return None
    child = likely.child
    return (f"{likely.words()}{_HELD}是同一个孩子：请在这一行的“编号”里填 {child['code']}，"
            f"姓名改成系统里的“{child['name']}”，再上传（要是系统里的名字写错了，请先在这个孩子的档案里改）。{_ANOTHER}")


def elsewhere_problem(name: str, values: dict[str, Any], unit_id: str, namesakes: list[dict[str, Any]],
                      unit_names: dict[str, str]) -> str | None:
    """Why a new row is held back beside a live child of another unit with its name (``namesakes``:
    the county's live children of that name) and its birth year and gender, where both give one; or
    None. ``unit_names``: the units in the importer's scope, whose children the importer may see."""
    likely = elsewhere(name, values, unit_id, namesakes, unit_names)
    if likely is None:
        return None
    if likely.child is not None:
        return (f"{likely.words()}{_HELD}是同一个孩子：请把这一行从表格里删去（要把这个孩子转回这里，"
                f"请在孩子的档案里改“所属学校/辅导站”）。{_ANOTHER}")
    return (f"{likely.words()}{_HELD}请先问镇（街道）关工委或县关工委是不是同一个孩子："
            f"是同一个孩子，请把这一行从表格里删去；{_ANOTHER}")


def twice_in_file_problem(name: str, values: dict[str, Any], earlier: list[tuple[int, str, dict[str, Any]]]
                          ) -> str | None:
    """Why a new row is held back beside an earlier new row of its unit in the same file whose name is
    one character off, born the same year and of the same sex where both say (a child typed twice, once
    with a wrong character): the two would be two children at once. ``earlier``: (row, name, values).
    Only names of three characters or more: a class of forty has 张伟 and 张薇, two children, and
    a file is read whole, so a two-character name would hold back a row in every other roster. And
    only where the one character differing is a Chinese character on both sides, the slip an input
    method makes (若希 for 若曦); 学生01 and 学生02 are a list's placeholders, not one child."""
    if len(name) < 3:
        return None
    for line, other, seen in earlier:
        if near_names(name, other) and _han_slip(name, other) and agrees(values, seen):
            return (f"与第 {line} 行的“{other}”姓名只差一个字，可能是同一个孩子写了两遍。{_HELD}"
                    "是同一个孩子：请把两行合并成一行，姓名以写对的为准。确实是两个孩子：请先到帮扶对象页面"
                    "把这两个孩子分别登记，再重新上传这份表格，这两行就会认作刚登记的孩子。")
    return None


def _han_slip(a: str, b: str) -> bool:
    """The characters where ``a`` and ``b`` (of one length) differ are Chinese characters, both."""
    return all(unicodedata.name(x, "").startswith("CJK") and unicodedata.name(y, "").startswith("CJK")
               for x, y in zip(a, b, strict=True) if x != y)
