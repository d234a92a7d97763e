"""Mentee rows from a spreadsheet: parse, check, match to the children already registered.

Natural key: the **code within the unit** when the row has a code; otherwise the **name within
the unit** (a roster without codes). A name shared by two children of one unit cannot tell them
apart, so such a row must give the code. Empty cells never clear what is stored.
"""
from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import sqlite_utils

from sync import Actor, Scope
from sync.entities import ENTITIES
from sync.grades import grade_form
from sync.labels import CATEGORIES, GENDERS, RISK_LEVELS, ROW_KINDS
from sync.mutations import check_value, upsert
from sync.names import plain_name
from sync.rules import birth_year_refused, birth_years, looks_like_id_card, mentee_code

from ..forms import MutationsRefused, apply_all
from ..queries.mentees import mentees_of_units, next_mentee_codes
from ..queries.units import unit_tree
from .cells import cell_problems, footer_problem, plain_phone
from .columns import Column
from .plan import CREATE, SAME, UPDATE, ImportFailed, ImportPlan, RowPlan, check_unchanged
from .unitnames import not_found, shared_name

COLUMNS: tuple[Column, ...] = (
    Column("code", "编号", help="已登记的孩子填系统里的编号（按编号找到同一人）；新登记的留空，导入时自动生成。",
           aliases=("系统编号", "帮扶对象编号"), ambiguous=("学生编号", "编码")),
    Column("name", "姓名", required=True, help="孩子的真实姓名。县级页面只显示编号，不显示姓名。", width=12,
           aliases=("学生姓名", "孩子姓名", "帮扶对象姓名", "帮扶对象", "对象姓名", "受助学生姓名")),
    Column("unit", "所属单位", help="学校或辅导站的名称，与系统中的名称一致；留空表示您所在的学校或辅导站。", width=24),
    Column("school", "学校", help="孩子就读的学校（辅导站的孩子填就读学校）。", width=20,
           aliases=("就读学校", "学校名称", "所在学校")),
    Column("grade", "年级", help="如：四年级、七年级（写初一、7年级也可以，统一记作七年级）。", width=10,
           aliases=("就读年级",), fallbacks=("班级", "年级班级")),
    Column("gender", "性别", help="男 或 女（学籍系统导出的 1、2 也可以：1 男，2 女）。",
           choices=tuple(GENDERS.values()), width=8),
    Column("birth_year", "出生年份", width=10,
           help="四位数字，如 2014；填出生日期（2014-05-01、20140501、2014年5月）也可以，只记年份。",
           aliases=("出生日期", "出生年月", "出生年月日", "出生时间", "生日", "出生年")),
    Column("categories", "类别", width=26, aliases=("帮扶类别", "帮扶类型", "困难类型"),
           help="心理行为问题、家庭经济困难、留守/特殊家庭；可填多个，用顿号（、）分开。"),
    Column("risk_level", "关注等级", help="一般、关注 或 重点；新登记留空为“一般”。",
           choices=tuple(RISK_LEVELS.values()), width=10, aliases=("关注程度",)),
    Column("plan", "一人一策", help="针对这个孩子的帮扶重点和方法。", width=30, aliases=("帮扶措施", "帮扶计划")),
    Column("guardian_name", "监护人", help="如：王秀英（奶奶）。", width=14,
           aliases=("监护人姓名", "家长姓名", "家长", "监护人（家长）")),
    Column("guardian_contact", "监护人联系方式", help="手机号或电话。", width=16,
           aliases=("监护人电话", "监护人手机", "监护人手机号", "家长电话", "家长手机", "家长手机号", "家长联系电话",
                    "家长联系方式", "联系电话", "联系方式", "家庭电话")),
    Column("notes", "备注", help="其他情况。", width=30),
)
# A school's yes/no columns, each with the category its 是 means. 单亲 and 孤儿 are 特殊家庭, 低保 and
# 建档立卡 are 家庭经济困难; a column whose 是 says no category clearly (是否残疾) stays unread.
FLAGS = (
    ("is_left_behind", "是否留守儿童", ("留守儿童", "是否留守", "留守"), "left_behind"),
    ("is_single_parent", "是否单亲家庭", ("是否单亲", "单亲", "单亲家庭", "是否单亲儿童"), "left_behind"),
    ("is_orphan", "是否孤儿", ("孤儿", "是否孤儿或事实无人抚养", "是否事实无人抚养儿童"), "left_behind"),
    ("is_hardship", "是否困难家庭", ("困难家庭", "是否家庭经济困难", "家庭经济困难", "是否贫困家庭", "是否贫困"),
     "hardship"),
    ("is_low_income", "是否低保", ("低保", "是否低保户", "低保户", "是否低保家庭"), "hardship"),
    ("is_poverty_listed", "是否建档立卡", ("建档立卡", "是否建档立卡户", "建档立卡户"), "hardship"),
    ("is_psych", "是否有心理行为问题", ("是否心理行为问题", "心理行为问题", "是否有心理问题", "是否心理问题"), "psych"),
)

