"""Statistics returns (报送): the status a unit may set, and the figures an approval freezes.

A unit fills its statistics form for a period and moves its return between ``draft`` and
``submitted``; only a review sets ``approved`` or ``returned`` (``sync.rules``). An approved
return is locked (``Entity.locks_when_approved``) and keeps the figures it was approved with:
the review that approves it also writes ``figures``, computed on the writer's connection in
the same transaction, so the frozen copy is exactly what the approver approved.

The engine cannot compute the statistics form itself: that read model lives in
``server/queries/stats.py`` and ``sync/`` never imports ``server/``. The server installs the
function once at start-up (``install_figures``); without one (the engine used on its own, as
in its unit tests) an approval freezes nothing and ``figures`` stays null.

Figures are computed before the batch that approves is written, so records changed earlier
in the same batch are not yet part of them; a return page compares the frozen copy with the
current records anyway.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlite_utils

from .labels import RETURN_STATUSES

# (writer's db, the stats_return record) -> JSON-able figures
FiguresFn = Callable[[sqlite_utils.Database, dict[str, Any]], dict[str, Any]]

# What a unit may set on its own return; approved / returned come from reviews only.
UNIT_STATUSES = ("draft", "submitted")

_installed: list[FiguresFn] = []


def install_figures(fn: FiguresFn) -> None:
    """Use ``fn`` to compute the figures an approval freezes (the server calls this once)."""
    _installed[:] = [fn]


def check_status(before: dict[str, Any] | None, record: dict[str, Any]) -> str | None:
    """Why a writer's change of ``status`` is not allowed, or None when it is."""
    old = before["status"] if before is not None else "draft"
    new = record.get("status")
    if new == old:
        return None
    if new not in UNIT_STATUSES:
        label = RETURN_STATUSES.get(str(new), str(new))
        return f"统计表的状态“{label}”只能由上级审核时设定；填表单位只能保存草稿或上报。"
    return None


def check_reviewable(target: dict[str, Any], approved: bool) -> str | None:
    """Why a review cannot approve or return this statistics return now, or None.

    Only a submitted return is approved; a submitted or an approved one may be returned
    (returning an approved return is how it is unlocked for a correction).
    """
    status = target.get("status")
    if status == "submitted" or (status == "approved" and not approved):
        return None
    label = RETURN_STATUSES.get(str(status), str(status))
    if status == "approved":
        return "这份统计表已审核通过；如需更正，请退回。"
    return f"这份统计表尚未上报（当前状态：{label}），不能审核；请等填表单位上报后再审核。"


def review_values(db: sqlite_utils.Database, target: dict[str, Any], approved: bool) -> dict[str, Any]:
    """The fields a review sets on the return: its status and, on approval, the frozen figures."""
    if not approved:
        return {"status": "returned", "figures": None}
    figures = _installed[0](db, target) if _installed else None
    return {"status": "approved", "figures": figures}
