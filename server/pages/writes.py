"""What the station pages share when they write: one mutation through the one write path, the
version an edit form showed, and only the fields the person changed.
"""
from __future__ import annotations

from typing import Any

from sync import Outcome, apply_mutations
from sync.mutations import upsert

from ..errors import BadRequest
from ..forms import whole_number
from ..queries.versions import changed, values_at
from .common import Visit


async def apply_one(page: Visit, mutation: dict[str, Any]) -> Outcome:
    """Apply ``mutation`` as the signed-in person, in one write transaction."""
    actor = page.actor
    (outcome,) = await page.state.store.write(lambda db: apply_mutations(db, actor, [mutation]))
    return outcome


def base_version(form: dict[str, Any], name: str = "base_version") -> int | None:
    """The record version the edit form showed (the hidden field ``name``), or None when missing or garbled."""
    raw = form.get(name)
    return whole_number(raw[-1] if isinstance(raw, list) else raw, digits=11)


def shown_version(form: dict[str, Any], *, redo: str = "修改") -> int:
    """``base_version`` of a posted edit form; 400 when it is missing (the person ``redo``-es after a reload)."""
    version = base_version(form)
    if version is None:
        raise BadRequest(f"表单缺少版本号，请刷新页面后重新{redo}。")
    return version


async def edit(page: Visit, entity: str, record_id: str, version: int, posted: dict[str, Any]) -> Outcome | None:
    """Send the fields of ``posted`` that differ from what the form showed at ``version``.

    Returns None when nothing changed (no mutation, no new version).
    """
    shown = await page.state.store.read(lambda db: values_at(db, entity, record_id, version))
    changes = changed(posted, shown or {})
    if not changes:
        return None
    return await apply_one(page, upsert(entity, changes, record_id, base_version=version))


def saved_words(outcome: Outcome) -> str:
    """What to tell the person after a save that went through (a conflict is saved in part)."""
    if outcome.status == "conflict":
        return f"已保存，但有冲突：{outcome.reason}"
    return "已保存。"
