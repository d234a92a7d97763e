"""The demo generator's working state: the day, the seeded random source, what has been made so far.

One ``Demo`` is threaded through every step of ``load_demo``; all randomness comes from its
``random.Random(SEED)``, drawn in a fixed order, so a run on the same day yields the same demo.
"""
from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from sync.mutations import upsert
from sync.scope import Actor

from .people import DEMO_USERS, DemoUser
from .profiles import Profile

SEED = 2026
DAYS = 182  # about six months of records, ending today

Date = datetime.date


def mutation(entity: str, fields: dict[str, Any], record_id: str | None = None,
             base_version: int | None = None) -> dict[str, Any]:
    """An upsert in the sync protocol's shape; a new record id unless ``record_id`` is given."""
    return upsert(entity, fields, record_id, base_version=base_version)


@dataclass
class Mentee:
    """A child on the register, with the context that fills the text templates."""

    id: str
    unit: str  # unit key
    profile: Profile
    name: str
    gender: str
    grade: str
    school: str
    risk: str
    initial_risk: str
    rel: str  # guardian relation
    guardian: str
    ctx: dict[str, str]
    registered: Date
    code: str = ""

    @property
    def slow(self) -> bool:
        return self.risk == "key"


@dataclass
class Pairing:
    """A child paired with a volunteer, with the activities planned for it."""

    id: str
    mentee: Mentee
    mentor: DemoUser
    start: Date
    end: Date | None = None
    outcome: str | None = None
    follows: Pairing | None = None  # the closed (转介) pairing this one takes over from
    activities: list[dict[str, Any]] = field(default_factory=list)


class Demo:
    """What the steps of ``load_demo`` share: the day, the random source, ids and actors made so far."""

    def __init__(self, db: sqlite_utils.Database, today: Date) -> None:
        self.db = db
        self.today = today
        self.first_day = today - datetime.timedelta(days=DAYS)
        self.rng = random.Random(SEED)
        self.unit_ids: dict[str, str] = {}
        self.actors: dict[str, Actor] = {}
        self.mentees: list[Mentee] = []
        self.pairings: list[Pairing] = []

    # helpers
    def day(self, offset: int) -> Date:
        return self.first_day + datetime.timedelta(days=offset)

    @staticmethod
    def iso(d: Date) -> str:
        return d.isoformat()

    def staff_of(self, unit: str) -> Actor:
        login = next(u.login for u in DEMO_USERS if u.role == "staff" and u.unit == unit)
        return self.actors[login]

    def user(self, login: str) -> DemoUser:
        return next(u for u in DEMO_USERS if u.login == login)
