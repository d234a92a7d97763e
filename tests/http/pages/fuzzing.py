"""What the generated tests of the web pages share (test_form_fuzz.py posts every form,
test_query_fuzz.py sends every page hostile query strings): the URL map walked for its pages, the
hostile values, what a page must never show, the site both run against, and hypothesis' settings."""
from __future__ import annotations

import datetime
import hashlib
import os
import pathlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from unittest.mock import patch

import pytest
import sqlite_utils
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from server import create_app
from server.config import Settings
from server.routes import url_map
from server.store import Store
from sync import connect, new_id
from sync.system import SYSTEM
from sync.users import save_user

from ...factories import (
    date_last_school_year,
    end_pairing,
    make_activity,
    make_county,
    make_mentee,
    make_pairing,
    mutate,
    push,
    remove,
    upsert,
)
from .conftest import Browser, Site, password_hash
from .station import conflict_on_activity1

T = TypeVar("T")

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))

TRACE = re.compile(r"Traceback|File \"/|\b[A-Z][A-Za-z]*(Error|Exception)\b|sqlite3\.|line \d+, in ")
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# Which table a path parameter's ids come from.
ID_TABLES = {"mentee_id": "mentees", "mentor_id": "users", "pairing_id": "pairings", "activity_id": "activities",
             "event_id": "events", "conflict_id": "sync_conflicts", "referral_id": "referrals",
             "return_id": "stats_returns", "inspection_id": "inspections", "unit_id": "units", "user_id": "users",
             "peer_id": "peer_helpers", "donation_id": "donations"}

# The web people each fuzz acts as (and someone signed out, "stranger"); ``new_staff`` has still to
# choose the password someone else set.
ROLES = ("admin", "reviewer", "staff_town1", "staff_st11", "staff_st12", "new_staff")


