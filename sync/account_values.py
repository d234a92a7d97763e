"""What an account may hold, whoever writes it (a form, an import, the CLI): a login as it is
stored, a telephone as people write one, a name, a role, a unit that exists and a login no other
account has. ``check_values`` is the write's one check of them (``sync/users.py`` ``save_user``)."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

import sqlite_utils

from .errors import NotAllowed
from .labels import MENTOR_KINDS, ROLES
from .mutations import one_line

LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
# A telephone as people write one: digits with an area code, dashes, spaces, brackets, a country
# code's plus, and an extension after 转 ("0513-8888 6666 转 123"); full-width forms folded first.
PHONE_RE = re.compile(r"^[0-9+()\- /转]*$")
# A local number without its area code has 7 or 8 digits, a mobile 11: fewer (12345, the citizens'
# hotline; 110) reach no person, and a volunteer found again by phone at the next import is found by it.
PHONE_MIN_DIGITS = 7


def check_values(db: sqlite_utils.Database, current: dict[str, Any] | None, user: dict[str, Any]) -> None:
    if not isinstance(user.get("login"), str) or not LOGIN_RE.match(user["login"]):
        raise NotAllowed("用户名应为 2–40 位小写字母、数字、点、横线或下划线，以字母或数字开头。")
    if not isinstance(user.get("name"), str) or not 1 <= len(user["name"].strip()) <= 50:
        raise NotAllowed("请填写姓名（1–50 字）。")
    if user.get("role") not in ROLES:
        raise NotAllowed(f"角色应为 {'、'.join(ROLES)} 之一。")
    phone = user.get("phone")
    if phone is not None and not isinstance(phone, str):
        raise NotAllowed("联系电话应为文字。")
    # Checked when written: a number stored before the rule was stricter does not block a stop or a rename.
    problem = telephone_problem(phone) if phone and (current is None or current.get("phone") != phone) else None
    if problem:
        raise NotAllowed(problem)
    about = user.get("about")
    if about is not None and (not isinstance(about, str) or len(about) > 200):
        raise NotAllowed("身份/简介太长（最多 200 字）。")
    kind = user.get("mentor_kind")
    if kind is not None and (not isinstance(kind, str) or kind not in MENTOR_KINDS):
        raise NotAllowed(f"志愿者类别应为 {'、'.join(MENTOR_KINDS.values())} 之一（不知道可以不填）。")
    if isinstance(user.get("name"), str) and not one_line(user["name"]):
        raise NotAllowed("姓名只能写一行，不能换行。")
    unit = db.execute("SELECT deleted, name FROM units WHERE id = ?", [user.get("unit_id")]).fetchone()
    if unit is None:
        raise NotAllowed("所属单位不存在。")
    if unit[0]:  # e.g. restoring an account stopped before its school was deleted
        raise NotAllowed(f"所属单位“{unit[1]}”已删除，请在“所属单位”里换一个现有的单位。")
    clash = db.execute("SELECT id FROM users WHERE login = ?", [user["login"]]).fetchone()
    if clash is not None and (current is None or clash[0] != current["id"]):
        raise NotAllowed(f"用户名 {user['login']} 已被使用，请换一个。")


def fold_login(text: str) -> str:
    """A login as it is stored and looked up: the full-width letters, digits and dashes a Chinese IME
    types in its full-width mode folded (NFKC, ``ｚｈａｎ－ｃｈａｈｅ``), the spaces around it (an
    ideographic one included) dropped, and lower case, as a phone keyboard's capital first letter."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def is_telephone(text: str) -> bool:
    """Whether ``text`` reads as a telephone number (``PHONE_RE``, at least ``PHONE_MIN_DIGITS`` digits)."""
    folded = unicodedata.normalize("NFKC", text)
    # An extension after 转 reaches no one without the number before it: 123转4567 is no telephone.
    number = folded.split("转", 1)[0]
    digits = "".join(c for c in number if c.isdigit())
    if number.lstrip().startswith("+86") or (len(digits) == 13 and digits.startswith("861")):
        digits = digits[2:]
    # No landline starts with 1 (its area code starts with 0, its local number with 2-9): a number that
    # does is a mobile, 11 digits, and 1396274510 is one a digit short, not a landline.
    if digits.startswith("1") and len(digits) != 11:
        return False
    return bool(PHONE_RE.match(folded)) and len(digits) >= PHONE_MIN_DIGITS


def telephone_problem(text: str, label: str = "联系电话") -> str | None:
    """Why ``text`` is no account's telephone, in words saying what one looks like, or None when it is
    one (or empty). The one rule of the account forms and the volunteers' import; ``label`` is the
    field's name where it is said (an import's column is 手机号)."""
    if not text.strip():
        return None
    if len(text) > 30:
        return f"{label}太长（最多 30 字）。"
    if not one_line(text):
        return f"{label}只能写一行，不能换行。"
    if not is_telephone(text):
        return (f"{label}请写手机号（11 位）或固定电话（至少 7 位数字），可以带区号、横线、空格，分机号写在“转”后面，"
                "例如 139 0513 7777、0513-8888 6666 转 123。")
    return None

