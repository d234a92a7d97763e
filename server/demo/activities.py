"""The demo's activities: when each pairing met, and what the volunteer wrote each time.

``plan_activities`` dates every pairing's home visits, talks, calls and group activities
from its start to its last visit (or its closing), fills each record from ``texts.py`` by
the child's needs and how far the pairing has come, decides which records staff enter for
a volunteer (代录) and how each is to be reviewed, and raises three urgent risk flags.
Nothing is written here: ``loader.py`` writes the planned activities.
"""
from __future__ import annotations

import datetime
from typing import Any

from sync import new_id

from .people import DEMO_USERS, unit_name
from .profiles import GROUP_THEMES, ITEMS
from .state import Date, Demo, Pairing
from .texts import (
    BODIES,
    BODY_PLACES,
    CLOSING,
    FIRST_RECORD,
    FOCUS,
    FOLLOW_UPS,
    GROUP_BODIES,
    KIND_WEIGHTS,
    MOODS_BY_STAGE,
    OBSERVATIONS,
    OPENERS,
    PREPARATION,
    REFERRAL_RECORD,
    RETURN_COMMENTS,
    RISK_FOLLOW_UP,
    RISK_PREPARATIONS,
    RISK_RECORDS,
)


def plan_activities(demo: Demo) -> None:
    """Fill every pairing's ``activities``, then turn three key children's visits into urgent risk reports."""
    rng = demo.rng
    active_index = 0
    key_pairings = []
    for p in demo.pairings:
        m = p.mentee
        if p.outcome is not None:
            assert p.end is not None
            last = p.end - datetime.timedelta(days=rng.randint(0, 5))
            due = None
        else:
            kind_of_due = ("overdue", "soon", "later", "later")[active_index % 4]
            active_index += 1
            if kind_of_due == "overdue":
                due = demo.today - datetime.timedelta(days=rng.randint(2, 15))
                last = due - datetime.timedelta(days=rng.randint(10, 18))
            elif kind_of_due == "soon":
                due = demo.today + datetime.timedelta(days=rng.randint(0, 6))
                last = min(demo.today - datetime.timedelta(days=rng.randint(1, 12)), due - datetime.timedelta(days=4))
            else:
                due = demo.today + datetime.timedelta(days=rng.randint(8, 20))
                last = demo.today - datetime.timedelta(days=rng.randint(1, 10))
            if m.risk == "key":
                key_pairings.append(p)
        dates = [last]
        while True:
            previous = dates[-1] - datetime.timedelta(days=rng.randint(12, 24))
            if previous < p.start:
                break
            dates.append(previous)
        dates.reverse()
        if (dates[0] - p.start).days > 6:
            dates.insert(0, p.start + datetime.timedelta(days=rng.randint(1, 4)))
        for i, d in enumerate(dates):
            if i + 1 < len(dates):
                follow_due: Date | None = dates[i + 1] + datetime.timedelta(days=rng.randint(0, 3))
            else:
                follow_due = due
            p.activities.append(draft_activity(demo, p, i, len(dates), d, follow_due))
    # Urgent risk flags (自伤自残迹象) on three key children: two recent, one older and since calmer.
    for n, p in enumerate(key_pairings[:3]):
        acts = p.activities
        target = acts[-1] if n < 2 or len(acts) < 4 else acts[len(acts) // 2]
        if n < 2:
            d = demo.today - datetime.timedelta(days=rng.randint(1, 4))
            target["date"] = demo.iso(max(d, Date.fromisoformat(acts[-2]["date"]) + datetime.timedelta(days=3))
                                      if len(acts) > 1 else d)
            due = Date.fromisoformat(target["date"]) + datetime.timedelta(days=rng.randint(2, 3))
            target["follow_up_due"] = demo.iso(due)
        m = p.mentee
        ctx = {**m.ctx, "due": month_day(Date.fromisoformat(target["follow_up_due"])), "item": rng.choice(ITEMS)}
        target.update(
            risk_flag=True, kind="home_visit" if n != 2 else "talk",
            place=f"{m.ctx['village']}，孩子家中" if n != 2 else f"{m.school}心理咨询室",
            preparation=RISK_PREPARATIONS[n].format(**ctx),
            record=RISK_RECORDS[n].format(**ctx), follow_up=RISK_FOLLOW_UP.format(**ctx),
            moods=["低落", "沉默"], observations=["情绪有起伏", "睡眠不好"],
            review="approve" if n == 2 else "pending",
            comment="已知悉。辅导站已当天联系家长和班主任，孩子已到心理门诊就诊，请继续每周跟踪。",
        )
        target.pop("return", None)
        if target["entered_by_staff"]:
            target["record"] += f"（{p.mentor.name}电话口述，辅导站代录）"
    quieten(demo)


# A station and a school in two towns where one running pairing has gone quiet (久未帮扶), so the
# county's card, two towns and two units each have one to see. It draws nothing, so every other
# pairing's visits are planned as before.
QUIET_UNITS = ("bencha.school", "chahe.station")
QUIET_LAST_VISIT = (40, 60)  # days ago, past the default interval (30) and not yet forgotten


def quieten(demo: Demo) -> None:
    """In each of ``QUIET_UNITS`` one running pairing, not a key child's, paired long enough to have
    been visited for a while, loses its visits of the last ``QUIET_LAST_VISIT[0]`` days; its last visit
    is moved into the range if it falls before it. An ordinary child whose next follow-up is not due
    this week is preferred, so the demo's overdue and due-soon follow-ups stay as they were."""
    near, far = (demo.today - datetime.timedelta(days=d) for d in QUIET_LAST_VISIT)
    week = demo.iso(demo.today + datetime.timedelta(days=7))
    for unit in QUIET_UNITS:
        fits = [p for p in demo.pairings if p.mentee.unit == unit and p.outcome is None and p.follows is None
                and p.mentee.risk != "key" and p.start <= far - datetime.timedelta(days=14)]
        if not fits:
            continue
        p = min(fits, key=lambda p: ((p.activities[-1]["follow_up_due"] or "") <= week, p.mentee.risk != "normal"))
        p.activities = [a for a in p.activities if a["date"] <= demo.iso(near)]
        while p.activities[-1]["kind"] == "group":  # a group activity is no visit to the child
            p.activities.pop()
        last = p.activities[-1]
        if last["date"] < demo.iso(far):
            last["date"] = demo.iso(near - datetime.timedelta(days=7))
        # The follow-up it set (the next visit) has passed unmet.
        last["follow_up_due"] = demo.iso(Date.fromisoformat(last["date"]) + datetime.timedelta(days=14))


def draft_activity(demo: Demo, p: Pairing, i: int, n: int, d: Date, due: Date | None) -> dict[str, Any]:
    """The ``i``-th of ``n`` activities of ``p`` on day ``d``, with its review plan (approve, return, pending)."""
    rng = demo.rng
    m = p.mentee
    cats = m.profile.categories
    cat = cats[0] if len(cats) == 1 or rng.random() < 0.6 else cats[1]
    stage = min(2, (3 * i) // max(n, 1))
    if m.slow or p.outcome == "referred":
        stage = min(stage, 1)
    kind = "home_visit" if i == 0 else rng.choices([k for k, _ in KIND_WEIGHTS], [w for _, w in KIND_WEIGHTS])[0]
    town = m.unit.split(".")[0]
    place = {
        "home_visit": f"{m.ctx['village']}，孩子家中",
        "talk": rng.choice((f"{m.school}心理咨询室", f"{unit_name(town + '.station')}谈心室")),
        "remote": rng.choice(("电话", "微信视频")),
        "group": f"{unit_name(town + '.station')}活动室",
    }[kind]
    ctx = {**m.ctx, "place": place, "item": rng.choice(ITEMS), "theme": rng.choice(GROUP_THEMES),
           "staff": demo.user(next(u.login for u in DEMO_USERS if u.role == "staff" and u.unit == town + ".station"))
           .name[0] + "站长",
           "due": month_day(due) if due else "下次"}
    ctx["focus"] = "、".join(f.format(**ctx) for f in rng.sample(FOCUS[cat], 2))
    preparation = rng.choice(fitting(PREPARATION[kind], cat)).format(**ctx)
    if i == 0:
        if p.follows is not None:
            record = (f"接续结对后第一次上门。已和前一位结对的{p.follows.mentor.name}老师交接了情况，{{rel}}介绍了"
                      "{ta}在心理门诊复诊的情况，我说明了以后每周来看{ta}一次的安排。").format(**ctx)
        else:
            record = FIRST_RECORD.format(situation=m.profile.situation.format(**m.ctx), **ctx)
    else:
        opener = rng.choice(fitting(OPENERS[kind], cat)).format(**ctx)
        if kind == "group":
            body = GROUP_BODIES[stage]
        else:
            body = rng.choice([text for where, text in BODIES[(cat, stage)] if where in BODY_PLACES[kind]])
        record = opener + body.format(**ctx)
    if due is None and p.outcome is not None:
        follow_up = CLOSING[p.outcome].format(**ctx)
        if p.outcome == "referred":
            record = rng.choice(fitting(OPENERS[kind], cat)).format(**ctx) if kind != "group" else ""
            record += REFERRAL_RECORD.format(**ctx)
    else:
        follow_up = rng.choice(FOLLOW_UPS[cat]).format(**ctx)
    negative, positive = OBSERVATIONS[cat]
    if stage == 0:
        observations = rng.sample(negative, rng.randint(1, 2))
    elif stage == 1:
        observations = [rng.choice(negative), rng.choice(positive)]
    else:
        observations = rng.sample(positive, rng.randint(1, 2))
    moods = rng.sample(MOODS_BY_STAGE[stage], rng.randint(1, 2))
    tags: list[str] = []
    if kind == "group":
        tags = ["station"] + (["theme"] if rng.random() < 0.5 else [])
    elif kind == "remote" and rng.random() < 0.6:
        tags = ["online"]
    elif kind == "talk" and rng.random() < 0.4:
        tags = [rng.choice(("lessons", "peer"))]
    elif kind == "home_visit" and rng.random() < 0.35:
        tags = ["parents"]
    duration = {"home_visit": (40, 90), "talk": (30, 60), "remote": (15, 40), "group": (60, 120)}[kind]
    activity: dict[str, Any] = {
        "id": new_id(), "pairing_id": p.id, "kind": kind, "date": demo.iso(d),
        "duration_min": rng.randrange(duration[0], duration[1] + 1, 5), "place": place,
        "preparation": preparation, "record": record, "follow_up": follow_up,
        "follow_up_due": demo.iso(due) if due else None, "moods": moods, "observations": observations,
        "tags": tags, "risk_flag": False,
    }
    # 代录: the volunteer without a smartphone phones the station; a few others too.
    by_staff = not p.mentor.smartphone or rng.random() < 0.05
    activity["entered_by_staff"] = by_staff
    if by_staff:
        activity["record"] += f"（{p.mentor.name}电话口述，辅导站代录）"
    # Review plan: records older than ten days are mostly approved, a few returned.
    age = (demo.today - d).days
    roll = rng.random()
    if age >= 10 and roll < 0.72:
        activity["review"] = "approve"
    elif age >= 10 and roll < 0.81 and not by_staff and 0 < i < n - 1:
        reason = rng.choice(tuple(RETURN_COMMENTS))
        activity["review"] = "return"
        activity["return"] = reason
        activity["fixed"] = rng.random() < 0.6
    else:
        activity["review"] = "pending"
    return activity


def fitting(templates: tuple[str, ...], category: str) -> list[str]:
    """Templates that fit the child: talk of parents working away only for left-behind children."""
    if category == "left_behind":
        return list(templates)
    return [t for t in templates if "父母" not in t]


def month_day(d: Date) -> str:
    """``3月15日``."""
    return f"{d.month}月{d.day}日"
