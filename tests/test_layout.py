"""The borders of the code base, checked: who may import what, who may open a connection,
and that the wheel carries everything a server needs.

- ``sync/`` is the one write path and knows nothing of HTTP: no ``starlette``, no ``server``.
- Only the Store, ``server/store.py`` and its readers ``server/readers.py`` (and ``sync/db.py``, which
  they call), open SQLite connections; the CLI's backup and restore copy whole files with the online
  backup API.
- Every Python package is listed in pyproject.toml, so the wheel is complete.
"""
from __future__ import annotations

import ast
import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
# preflight.py reads the file once, read-only, before `banxing serve` opens its Store.
CONNECTORS = {
    "sync/db.py", "server/store.py", "server/readers.py", "server/cli.py", "server/backup.py", "server/preflight.py",
}


def _imports(path: pathlib.Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _python_files(folder: str) -> list[pathlib.Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_layout_sync_imports_no_http_and_no_server() -> None:
    for path in _python_files("sync"):
        bad = {n for n in _imports(path) if n.split(".")[0] in ("starlette", "server", "uvicorn", "jinja2")}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}; sync/ must not know HTTP"


def test_layout_queries_import_no_http() -> None:
    for path in _python_files("server/queries"):
        bad = {n for n in _imports(path) if n.split(".")[0] in ("starlette", "uvicorn", "jinja2")}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}; the read layer must not know HTTP"


def test_layout_only_the_store_opens_connections() -> None:
    for folder in ("sync", "server"):
        for path in _python_files(folder):
            rel = str(path.relative_to(ROOT))
            if rel in CONNECTORS:
                continue
            text = path.read_text(encoding="utf-8")
            assert "sqlite3.connect(" not in text and "connect(" not in _calls(text), (
                f"{rel} opens a connection; handlers and queries take a db from the Store"
            )


def _calls(text: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            names.add(node.func.id + "(")
    return names


def test_layout_every_package_ships_in_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for folder in ("server", "sync") for init in (ROOT / folder).rglob("__init__.py")
    }
    assert found <= listed, f"packages missing from pyproject.toml: {sorted(found - listed)}"
    assert config["tool"]["setuptools"]["package-dir"] == {"server._templates": "templates", "server._pwa": "pwa"}


def test_layout_wheel_carries_templates_static_files_and_the_phone_app(tmp_path: pathlib.Path) -> None:
    import shutil
    import subprocess
    import sys
    import zipfile

    # Build from a copy: setuptools leaves a build/ folder in the tree it builds.
    source = tmp_path / "src"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("server", "sync", "templates", "pwa"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    out = tmp_path / "dist"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (wheel,) = out.glob("banxing-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"server/_templates/{p.relative_to(ROOT / 'templates')}" for p in (ROOT / "templates").rglob("*.html")}
    expected |= {f"server/_pwa/{p.relative_to(ROOT / 'pwa')}" for p in (ROOT / "pwa").rglob("*") if p.is_file()}
    expected |= {f"server/static/{p.relative_to(ROOT / 'server/static')}"
                 for p in (ROOT / "server/static").rglob("*") if p.is_file()}
    assert expected <= names, f"the wheel lacks {sorted(expected - names)[:10]}"
