"""The demo's 骨干学生 registers (Rudong notice 二.2(3)): a boy and a girl per class of each school and
per station, some units complete, some not, one not begun, so every state of the pages shows.

Fixed data, no draws from the demo's random source: every record the other steps draw stays as it was.
"""
from __future__ import annotations

from typing import Any

from .people import DEMO_USERS
from .state import Demo, mutation

# unit key -> (class, boy, boy's grade, girl, girl's grade); None: nobody chosen yet.
Row = tuple[str, str | None, str | None, str | None, str | None]
REGISTERS: dict[str, tuple[Row, ...]] = {
    "juegang.school": (
        ("四(1)班", "顾子轩", None, "陈雨桐", None), ("四(2)班", "许浩然", None, "周欣怡", None),
        ("五(1)班", "朱俊杰", None, "王梓涵", None), ("五(2)班", "丁一鸣", None, None, None),
        ("六(1)班", "缪天佑", None, "季语嫣", None), ("六(2)班", "徐博文", None, "吉思琪", None),
    ),
    "bencha.school": (
        ("七(1)班", "沈宇航", None, "冒佳怡", None), ("七(2)班", "刘子墨", None, "曹心怡", None),
        ("八(1)班", "孙铭泽", None, "杨可馨", None), ("八(2)班", None, None, "黄诗涵", None),
        ("九(1)班", None, None, None, None),
    ),
    "juegang.station": (("掘港街道校外教育辅导站", "钱睿", "五年级", "蒋梦瑶", "初一"),),
    "bencha.station": (("栟茶镇校外教育辅导站", "包宏宇", "六年级", None, None),),
    "chahe.station": (("岔河镇校外教育辅导站", "马浩宇", "初二", "吴欣然", "五年级"),),
    # 岔河镇中心小学 has registered nothing yet: 未登记 on the town's and the county's lists.
}
# A class whose girl moved school and was replaced: its page shows who changed it, and when.
CHANGED = ("juegang.school", "六(2)班", {"girl_name": "吉思雨"})


def peer_registers(demo: Demo) -> dict[str, list[dict[str, Any]]]:
    """Per unit key, the creates its staff make; each class guided by one of the unit's volunteers in turn."""
    out: dict[str, list[dict[str, Any]]] = {}
    for unit, rows in REGISTERS.items():
        guides = [demo.actors[u.login].user_id for u in DEMO_USERS if u.role == "mentor" and u.unit == unit]
        muts = out.setdefault(unit, [])
        for i, (class_name, boy, boy_grade, girl, girl_grade) in enumerate(rows):
            fields = {"unit_id": demo.unit_ids[unit], "class_name": class_name, "boy_name": boy,
                      "boy_grade": boy_grade, "girl_name": girl, "girl_grade": girl_grade,
                      "mentor_id": guides[i % len(guides)] if guides and i % 3 != 2 else None}
            muts.append(mutation("peer_helper", {k: v for k, v in fields.items() if v is not None}))
    return out


def changed_class(demo: Demo) -> tuple[str, str, dict[str, Any]]:
    """(unit key, record id, fields) of the demo's one edit of a class, made after it was registered."""
    unit, class_name, fields = CHANGED
    (record_id,) = demo.db.execute("SELECT id FROM peer_helpers WHERE unit_id = ? AND class_name = ?",
                                   [demo.unit_ids[unit], class_name]).fetchone()
    return unit, str(record_id), fields
