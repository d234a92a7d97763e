"""The demo's 爱心捐助 (Rudong notice 三: 发动社会各界人士、离退休干部捐物捐款), drawn from the children.

No random draws: the first children of 家庭经济困难 in each station or school with a running pairing get
help at the start of the school year and before winter, so adding them leaves the rest of the demo as
it was. Days are clamped to today, as every demo record is.
"""
from __future__ import annotations

import datetime
from typing import Any

from .state import Date, Demo, mutation

PER_UNIT = 2
GIFTS = (
    # (days after the pairing began, 分, goods, 件, donor)
    (10, 50_000, None, None, "县老干部局离退休干部"),
    (40, None, "冬衣、棉鞋", 3, "掘港街道爱心企业"),
    (70, 20_050, "书包和学习用品", 2, "匿名"),
)


def donations(demo: Demo) -> dict[str, list[dict[str, Any]]]:
    """The donation mutations, by the unit key of the station or school that writes them."""
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for p in demo.pairings:
        if p.end is not None or "hardship" not in p.mentee.profile.categories:
            continue
        muts = by_unit.setdefault(p.mentee.unit, [])
        if len(muts) >= PER_UNIT * len(GIFTS):
            continue
        for after, fen, goods, items, donor in GIFTS:
            day: Date = min(p.start + datetime.timedelta(days=after), demo.today)
            fields: dict[str, Any] = {"mentee_id": p.mentee.id, "date": demo.iso(day), "donor": donor,
                                      "handed_by": demo.actors[p.mentor.login].user_id, "amount_fen": fen,
                                      "goods": goods, "items": items}
            muts.append(mutation("donation", {k: v for k, v in fields.items() if v is not None}))
    return by_unit
