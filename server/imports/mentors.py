"""Volunteer rows from a spreadsheet: parse, check, match to the volunteers already on the books.

Natural key: the **login** when the row has one; otherwise the **mobile number** among the
volunteers in your units. A row with neither cannot be recognised on a second import, so it is
refused. Empty cells never clear what is stored. Accounts are written with ``sync.users``
(audited), all in the caller's transaction.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlite_utils

from sync import Actor, NotAllowed, Scope
from sync.account_values import LOGIN_RE, fold_login, telephone_problem
from sync.labels import MENTOR_KINDS, ROW_KINDS, UNIT_KINDS
from sync.names import plain_name
from sync.users import EDITABLE, save_user

from ..queries.mentors import free_login, m_logins
from ..queries.units import unit_tree
from ..templating import chinese_date
from .cells import cell_problems, footer_problem, plain_phone
from .columns import Column
from .plan import CREATE, SAME, UPDATE, ImportFailed, ImportPlan, RowPlan, check_unchanged
from .unitnames import former_names, not_found, shared_name, units_by_name

YES, NO = ("有", "是", "能", "yes", "y", "1", "true", "√"), ("没有", "无", "否", "不能", "no", "n", "0", "false", "×")
COLUMNS = (
    Column("name", "姓名", required=True, help="志愿者的真实姓名。", width=12,
           aliases=("志愿者姓名", "五老姓名", "老同志姓名")),
    Column("phone", "手机号", help="用来认出同一位志愿者：再次导入时按手机号找到同一人，不会重复添加。", width=16,
           aliases=("手机", "手机号码", "联系电话", "电话", "联系方式", "电话号码")),
    Column("login", "用户名", help="可不填，自动生成（m + 手机号）；已有账号的志愿者也可按用户名更新。", width=16),
    Column("unit", "所属单位", help="辅导站或学校的名称，与系统中一致；留空表示您所在的单位。", width=24),
    Column("about", "身份/简介", help="如：退休教师（原城南小学语文教师）、老干部、老战士、老模范、老专家。", width=30,
           aliases=("身份", "简介", "身份简介", "个人简介")),
    Column("mentor_kind", "志愿者类别",
           help="老干部、老战士、老专家、老教师、老模范（五老），或学校教师、社会各界人士；"
                "县关工委按类别统计。不清楚可以留空。", choices=tuple(MENTOR_KINDS.values()), width=14,
           aliases=("类别", "五老类别", "人员类别", "志愿者类型")),
    Column("smartphone", "智能手机", help="有：用伴行应用记录；没有：记录由辅导站代录。留空为“有”。",
           choices=("有", "没有"), width=10, aliases=("有无智能手机", "是否有智能手机", "是否使用智能手机")),
)
LABELS = {c.key: c.header for c in COLUMNS}
KIND_OF_LABEL = {text: key for key, text in MENTOR_KINDS.items()}


def _values(cells: dict[str, str], errors: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    bad = cell_problems(cells, LABELS, errors)
    cells = {key: "" if key in bad else text for key, text in cells.items()}
    name = plain_name(cells.get("name", ""))
    if not name:
        if "name" not in bad:
            errors.append("“姓名”不能为空。")
    elif len(name) > 50:
        errors.append("“姓名”太长（最多 50 字）。")
    elif footer_problem(name):
        errors.append(str(footer_problem(name)))
    else:
        values["name"] = name
    if cells.get("phone"):
        problem = telephone_problem(cells["phone"], "“手机号”")
        if problem:
            errors.append(f"{problem}这一行填的是“{cells['phone']}”。")
        else:
            values["phone"] = plain_phone(cells["phone"])
    if cells.get("login"):
        login = fold_login(cells["login"])
        if LOGIN_RE.match(login):
            values["login"] = login
        else:
            errors.append(f"“用户名”应为 2–40 位小写字母、数字、点、横线或下划线，这一行填的是“{cells['login']}”。")
    if cells.get("about"):
        if len(cells["about"]) > 200:
            errors.append("“身份/简介”太长（最多 200 字）。")
        else:
            values["about"] = cells["about"]
    kind = cells.get("mentor_kind", "").strip()
    if kind:
        if kind in KIND_OF_LABEL:
            values["mentor_kind"] = KIND_OF_LABEL[kind]
        else:
            errors.append(f"“志愿者类别”应填{'、'.join(MENTOR_KINDS.values())}之一（不清楚可以留空），"
                          f"这一行填的是“{kind}”。")
    answer = cells.get("smartphone", "").strip().lower()
    if answer:
        if answer in YES:
            values["smartphone"] = True
        elif answer in NO:
            values["smartphone"] = False
        else:
            errors.append(f"“智能手机”应填“有”或“没有”，这一行填的是“{cells['smartphone']}”。")
    if not values.get("login") and not cells.get("phone") and not bad & {"login", "phone"}:
        errors.append("请填写“手机号”（或“用户名”），用来认出同一位志愿者，避免重复导入。")
    return values


def _shown(name: str, value: Any) -> str:
    if value is None:
        return "（空）"
    if name == "smartphone":
        return "有" if value else "没有"
    if name == "mentor_kind":
        return MENTOR_KINDS.get(value, str(value))
    return str(value)


def plan_mentors(db: sqlite_utils.Database, scope: Scope, home_unit: str,
                 rows: list[tuple[int, dict[str, str]]], notices: list[str] | None = None) -> ImportPlan:
    """Check every row and decide what it would do; reads only."""
    units = unit_tree(db, scope)
    unit_ids = {u["id"] for u in units}
    by_name = units_by_name(units)
    renamed = former_names(db, units)
    unit_names = {u["id"]: u["name"] for u in units}
    closed_on = {u["id"]: u["closed_on"] for u in units if u["closed_on"]}
    accounts = list(db.query("SELECT id, login, name, role, unit_id, phone, about, mentor_kind, smartphone FROM users"))
    by_login = {a["login"]: a for a in accounts}
    by_phone: dict[str, list[dict[str, Any]]] = {}
    by_person: dict[str, list[dict[str, Any]]] = {}  # the importer's volunteers by name
    phones_elsewhere: set[str] = set()  # volunteers' phones in units the importer does not manage
    for a in accounts:
        a["smartphone"] = bool(a["smartphone"])
        if a["role"] == "mentor" and a["unit_id"] in unit_ids and a["name"]:
            by_person.setdefault(plain_name(a["name"]), []).append(a)
        if a["role"] == "mentor" and a["phone"]:
            if a["unit_id"] in unit_ids:
                by_phone.setdefault(plain_phone(a["phone"]), []).append(a)
            else:
                phones_elsewhere.add(plain_phone(a["phone"]))
    seen: dict[str, int] = {}
    phone_rows: dict[str, tuple[int, bool]] = {}  # phone -> (first row with it, whether that row gave a login)
    matched: dict[str, int] = {}  # existing account id -> the row that matched it
    plans = []
    for line, cells in rows:
        row = RowPlan(line, cells)
        plans.append(row)
        values = _values(cells, row.errors)
        unit_id: str | None = None
        if cells.get("unit"):
            matches = by_name.get(plain_name(cells["unit"]), [])
            closed = closed_on.get(matches[0]) if len(matches) == 1 else None
            if closed:  # last year's list naming a school merged since (server/unit_closing.py)
                row.errors.append(f"“{unit_names[matches[0]]}”已撤并（{chinese_date(closed)}起），不再接收志愿者："
                                  "请把“所属单位”改成志愿者现在所在的学校或辅导站。")
            elif len(matches) == 1:
                unit_id = matches[0]
            else:
                row.errors.append(not_found(cells["unit"], (u["name"] for u in units), "单位", renamed)
                                  if not matches else
                                  shared_name(cells["unit"], len(matches), admin=scope.actor.role == "admin"))
        elif home_unit in unit_ids:
            unit_id = home_unit
        if unit_id is None or not (values.get("login") or values.get("phone")):
            continue
        key = "login:" + values["login"] if values.get("login") else "phone:" + values["phone"]
        if key in seen:
            same = "用户名" if key.startswith("login:") else "手机号"
            row.errors.append(f"与第 {seen[key]} 行是同一位志愿者（{same}相同），请合并成一行。")
            continue
        seen[key] = line
        phone = values.get("phone")
        if phone:
            # One number in two rows is one volunteer twice unless both rows name distinct logins
            # (two people sharing a phone): otherwise the import would make two accounts for one person.
            first = phone_rows.setdefault(phone, (line, bool(values.get("login"))))
            if first[0] != line and not (first[1] and values.get("login")):
                row.errors.append(f"与第 {first[0]} 行手机号相同，是同一位志愿者吗？是同一人请合并成一行；"
                                  "是共用一部手机的两个人，请两行都填写“用户名”。")
                continue
        if row.errors:
            continue
        if values.get("login"):
            match = by_login.get(values["login"])
            if match is not None and (match["role"] != "mentor" or match["unit_id"] not in unit_ids):
                row.errors.append(f"用户名“{values['login']}”已被其他账号使用，请换一个或留空。")
                continue
            owners = by_phone.get(phone, []) if phone and match is None else []
            if owners:
                # A new login with the phone of a volunteer already here is, nearly always, that
                # volunteer under a second name: refused in words, never a second account.
                who = "、".join(f"“{a['name']}”（用户名 {a['login']}）" for a in owners)
                row.errors.append(f"手机号 {phone} 已是本单位志愿者{who}的手机号。是同一人请把“用户名”改成"
                                  "这位志愿者的用户名或留空；是共用一部手机的另一位志愿者，请在志愿者页面单独添加。")
                continue
            if phone and match is None and phone in phones_elsewhere:
                row.errors.append(_phone_elsewhere(phone))
                continue
        else:
            people = by_phone.get(values["phone"], [])
            if len(people) > 1:
                row.errors.append(f"有 {len(people)} 位志愿者用手机号 {values['phone']}，请填写“用户名”以区分。")
                continue
            match = people[0] if people else None
            namesakes = by_person.get(values["name"], []) if match is None else []
            if namesakes:
                # The volunteer already here, listed with a new phone: by phone alone a second account.
                who = "、".join(f"用户名 {a['login']}，手机号 {a['phone'] or '无'}" for a in namesakes)
                row.errors.append(f"本单位已有志愿者“{values['name']}”（{who}）。如果是同一人换了手机号，请在“用户名”"
                                  "一列填这位志愿者的用户名，导入时会改成新号码；如果是同名的另一位志愿者，请填一个新的用户名。")
                continue
            if match is None and values["phone"] in phones_elsewhere:
                row.errors.append(_phone_elsewhere(values["phone"]))
                continue
        wanted = {**values, "unit_id": unit_id} if cells.get("unit") or match is None else dict(values)
        if match is None:
            row.action, row.fields = CREATE, wanted
            continue
        if match["id"] in matched:  # found once by login and once by phone: still one volunteer
            row.errors.append(f"与第 {matched[match['id']]} 行是同一位志愿者，请合并成一行。")
            continue
        if not values.get("login") and match["name"] and plain_name(match["name"]) != values["name"]:
            # Found by phone alone under another name: a number handed on to someone else (a spouse, a
            # successor), whom the import would otherwise write over the volunteer's account.
            row.errors.append(f"手机号 {values['phone']} 在系统里是志愿者“{match['name']}”"
                              f"（用户名 {match['login']}）的，这一行的姓名却是“{values['name']}”。"
                              "同一人改名请在这位志愿者的账号里改；是另一位志愿者，请填一个新的用户名。")
            continue
        matched[match["id"]] = line
        row.record_id = match["id"]
        row.seen = match["id"] + "@" + _digest(match)
        for name, value in wanted.items():
            if match.get(name) != value:
                row.fields[name] = value
                label = LABELS.get(name, "所属单位")
                old, new = match.get(name), value
                if name == "unit_id":
                    names = {u["id"]: u["name"] for u in units}
                    old, new = names.get(old, old), names.get(new, new)
                row.changes.append((label, _shown(name, old), _shown(name, new)))
        row.action = UPDATE if row.fields else SAME
    return ImportPlan(plans, [*(notices or []), *_office_notice(plans, units, home_unit)])


def _office_notice(plans: list[RowPlan], units: list[dict[str, Any]], home_unit: str) -> list[str]:
    """Said above the preview when new volunteers with no 所属单位 would land at a town's or the county's
    office (the importer's own unit: 留空表示您所在的单位) rather than at a station or school, where the
    volunteers of the children are: the preview showed only an empty cell and 新增."""
    home = next((u for u in units if u["id"] == home_unit), None)
    if home is None or home["kind"] in ROW_KINDS:
        return []
    n = sum(1 for r in plans if r.action == CREATE and not r.errors and not r.cells.get("unit"))
    if not n:
        return []
    return [f"有 {n} 行没有填“所属单位”，这 {n} 位新志愿者会记在您所在的单位“{home['name']}”"
            f"（{UNIT_KINDS[home['kind']]}），不在哪个辅导站或学校。要记在辅导站或学校，请在这一列填上它的全称后重新上传。"]


def _phone_elsewhere(phone: str) -> str:
    # One volunteer, one account: a second one would split their pairings and records between two
    # names in every count. Saying that the number is registered elsewhere tells no name and no unit;
    # moving the volunteer is the county's step.
    return (f"手机号 {phone} 已是别的单位一位志愿者的手机号。同一位志愿者"
            "不能有两个账号；如果这位志愿者调到了您的单位，请县关工委在其账号里改“所属单位”。")


def _digest(user: dict[str, Any]) -> str:
    """An account's editable values in short (accounts carry no version): what a preview compared against."""
    said = json.dumps({k: user.get(k) for k in EDITABLE if k != "password_hash"}, sort_keys=True, default=str)
    return hashlib.sha256(said.encode()).hexdigest()[:16]


def import_mentors(db: sqlite_utils.Database, actor: Actor, scope: Scope, rows: list[tuple[int, dict[str, str]]],
                   *, update: bool, previewed: dict[int, str] | None = None) -> ImportPlan:
    """Plan again inside the write transaction and, when no row has an error and every row meets the
    account its preview showed, write every row that does something through
    ``sync.users.save_user`` (audited), all or nothing."""
    plan = plan_mentors(db, scope, actor.unit_id, rows)
    if plan.errors:
        return plan
    check_unchanged(plan, previewed, update=update)
    taken = m_logins(db)  # once, not once per new account
    # A login the file gives one volunteer is never generated for another of its rows (it would be
    # taken by the time that row is written, and the whole import refused).
    taken |= {row.fields["login"] for row in plan.writes(update=update) if row.fields.get("login")}
    for row in plan.writes(update=update):
        try:
            if row.action == CREATE:
                fields = {"smartphone": True, **row.fields, "role": "mentor"}
                fields["login"] = fields.get("login") or free_login(db, fields.get("phone"), taken)
                if fields["login"][:1] in ("m", "M"):
                    taken.add(fields["login"])
                row.fields = fields
                row.record_id = save_user(db, actor, fields, create=True)
            else:
                save_user(db, actor, row.fields, user_id=row.record_id)
        except NotAllowed as exc:
            raise ImportFailed(row.line, exc.reason) from None
    return plan