def _flag_help(category: str) -> str:
    """How to fill a yes/no column, in the words ``flag_categories`` reads."""
    return (f"填“是”或“否”（√、×、1、0、Y、N 也可以），不填算“否”。填“是”的孩子加上类别“{CATEGORIES[category]}”；"
            "填“否”不会去掉已有的类别。")


COLUMNS = (*COLUMNS, *(Column(key, header, aliases=aliases, in_template=False, help=_flag_help(category))
                       for key, header, aliases, category in FLAGS))
LABELS = {c.key: c.header for c in COLUMNS}
_YES = frozenset(("是", "√", "✓", "✔", "1", "Y", "YES", "有", "TRUE"))
_NO = frozenset(("否", "×", "✗", "✘", "X", "0", "N", "NO", "无", "没有", "不是", "FALSE"))
MENTEE = ENTITIES["mentee"]
# 男生, 女孩 …: how a school's list says a child's sex, none of them in doubt; 1 and 2 are the codes of
# GB/T 2261.1 that student-record systems export, M and F those of English-language software.
_GENDER_WORDS = {**dict.fromkeys(("男生", "男孩", "男童", "男性", "1", "M", "MALE"), "male"),
                 **dict.fromkeys(("女生", "女孩", "女童", "女性", "2", "F", "FEMALE"), "female")}
# The standard's other codes say the sex is not known: nothing to store, and not a blank to guess from.
_GENDER_UNKNOWN = {"0": "未知的性别", "9": "未说明的性别"}
_REVERSE = {"gender": {v: k for k, v in GENDERS.items()}, "risk_level": {v: k for k, v in RISK_LEVELS.items()},
            "categories": {v: k for k, v in CATEGORIES.items()}}


def _choice(name: str, text: str, errors: list[str]) -> str | None:
    table = _REVERSE[name]
    if text in table:
        return table[text]
    if name == "gender":
        folded = unicodedata.normalize("NFKC", text).strip().upper()
        if folded in _GENDER_WORDS:
            return _GENDER_WORDS[folded]
        if folded in _GENDER_UNKNOWN:
            errors.append(f"“性别”填的是 {folded}，按国标代码是“{_GENDER_UNKNOWN[folded]}”，系统只记男或女。"
                          "请改填 男 或 女（1 男、2 女）；不清楚的请留空。")
            return None
    if text in table.values():
        return text
    codes = "也可填国标代码 1（男）或 2（女）。" if name == "gender" else ""
    errors.append(f"“{LABELS[name]}”应为 {'、'.join(table)} 之一，这一行填的是“{text}”。{codes}")
    return None


def _categories(text: str, errors: list[str]) -> list[str]:
    out: list[str] = []
    for part in (p for p in re.split(r"[、，,；;\s]+", text) if p):
        value = _choice("categories", part, errors)
        if value is not None and value not in out:
            out.append(value)
    return out


