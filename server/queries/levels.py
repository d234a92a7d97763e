"""A child's 关注等级 below what her latest 摸排 rated her.

The level is the station's to set (the child's file is written by staff: ``sync/entities.py``); a
screening the station writes on the web changes it with it (``server/pages/mentees.py``), but a
volunteer's phone writes the screening only, so a phone's 摸排 rating a child 重点 left her 关注 and
out of the county's 重点对象 counts with nothing pointing at it. Nothing changes the level by itself:
the file says so beside 关注等级 and the station home counts such children, linked to the list of
them (``/mentees?screening=higher``), so that the staff who may set it check and set it.

"Latest" is the newest live screening that gives a level, in the order the file lists them (day,
then id); only a rating above the level is named: a lower one is the station's judgement to keep.
"""
from __future__ import annotations

from typing import Any

RANKS = {"normal": 0, "watch": 1, "key": 2}


def _rank(column: str) -> str:
    """SQL: the rank of the level in ``column`` (none given ranks as 一般)."""
    return f"CASE {column} WHEN 'key' THEN 2 WHEN 'watch' THEN 1 ELSE 0 END"


def rated_higher(alias: str = "m") -> str:
    """SQL: the child ``alias`` is rated higher by her latest live screening than her level. A 重点
    child can be rated no higher, so her screenings are not read; the others' newest rated one
    through ``idx_screenings_mentee_date``, one row each."""
    latest = (f"(SELECT {_rank('s.risk_level')} FROM screenings s WHERE s.mentee_id = {alias}.id"
              f" AND s.deleted = 0 AND s.risk_level IS NOT NULL ORDER BY s.date DESC, s.id DESC LIMIT 1)")
    return f"coalesce({alias}.risk_level, '') != 'key' AND {latest} > {_rank(f'{alias}.risk_level')}"


def rating_above(mentee: dict[str, Any], screenings: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The child's latest live screening that gives a level, when it rates her above her level, else
    None; ``screenings`` as the file reads them (``mentee_screenings``: live, newest first)."""
    latest = next((s for s in screenings if s.get("risk_level")), None)
    if latest is None or mentee.get("deleted") or mentee.get("status") != "active":
        return None
    above = RANKS.get(latest["risk_level"], 0) > RANKS.get(mentee.get("risk_level") or "", 0)
    return latest if above else None
