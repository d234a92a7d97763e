"""The phone app ships without its comments and indentation, and nothing else of it changes."""
from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess

import pytest

from server.paths import resolve
from server.pwa_compact import compact_manifest, compact_script, compact_stylesheet

PWA = resolve().pwa


def test_comments_indentation_and_empty_lines_go_and_each_line_of_code_keeps_its_end() -> None:
    source = "// why\n\nfunction f(a, b) {\n  // why\n  return a + b; // how\n}\n"
    assert compact_script(source) == "function f(a,b){return a+b;}\n"


def test_comment_lines_inside_a_template_expression_go() -> None:
    source = "const t = `${\n    // why\n    1}`;\n"
    assert compact_script(source) == "const t=`${1}`;\n"


def test_a_template_literal_keeps_every_character_of_its_lines() -> None:
    source = "  const t = `first\n  // part of the text\n\n    indented text\n${x}`; // a comment\n"
    assert compact_script(source) == "const t=`first\n  // part of the text\n\n    indented text\n${x}`;\n"


def test_strings_and_regular_expressions_keep_their_slashes() -> None:
    source = "const u = 'http: //x'; const v = \"a  //\"; const r = /\\/ \\//g; // why\n"
    assert compact_script(source) == "const u='http: //x';const v=\"a  //\";const r= /\\/ \\//g;\n"


def test_a_block_comment_is_left_as_it_is() -> None:
    source = "/* a\n  // inside the block\n*/\nconst a = 1;\n"
    assert compact_script(source) == "/* a\n  // inside the block\n*/\nconst a=1;\n"


@pytest.mark.parametrize("opener", [
    "const s = '`';", 'const s = "`";', "const r = /`/;", "const r = x.replace(/[`/]/g, '');",
    "if (a) return /`/.test(s);",
])
def test_a_backtick_in_a_string_or_a_regular_expression_opens_no_template(opener: str) -> None:
    shipped = compact_script(f"{opener}\n  // why\n  const b = 2;\n")
    assert shipped.endswith(";const b=2;\n") and shipped.count("\n") == 1


def test_a_line_ending_where_javascript_could_insert_a_semicolon_stays() -> None:
    source = "const a = {\n  b: 1,\n  c: [d,\n    e],\n}\n++f\nreturn\ng\nh()\n[i] = j;\nk();\n"
    assert compact_script(source) == "const a={b:1,c:[d,e]}\n++f\nreturn\ng\nh()\n[i]=j;k();\n"


def test_a_trailing_comma_before_its_closing_bracket_goes_but_an_empty_slot_stays() -> None:
    """``[a,\n]`` and ``f(a,\n)`` read as ``[a]`` and ``f(a)``; ``[a,,\n]`` holds a hole, which stays."""
    source = "const o = {\n  a: 1,\n  // why\n};\nf(\n  a,\n  [b,\n  ],\n);\nconst h = [a,,\n];\n"
    assert compact_script(source) == "const o={a:1};f(a,[b]);const h=[a,,];\n"


def test_a_line_that_goes_on_joins_the_line_before_but_one_that_may_start_a_statement_does_not() -> None:
    source = ("const p = load()\n  .then((x) =>\n    x ? 1\n      : 2)\n  && ok\nfunction f() {\n  return\n}\n"
              "const n = 1\n  .toFixed()\nx++\ny\nconst t = `a\n.b`\n")
    assert compact_script(source) == ("const p=load().then((x)=>x?1:2)&&ok\nfunction f(){return}\n"
                                      "const n=1 .toFixed()\nx++\ny\nconst t=`a\n.b`\n")


def test_a_comma_at_the_end_of_a_template_literals_line_is_text() -> None:
    source = "const t = `a,\n]`;\n"
    assert compact_script(source) == "const t=`a,\n]`;\n"


def test_a_file_saved_with_windows_line_ends_ships_as_the_same_script() -> None:
    source = "// why\nconst a = {\n  b: 'x',\n};\nf(a)\n"
    assert compact_script(source.replace("\n", "\r\n")) == compact_script(source) == "const a={b:'x'};f(a)\n"


def test_a_division_is_not_taken_for_a_regular_expression() -> None:
    source = "const half = total / 2; const q = (a) / (b) / c; // why\n"
    assert compact_script(source) == "const half=total / 2;const q=(a) / (b) / c;\n"


