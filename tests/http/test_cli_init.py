"""``banxing init``: a real county starts from an empty disk with its county unit and one
administrator, who signs in on the web and builds the rest; nothing else can make that account."""
from __future__ import annotations

import json
import pathlib
import re
import stat

import httpx2 as httpx

from sync.system import SYSTEM_USER_ID

from .test_cli import banxing, rows
from .test_cli_operations import serving

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_init_makes_a_county_whose_administrator_signs_in_with_the_printed_password(tmp_path: pathlib.Path) -> None:
    db = tmp_path / "data" / "rudong.db"
    made = banxing("init", "--db", db, "--county", "如东县", "--admin", "zhou.admin", "--name", "周文清", "--json")
    assert made.returncode == 0, made.stderr
    printed = json.loads(made.stdout)
    assert printed["login"] == "zhou.admin" and len(printed["password"]) == 14
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert rows(db, "SELECT name, kind, parent_id FROM units WHERE deleted = 0") == [("如东县", "county", None)]
    assert rows(db, "SELECT login, name, role, active FROM users WHERE id != ?", SYSTEM_USER_ID) == [
        ("zhou.admin", "周文清", "admin", 1)]
    with serving(db) as url, httpx.Client(base_url=url) as browser:
        match = TOKEN_RE.search(browser.get("/login").text)
        assert match
        signed_in = browser.post("/login", data={"username": "zhou.admin", "password": printed["password"],
                                                 "csrf_token": match.group(1)})
        assert signed_in.status_code == 303, signed_in.text
        home = browser.get(signed_in.headers["location"], follow_redirects=True)
        assert home.status_code == 200 and "周文清" in home.text  # the empty county's first page
        units = browser.get("/admin/units")
        assert units.status_code == 200 and "如东县" in units.text


def test_init_never_touches_an_existing_database_and_leaves_nothing_when_refused(tmp_path: pathlib.Path) -> None:
    db = tmp_path / "rudong.db"
    assert banxing("init", "--db", db, "--county", "如东县", "--admin", "admin", "--name", "周文清").returncode == 0
    before = db.read_bytes()
    again = banxing("init", "--db", db, "--county", "如皋市", "--admin", "other", "--name", "李明")
    assert again.returncode == 2 and "已经存在" in again.stderr and "Traceback" not in again.stderr
    assert db.read_bytes() == before
    bad = tmp_path / "bad.db"
    for args in (["--county", "如东县", "--admin", "Not A Login", "--name", "周文清"],
                 ["--county", "", "--admin", "admin", "--name", "周文清"]):
        refused = banxing("init", "--db", bad, *args)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
        assert refused.stderr.strip()
        assert not list(tmp_path.glob("bad.db*")), "a refused init leaves no file to refuse the next try"
