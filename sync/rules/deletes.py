"""What a delete may not lose, and the deleted child's file that no one writes into any more."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..records import keys_of
from ..timeutil import day_in_words
from .children import still_paired
from .refusal import found, refuse_if
from .units import holds_records
from .visits import flag_open

if TYPE_CHECKING:
    from ..apply import _Writer


# The records of a child's file, reached through its ``mentee_id`` (the child's row has its own rule:
# a deleted record is never edited, sync/apply.py ``_update``).
CHILD_RECORDS = ("pairing", "activity", "screening", "referral", "review", "donation")


def sealed(w: _Writer, entity_name: str, record: dict[str, Any], act: str = "修改或删除") -> str | None:
    """Why ``record`` may not be changed, deleted or reviewed (``act``): it belongs to a deleted
    child's file, or is a visit of a deleted pairing. The station and the county still read those,
    marked 档案已删除, as evidence of what was done for the child; a web form offers no button there,
    but a phone, a form posted from an older page, an export or a conflict's 采用 would otherwise
    write into them (new records there are refused by ``live`` already). The caller has checked
    that the writer may see ``record``, so naming the child tells no one of another unit's records."""
    if entity_name not in CHILD_RECORDS:
        return None
    mentee_id = keys_of(entity_name, record).mentee_id
    child = w.get("mentee", mentee_id) if isinstance(mentee_id, str) else None
    if child is not None and child["deleted"]:
        return f"帮扶对象 {child['code']} 的档案已被删除，档案里的记录只能查看，不能再{act}。"
    pairing = w.get("pairing", record["pairing_id"]) if entity_name == "activity" else None
    if pairing is not None and pairing["deleted"]:
        code = f"（帮扶对象 {child['code']}）" if child is not None else ""
        return f"这个结对{code}已被删除，结对里的帮扶活动只能查看，不能再{act}。"
    return None


def _flags_unhandled(w: _Writer, entity_name: str, record: dict[str, Any]) -> str | None:
    """Why a child or a pairing may not be deleted: a visit of it carries a 发现自伤自残风险 flag the
    station has not handled. A deleted child's or pairing's visits count nowhere, so the flag would
    leave the station home and the county's dashboard unhandled, and nobody could handle it after
    (the file is read-only, ``sealed``). Handling it first keeps what was done in the record."""
    column = "mentee_id" if entity_name == "mentee" else "pairing_id"
    # The child's visits through her pairings: activities have no index by child (idx_pairings_mentee,
    # then idx_activities_pairing_date).
    owner = ("pairing_id IN (SELECT id FROM pairings WHERE mentee_id = ?)" if entity_name == "mentee"
             else "pairing_id = ?")

    flagged = found(w, "activity", lambda a: a[column] == record["id"] and flag_open(a),
                     "SELECT id, date, deleted, pairing_id, mentee_id, risk_flag, risk_action FROM activities"
                     f" WHERE {owner} AND risk_flag = 1 AND coalesce(trim(risk_action), '') = '' AND deleted = 0",
                     [record["id"]])
    # A deleted pairing's visits are out of every list already: their flags are not this delete's doing.
    shown = [a for a in flagged if not (pairing := w.get("pairing", a["pairing_id"])) or not pairing["deleted"]]
    if not shown:
        return None
    days = sorted({str(a["date"]) for a in shown})
    what = "这个孩子" if entity_name == "mentee" else "这个结对"
    when = "、".join(day_in_words(d) for d in days[:3]) + ("等" if len(days) > 3 else "")
    these = "这条" if len(shown) == 1 else "这些"
    return (f"{what}有标了“发现自伤自残风险”的帮扶记录（{when}），辅导站还没有写处理记录，不能删除："
            f"删除后{these}风险提示就从辅导站首页和县里的风险提示里消失了。"
            "请先在辅导站首页“需要立即处理的风险提示”里写下处理记录，处理风险提示后再删除。")


def refuse_delete(w: _Writer, entity_name: str, record: dict[str, Any]) -> None:
    """Raise ``Refusal`` when deleting ``record`` would lose what it still holds."""
    if entity_name == "unit":
        refuse_if(holds_records(w, record))
    elif entity_name == "mentee":
        refuse_if(_flags_unhandled(w, entity_name, record))
        refuse_if(still_paired(w, record, deleting=True))
    elif entity_name == "pairing":
        refuse_if(_flags_unhandled(w, entity_name, record))
