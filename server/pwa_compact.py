"""The phone app's comments and indentation stay in the source, not on the wire.

The app's modules explain themselves in comments, as the rest of the code does, and a phone on
2G pays for every byte of its first load (issue 9: at most 100 KB before compression;
docs/performance.md). So when the app is built, a script goes out without its ``//`` comments,
its indentation, its empty lines, the spaces that part no tokens (``_space_needed``), the line
ends after ``;``, ``{``, ``,``, ``(`` and the like (``_JOINS``) with a comma left before a closing
bracket on the next line (a trailing comma means nothing there) and those before a line that goes
on (``_LEADS``: ``.then(…)``, ``? a : b``, ``}``), and the stylesheet without its ``/* */`` comments,
indentation, the spaces beside ``{``, ``}``, ``;``, ``,`` and ``>``, the spaces after a ``:`` (never
before one: ``a :hover`` is not ``a:hover``), the ``;`` before a ``}`` and the ``0`` of ``0.5``. Every
other character is sent as written: no renaming, and no line joined where JavaScript might insert a semicolon.

No minifier and no parser: a small scanner that knows where strings, template literals, block
comments and regular expressions begin and end, because a line of a template literal that
happens to start with ``//``, or holds spaces, is text. A file it cannot follow to a clean end is
shipped as it is.
"""
from __future__ import annotations

import json
import re

# After one of these (or at the start of a line), a ``/`` begins a regular expression, not a
# division.
_REGEX_AFTER_CHARS = set("(,=:[!&|?{};+-*%<>~^")
_REGEX_AFTER_WORDS = {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void",
                      "throw", "instanceof", "yield", "await"}
_WORD_END = re.compile(r"[A-Za-z_$][\w$]*$")
# A line of code that ends with one of these is joined to the next: after them a line end never
# changes how JavaScript reads on (no semicolon is inserted there, and no restricted production such
# as ``return`` or a postfix ``++`` spans it). Not after ``}``: ``{}`` then ``++x`` on the next line
# is two statements; not after ``+`` or ``-``: ``x++`` ends in one.
_JOINS = (";", "{", ",", "(", "[", "=>", "&&", "||", "?")
# A line of code that starts with one of these goes on the line before: none can begin a statement,
# so no semicolon was inserted before it (before a ``}`` one is inserted with or without the line end).
_LEADS = ("}", ")", "]", ".", "?", ":", "&&", "||")
_LINE = re.compile(r"[^\n]*\n|[^\n]+")  # at "\n" only: str.splitlines also splits at characters a string may hold
_CSS_STRING = re.compile(r"(\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*')")
_CSS_SPARE = re.compile(r"\s*([{};,>])\s*")  # ">" parts a child from its parent, and a media range
_CSS_LEADING_ZERO = re.compile(r"(?<![\w.#-])0(?=\.\d)")  # 0.5rem is .5rem; not 10.5, #0.5 or x-0.5
# A declaration's value starts at its first non-space character, so the spaces after its ``:`` are
# spare; a selector holds no ``:`` followed by a space. The last declaration of a block needs no ``;``.
_CSS_AFTER_COLON = re.compile(r":\s+")
_CSS_LAST_SEMICOLON = re.compile(r"(?<!:);}")  # not "--x: ;}": an empty custom property keeps its ";"
_CSS_TOKEN = re.compile(r"/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|/\*|[\"']", re.S)


class _Lost(Exception):
    """The scanner met something it does not follow; the file is shipped unchanged."""


def compact_script(source: str) -> str:
    try:
        return "".join(_script_lines(source))
    except _Lost:
        return source


def compact_manifest(source: str) -> str:
    """The manifest is JSON: the same members, without the spaces and line ends that lay it out."""
    try:
        return json.dumps(json.loads(source), ensure_ascii=False, separators=(",", ":"))
    except ValueError:
        return source


def compact_stylesheet(source: str) -> str:
    """``/* */`` comments out (not inside a quoted string), then indentation and empty lines."""
    kept: list[str] = []
    end = 0
    for token in _CSS_TOKEN.finditer(source):
        text = token.group()
        if text in ('"', "'", "/*"):
            return source  # a string or comment left open: not ours to guess at
        if text.startswith("/*"):
            kept.append(source[end:token.start()])
            end = token.end()
    kept.append(source[end:])
    lines = (line.strip() for line in "".join(kept).split("\n"))
    text = "".join(line + "\n" for line in lines if line)
    # Outside quoted strings, no space or line end is needed beside these four, nor after a colon.
    return "".join(part if part[:1] in "\"'" else _css_spare_out(part) for part in _CSS_STRING.split(text))