# A year, or a whole birth date as schools write one (2014-05-01 from a date cell, 2014.5.1,
# 2014/5/1, 2014年5月1日, 2014年5月): the year is what is kept.
_BIRTH = re.compile(r"(\d{4})(?:年(?:\d{1,2}月(?:\d{1,2}日?)?)?|[-./]\d{1,2}(?:[-./]\d{1,2})?)?")


# 20150305 or 201503 (出生年月), as a school's student-record system exports a birth date.
_BIRTH_DIGITS = re.compile(r"(\d{4})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])?")
_AGE = re.compile(r"(\d{1,2})(周?岁)?")
# 2015/3/5 0:00, as Excel writes a date cell into a .csv (or a date cell that carries a time).
_TIME_OF_DAY = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
# 42064: a date cell pasted as text (or a system's export) keeps Excel's day number, not the date.
_SERIAL = re.compile(r"\d{5}(\.0+)?")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def _birth_year(text: str, errors: list[str]) -> int | None:
    """The year a cell gives, whatever it is: whether it may be a pupil's is sync's rule, asked of a
    year the row would write (``plan_mentees``), so a stored year a roster repeats is no error."""
    plain = "".join(_TIME_OF_DAY.sub("", unicodedata.normalize("NFKC", text).strip()).split())
    if _SERIAL.fullmatch(plain):
        plain = (_EXCEL_EPOCH + datetime.timedelta(days=int(float(plain)))).isoformat()
    found = _BIRTH.fullmatch(plain) or _BIRTH_DIGITS.fullmatch(plain)
    if found:
        return int(found[1])
    first, this_year = birth_years()
    age = _AGE.fullmatch(plain)
    if age and 1 <= int(age[1]) <= this_year - first:
        # An age turns into a birth year only give or take one, and is wrong again next year.
        errors.append(f"“出生年份”这一格填的是年龄（{text}），请改填出生年份（如 {this_year - int(age[1])} 或"
                      f" {this_year - int(age[1]) - 1}，以户口本上的为准）。")
        return None
    errors.append(str(birth_year_refused(text)))
    return None


PARSERS: dict[str, Callable[[str, list[str]], Any]] = {
    "gender": lambda t, e: _choice("gender", t, e),
    "risk_level": lambda t, e: _choice("risk_level", t, e),
    "categories": _categories,
    "birth_year": _birth_year,
}
FIELDS = ("code", "name", "school", "grade", "gender", "birth_year", "categories", "risk_level", "plan",
          "guardian_name", "guardian_contact", "notes")


def _values(cells: dict[str, str], errors: list[str]) -> dict[str, Any]:
    """The wire values of the non-empty cells; each problem appended to ``errors`` in words."""
    values: dict[str, Any] = {}
    bad = cell_problems(cells, LABELS, errors)
    for name in FIELDS:
        text = cells.get(name, "")
        if not text or name in bad:
            continue
        if name == "name":
            text = plain_name(text)
            footer = footer_problem(text)
            if footer:  # no child is registered under the name 合计 35 人
                errors.append(footer)
                bad.add(name)
                continue
        elif name == "code" and looks_like_id_card(text):
            # Said at the preview, in the import's words (the write rule refuses it for every writer).
            errors.append("“编号”这一格像是身份证号（或含身份证号的全国学籍号）。系统不保存身份证号，编号也不能用身份证号：新登记的孩子请把编号留空"
                          "（导入时自动编号），已登记的填系统里的编号。")
            continue
        elif name == "code":  # ＢＸ－2026－0001 or a pasted tab is the code BX-2026-0001, as every writer stores it
            text = mentee_code(text)
            if not text:  # a cell of spaces only: no code, one is given
                continue
        elif name == "grade":  # 初一 is 七年级, as the write path stores it: no change to offer for it
            text = grade_form(text) or text
        elif name == "guardian_contact":  # １３８－００１３… typed in a Chinese input method: digits a phone can dial
            text = unicodedata.normalize("NFKC", text)
        value = PARSERS[name](text, errors) if name in PARSERS else text
        if value is None:
            continue
        problem = check_value(MENTEE.by_name[name], value)
        if problem:
            errors.append(problem.replace(f"字段“{MENTEE.by_name[name].label}”({name})", f"“{LABELS[name]}”"))
            continue
        values[name] = value
    if not values.get("name") and "name" not in bad:
        errors.append("“姓名”不能为空。")
    return values


