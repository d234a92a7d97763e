"""A volunteer's kind (``users.mentor_kind``, ``sync.labels.MENTOR_KINDS``) as the two account
forms post it: the volunteer's form (/mentors) and the admin's (/admin/users). ``sync.account_values`` checks
the value; the picker is ``templates/_mentor_kind.html``."""
from __future__ import annotations

from typing import Any

# The hint the admin's new-account form adds: there the role is picked beside the kind.
ONLY_VOLUNTEERS = "只有五老志愿者填写类别，其他角色请选“未填”。"
NOT_A_VOLUNTEER = "志愿者类别只用于五老志愿者：角色不是五老志愿者时，请把“志愿者类别”选为“未填”。这次什么都没有保存。"


def posted_kind(values: dict[str, Any]) -> dict[str, str | None]:
    """``{"mentor_kind": …}`` from a posted form (None for 未填), or ``{}`` when the form sent no kind.

    The form always sends the kind (未填 is a choice of its own): a form without it — a page opened
    before the picker existed — leaves the stored kind as it is rather than clearing it. Sent twice
    (mentor_kind=a&mentor_kind=b), the last one counts, as the picker shows it."""
    raw = values.get("mentor_kind")
    if raw is None:
        return {}
    value = str((raw[-1] if isinstance(raw, list) else raw) or "").strip()
    return {"mentor_kind": value or None}
