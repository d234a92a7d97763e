"""Every page, message and phone screen speaks to its reader as 您, never 你: the readers are
retired elders (the 五老) and the staff who serve them, and one page saying both reads as careless.
Walks the files the words live in (templates, the server's and the engine's messages, the phone
app's strings) rather than rendered pages, so a message no test happens to show is held too."""
from __future__ import annotations

import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = (("templates", "*.html"), ("server", "*.py"), ("server/static", "*.js"), ("sync", "*.py"),
           ("pwa", "*.js"), ("pwa", "*.html"))
# Words that hold 你 without addressing anyone (迷你, "mini"); none is in use today.
ALLOWED = ("迷你",)


def _addressed(line: str) -> bool:
    for word in ALLOWED:
        line = line.replace(word, "")
    return "你" in line


def test_no_page_or_message_addresses_its_reader_as_ni() -> None:
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for folder, pattern in SOURCES for path in sorted((ROOT / folder).rglob(pattern))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if _addressed(line)]
    assert not found, "say 您, not 你:\n" + "\n".join(found)


def test_the_walk_reads_the_files_the_words_live_in() -> None:
    # A walk that found no words would pass whatever they said.
    words = {folder: 0 for folder, _ in SOURCES}
    for folder, pattern in SOURCES:
        words[folder] += sum(p.read_text(encoding="utf-8").count("您") for p in (ROOT / folder).rglob(pattern))
    assert words["templates"] and words["server"] and words["sync"] and words["pwa"], words


# 他 or 她 said of one person (其他 "other" and the plural 他们/她们 are not): a volunteer's account
# keeps no gender and a child may be a boy or a girl, so "请在下方为他的手机发登记码" after adding
# 王阿姨 reads wrong; a sentence names 这位志愿者, 这个孩子, the person's name, or needs no pronoun.
# The demo's records are what volunteers wrote of a child they know, not the system's words.
PRONOUN_SOURCES = (("templates", "*.html"), ("server", "*.py"), ("sync", "*.py"))
PRONOUN_ALLOWED = ("其他", "他们", "她们", "and 他 said of her")


def _gendered(line: str) -> bool:
    for word in PRONOUN_ALLOWED:
        line = line.replace(word, "")
    return "他" in line or "她" in line


def test_no_message_says_he_or_she_of_a_volunteer_or_a_child() -> None:
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for folder, pattern in PRONOUN_SOURCES for path in sorted((ROOT / folder).rglob(pattern))
             if "demo" not in path.relative_to(ROOT).parts
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if _gendered(line)]
    assert not found, "say 这位志愿者 or 这个孩子 (or the name), not 他 or 她:\n" + "\n".join(found)