class Brief:
    """A dataclass hypothesis prints as its short ``__repr__``, not field by field as it would.

    Printed in full, the test's arguments (the site and every page or form it found) came to over
    30,000 characters: the replay that prints a failure then met hypothesis' "overly large repr"
    warning (an error under ``filterwarnings = error``) before it drew anything, and hypothesis
    reported a ``FlakyStrategyDefinition`` in place of the failure."""

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


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
    # Shrunk: everything a request sends is drawn before it is sent, from pages and ids read once per
    # module, so a failure replays from its choices (a failure that hangs on what an earlier post wrote
    # replays as hypothesis' FlakyFailure, which still shows the first one). ``print_blob`` prints the
    # @reproduce_failure that runs it again.
    return settings(max_examples=EXAMPLES * factor, deadline=None, database=None, print_blob=True,
                    phases=(Phase.explicit, Phase.generate, Phase.shrink),
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


def drawn_with_fixed_seed(strategy: st.SearchStrategy[T], examples: int) -> list[str]:
    """A digest of each of ``examples`` values drawn from ``strategy`` with a fixed seed: the same list
    each time only if what is drawn hangs on hypothesis' choices alone (not on ``new_id()``, the clock
    or what the site answered)."""
    out: list[str] = []

    @settings(max_examples=examples, derandomize=True, database=None, phases=(Phase.generate,), deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(value=strategy)
    def draw(value: T) -> None:
        digest = hashlib.sha256()
        _feed(digest, value)
        out.append(digest.hexdigest())

    draw()
    return out


def _feed(digest: Any, value: object) -> None:
    if isinstance(value, bytes):  # a 6 MB upload as it is, not its four times longer repr
        digest.update(value)
    elif isinstance(value, tuple | list):
        for item in value:
            _feed(digest, item)
    else:
        digest.update(repr(value).encode("utf-8", "surrogatepass"))


def failure_is_reported(site: Brief, strategy: st.SearchStrategy[Any], what: str) -> None:
    """A given-test that fails on its first draw from ``strategy``, with ``site`` (the module's
    fixture) among its arguments as the fuzz tests have it, ends in its own failure, shrunk and
    printed: not a ``FlakyStrategyDefinition``, which the replay that prints the arguments gave."""
    @fuzz_settings(1)
    @given(data=st.data())
    def finds(site: Brief, data: st.DataObject) -> None:
        data.draw(strategy, label=what)
        raise AssertionError(f"found by a {what}")

    with pytest.raises(AssertionError, match=f"found by a {what}"):
        finds(site)


@contextmanager
def fuzz_site(path: pathlib.Path, secret: str, populate: Callable[[sqlite_utils.Database, Any], None]
              ) -> Iterator[tuple[Site, dict[str, Browser], dict[str, list[str]]]]:
    """The real app over a migrated county at ``path`` (``make_county``, then ``populate``, which
    must add ``w.new_staff``): the site, a browser signed in as each of ``ROLES`` and a "stranger"
    signed out, and the ids of each table a URL names (``ID_TABLES``). A conflict on activity 1
    gives /conflicts/{id} a page and a form. The clients are closed when the block ends."""
    settings_ = Settings(db_path=path, secret_keys=(secret,))
    store = Store(path)
    store.migrate()
    store.close()
    db = connect(path)
    try:
        w = make_county(db, password_hash())
        # A class of the 骨干学生 register in each of the two units the fuzzing staff work in.
        mutate(db, w.staff_st11, "peer_helper", {"unit_id": w.st11, "class_name": "掘港小学辅导站", "boy_name": "钱睿"})
        mutate(db, w.staff_st12, "peer_helper", {"unit_id": w.st12, "class_name": "七(2)班", "girl_name": "李思雨"})
        # 爱心捐助 to a child of 掘港小学辅导站 (money, and goods): a donation's page and its edit form.
        mutate(db, w.staff_st11, "donation", {"mentee_id": w.mentee1, "date": "2026-11-03", "amount_fen": 50_000})
        mutate(db, w.staff_st11, "donation", {"mentee_id": w.mentee2, "date": "2026-11-04", "goods": "冬衣",
                                              "items": 2})
        # An open 自伤自残 flag of 掘港小学辅导站: /risk-flags (the county's, the town's and the station's
        # list) shows a row, with its links, and /staff the form to write its handling.
        make_activity(db, w.mentor1, w.pairing1, date="2026-11-21", risk_flag=True)
        # 李老师's phone sent a 面对面谈心 of the day of her home visit (activity2): both visits' pages are
        # marked 可能重复 and carry the forms that delete the extra one (/activities/{id}/delete) and
        # say they are two (/activities/{id}/not-twin).
        make_activity(db, w.mentor2, w.pairing2, date="2026-11-20", kind="talk", record="手机上又记了一次")
        # A flagged visit 李老师's phone sent after the station ended her pairing with 小刚: refused and
        # kept, first on /staff with its 归入原结对 form, and on /risk-flags and the dashboard.
        ended = make_pairing(db, w.staff_st11, w.mentor2, w.mentee_unpaired)
        end_pairing(db, w.staff_st11, ended, end_date="2026-11-24")
        push(db, w.mentor2, upsert("activity", new_id(), {"pairing_id": ended, "kind": "home_visit",
                                                          "date": "2026-11-20", "record": "离线时记下的风险",
                                                          "risk_flag": True}, 901))
        # And one of a child whose file the station deleted since: it can never be filed, so its row
        # on the phone-import page and its card on /staff carry the 不收进系统 form (close_refusal) open.
        gone = make_mentee(db, w.staff_st11, w.st11)
        gone_pairing = make_pairing(db, w.staff_st11, w.mentor2, gone)
        end_pairing(db, w.staff_st11, gone_pairing, end_date="2026-11-24")
        remove(db, w.staff_st11, "mentee", gone)
        push(db, w.mentor2, upsert("activity", new_id(), {"pairing_id": gone_pairing, "kind": "home_visit",
                                                          "date": "2026-11-21", "record": "孩子的档案删除后送来",
                                                          "risk_flag": True}, 902))
        # 升年级 (/units/{id}/promote-grades) shows its form for a child with a grade, from September.
        mutate(db, w.staff_st11, "mentee", {"grade": "五年级"}, w.mentee2,
               base_version=db.execute("SELECT version FROM mentees WHERE id = ?", [w.mentee2]).fetchone()[0])
        date_last_school_year(db)  # her grade was typed last school year: a grade typed since is not promoted
        populate(db, w)
    finally:
        db.close()
    app = create_app(settings_)
    # The 升年级 form is not shown in July and August (the children are in last year's grade until
    # 1 September): the fuzz reaches it whatever month it runs in.
    with TestClient(app), patch("server.pages.grade_promotion.local_today", lambda: datetime.date(2026, 9, 7)):
        site = Site(app, w, settings_, [])
        site.write(lambda db: save_user(db, SYSTEM, {"must_change_password": True}, user_id=w.new_staff.user_id))
        browsers = {role: site.as_(getattr(w, role)) for role in ROLES} | {"stranger": site.browser()}
        conflict_on_activity1(site, browsers["staff_st11"])
        ids = site.read(lambda db: {param: [r[0] for r in db.execute(f"SELECT id FROM [{table}] ORDER BY id")]
                                    for param, table in ID_TABLES.items()})
        try:
            yield site, browsers, ids
        finally:
            for client in site._clients:
                client.__exit__(None, None, None)
