"""The Jinja2 environment: autoescape, strict undefined, hashed static URLs, path-only
``url_for`` and the filters pages share (Chinese labels, local times)."""
from __future__ import annotations

import datetime
import hashlib
import pathlib
import re
from functools import cache
from typing import Any

import jinja2
from jinja2 import pass_context
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from sync import labels
from sync.rules import visit_date_slips
from sync.timeutil import SHANGHAI, day_in_words, parse_utc

from .backup_record import size_words
from .completeness import incomplete_visits, missing_parts
from .money import yuan
from .paths import Paths
from .tel import tel_link


@cache
def _digest(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


@pass_context
def url_for(context: dict[str, Any], name: str, /, **path_params: Any) -> str:
    """The path of a named route. Never an absolute URL: the Host header is the client's to forge."""
    request: Request = context["request"]
    return str(request.app.url_path_for(name, **path_params))


def local_time(value: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC timestamp as the users' wall-clock time (Asia/Shanghai)."""
    if not value:
        return ""
    return parse_utc(value).astimezone(SHANGHAI).strftime(fmt)


def label(value: Any, vocabulary: str) -> str:
    """The Chinese label of an enumerated value, e.g. ``'key' | label('RISK_LEVELS')`` → 重点."""
    table: dict[str, str] = getattr(labels, vocabulary)
    if isinstance(value, list):
        return "、".join(table.get(str(v), str(v)) for v in value)
    if value is None:
        return ""
    return table.get(value, str(value))


def chinese_date(value: str | datetime.date | None) -> str:
    """``2026-11-05`` → ``2026年11月5日``; text that is no date (a phone file's, say) as it came."""
    if not value:
        return ""
    try:
        return day_in_words(value)
    except ValueError:
        return str(value)


def chinese_time(value: str | None) -> str:
    """``local_time`` in the pages' words: ``2026-12-04T15:32:00Z`` → ``2026年12月4日 23:32``."""
    return local_time(value, "%Y年%-m月%-d日 %H:%M")


def _whole(css_class: str, text: str | None) -> Markup | str:
    """``text`` in a span of ``css_class``, whose CSS keeps it on one line; nothing for no text."""
    return Markup('<span class="{}">{}</span>').format(css_class, text) if text else ""


def child_code(value: str | None) -> Markup | str:
    """A child's code kept on one line: a line cut after BX- reads as two codes."""
    return _whole("code", value)


def phone_number(device_id: str) -> Markup | str:
    """A phone as its own screens name it (手机编号, pwa/js/ui/settings.js shortId): the last eight hex
    digits of its id, upper case, 4-4 (A7C2-351A). A volunteer who forgot her PIN reads it out over
    the telephone; the station must find those very characters on the volunteer's page. Named and
    kept on one line (手机编 / 号 04DA-9A7A was cut at a phone's width)."""
    tail = device_id.replace("-", "")[-8:].upper()
    return nowrap(f"手机编号 {tail[:4]}-{tail[4:]}")


def nowrap(text: str) -> Markup | str:
    """A day or a time kept on one line: Chinese may break between any two characters, and
    2026年11月 / 30日 cut at a phone's edge is misread by our 60-to-80-year-old readers."""
    return _whole("nowrap", text)


def day_parts(value: str | datetime.date | None) -> Markup | str:
    """``chinese_date`` kept on one line, except where a squeezed table lets its year part from the
    month and day (site.css ``.parts``): 2026年 / 11月7日, never 2026年11 / 月7日."""
    words = chinese_date(value)
    year, mark, rest = words.partition("年")
    if not (mark and rest):
        return nowrap(words)
    return Markup('<span class="nowrap parts">{}{}</span>').format(nowrap(year + mark), nowrap(rest))


# What a sentence built in Python must not break inside: a day or a month in words (with its time),
# and letters and digits joined by hyphens (a child's code BX-2026-0014, a day still written 2026-11-30).
_WHOLE = re.compile(r"\d{4}年\d{1,2}月(?:\d{1,2}日(?: \d{1,2}:\d{2}(?::\d{2})?)?)?|\d{1,2}月\d{1,2}日"
                    r"|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+")
# Longer is no code a person reads (a record's id in a message): one line of it would run past a phone.
_LONGEST_WHOLE = 24


def whole_pieces(text: str | None) -> Markup:
    """A message (a refusal, a flash, a notice: plain text, as JSON and logs want it) for a page, each
    day, time and code in it kept on one line, as the templates' own days are."""
    if isinstance(text, Markup):
        return text
    text = "" if text is None else str(text)
    out: list[Markup | str] = []
    at = 0
    for found in _WHOLE.finditer(text):
        if len(found.group()) > _LONGEST_WHOLE:
            continue
        out += [escape(text[at:found.start()]), nowrap(found.group())]
        at = found.end()
    return Markup("").join([*out, escape(text[at:])])


# A unit in full-width brackets: （场次）, （人次）, （人）.
_UNIT = re.compile(r"（[^（）]{1,6}）")


def whole_units(text: str | None) -> Markup:
    """A heading with each bracketed unit kept on one line: a narrow column broke 参与专题家长会（人次）
    as …会（人 / 次）, which reads as two headings; the words before it still wrap where they must."""
    text = "" if text is None else str(text)
    out: list[Markup | str] = []
    at = 0
    for found in _UNIT.finditer(text):
        out += [escape(text[at:found.start()]), nowrap(found.group())]
        at = found.end()
    return Markup("").join([*out, escape(text[at:])])


# Unicode's direction overrides and isolates (the "Trojan Source" set). They have no use in Chinese
# text, and one typed into a name or a record (a phone sends what it is given) turns round what follows
# it on the line: on an archive or its print, 记录人 and a date could be made to read otherwise. The records
# keep what was typed; the pages never draw these.
_DIRECTION_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def undirected(value: Any) -> Any:
    """Every ``{{ … }}`` of every page goes through this, marked-up pieces (already escaped) too."""
    if isinstance(value, Markup):
        return Markup(str.translate(value, _DIRECTION_CONTROLS))
    if isinstance(value, str):
        return value.translate(_DIRECTION_CONTROLS)
    return value


def build_templates(paths: Paths) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(paths.templates)),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        finalize=undirected,
    )

    def static_url(path: str) -> str:
        """``/static/<path>?v=<content hash>`` so a changed file is never served stale."""
        return f"/static/{path}?v={_digest(paths.static / path)}"

    env.globals["static_url"] = static_url
    env.globals["url_for"] = url_for
    env.globals["visit_date_slips"] = visit_date_slips
    env.globals["missing_parts"] = missing_parts
    env.globals["incomplete_visits"] = incomplete_visits
    env.filters["local_time"] = local_time
    env.filters["label"] = label
    env.globals["role_label"] = labels.role_label
    # In pages a day or time is running text, so it comes whole; ``*_text`` is the bare words for
    # where markup cannot go (``<title>``, attribute values, ``<option>``).
    env.filters["chinese_date"] = lambda value: nowrap(chinese_date(value))
    env.filters["chinese_time"] = lambda value: nowrap(chinese_time(value))
    env.filters["chinese_date_parts"] = day_parts
    env.filters["nowrap"] = nowrap
    env.filters["chinese_date_text"] = chinese_date
    env.filters["chinese_time_text"] = chinese_time
    env.filters["child_code"] = child_code
    env.filters["phone_number"] = phone_number
    env.filters["whole_pieces"] = whole_pieces
    env.filters["whole_units"] = whole_units
    env.filters["tel_link"] = tel_link
    env.filters["yuan"] = yuan
    env.filters["file_size"] = size_words
    return Jinja2Templates(env=env)