def flag_categories(cells: dict[str, str], errors: list[str]) -> list[str]:
    """The categories a row's yes/no columns give (是 in 是否留守儿童: 留守/特殊家庭). A 否 or an empty
    cell takes none away: 否 in 是否留守儿童 says nothing of a child's 单亲 or 类别."""
    out: list[str] = []
    for key, header, _, category in FLAGS:
        text = "".join(unicodedata.normalize("NFKC", cells.get(key, "")).split()).upper()
        if text in _YES:
            out += [category] if category not in out else []
        elif text and text not in _NO:
            errors.append(f"“{header}”应填 是 或 否（√、×、1、0、Y、N 也可以），这一行填的是“{cells[key]}”。")
    return out


def flag_notices(rows: list[tuple[int, dict[str, str]]]) -> list[str]:
    """What the preview says it understood of each yes/no column the file filled in."""
    said = []
    for key, header, _, category in FLAGS:
        yes = sum(1 for _, cells in rows if "".join(unicodedata.normalize("NFKC", cells.get(key, "")).split())
                  .upper() in _YES)
        if any(cells.get(key) for _, cells in rows):
            said.append(f"“{header}”一列读作类别“{CATEGORIES[category]}”：填“是”（或 √、1、Y）的 {yes} 个孩子"
                        "加上这个类别；填“否”或空着的，类别不变。")
    return said


def shown(name: str, value: Any) -> str:
    """A value as the preview shows it (labels, not codes)."""
    if value is None or value == []:
        return "（空）"
    if name == "categories":
        return "、".join(CATEGORIES.get(v, v) for v in value)
    if name == "gender":
        return GENDERS.get(str(value), str(value))
    if name == "risk_level":
        return RISK_LEVELS.get(str(value), str(value))
    return str(value)


def _refused_year(fields: dict[str, Any], errors: list[str]) -> bool:
    """Whether the birth year a row would write is refused (said in ``errors``), as the write would."""
    refused = birth_year_refused(fields["birth_year"]) if fields.get("birth_year") is not None else None
    errors.extend([refused] if refused else [])
    return refused is not None


def _not_a_row_unit(written: str, tree: list[dict[str, Any]], units: list[dict[str, Any]]) -> str | None:
    """What to write instead, when the 所属单位 cell names a town (栟茶镇, 栟茶镇关工委) or the county: a
    school's list often gives the town, but a child is registered under one school or station of it,
    and which one no one can tell from the town's name."""
    name = plain_name(written)
    for unit in tree:
        own = plain_name(unit["name"])
        if unit["kind"] in ROW_KINDS or name not in (own, own.removesuffix("关工委")):
            continue
        below = [u["name"] for u in units if unit["name"] in u["path"].split(" / ")]
        more = "等" if len(below) > 8 else ""
        which = f"请改填其中一个：{'、'.join(below[:8])}{more}。" if below else "请填写学校或辅导站的名称。"
        return (f"“所属单位”填的“{written}”是{unit['name']}，不是学校或辅导站；"
                f"孩子要登记在一所学校或一个辅导站下。{which}")
    return None


