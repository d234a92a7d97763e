"""The demo county's people: its units (county, towns, stations, schools) and its accounts.

Everything here is fixed data, the same every run; ``demo_logins`` reads back the accounts
a database holds for ``banxing demo`` to print.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

DEMO_PASSWORD = "banxing2026"

# --- the county: units -----------------------------------------------------------------

COUNTY = {
    "key": "county", "name": "如东县关工委", "kind": "county",
    "phone": "0513-84120806", "address": "如东县掘港街道人民路 县行政中心 4 号楼",
}


@dataclass(frozen=True)
class Town:
    key: str
    name: str
    phone: str
    address: str
    station: str
    station_address: str
    station_phone: str
    school: str
    school_address: str
    school_phone: str
    school_level: str  # primary | junior
    nearby_schools: tuple[str, ...]  # schools the station's children attend
    villages: tuple[str, ...]


TOWNS = (
    Town("juegang", "掘港街道关工委", "0513-84521317", "如东县掘港街道青园北路 街道办事处",
         "掘港街道校外教育辅导站", "掘港街道友谊社区服务中心二楼", "0513-84521340",
         "掘港街道城东小学", "掘港街道学府路 18 号", "0513-84536602", "primary",
         ("掘港街道城南小学", "掘港街道城东小学", "掘港街道第二初级中学"),
         ("友谊社区", "东方社区", "新光社区", "江海社区")),
    Town("bencha", "栟茶镇关工委", "0513-84651022", "如东县栟茶镇镇政府大院",
         "栟茶镇校外教育辅导站", "栟茶镇文化站一楼", "0513-84651137",
         "栟茶镇初级中学", "栟茶镇育才路 6 号", "0513-84652210", "junior",
         ("栟茶镇中心小学", "栟茶镇初级中学"),
         ("浒澪村", "东凌村", "方凌村", "栟茶社区")),
    Town("chahe", "岔河镇关工委", "0513-84781195", "如东县岔河镇镇政府大院",
         "岔河镇校外教育辅导站", "岔河镇新街社区活动中心", "0513-84781206",
         "岔河镇中心小学", "岔河镇文化路 3 号", "0513-84782318", "primary",
         ("岔河镇中心小学", "岔河镇初级中学"),
         ("新街社区", "古坝村", "景安村", "双桥村")),
)

# Students and parents each school or station serves (lecture coverage = participants ÷ these).
ENROLMENT = {
    "juegang.station": (420, 398), "juegang.school": (1264, 1187),
    "bencha.station": (316, 297), "bencha.school": (986, 931),
    "chahe.station": (268, 251), "chahe.school": (772, 726),
}


def unit_name(key: str) -> str:
    if key == "county":
        return COUNTY["name"]
    town = next(t for t in TOWNS if t.key == key.split(".")[0])
    if key.endswith(".station"):
        return town.station
    if key.endswith(".school"):
        return town.school
    return town.name


# --- the people ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    login: str
    role: str
    name: str
    unit: str  # unit key
    phone: str
    about: str = ""
    smartphone: bool = True
    kind: str | None = None  # a volunteer's MENTOR_KINDS key


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "admin", "陆卫东", "county", "13905136021", "县关工委办公室，系统管理员"),
    DemoUser("county", "reviewer", "周文清", "county", "13862790418", "县关工委秘书长（与县教体局联合督查）"),
    DemoUser("staff-juegang", "staff", "钱海燕", "juegang", "13813702265", "街道关工委专职副主任"),
    DemoUser("staff-bencha", "staff", "孙立新", "bencha", "13773661530", "镇关工委常务副主任"),
    DemoUser("staff-chahe", "staff", "吴红梅", "chahe", "15962718843", "镇关工委秘书"),
    DemoUser("zhan-juegang", "staff", "朱晓东", "juegang.station", "13914384472", "辅导站站长"),
    DemoUser("xiao-juegang", "staff", "蒋丽娟", "juegang.school", "18861997305", "心理健康教师"),
    DemoUser("zhan-bencha", "staff", "沈国平", "bencha.station", "13606276519", "辅导站站长"),
    DemoUser("xiao-bencha", "staff", "顾春燕", "bencha.school", "13962745108", "德育处主任"),
    DemoUser("zhan-chahe", "staff", "曹建军", "chahe.station", "15851322097", "辅导站站长"),
    DemoUser("xiao-chahe", "staff", "缪晓红", "chahe.school", "13584609731", "心理健康兼职教师"),
    DemoUser("wang.laoshi", "mentor", "王建国", "juegang.station", "13962705183",
             "退休教师（原城南小学语文教师）", kind="teacher"),
    DemoUser("chen.ganbu", "mentor", "陈德明", "juegang.station", "13706289014",
             "老干部（原街道党工委副书记）", kind="cadre"),
    DemoUser("zhang.laoshi", "mentor", "张秀兰", "juegang.school", "13951301627",
             "退休教师（原城东小学班主任）", kind="teacher"),
    DemoUser("sun.laoshi", "mentor", "孙国华", "juegang.school", "13862718350",
             "退休教师（原小学校长）", kind="teacher"),
    DemoUser("liu.laobing", "mentor", "刘志刚", "bencha.station", "13003588102",
             "老战士（退役军人，用老人机，记录由辅导站代录）", smartphone=False, kind="veteran"),
    DemoUser("yang.mofan", "mentor", "杨桂芳", "bencha.station", "15190802746",
             "老模范（原村妇女主任）", kind="model"),
    DemoUser("xu.yisheng", "mentor", "徐玉梅", "bencha.school", "13585206631",
             "老专家（退休卫生院医生）", kind="expert"),
    DemoUser("zhou.laoshi", "mentor", "周福林", "bencha.school", "13813614092",
             "退休教师（原初中数学教师）", kind="teacher"),
    DemoUser("ma.ganbu", "mentor", "马永生", "chahe.station", "13773747265",
             "老干部（原镇教育办主任）", kind="cadre"),
    DemoUser("gu.laobing", "mentor", "顾长林", "chahe.station", "15896281374",
             "老战士（退役军人）", kind="veteran"),
    DemoUser("huang.laoshi", "mentor", "黄春华", "chahe.school", "13921627480",
             "中心小学在职教师（心理健康兼职教师）", kind="school_teacher"),
    DemoUser("bao.laoshi", "mentor", "包秀英", "chahe.school", "18751307726",
             "社区志愿者（民办幼儿园园长）", kind="public"),
)

ROLE_ORDER = {"admin": 0, "reviewer": 1, "staff": 2, "mentor": 3}


def demo_logins(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every demo account present in ``db``: login, role, name, password (``None`` for a
    volunteer: they never sign in on the web) and unit name."""
    logins = [u.login for u in DEMO_USERS]
    rows = db.execute(
        f"SELECT u.login, u.role, u.name, un.name FROM users u LEFT JOIN units un ON un.id = u.unit_id"
        f" WHERE u.login IN ({', '.join('?' * len(logins))})",
        logins,
    ).fetchall()
    found = {r[0]: r for r in rows}
    ordered: Sequence[DemoUser] = sorted(DEMO_USERS, key=lambda u: ROLE_ORDER[u.role])
    return [
        {"login": u.login, "role": found[u.login][1], "name": found[u.login][2],
         "password": None if u.role == "mentor" else DEMO_PASSWORD, "unit": found[u.login][3]}
        for u in ordered if u.login in found
    ]
