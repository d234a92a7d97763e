"""Rules the phone app's source keeps, read from the files (no browser needed).

- No pop-ups (alert, confirm, prompt): old eyes miss them and they block the page.
- No key-event handlers: they break Chinese IME composition and voice input; forms listen to
  ``input`` and ``change``.
- No ``innerHTML``/``outerHTML``/``insertAdjacentHTML``/``document.write``: text from a person or
  the server is never parsed as markup.
- No inline script or style in the shell (the CSP forbids both), no ``eval``/``new Function``.
- Every Chinese word the app shows lives in strings.js.
- Lines of at most 120 columns, CJK characters counting double, as in the Python code.
"""
from __future__ import annotations

import pathlib
import re
import unicodedata

import pytest

PWA = pathlib.Path(__file__).resolve().parents[2] / "pwa"
SOURCES = sorted(p for p in PWA.rglob("*") if p.suffix in (".js", ".css", ".html"))
SCRIPTS = [p for p in SOURCES if p.suffix == ".js"]


def _code(path: pathlib.Path) -> str:
    """The file without its comments (so a comment may name what the code must not do)."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(re.sub(r"(^|\s)//.*$", "", line) for line in text.splitlines())


@pytest.mark.parametrize("path", SCRIPTS, ids=[str(p.relative_to(PWA)) for p in SCRIPTS])
def test_pwa_script_has_no_popups_key_handlers_or_html_parsing(path: pathlib.Path) -> None:
    code = _code(path)
    for pattern in (r"\balert\(", r"\bconfirm\(", r"\bprompt\(", r"keydown", r"keyup", r"keypress",
                    r"innerHTML", r"outerHTML", r"insertAdjacentHTML", r"document\.write", r"\beval\(",
                    r"new Function"):
        assert not re.search(pattern, code), f"{path.name} uses {pattern}"


@pytest.mark.parametrize("path", [p for p in SCRIPTS if p.name not in ("strings.js",)],
                         ids=[str(p.relative_to(PWA)) for p in SCRIPTS if p.name != "strings.js"])
def test_pwa_chinese_words_live_in_strings_js(path: pathlib.Path) -> None:
    chinese = [line.strip() for line in _code(path).splitlines() if re.search(r"[\u4e00-\u9fff]", line)]
    assert not chinese, f"{path.name} shows Chinese outside strings.js: {chinese[:3]}"


def test_pwa_shell_has_no_inline_script_or_style() -> None:
    shell = (PWA / "index.html").read_text(encoding="utf-8")
    assert "<style" not in shell and " style=" not in shell
    assert re.findall(r"<script[^>]*>", shell) == ['<script type="module" src="js/main.js">']


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PWA)) for p in SOURCES])
def test_pwa_lines_fit_120_columns(path: pathlib.Path) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        assert width <= 120, f"{path.name}:{number} is {width} columns"
