"""Stopping a volunteer's account, as the station's volunteer page and the admin's account page both
offer it: the stop form may also end the volunteer's pairings, in the same write as the account
(``sync.stopping.deactivate_user``), so no child is left looking paired with nobody to visit them.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlite_utils
from starlette.responses import Response

from sync import NotAllowed, Scope, parse_id
from sync.entities import PAIRING
from sync.mutations import check_value
from sync.stopping import EndPairings, PairingsChanged, Stopped, deactivate_user, end_pairings
from sync.timeutil import local_today

from ..forms import whole_number
from ..queries.mentors import mentor_devices, mentor_pairings, pairings_to_end
from ..queries.review import author_waiting
from .visits import Visit

TICK = "end_pairings"  # the stop form's checkbox 同时结束这 N 个结对
Done = TypeVar("Done")


@dataclass(frozen=True)
class StoppedWaiting:
    """A stop, and the volunteer's own visits still waiting in the actor's scope as it was made."""

    stopped: Stopped
    pending: int = 0  # 待审核: once she is stopped, none can be returned to her
    returned: int = 0  # 已退回 to her: never corrected now


def stop_form(db: sqlite_utils.Database, scope: Scope, user_id: str) -> dict[str, Any]:
    """What the stop form shows: the pairings it may end and how many it may not (children out of reach),
    and her visits waiting for review, best dealt with while she can still correct them."""
    to_end, out_of_reach = pairings_to_end(db, scope, user_id)
    pending, returned = author_waiting(db, scope, user_id)
    return {"to_end": to_end, "out_of_reach": out_of_reach, "today": local_today().isoformat(),
            "pending": pending, "returned": returned, "mentor_id": user_id}


def read_end(values: dict[str, Any]) -> EndPairings | None:
    """The pairings a posted stop form asks to end with the account (None: the box was not ticked).

    ``NotAllowed`` says what is wrong with a form that cannot be taken as it is.
    """
    if not values.get(TICK):
        return None
    raw = values.get("pairing")
    items = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
    seen: dict[str, int] = {}
    for item in items:
        pairing_id, _, version = str(item).partition(":")
        found, number = parse_id(pairing_id), whole_number(version, digits=11)
        if found is None or number is None:
            raise NotAllowed("表单里的结对信息不完整，什么都没有改。请刷新页面后重新提交。")
        seen[found] = number
    given = values.get("end_date")
    end_date = str((given[-1] if isinstance(given, list) else given) or "").strip()
    if not end_date:
        raise NotAllowed("请填写结对的结束日期。")
    problem = check_value(PAIRING.by_name["end_date"], end_date)
    if problem:
        raise NotAllowed(problem)
    if end_date > local_today().isoformat():
        # The account stops today; a pairing "ending" later would leave the child waiting meanwhile.
        raise NotAllowed("结对的结束日期不能晚于今天。")
    return EndPairings(seen, end_date)


async def stop_account(visit: Visit, user_id: str, values: dict[str, Any], *,
                       then: Callable[[sqlite_utils.Database], object] | None = None) -> StoppedWaiting:
    """Deactivate ``user_id`` and, when the form's box is ticked, end the pairings it showed: one write,
    both or neither (``then`` runs in it too), which counts her visits left waiting. ``NotAllowed``
    (``PairingsChanged`` for a list changed since the page showed it) carries the sentence to show;
    nothing is written then."""
    end = read_end(values)
    actor = visit.actor
    scope = await visit.scope()

    def write(db: sqlite_utils.Database) -> StoppedWaiting:
        stopped = deactivate_user(db, actor, user_id, end=end)
        if then is not None:
            then(db)
        return StoppedWaiting(stopped, *author_waiting(db, scope, user_id))

    return await visit.state.store.write(write)


async def end_running_pairings(visit: Visit, user_id: str, values: dict[str, Any]) -> Stopped:
    """End the pairings a stopped volunteer still has (the list the page showed), in one write."""
    end = read_end({**values, TICK: "1"})
    actor = visit.actor
    return await visit.state.store.write(lambda db: end_pairings(db, actor, user_id, end))


async def answer_stop(visit: Visit, here: str, write: Awaitable[Done], words: Callable[[Done], str],
                      refused: Callable[[str, int], Awaitable[Response]]) -> Response:
    """Run a stop form's write (``stop_account`` or ``end_running_pairings``) and answer it: back to
    ``here`` with ``words``, or the page again through ``refused`` with the reason and its status (409
    for a pairing list changed since the page showed it: the person looks again; 400 otherwise)."""
    try:
        stopped = await write
    except NotAllowed as exc:
        return await refused(exc.reason, 409 if isinstance(exc, PairingsChanged) else 400)
    return visit.redirect(here, flash=words(stopped))


def stopped_words(done: StoppedWaiting, *, ticked: bool, repair: str, enters: bool = True,
                  words: str = "账号已停用，这位志愿者的手机不能再同步。") -> str:
    """What to tell the person after a stop (``words``, her visits left waiting, then the pairings);
    ``repair`` says where to pair the children again; ``enters``: the person may enter a phone's file
    (``CHILD_FILE``: not the admin, whose phone-import page is a 403), else the station is to be told."""
    stopped = done.stopped
    words += waiting_words(done.pending, done.returned)
    if stopped.phones:
        # A stopped phone keeps what it had not sent and offers it as a file: unless the station asks
        # for that file, those visits never reach the children's archives.
        words += (f"它登记过的 {stopped.phones} 台手机上如果还有没同步的记录，手机会提示志愿者点“导出未同步记录”："
                  + ("请把导出的文件收来，在“录入导出的文件”里录入。" if enters else
                     "请告诉这位志愿者所在单位的工作人员把导出的文件收来，在他们的“录入导出的文件”里录入。"))
    if not ticked and stopped.running:
        # Their children still have this volunteer on their pairings: say so, or they wait for visits
        # nobody will make.
        return words + (f"注意：这位志愿者还有 {stopped.running} 个进行中的结对，可以在本页下方一次结束，"
                        "或在“结对档案”里逐个结束、为孩子另找志愿者。")
    return words + _pairings_words(stopped, "已同时结束", repair)


def waiting_words(pending: int, returned: int) -> str:
    """After the stop, her visits still waiting: the queue offers them no 退回 now, and says of a
    returned one that nobody will correct it; the staff correct on the visit's edit page."""
    if not pending and not returned:
        return ""
    parts = ([f"{pending} 条帮扶记录还在等待审核"] if pending else []) + (
        [f"{returned} 条已退回给本人修改，现在不会再有人修改"] if returned else [])
    said = "，".join(parts)
    return (f"注意：这位志愿者还有 {said}。这些记录不能再退回给本人：请在“审核”里审核通过；"
            "内容要改的，由工作人员打开记录修改。")