def plan_mentees(db: sqlite_utils.Database, scope: Scope, home_unit: str,
                 rows: list[tuple[int, dict[str, str]]], notices: list[str] | None = None) -> ImportPlan:
    """Check every row and decide what it would do; reads only."""
    tree = unit_tree(db, scope)
    units = [u for u in tree if u["kind"] in ROW_KINDS]
    by_name: dict[str, list[str]] = {}
    for u in units:
        by_name.setdefault(plain_name(u["name"]), []).append(u["id"])  # "掘港中学　" is 掘港中学
    existing = mentees_of_units(db, [u["id"] for u in units])
    by_code = {(m["unit_id"], mentee_code(m["code"])): m for m in existing}
    by_person: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for m in existing:
        if not m["deleted"] and m.get("name"):
            # Compared as the file's names are: a 王　雨欣 typed into a form is the file's 王雨欣.
            by_person.setdefault((m["unit_id"], plain_name(m["name"])), []).append(m)
    seen: dict[tuple[str, str, str], int] = {}
    matched: dict[str, int] = {}  # existing child id -> the row that matched it
    coded: dict[str, int] = {}  # code -> the first row with it, whatever its unit
    named: dict[tuple[str, str], tuple[int, bool]] = {}  # (unit, name) -> (first row with it, it had a code)
    plans = []
    for line, cells in rows:
        row = RowPlan(line, cells)
        values = _values(cells, row.errors)
        flags = flag_categories(cells, row.errors)
        if flags and "categories" in values:  # 类别 and a 是 in 是否留守儿童: both
            values["categories"] = [*values["categories"], *(c for c in flags if c not in values["categories"])]
        unit_name = cells.get("unit", "")
        unit_id: str | None = None
        if unit_name:
            matches = by_name.get(plain_name(unit_name), [])
            if len(matches) == 1:
                unit_id = matches[0]
            else:
                missing = (_not_a_row_unit(unit_name, tree, units)
                           or not_found(unit_name, (u["name"] for u in units), "学校或辅导站"))
                twice = shared_name(unit_name, len(matches), admin=scope.actor.role == "admin")
                row.errors.append(missing if not matches else twice)
        elif home_unit in {u["id"] for u in units}:
            unit_id = home_unit
        else:
            row.errors.append("请填写“所属单位”（学校或辅导站的名称）。")
        plans.append(row)
        if unit_id is None or not values.get("name"):
            continue
        code, name = values.get("code"), values["name"]
        key = (unit_id, "code", code) if code else (unit_id, "name", name)
        if key in seen:
            by = "编号" if code else "姓名"
            row.errors.append(f"与第 {seen[key]} 行是同一个帮扶对象（{by}相同），请合并成一行。")
            continue
        seen[key] = line
        if code and coded.setdefault(code, line) != line:
            # The code names one child county-wide (the county's pages show only the code): the same
            # code under two units is two children no one can tell apart.
            row.errors.append(f"与第 {coded[code]} 行编号相同，但所属单位不同。一个编号只能属于一个孩子；"
                              "新登记的孩子请把编号留空，系统会自动编号。")
            continue
        if row.errors:
            continue
        if code:
            match = by_code.get((unit_id, code))
            if match is not None and match["deleted"]:
                row.errors.append(f"编号“{code}”属于一个已删除的帮扶对象，不能再用；新登记请把编号留空。")
                continue
            namesakes = by_person.get((unit_id, name), []) if match is None else []
            if namesakes:
                # A school's own student number in the 编号 column, beside a child registered here
                # under a BX code, would register that child a second time.
                codes = "、".join(m["code"] for m in namesakes)
                row.errors.append(f"编号“{code}”在系统里没有，但这个单位已有叫“{name}”的帮扶对象（编号 {codes}）。"
                                  "是同一个孩子请把编号改成系统里的编号或留空；是同名的另一个孩子，请在帮扶对象页面单独登记。")
                continue
            if match is None and db.execute("SELECT 1 FROM mentees WHERE trim(code) = ?", [code]).fetchone():
                # The code names one child county-wide: pages, exports and the access log know children
                # by it. Another unit's child (in scope or not) is never created a second time.
                row.errors.append(f"编号“{code}”已是别的单位的一个孩子的编号。新登记的孩子请把编号留空，"
                                  "系统会自动编号；孩子转学请在他的档案里改“所属学校/辅导站”。")
                continue
        else:
            people = by_person.get((unit_id, name), [])
            if len(people) > 1:
                row.errors.append(f"这个单位有 {len(people)} 个叫“{name}”的帮扶对象，请填写“编号”以区分。")
                continue
            match = people[0] if people else None
        first = named.setdefault((unit_id, name), (line, bool(code)))
        if match is not None and match["id"] in matched:  # found once by code and once by name: still one child
            row.errors.append(f"与第 {matched[match['id']]} 行是同一个帮扶对象，请合并成一行。")
            continue
        if first[0] != line and not (first[1] and code):
            # One name twice, once without a code: one child to be registered twice (two children of one
            # name are told apart by their codes, so both rows must give one).
            row.errors.append(f"与第 {first[0]} 行姓名相同，是同一个帮扶对象吗？是同一个孩子请合并成一行；"
                              "是同名的两个孩子，请两行都填写编号。")
            continue
        if flags and "categories" not in values:
            # Only yes/no columns: they add to the child's categories, never drop one the file does not name.
            held = list(match.get("categories") or []) if match is not None else []
            values["categories"] = [*held, *(c for c in flags if c not in held)]
        if match is None:
            if _refused_year(values, row.errors):
                continue
            row.action, row.fields = CREATE, {**values, "unit_id": unit_id}
            continue
        if code and match.get("name") and plain_name(match["name"]) != name:
            # Found by code under another name: nearly always a 编号 column holding row numbers or a
            # school's own numbers, which would rename one child after another.
            row.errors.append(f"编号“{code}”在系统里是“{match['name']}”，这一行的姓名却是“{name}”。"
                              "同一个孩子改名请在他的档案里改；如果“编号”一列填的是序号或学校自己的学号，"
                              "请把这一列的列名改成“序号”，或把这一列清空。")
            continue
        matched[match["id"]] = line
        row.record_id, row.base_version = match["id"], match["version"]
        row.seen = f"{match['id']}@{match['version']}"
        for field_name, value in values.items():
            old = match.get(field_name)
            same = sorted(old or []) == sorted(value) if field_name == "categories" else old == value
            if field_name == "name" and old:  # the same name, with or without a space between its characters
                same = plain_name(str(old)) == value
            if field_name == "guardian_contact" and old:
                # 139-0513-0001 in the school's list is the 13905130001 on the record: not a change to offer.
                same = plain_phone(str(old)) == plain_phone(value)
            if not same:
                row.fields[field_name] = value
                row.changes.append((LABELS[field_name], shown(field_name, old), shown(field_name, value)))
        if _refused_year(row.fields, row.errors):
            continue
        row.action = UPDATE if row.fields else SAME
    return ImportPlan(plans, [*(notices or []), *flag_notices(rows)])


