"""What the generated tests of the web pages share (test_form_fuzz.py posts every form,
test_query_fuzz.py sends every page hostile query strings): the URL map walked for its pages, the
hostile values, what a page must never show, and hypothesis' settings."""
from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from server.routes import url_map

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))

TRACE = re.compile(r"Traceback|File \"/|\b[A-Z][A-Za-z]*(Error|Exception)\b|sqlite3\.|line \d+, in ")
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# Which table a path parameter's ids come from.
ID_TABLES = {"mentee_id": "mentees", "mentor_id": "users", "pairing_id": "pairings", "activity_id": "activities",
             "event_id": "events", "conflict_id": "sync_conflicts", "referral_id": "referrals",
             "return_id": "stats_returns", "inspection_id": "inspections", "unit_id": "units", "user_id": "users"}


def web_routes() -> list[tuple[str, frozenset[str]]]:
    """Every route of the URL map off /api/, with its methods."""
    return [(path, methods) for path, methods in url_map() if methods and not path.startswith("/api/")]


GET_ROUTES = sorted(p for p, m in web_routes() if "GET" in m)


def route_pattern(route: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(route)) + "$")


def concrete(route: str, ids: dict[str, list[str]]) -> list[str]:
    """``route`` with each id of its path parameter's pool in place of the parameter."""
    params = re.findall(r"\{([^}]+)\}", route)
    if not params:
        return [route]
    (param,) = params
    return [route.replace("{" + param + "}", i) for i in ids.get(param, [])]


FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
NASTY = ["", " ", "\x00", "\ud800", "a\udfffb", "\x1b[31m", "\u202e", "\ufeff", "null", "None", "true", "-1", "0",
         "-0", "1e309", "NaN", "inf", "99999999999999999999999999999", str(-(2**63)), str(2**64), "0x10", "１２",
         "٣", "2026-02-30", "0000-01-01", "9999-12-31", "20261301", "2026-13-01", "2026/11/20", "2026-11-20T00:00",
         "01900000-0000-7000-8000-000000000000", "not-an-id", "../../etc/passwd", "%00", "<script>x</script>",
         "'; DROP TABLE users; --", "x" * 10_000, "长" * 10_000, "\r\n" * 50, "[]", "{}", "a,b", "\ud83d\ude00"]

hostile_text = st.text(st.sampled_from(list("0123456789-:.,/ aZ年月日长") + ["\x00", "\x07", "\x7f", "\u2028", "\ud800",
                                                                        "\udc00", "\uff10", "\u0663", "\u200b"]),
                       max_size=40)


def mutated(value: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(value.translate(FULL_WIDTH)), st.just(value.translate(ARABIC_INDIC)), st.just(value * 3),
        st.just(value + "\x00"), st.just(value[: len(value) // 2]), st.just(value.replace("-", "")),
        st.just("-" + value), st.just(value + "\ud800"), st.just(value + "x" * 10_000),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        hostile_text.map(lambda extra: value + extra),
    )


def as_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate goes as the bytes a broken client sends


def fuzz_settings(factor: int) -> settings:
    # No shrinking: the site keeps what the accepted requests wrote, so a failing one replayed later
    # meets another database; the first failure, as sent, is the one to read.
    return settings(max_examples=EXAMPLES * factor, deadline=None, database=None,
                    phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])