def ended_words(stopped: Stopped, *, repair: str) -> str:
    """What to tell the person after ending a stopped volunteer's pairings on their own."""
    return _pairings_words(stopped, "已结束", repair) or "这位志愿者已经没有进行中的结对。"


def _pairings_words(stopped: Stopped, ended: str, repair: str) -> str:
    words = ""
    if stopped.ended:
        # "未结对" is what 总览 and the 帮扶对象 list call a child with no active pairing.
        words += (f"{ended} {len(stopped.ended)} 个结对（结束原因：志愿者停止服务），这些孩子现在显示为“未结对”，"
                  f"{repair}")
    if stopped.out_of_reach:
        words += (f"注意：另有 {stopped.out_of_reach} 个结对的孩子在您管理范围以外的单位，没有结束，"
                  "请联系管理那些单位的关工委结束这些结对或另找志愿者。")
    return words


async def restored_words(visit: Visit, user_id: str, words: str, repair: str) -> str:
    """What to tell the person after restoring a volunteer: ``words``, then the pairings a stop ended
    whose children still wait, and what a phone that went online meanwhile needs. Restoring brings
    back the account, never those pairings: told only 已恢复, the person who stopped the wrong
    volunteer believes the mistake undone while the children, 未结对, wait for visits nobody makes."""
    scope = await visit.scope()

    def read(db: sqlite_utils.Database) -> tuple[int, int]:
        waiting = sum(1 for p in mentor_pairings(db, scope, user_id) if p["repair"])
        return waiting, sum(1 for d in mentor_devices(db, user_id) if d["revoked_at"] is None)

    waiting, phones = await visit.state.store.read(read)
    if waiting:
        words += (f"注意：停用时结束的 {waiting} 个结对没有随账号恢复，这些孩子仍是“未结对”。"
                  f"如果还请这位志愿者帮扶他们，{repair}")
    if phones:
        # A phone told user_inactive asks again at each unlock and as the signal returns (pwa/js/main.js
        # `unstop`): taken back, it pulls the children again and sends what it kept through the stop.
        words += ("手机如果在停用期间联网过，会显示“这个账号已停用”：不用清除数据，也不用重新登记，"
                  "手机联网并解锁后会自己恢复，取回帮扶对象，并把停用期间没发出的记录发给辅导站。"
                  "如果志愿者已经清除了手机数据，请在志愿者页面给这位志愿者发新的登记码重新登记。")
    return words
