"""A list's search words kept out of its address.

A GET search put ``?q=王小明`` into the address, so into a shared office computer's history and
address-bar suggestions, and into the access log of every proxy on the way. The lists of 帮扶对象
and 结对档案 post their filter form instead: the words are kept as the person's draft (theirs alone,
for a day: server/drafts.py) and the 303 goes back to the list with ``?draft=<id>`` and the other
filters, which name nobody. The pickers' 查找 does the same (pages/pickers.found). ``?q=`` still
narrows a list: a link naming a child's code.
"""
from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from .. import csrf
from ..drafts import keep_draft
from .form_posts import require_form, restore_draft
from .pickers import search_text
from .visits import Visit

# A filter's value is an id, a date or a word from a short list: past this it filters nothing.
VALUE_CHARS = 100
# Not carried into the address: the words themselves, an older draft, the page (a new search starts
# at the first), and the form's token.
_NOT_KEPT = frozenset({"q", "draft", "page", csrf.FIELD})


async def search_posted(request: Request, roles: Collection[str]) -> Response:
    """The filter form of a list, posted: a 303 to the list with the words in a draft."""
    visit, form = await require_form(request, roles)
    path, user_id = request.url.path, visit.actor.user_id
    kept = [(k, v[:VALUE_CHARS]) for k, v in form.multi_items() if k not in _NOT_KEPT and isinstance(v, str) and v]
    if q := search_text(form):
        draft_id = await visit.state.store.write(lambda db: keep_draft(db, user_id, path, {"q": q}))
        kept.append(("draft", draft_id))
    return visit.redirect(f"{path}?{urlencode(kept)}" if kept else path)


async def search_words(visit: Visit) -> tuple[str, dict[str, str]]:
    """The words the list is narrowed by, and the parameter that carries them to its other pages:
    this person's draft (``?draft=``), else ``?q=``. Another person's draft, or one a day old,
    narrows nothing."""
    draft = await restore_draft(visit)
    if draft is not None:
        return search_text(draft), {"draft": visit.request.query_params["draft"]}
    q = search_text(visit.request.query_params)
    return q, {"q": q} if q else {}
