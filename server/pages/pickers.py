"""The search box of the child and pairing pickers on the forms that start a record.

Past ``queries.pickers.CAP`` choices in scope the <select> lists only the matches of a search. The
box sits inside the form with its own button (``FIND``): the post keeps everything typed as the
person's draft of the form and sends them back to it (``found``), narrowed, with nothing saved.
``?q=`` narrows the form's first showing.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from ..drafts import keep_draft
from ..forms import FieldView, Finder
from ..queries.pickers import CAP, Choices
from .visits import Visit

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


async def found(page: Visit, posted: dict[str, Any]) -> Response:
    """The answer to 查找: what was typed (the search words too) kept as this person's draft of the
    form, and a 303 to the form with ``?draft=<id>``, which shows it narrowed.

    Answered with the page itself, the post was the history entry: Back or reload onto it made
    Chromium ask to resubmit the form (ERR_CACHE_MISS). The words stay out of the URL, and so out of
    the access log; the record id the form carries rides in the draft, so 保存 still creates once.
    """
    path, user_id = page.request.url.path, page.actor.user_id
    fields = {k: v for k, v in posted.items() if k != FIND}
    draft_id = await page.state.store.write(lambda db: keep_draft(db, user_id, path, fields))
    kept = [(k, v) for k, v in page.request.query_params.multi_items() if k not in _NOT_KEPT]
    return page.redirect(f"{path}?{urlencode([*kept, ('draft', draft_id)])}")


# The draft holds the search words; an older draft is replaced by the new one.
_NOT_KEPT = frozenset({"draft", "q", "q_mentor"})


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
