"""The search box of the child and pairing pickers on the forms that start a record.

Past ``queries.pickers.CAP`` choices in scope the <select> lists only the matches of a search. The
box sits inside the form with its own button (``FIND``): the post shows the same form again with
the list narrowed and everything already typed kept, and saves nothing. ``?q=`` does the same on
the form's first showing.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..forms import FieldView, Finder
from ..queries.pickers import CAP, Choices

FIND = "find"
# Longer than any child's code or name: what is past it narrows nothing.
QUERY_CHARS = 50


def search_text(values: Mapping[str, Any], param: str = "q") -> str:
    """The searched words of a form or query (``q``), at most ``QUERY_CHARS`` of them: printable
    characters only (a NUL or a control character matches no code or name, and is not echoed back)."""
    raw = values.get(param)
    raw = raw[-1] if isinstance(raw, list) and raw else raw
    if not isinstance(raw, str):
        return ""
    return "".join(ch for ch in raw if ch.isprintable())[:QUERY_CHARS].strip()


def child_finder(names: bool) -> dict[str, str]:
    """``attach_finder``'s words for a child picker: by name too only for the roles that see names."""
    return {"noun": "个孩子", "label": "查找孩子：姓名或编号" if names else "查找孩子：编号"}


def attach_finder(views: list[FieldView], name: str, choices: Choices, q: str, *, label: str, noun: str,
                  param: str = "q") -> None:
    """Give the field ``name`` its search box (named ``param``) when its scope holds more than one list shows."""
    if not choices.searching:
        return
    for view in views:
        if view.name == name:
            view.finder = Finder(label, q, choices.matched, choices.total, CAP, noun, param)
