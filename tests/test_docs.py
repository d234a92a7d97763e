"""The docs stay true: every setting, route, entity, field, error code and CLI command is written down.

Modelled on datasette's and sqlite-utils' ``test_docs.py``: the code is the list of what
exists, the docs must mention each item, so adding one without documenting it fails here.
"""
from __future__ import annotations

import argparse
import importlib
import pathlib
import re

import pytest

from server import errors as server_errors
from server.cli import build_parser
from server.config import SETTINGS, Settings
from server.openapi import spec
from server.routes import url_map
from sync import errors as sync_errors
from sync.entities import ENTITIES

ROOT = pathlib.Path(__file__).resolve().parents[1]
PROTOCOL = ROOT / "docs" / "sync-protocol.md"
PAGES = ROOT / "docs" / "pages.md"
README = ROOT / "README.md"


@pytest.fixture(scope="module")
def protocol() -> str:
    return PROTOCOL.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def _route_paths() -> list[tuple[str, set[str]]]:
    """Every route of the URL map with its methods (lower case, HEAD left out); a static mount is one entry."""
    return [(path, {m.lower() for m in methods} - {"head"}) for path, methods in url_map()]


def _section(doc: str, heading_start: str) -> str:
    """The text from the heading line starting with ``heading_start`` to the next heading of any level ≤ 3."""
    lines = doc.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(heading_start)]
    assert starts, f"no heading starting with {heading_start!r}"
    body = []
    for line in lines[starts[0] + 1:]:
        if re.match(r"^#{1,3} ", line):
            break
        body.append(line)
    return "\n".join(body)


def _error_codes() -> set[str]:
    """Every ``code`` the server can put in an error envelope: one per error class."""
    codes = {"internal_error", "http_404", "http_405"}
    codes.update(cls.code for cls in server_errors.error_classes())
    for value in vars(sync_errors).values():
        if isinstance(value, type) and issubclass(value, sync_errors.SyncError):
            codes.add(value.code)
    return codes


@pytest.mark.parametrize("name", [s[0] for s in SETTINGS])
def test_docs_setting_documented(protocol: str, name: str) -> None:
    assert f"`{name}`" in protocol, f"setting {name} is not in docs/sync-protocol.md"
    env = f"BANXING_{name.upper()}"
    assert f"`{env}`" in protocol, f"environment variable {env} is not in docs/sync-protocol.md"


def test_docs_settings_table_matches_dataclass() -> None:
    from dataclasses import fields


    assert [s[0] for s in SETTINGS] == [f.name for f in fields(Settings)]


@pytest.mark.parametrize(("path", "methods"), _route_paths(), ids=[p for p, _ in _route_paths()])
def test_docs_route_documented(protocol: str, path: str, methods: set[str]) -> None:
    if not path.startswith("/api/"):
        pages = PAGES.read_text(encoding="utf-8")
        for method in methods - {"get"}:
            assert f"`{method.upper()} {path}" in pages, f"{method.upper()} {path} is not in docs/pages.md"
        if not methods or "get" in methods:
            assert f"`{path}" in pages, f"page {path} is not in docs/pages.md"
    else:
        assert f"`{path}" in protocol, f"route {path} is not in docs/sync-protocol.md"
        paths = spec()["paths"]
        assert path in paths, f"route {path} is not in the OpenAPI spec"
        assert methods <= set(paths[path]), f"{path}: methods {methods} vs OpenAPI {set(paths[path])}"


def test_docs_openapi_has_no_stale_paths() -> None:
    real = {path for path, _ in _route_paths()}
    assert set(spec()["paths"]) <= real


@pytest.mark.parametrize("entity", list(ENTITIES))
def test_docs_entity_fields_documented(protocol: str, entity: str) -> None:
    section = _section(protocol, f"### `{entity}`")
    for field in ENTITIES[entity].fields:
        assert f"| `{field.name}` |" in section, f"{entity}.{field.name} is not in its table in docs/sync-protocol.md"
        if not field.writers:
            row = next(line for line in section.splitlines() if line.startswith(f"| `{field.name}` |"))
            assert "server only" in row, f"{entity}.{field.name} is server-set; its row must say so"


def test_docs_entity_tables_list_no_stale_fields(protocol: str) -> None:
    for name, entity in ENTITIES.items():
        section = _section(protocol, f"### `{name}`")
        listed = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.M))
        assert listed == set(entity.columns), f"{name}: docs list {sorted(listed)}, code has {sorted(entity.columns)}"


def test_docs_error_codes_documented(protocol: str) -> None:
    docs = protocol + PAGES.read_text(encoding="utf-8")
    missing = sorted(code for code in _error_codes() if f"`{code}`" not in docs)
    assert not missing, f"error codes missing from docs/sync-protocol.md and docs/pages.md: {missing}"


@pytest.mark.parametrize("command", list(_subcommands()))
def test_docs_cli_command_documented(protocol: str, readme: str, command: str) -> None:
    assert f"banxing {command}" in readme, f"`banxing {command}` is not in README.md"
    assert f"banxing {command}" in protocol, f"`banxing {command}` is not in docs/sync-protocol.md"
    for action in _subcommands()[command]._actions:
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                assert option in protocol, f"`banxing {command} {option}` is not in docs/sync-protocol.md"


def test_docs_readme_two_commands(readme: str) -> None:
    assert "make run" in readme
    assert "make test" in readme
    assert "docs/sync-protocol.md" in readme


