"""The demo's referrals (转介, Kaizhou notice 五(三)), drawn from what happened to the children.

No random draws: every referral follows from the pairings and activities already planned, so
adding them leaves the rest of the demo as it was.

- A pairing closed with the outcome 转介 → the child was referred to the county hospital's
  psychological clinic on the day it closed; received a few days later, concluded after two
  months of treatment when that much time has passed.
- An urgent risk flag (自伤自残迹象) → the station referred the child to the school's counselling
  room the next day; the two recent flags are still open (one not yet received), the older one
  has been received.
"""
from __future__ import annotations

import datetime
from typing import Any

from .state import Date, Demo, Pairing, mutation

HOSPITAL = "如东县人民医院心理门诊"
HOSPITAL_CONTACT = "门诊护士站 0513-84102345"


def referrals(demo: Demo) -> dict[str, list[dict[str, Any]]]:
    """The referral mutations, by the unit key of the station or school that writes them."""
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for p in demo.pairings:
        if p.outcome == "referred" and p.end is not None:
            by_unit.setdefault(p.mentee.unit, []).append(_to_hospital(demo, p, p.end))
        flags = [a for a in p.activities if a["risk_flag"]]
        if flags and p.outcome != "referred":
            flagged = Date.fromisoformat(flags[0]["date"])
            by_unit.setdefault(p.mentee.unit, []).append(_to_counselling_room(demo, p, flagged))
    return by_unit


def _to_hospital(demo: Demo, p: Pairing, day: Date) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "mentee_id": p.mentee.id, "target": "medical", "institution": HOSPITAL, "contact": HOSPITAL_CONTACT,
        "reason": "结对帮扶中情绪反复、睡眠差，复查时医生建议系统治疗；经家长同意转介专业医疗机构。",
        "referred_on": demo.iso(day),
    }
    received = day + datetime.timedelta(days=3)
    if received <= demo.today:
        fields.update(status="received", received_on=demo.iso(received))
    concluded = day + datetime.timedelta(days=60)
    if concluded <= demo.today:
        fields.update(status="concluded", concluded_on=demo.iso(concluded),
                      outcome="门诊治疗两个月，情绪基本平稳，按医嘱每月复诊；由五老志愿者继续结对关爱。")
    return mutation("referral", fields)


def _to_counselling_room(demo: Demo, p: Pairing, flagged: Date) -> dict[str, Any]:
    day = min(flagged + datetime.timedelta(days=1), demo.today)
    fields: dict[str, Any] = {
        "mentee_id": p.mentee.id, "target": "counselling_room",
        "institution": f"{p.mentee.school}心理辅导室", "contact": "心理老师（学校德育处转）",
        "reason": "五老志愿者上报自伤自残迹象，辅导站核实后转介学校心理辅导室评估、跟进。",
        "referred_on": demo.iso(day),
    }
    received = day + datetime.timedelta(days=2)
    if received < demo.today:
        fields.update(status="received", received_on=demo.iso(received))
    return mutation("referral", fields)
