"""Mentee rows from a spreadsheet: check, match to the children already registered, write.

Natural key: the **code within the unit** when the row has a code; otherwise the **name within
the unit** (a roster without codes). A name shared by two children of one unit cannot tell them
apart, so such a row must give the code. Empty cells never clear what is stored. The roster's
columns are ``mentee_columns.py``; a row's cells are read as values by ``mentee_cells.py``.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync import Actor, Scope
from sync.labels import CATEGORIES, GENDERS, RISK_LEVELS, ROW_KINDS
from sync.mutations import upsert
from sync.names import plain_name
from sync.rules import birth_year_refused, mentee_code

from ..forms import MutationsRefused, apply_all
from ..queries.mentees import live_children_by_name, mentees_of_units, next_mentee_codes
from ..queries.units import unit_tree
from ..templating import chinese_date
from .cells import plain_phone
from .mentee_cells import flag_categories, flag_notices, row_values
from .mentee_columns import LABELS
from .mentee_likely import elsewhere_problem, near_name_problem, twice_in_file_problem
from .plan import CREATE, SAME, UPDATE, ImportFailed, ImportPlan, RowPlan, check_unchanged
from .unitnames import former_names, not_found, shared_name, units_by_name


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
    by_name = units_by_name(units)
    renamed = former_names(db, units)
    unit_names = {u["id"]: u["name"] for u in units}
    closed_on = {u["id"]: u["closed_on"] for u in units if u["closed_on"]}
    existing = mentees_of_units(db, [u["id"] for u in units])
    by_code = {(m["unit_id"], mentee_code(m["code"])): m for m in existing}
    by_person: dict[tuple[str, str], list[dict[str, Any]]] = {}
    by_unit: dict[str, list[dict[str, Any]]] = {}
    county: list[dict[str, list[dict[str, Any]]]] = []  # the county's live children by name, read once if asked
    for m in existing:
        by_unit.setdefault(m["unit_id"], []).append(m)
        if not m["deleted"] and m.get("name"):
            # Compared as the file's names are: a 王　雨欣 typed into a form is the file's 王雨欣.
            by_person.setdefault((m["unit_id"], plain_name(m["name"])), []).append(m)
    seen: dict[tuple[str, str, str], int] = {}
    matched: dict[str, int] = {}  # existing child id -> the row that matched it
    coded: dict[str, int] = {}  # code -> the first row with it, whatever its unit
    named: dict[tuple[str, str], tuple[int, bool]] = {}  # (unit, name) -> (first row with it, it had a code)
    fresh: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}  # unit -> (row, name, values) of each child to add
    plans = []
    for line, cells in rows:
        row = RowPlan(line, cells)
        values = row_values(cells, row.errors)
        flags = flag_categories(cells, row.errors)
        if flags and "categories" in values:  # 类别 and a 是 in 是否留守儿童: both
            values["categories"] = [*values["categories"], *(c for c in flags if c not in values["categories"])]
        unit_name = cells.get("unit", "")
        unit_id: str | None = None
        if unit_name:
            matches = by_name.get(plain_name(unit_name), [])
            closed = closed_on.get(matches[0]) if len(matches) == 1 else None
            if closed:  # last term's roster naming a school merged since (server/unit_closing.py)
                row.errors.append(f"“{unit_names[matches[0]]}”已撤并（{chinese_date(closed)}起），不再接收帮扶对象："
                                  "请把“所属单位”改成孩子现在所在的学校或辅导站。")
            elif len(matches) == 1:
                unit_id = matches[0]
            else:
                missing = (_not_a_row_unit(unit_name, tree, units)
                           or not_found(unit_name, (u["name"] for u in units), "学校或辅导站", renamed))
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
                                  "系统会自动编号；孩子转学请在孩子的档案里改“所属学校/辅导站”。")
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
            county += [] if county else [live_children_by_name(db, plain_name)]
            likely = (near_name_problem(name, values, by_unit.get(unit_id, []))
                      or elsewhere_problem(name, values, unit_id, county[0].get(name, []), unit_names)
                      or twice_in_file_problem(name, values, fresh.get(unit_id, [])))
            if likely:  # likely a child already registered, or in the file already: not added without a decision
                row.errors.append(likely)
                continue
            fresh.setdefault(unit_id, []).append((line, name, values))
            row.action, row.fields = CREATE, {**values, "unit_id": unit_id}
            continue
        if code and match.get("name") and plain_name(match["name"]) != name:
            # Found by code under another name: nearly always a 编号 column holding row numbers or a
            # school's own numbers, which would rename one child after another.
            row.errors.append(f"编号“{code}”在系统里是“{match['name']}”，这一行的姓名却是“{name}”。"
                              "同一个孩子改名请在孩子的档案里改；如果“编号”一列填的是序号或学校自己的学号，"
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
