"""A list's pages: the page asked for, how many there are, the links before and after, and a
redirect from past the end."""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from starlette.responses import Response

from ..forms import whole_number
from .visits import Visit


def page_number(params: Mapping[str, str]) -> int:
    """The ``page`` query parameter of a list: 1 unless it is a whole number from 1 to 99999."""
    number = whole_number(params.get("page", ""), digits=5)
    return number if number else 1


def page_count(total: int, size: int) -> int:
    """How many pages of ``size`` rows ``total`` rows fill (at least one, for an empty list)."""
    return max(1, -(-total // size))


def page_links(filters: Mapping[str, str], number: int, pages: int) -> dict[str, str | None]:
    """The query strings of the pages before and after page ``number`` of ``pages`` (None past either
    end), keeping the filters that are set."""
    kept = {k: v for k, v in filters.items() if v}
    return {"prev": f"?{urlencode({**kept, 'page': number - 1})}" if number > 1 else None,
            "next": f"?{urlencode({**kept, 'page': number + 1})}" if number < pages else None}


def past_the_end(visit: Visit, number: int, pages: int) -> Response | None:
    """A redirect to the list's last page when page ``number`` is past its end (an old link, a list
    that shrank since, a number typed into the address), keeping the list's filters and any one-time
    message; None otherwise. Without it such a page says the list is empty under a total that says
    otherwise, with a 上一页 link to another empty page."""
    if number <= pages:
        return None
    request = visit.request
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    if pages > 1:
        kept.append(("page", str(pages)))
    query = urlencode(kept)
    return visit.redirect(f"{request.url.path}?{query}" if query else request.url.path, flash=visit.flash)
