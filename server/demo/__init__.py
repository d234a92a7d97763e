"""The demo county: a 如东县-style county loaded through the one write path.

``load_demo(db)`` writes, inside the caller's write transaction, the county's units and
accounts, 36 children with their screenings (摸排), pairings with 五老 volunteers, about
six months of activities ending today, reviews, closed pairings, referrals, two sync
conflicts, one visit recorded twice, statistics returns and two more children waiting for a
volunteer, every record as the person who would write it; ``demo_logins(db)`` lists the accounts in use.

The content is generated from a ``random.Random(2026)`` and dated relative to
``sync.timeutil.local_today()``, so a run on the same day always yields the same demo
(record ids are fresh UUIDv7s). Every account that signs in on the web shares ``DEMO_PASSWORD``;
volunteers have no password (their phones enrol with a one-time code).

- ``people.py``: the units, staff and volunteers — names, logins, phones.
- ``profiles.py``: the children's profiles of need (situation, plan, goals) and name lists.
- ``texts.py``: the activity record, follow-up, risk and review texts.
- ``state.py``: the generator's state (day, seeded random source, what is made so far).
- ``children.py``, ``events.py``, ``activities.py``: draw the children and pairings, the
  units' events, and the activities.
- ``halves.py``: the half-years the lectures belong to (第1–3讲 上半年, 第4–5讲 下半年) and the days
  each half's are held in, so the demo reads right whatever day it is built on.
- ``referrals.py``: the referrals (转介) that follow from closed pairings and risk flags.
- ``donations.py``: 爱心捐助 to the first children of families in hardship of each unit.
- ``conflicts.py``: two sync conflicts (a web correction and an offline phone edit of one field).
- ``twins.py``: one visit at a station recorded twice (typed in from the volunteer's call, then
  sent from her phone), so the review queue shows ⚠ 可能重复.
- ``inspections.py``: the on-site inspections (督查) and the rectifications reported.
- ``waiting.py``: two more children of one station waiting for a volunteer (one never paired, one
  whose volunteer's account was stopped with the pairing left running), and that stopped account.
- ``loader.py``: ``load_demo``, writing all of it through ``sync.apply_mutations``.
"""
from __future__ import annotations

from .loader import load_demo
from .people import DEMO_PASSWORD, demo_logins

__all__ = ["DEMO_PASSWORD", "demo_logins", "load_demo"]
