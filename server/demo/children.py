"""The demo's children: who they are, where they live and study, and whom they are paired with.

``draw_children`` draws 36 children (six per station or school) from the profiles of need,
gives each a guardian, a context for the text templates and a registration day, pairs each
with a volunteer of the same unit and plans which pairings close early.
"""
from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from sync import new_id

from ..queries.mentees import CODE_PREFIX
from .people import DEMO_USERS, TOWNS, DemoUser
from .profiles import (
    BOOKS,
    BOY_NAMES,
    CITIES,
    ELDER_MEN,
    ELDER_WOMEN,
    GIRL_NAMES,
    HOBBIES,
    JUNIOR_GRADES,
    MEN,
    PRIMARY_GRADES,
    PROFILES,
    RELATION_WORD,
    SPORTS,
    SURNAMES,
    WOMEN,
)
from .state import Demo, Mentee, Pairing


def draw_children(demo: Demo) -> None:
    """Draw the children into ``demo.mentees``, pair each with a volunteer and plan the early closings."""
    rng = demo.rng
    units = [f"{t.key}.{k}" for t in TOWNS for k in ("station", "school")]
    picks = list(PROFILES) + rng.choices(PROFILES, k=6 * len(units) - len(PROFILES))
    rng.shuffle(picks)
    names = rng.sample([(s, g, "male") for s in SURNAMES for g in BOY_NAMES]
                       + [(s, g, "female") for s in SURNAMES for g in GIRL_NAMES], 6 * len(units))
    for index, profile in enumerate(picks):
        unit = units[index // 6]
        slot = index % 6
        town = next(t for t in TOWNS if t.key == unit.split(".")[0])
        surname, given, gender = names[index]
        if unit.endswith(".school"):
            school = town.school
            grade = rng.choice(PRIMARY_GRADES if town.school_level == "primary" else JUNIOR_GRADES)
        else:
            school = rng.choice(town.nearby_schools)
            grade = rng.choice(JUNIOR_GRADES if "初级中学" in school else PRIMARY_GRADES)
        risk = rng.choice(profile.risks)
        initial = risk
        if risk == "normal" and "psych" in profile.categories:
            initial = "watch"
        elif risk == "watch" and rng.random() < 0.25:
            initial = "key"
        rel = rng.choice(profile.guardians)
        if rel in ("父亲", "爷爷", "叔叔"):
            g_surname = surname
        else:
            g_surname = rng.choice([s for s in SURNAMES if s != surname])
        g_given = rng.choice(ELDER_MEN if rel == "爷爷" else ELDER_WOMEN if rel in ("奶奶", "外婆")
                             else MEN if rel in ("父亲", "叔叔") else WOMEN)
        ctx = {
            "ta": "他" if gender == "male" else "她",
            "rel": RELATION_WORD[rel],
            "hobby": rng.choice(HOBBIES),
            "sport": rng.choice(SPORTS),
            "city": rng.choice(CITIES),
            "book": rng.choice(BOOKS),
            "village": rng.choice(town.villages),
        }
        # Slots 0-3 were screened at the start of the period, 4 mid-way, 5 recently.
        if slot <= 3:
            registered = demo.day(rng.randint(-8, 16))
        elif slot == 4:
            registered = demo.day(rng.randint(50, 95))
        else:
            registered = demo.today - datetime.timedelta(days=rng.randint(35, 60))
        demo.mentees.append(Mentee(
            new_id(), unit, profile, surname + given, gender, grade, school, risk, initial, rel,
            f"{g_surname}{g_given}（{rel}）", ctx, registered,
        ))
    # The codes a station's registration gives (server/queries/mentees.py), numbered within
    # each year, so a child registered in the demo county continues the same series.
    numbers: dict[int, int] = {}
    for m in sorted(demo.mentees, key=lambda m: (m.registered, m.name)):
        numbers[m.registered.year] = numbers.get(m.registered.year, 0) + 1
        m.code = f"{CODE_PREFIX}-{m.registered.year}-{numbers[m.registered.year]:04d}"

    mentors_by_unit: dict[str, list[DemoUser]] = {}
    for u in DEMO_USERS:
        if u.role == "mentor":
            mentors_by_unit.setdefault(u.unit, []).append(u)
    for index, m in enumerate(demo.mentees):
        mentor = mentors_by_unit[m.unit][index % 2]
        start = m.registered + datetime.timedelta(days=rng.randint(2, 7))
        demo.pairings.append(Pairing(new_id(), m, mentor, start))
    plan_closures(demo, mentors_by_unit)


def plan_closures(demo: Demo, mentors_by_unit: dict[str, list[DemoUser]]) -> None:
    """Close five early pairings: two 好转, two 稳定, one 转介 (re-paired with another volunteer)."""
    rng = demo.rng
    early = [p for p in demo.pairings if p.start <= demo.day(25)]
    def risk_is(level: str) -> Callable[[Pairing], bool]:
        return lambda p: p.mentee.risk == level

    def risk_not(level: str) -> Callable[[Pairing], bool]:
        return lambda p: p.mentee.risk != level

    wanted = [("improved", risk_is("normal")), ("improved", risk_not("key")), ("stable", risk_not("key")),
              ("stable", risk_not("key")), ("referred", risk_is("key"))]
    used_units: list[str] = []
    for outcome, fits in wanted:
        candidates = [p for p in early if p.outcome is None and fits(p)]
        fresh = [p for p in candidates if p.mentee.unit not in used_units] or candidates
        if not fresh:
            continue
        p = fresh[0]
        p.outcome = outcome
        p.end = demo.today - datetime.timedelta(days=rng.randint(25, 70))
        used_units.append(p.mentee.unit)
        if outcome == "referred":
            other = next(u for u in mentors_by_unit[p.mentee.unit] if u.login != p.mentor.login)
            demo.pairings.append(Pairing(new_id(), p.mentee, other, p.end + datetime.timedelta(days=3), follows=p))


def needs(m: Mentee) -> str:
    """The screening's 需求 line for the child's categories of need."""
    cats = m.profile.categories
    parts = []
    if "psych" in cats:
        parts.append("持续心理疏导" if m.risk != "key" else "专业心理评估与每周面对面疏导")
    if "hardship" in cats:
        parts.append("助学资助和课后作业辅导")
    if "left_behind" in cats:
        parts.append("亲情陪伴，协调父母定期视频联系")
    return "需要" + "；".join(parts) + "。"


def random_phone(rng: random.Random) -> str:
    """A mobile number for a guardian."""
    return rng.choice(("139", "138", "137", "136", "135", "158", "159", "187", "151", "152")) + "".join(
        str(rng.randrange(10)) for _ in range(8)
    )