def test_docs_readme_images_exist(readme: str) -> None:
    targets = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme) + re.findall(r'<img src="([^"]+)"', readme)
    assert targets, "the README shows no screenshot"
    for target in targets:
        assert (ROOT / target).is_file(), f"README embeds {target}, which does not exist"


def test_docs_readme_demo_password(readme: str) -> None:
    from server.demo import DEMO_PASSWORD

    assert DEMO_PASSWORD in readme


def test_docs_readme_lists_demo_logins(readme: str, tmp_path: pathlib.Path) -> None:
    """The README's demo table is the real ``banxing demo`` output: every login, role and name."""
    from server.demo import demo_logins, load_demo
    from server.store import Store

    store = Store(tmp_path / "demo.db")
    try:
        store.migrate()
        store.write_now(load_demo)
        users = store.read_now(demo_logins)
        # Printed in the README, the demo's password opens pages at once, not the page that asks for a new one.
        flagged = store.read_now(lambda db: db.execute(
            "SELECT login FROM users WHERE must_change_password = 1").fetchall())
        # Volunteers never sign in on the web: the demo gives them no password, nor does the README.
        volunteers_with_one = store.read_now(lambda db: db.execute(
            "SELECT login FROM users WHERE role = 'mentor' AND password_hash IS NOT NULL").fetchall())
    finally:
        store.close()
    assert users, "the demo has no logins"
    assert flagged == [], "demo accounts must not be made to change the README's password"
    assert volunteers_with_one == []
    for user in users:
        row = f"| `{user['login']}` | {user['role']} | {user['name']} |"
        assert row in readme, f"README.md has no demo-login row starting {row!r}"
        (line,) = [line for line in readme.splitlines() if line.startswith(row)]
        if user["role"] == "mentor":
            assert "banxing2026" not in line and "登记码" in line, line
        else:
            assert line.endswith(f"| `{user['password']}` |"), line


# The docs a newcomer reads. performance.md's figures are history, but the names in it are today's.
DOCS = [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "pwa" / "README.md"]
_REPO_PATH = re.compile(r"(?:server|sync|pwa|templates|tests|docs|bench)/[\w./*-]*")
_PWA_PATH = re.compile(r"(?:js|css|icons|img)/[\w./*-]+")  # pwa/README.md names its files from pwa/
# A module or a name in one, written as Python imports it: sync.users.fold_login, server.deadlines.
_DOTTED = re.compile(r"(?<![\w/.-])((?:server|sync)(?:\.[A-Za-z_]\w*)+)")
# A command as a reader would type it: `banxing …`, …/bin/banxing …, $ banxing …, or operations.md's bx ….
_COMMAND = re.compile(r"(?:(?<=`)|(?<=bin/)|(?<=\$ )|^)(?:banxing|bx) +([a-z][a-z-]*)([^`\n|;&)#]*)", re.M)


def _doc_id(doc: pathlib.Path) -> str:
    return str(doc.relative_to(ROOT))


def _resolves(dotted: str) -> bool:
    """Whether ``server.x.y`` names a module, or a name inside one, that exists."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attr in parts[split:]:
            if not hasattr(found, attr):
                return False
            found = getattr(found, attr)
        return True
    return False


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_docs_every_named_path_exists(doc: pathlib.Path) -> None:
    missing = []
    for span in re.findall(r"`([^`\n]+)`", doc.read_text(encoding="utf-8")):
        for token in span.split():
            path = token.split("::")[0].split("#")[0].rstrip(",.;:)")
            if _REPO_PATH.fullmatch(path):
                base = ROOT
            elif doc.parent.name == "pwa" and _PWA_PATH.fullmatch(path):
                base = doc.parent
            else:
                continue
            if not (any(base.glob(path)) if "*" in path else (base / path).exists()):
                missing.append(token)
    assert not missing, f"{_doc_id(doc)} names files that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_docs_every_named_module_and_function_exists(doc: pathlib.Path) -> None:
    named = set(_DOTTED.findall(doc.read_text(encoding="utf-8")))
    missing = sorted(name for name in named if not _resolves(name))
    assert not missing, f"{_doc_id(doc)} names modules or functions that do not exist: {missing}"


@pytest.mark.parametrize("doc", [*DOCS, ROOT / "Makefile"], ids=_doc_id)
def test_docs_every_command_shown_runs(doc: pathlib.Path) -> None:
    """Each `banxing <command> --flag` a doc shows is a real command taking that flag."""
    commands = _subcommands()
    wrong = []
    for match in _COMMAND.finditer(doc.read_text(encoding="utf-8")):
        name, rest = match.groups()
        if name not in commands:
            wrong.append(match.group(0).strip())
            continue
        options = {option for action in commands[name]._actions for option in action.option_strings}
        wrong += [f"banxing {name} {flag}" for flag in re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest)
                  if flag not in options]
    assert not wrong, f"{_doc_id(doc)} shows commands or flags `banxing --help` does not have: {wrong}"


def _shown_default(default: object) -> str:
    """A default as the settings table writes it: none for an empty list, empty for empty text."""
    if default == ():
        return "none"
    if default == "":
        return "empty"
    if isinstance(default, pathlib.Path | str):
        return f"`{default}`"
    return str(default)


def test_docs_settings_table_gives_each_variable_and_default(protocol: str) -> None:
    rows = {line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:4]]
            for line in _section(protocol, "## 16. Settings").splitlines() if line.startswith("| `")}
    for name, default, _ in SETTINGS:
        assert rows.get(f"`{name}`") == [f"`BANXING_{name.upper()}`", _shown_default(default)], (
            f"docs/sync-protocol.md §16: {name} reads BANXING_{name.upper()}, default {_shown_default(default)}")