def import_mentees(db: sqlite_utils.Database, actor: Actor, scope: Scope, rows: list[tuple[int, dict[str, str]]],
                   *, update: bool, previewed: dict[int, str] | None = None) -> ImportPlan:
    """Plan again inside the write transaction and, when no row has an error and every row meets the
    record its preview showed, write every row that does something, all or nothing
    (``ImportFailed`` names the row refused)."""
    plan = plan_mentees(db, scope, actor.unit_id, rows)
    if plan.errors:
        return plan
    check_unchanged(plan, previewed, update=update)
    writes = plan.writes(update=update)
    codes = iter(next_mentee_codes(db, sum(1 for r in writes if r.action == CREATE and not r.fields.get("code"))))
    mutations = []
    for row in writes:
        if row.action == CREATE:
            fields = dict(row.fields)
            fields["code"] = fields.get("code") or next(codes)
            row.fields = fields
            mutations.append(upsert("mentee", fields))
        else:
            assert row.record_id is not None
            mutations.append(upsert("mentee", row.fields, row.record_id, base_version=row.base_version))
    try:
        apply_all(db, actor, mutations)
    except MutationsRefused as refused:
        index, outcome = refused.rejected[0]
        raise ImportFailed(writes[index].line, outcome.reason or "未能保存。") from None
    return plan
