"""A name as it identifies a person or a unit, whoever typed it: the imports match by it, and a unit's
name is one no other live unit has in it (sync/rules/units.py)."""
from __future__ import annotations

import re
import unicodedata

_CJK = re.compile(r"[\u3400-\u9fff]")


def visible(text: str) -> str:
    """``text`` without the invisible format characters a name copied from a web page, a WeChat message or
    a text file carries (a zero-width space, a BOM, a soft hyphen): 王\u200b小明 looks like 王小明 to
    everyone, and must not be a second child."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def plain_name(text: str) -> str:
    """A person's name as it identifies them: full-width forms folded (NFKC), and no spaces inside a
    Chinese name ("王　雨欣" is 王雨欣), so one child or volunteer is not taken for two."""
    folded = visible(unicodedata.normalize("NFKC", text)).strip()
    return "".join(folded.split()) if _CJK.search(folded) else " ".join(folded.split())