@pytest.mark.parametrize(("source", "shipped"), [
    ("return x in y;", "return x in y;"),  # two words
    ("a + +b; c - -d; e++ + f;", "a+ +b;c- -d;e++ +f;"),  # not ++ or --
    ("const s = 1 .toString();", "const s=1 .toString();"),  # not the number 1.
    ("x = y / z; w = a / /re/.source.length;", "x=y / z;w=a / /re/.source.length;"),  # beside a /
    ("if (a) { b(); } else { c(); }", "if(a){b();}else{c();}"),
])
def test_a_space_goes_only_where_it_parts_no_tokens(source: str, shipped: str) -> None:
    assert compact_script(source + "\n") == shipped + "\n"


@pytest.mark.parametrize("source", [
    "const t = `never closed\n  // kept\n",  # a template left open
    "const s = 'never closed\n  // kept\n",  # a string left open at its line's end
    "}\n  // kept\n",  # a brace closed that was never opened
])
def test_a_script_the_scanner_cannot_follow_is_shipped_unchanged(source: str) -> None:
    assert compact_script(source) == source


def test_the_stylesheet_loses_comments_and_indentation_but_not_its_strings() -> None:
    source = '/* why */\nbody {\n  font: 1rem "A /* B */";\n}\n\n.a::before { content: "✓ "; } /* how */\n'
    assert compact_stylesheet(source) == 'body{font:1rem "A /* B */"}.a::before{content:"✓ "}'
    assert compact_stylesheet("a { b: c; } /* never closed\n") == "a { b: c; } /* never closed\n"
    assert compact_stylesheet('a > b,\nc d {\n  e: f(1, 2) "; ,{";\n}\n') == 'a>b,c d{e:f(1,2) "; ,{"}'


def test_a_number_below_one_loses_its_leading_zero_but_no_other_zero_goes() -> None:
    source = 'a {\n  m: 0.5rem 10.5px -0.3em 0;\n  c: #0b4a6f;\n  u: url(x0.5.png) "0.5";\n  f: 1rem/0.75 s;\n}\n'
    assert compact_stylesheet(source) == 'a{m:.5rem 10.5px -0.3em 0;c:#0b4a6f;u:url(x0.5.png) "0.5";f:1rem/.75 s}'


def test_the_spaces_after_a_colon_and_a_blocks_last_semicolon_go_but_a_space_before_a_colon_stays() -> None:
    source = '.a :hover {\n  color: red;\n  --x: ;\n}\n@media (min-width: 600px) { b { c: "d: ;}" ; } }\n'
    # ".a :hover" is a descendant of .a that is hovered, not .a hovered; an empty custom property keeps its ";".
    assert compact_stylesheet(source) == '.a :hover{color:red;--x:;}@media (min-width:600px){b{c:"d: ;}"}}'


def only_comments_and_spaces_went(source: str, shipped: str) -> bool:
    """Whether ``shipped`` is ``source`` without whitespace, ``//`` comments (each to its line's end) and
    trailing commas."""
    src, out = re.sub(r"[ \t\r]+", "", source), re.sub(r"\s+", "", shipped)
    i = j = 0
    while j < len(out):
        if src[i] == "\n":
            i += 1
        elif src.startswith("//", i) and not out.startswith("//", j):
            i = src.index("\n", i)
        elif src[i] == out[j]:
            i, j = i + 1, j + 1
        elif src[i] == "," and out[j] in ")]}":
            i += 1  # a trailing comma before its closing bracket
        else:
            return False
    rest = src[i:]
    return all(not line or line.startswith("//") for line in rest.split("\n"))


def test_every_script_of_the_app_is_followed_to_its_end_and_still_parses(tmp_path: pathlib.Path) -> None:
    node = shutil.which("node")
    scripts = sorted(PWA.rglob("*.js"))
    assert len(scripts) > 20
    before = after = 0
    for path in scripts:
        source = path.read_text()
        shipped = compact_script(source)
        before, after = before + len(source), after + len(shipped)
        if "//" in source:
            assert shipped != source, f"{path}: the scanner gave up on it"
        assert only_comments_and_spaces_went(source, shipped), path
        if node:
            copy = tmp_path / path.relative_to(PWA).with_suffix(".mjs")
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(shipped)
            check = subprocess.run([node, "--check", str(copy)], capture_output=True, text=True)
            assert check.returncode == 0, f"{path}: {check.stderr}"
    assert after < 0.9 * before


def test_the_manifest_goes_out_as_the_same_json_without_its_layout() -> None:
    source = (PWA / "manifest.webmanifest").read_text(encoding="utf-8")
    shipped = compact_manifest(source)
    assert json.loads(shipped) == json.loads(source)
    assert "\n" not in shipped and ": " not in shipped and "伴行" in shipped


def test_a_manifest_that_is_not_json_is_shipped_as_it_is() -> None:
    assert compact_manifest('{"name": "伴行",\n') == '{"name": "伴行",\n'
