"""The page tests' county is built once per session and copied: each test still has its own."""
from __future__ import annotations

import pathlib
import threading
from types import SimpleNamespace

import argon2

from server.auth import verify_password
from sync import connect

from .conftest import PASSWORD, Site, at_once, password_hash


def test_the_county_accounts_password_is_cheap_to_check_and_still_signs_in(site: Site) -> None:
    assert verify_password(password_hash(), PASSWORD)
    assert not verify_password(password_hash(), PASSWORD + "x")
    assert argon2.extract_parameters(password_hash()).memory_cost < argon2.PasswordHasher().memory_cost
    site.as_(site.w.staff_st11)  # signs in through /login, the server's own check


def test_the_county_accounts_share_one_password_hash_made_once() -> None:
    assert password_hash() == password_hash(), "argon2 salts each hash: a second one means hashing again"


def test_at_once_runs_its_calls_together_and_again_each_time_it_is_called() -> None:
    """Two clerks posting at once, twice over with the same two posts, post four times: at_once
    remembers nothing, neither its answers nor (for the rest of the run) the browsers it was given."""
    meet = threading.Barrier(2, timeout=10)  # each post waits for the other: they run together
    posts: list[int] = []

    def post() -> int:
        meet.wait()
        posts.append(1)
        return len(posts)

    first, second = at_once(post, post), at_once(post, post)
    assert len(posts) == 4 and sorted(first + second) == [1, 2, 3, 4]


def test_each_site_has_its_own_copy_of_the_session_county(
    site: Site, county_file: tuple[pathlib.Path, SimpleNamespace]
) -> None:
    assert site.settings.db_path != county_file[0]
    assert site.w is not county_file[1] and vars(site.w) == vars(county_file[1])
    site.write(lambda db: db.execute("UPDATE mentees SET name = '改过' WHERE id = ?", [site.w.mentee1]))
    template = connect(county_file[0], readonly=True)
    try:
        (name,) = template.execute("SELECT name FROM mentees WHERE id = ?", [site.w.mentee1]).fetchone()
    finally:
        template.close()
    assert name == "小明"