def _css_spare_out(code: str) -> str:
    code = _CSS_LEADING_ZERO.sub("", code)
    return _CSS_LAST_SEMICOLON.sub("}", _CSS_AFTER_COLON.sub(":", _CSS_SPARE.sub(r"\1", code)))


def _regex_may_start(before: str) -> bool:
    code = before.rstrip()
    if not code or code[-1] in _REGEX_AFTER_CHARS:
        return True
    word = _WORD_END.search(code)
    return word is not None and word.group() in _REGEX_AFTER_WORDS


def _script_lines(source: str) -> list[str]:
    out: list[str] = []
    comma_joined = False  # the line before ended in a comma of code and this one goes on it
    open_end = False  # the line before ended in code and kept its line end (a line of _LEADS may take it)
    # What is open at the end of the text so far: "`" a template literal, "{" a brace of code
    # (inside a template's ${…} or not), "/*" a block comment. Empty, or "{" on top: code.
    stack: list[str] = []
    for line in _LINE.findall(source):
        text = line.rstrip("\n")
        in_code = not stack or stack[-1] == "{"
        kept = _scan_line(text, stack)
        ends_in_code = not stack or stack[-1] == "{"
        if comma_joined and in_code and kept[:1] in ("}", "]", ")") and out[-1][-2:-1] not in ("", ",", "["):
            out[-1] = out[-1][:-1]  # a trailing comma before its closing bracket means nothing (not [a,,])
        if kept:
            comma_joined = ends_in_code and kept.endswith(",")
        if open_end and in_code and kept.startswith(_LEADS):
            out[-1] = out[-1][:-1] + (" " if _space_needed(out[-1][-2:-1], kept[0]) else "")
        open_end = False
        if kept and ends_in_code and kept.endswith(_JOINS):
            out.append(kept)  # the next line goes on this one
        elif kept or not (in_code and ends_in_code):
            out.append(kept + line[len(text):])
            open_end = bool(kept) and ends_in_code and out[-1].endswith("\n")
    if stack:
        raise _Lost
    if out and source.endswith("\n") and not out[-1].endswith("\n"):
        out.append("\n")
    return out


def _space_needed(before: str, after: str) -> bool:
    """Whether the spaces between two characters of code keep two tokens apart: two words
    (``return x``), ``+ +`` and ``- -`` (not ``++``), a digit and a dot (``1 .toString``), and
    anything beside a ``/`` (a division, a regular expression or a comment is read from it)."""
    if not before or not after:
        return False
    if _is_word(before) and _is_word(after):
        return True
    return (before in "+-" and after == before) or "/" in (before, after) or (before.isdigit() and after == ".")


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch in "_$\\" or ord(ch) > 127


def _scan_line(line: str, stack: list[str]) -> str:
    """What of ``line`` is sent, following it from where ``stack`` says the text before left off
    and updating ``stack``: in code, no comment and no space that parts no tokens."""
    kept: list[str] = []
    n = len(line)
    i = 0
    while i < n:
        ch = line[i]
        top = stack[-1] if stack else None
        if top == "/*":
            close = line.find("*/", i)
            end = n if close < 0 else close + 2
            if close >= 0:
                stack.pop()
        elif top == "`":
            end = i + 1
            if ch == "\\":
                end = i + 2
            elif ch == "`":
                stack.pop()
            elif line.startswith("${", i):
                stack.append("{")
                end = i + 2
        elif ch in " \t\r":
            end = i
            while end < n and line[end] in " \t\r":
                end += 1
            after = line[end] if end < n and not line.startswith("//", end) else ""
            if _space_needed(kept[-1][-1] if kept else "", after):
                kept.append(" ")
            i = end
            continue
        elif line.startswith("//", i):
            break
        elif line.startswith("/*", i):
            stack.append("/*")
            end = i + 2
        elif ch in "'\"":
            end = _skip_quoted(line, i, ch)
        elif ch == "`":
            stack.append("`")
            end = i + 1
        elif ch == "{":
            stack.append("{")
            end = i + 1
        elif ch == "}":
            if top != "{":
                raise _Lost
            stack.pop()  # back in the template literal if this brace closed a ${…}
            end = i + 1
        elif ch == "/" and _regex_may_start(line[:i]):
            end = _skip_regex(line, i)
        else:
            end = i + 1
        kept.append(line[i:end])
        i = end
    return "".join(kept)


def _skip_quoted(line: str, start: int, quote: str) -> int:
    i = start + 1
    while i < len(line):
        if line[i] == "\\":
            i += 2
        elif line[i] == quote:
            return i + 1
        else:
            i += 1
    raise _Lost  # a string left open at the end of its line (a line continuation: not in our code)


def _skip_regex(line: str, start: int) -> int:
    i, in_class = start + 1, False
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "/" and not in_class:
            return i + 1
        i += 1
    raise _Lost
