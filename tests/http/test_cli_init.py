"""``banxing init``: a real county starts from an empty disk with its county unit and one
administrator, who signs in on the web and builds the rest; nothing else can make that account."""
from __future__ import annotations

import json
import pathlib
import re
import sqlite3
import stat

import httpx2 as httpx
from starlette.testclient import TestClient

from server import create_app
from server.config import Settings
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
        # The printed password was on a terminal screen: the first page asks for one of their own.
        first = browser.get(signed_in.headers["location"], follow_redirects=True)
        assert first.status_code == 200 and "请先设置自己的密码" in first.text
        assert browser.get("/admin/units").headers["location"].startswith("/account/new-password")
        match = TOKEN_RE.search(first.text)
        assert match
        chosen = browser.post("/account/new-password", data={
            "given_password": printed["password"], "new_password": "zhou-own-pass",
            "new_password_again": "zhou-own-pass", "csrf_token": match.group(1)})
        assert chosen.status_code == 303
        home = browser.get(chosen.headers["location"], follow_redirects=True)
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


def _sign_in(client: TestClient, login: str, password: str) -> int:
    match = TOKEN_RE.search(client.get("/login").text)
    assert match
    answer = client.post("/login", data={"username": login, "password": password, "csrf_token": match.group(1)},
                         follow_redirects=False)
    return answer.status_code


def test_the_only_administrator_who_forgot_the_password_gets_a_new_one_at_the_command_line(
    tmp_path: pathlib.Path,
) -> None:
    """Nobody else could reset it on 账号, and init refuses an existing database: the county was locked out."""
    db = tmp_path / "rudong.db"
    first = json.loads(banxing("init", "--db", db, "--county", "如东县", "--admin", "zhou.admin", "--name", "周文清",
                               "--json").stdout)["password"]
    with TestClient(create_app(Settings(db_path=db, secret_keys=("k",)))) as client:
        assert _sign_in(client, "zhou.admin", first) == 303
        tries = [_sign_in(TestClient(client.app), "zhou.admin", "wrong-password") for _ in range(12)]
        assert tries[-1] == 429  # locked out as well
        reset = banxing("reset-password", "--user", "zhou.admin", "--db", db, "--json")
        assert reset.returncode == 0, reset.stderr
        printed = json.loads(reset.stdout)
        assert printed["login"] == "zhou.admin" and printed["password"] != first
        assert client.get("/account", follow_redirects=False).status_code != 200  # its sessions ended
        assert _sign_in(client, "zhou.admin", first) == 400
        assert _sign_in(client, "zhou.admin", printed["password"]) == 303
        # Printed on a terminal, the new password too must give way to one of the administrator's own.
        assert client.get("/account", follow_redirects=False).headers["location"].startswith("/account/new-password")
    audited = rows(db, "SELECT op, changes FROM sync_audit WHERE op = 'reset_password'")
    assert len(audited) == 1 and "命令行" in audited[0][1]
    text = banxing("reset-password", "--user", "zhou.admin", "--db", db)
    assert text.returncode == 0 and "新临时密码" in text.stdout


def test_reset_password_refuses_an_unknown_login_and_a_volunteer_in_a_sentence(tmp_path: pathlib.Path) -> None:
    db = tmp_path / "rudong.db"
    made = banxing("init", "--db", db, "--county", "如东县", "--admin", "zhou.admin", "--name", "周文清")
    assert made.returncode == 0
    with sqlite3.connect(db) as conn:
        county = conn.execute("SELECT id FROM units").fetchone()[0]
        conn.execute("INSERT INTO users (id, login, name, role, unit_id, active, created_at)"
                     " VALUES ('01900000-0000-7000-8000-0000000000bb', 'wang.laoshi', '王建国', 'mentor', ?, 1,"
                     " '2026-01-01T00:00:00.000Z')", [county])
    conn.close()
    for login, words in (("nobody", "没有名为"), ("wang.laoshi", "登记码")):
        refused = banxing("reset-password", "--user", login, "--db", db)
        assert refused.returncode == 2 and words in refused.stderr and "Traceback" not in refused.stderr
        assert refused.stdout == ""
    missing = banxing("reset-password", "--user", "zhou.admin", "--db", tmp_path / "typo.db")
    assert missing.returncode == 2 and "不存在" in missing.stderr and not (tmp_path / "typo.db").exists()
