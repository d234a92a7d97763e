"""The page tests' county is built once per session and copied: each test still has its own."""
from __future__ import annotations

import pathlib
from types import SimpleNamespace

import argon2

from server.auth import verify_password
from sync import connect

from .conftest import PASSWORD, Site, password_hash


def test_the_county_accounts_password_is_cheap_to_check_and_still_signs_in(site: Site) -> None:
    assert verify_password(password_hash(), PASSWORD)
    assert not verify_password(password_hash(), PASSWORD + "x")
    assert argon2.extract_parameters(password_hash()).memory_cost < argon2.PasswordHasher().memory_cost
    site.as_(site.w.staff_st11)  # signs in through /login, the server's own check


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
