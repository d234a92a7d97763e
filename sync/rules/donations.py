"""The rules of a 爱心捐助 (donation) to a child's family: a live child in scope, a day already past,
money or goods (or both), and a hand-over by someone of the child's side of the county."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .children import of_the_child
from .dates import happened_already
from .refusal import Refusal, person_not_found

if TYPE_CHECKING:
    from ..apply import _Writer

NOTHING_GIVEN = "请填写捐款金额，或捐物的名称和件数：一条捐助至少要有捐款或捐物。"
GOODS_UNNAMED = "填了捐物件数，请写明捐的是什么（如：冬衣、书包、学习用品）。"
GOODS_UNCOUNTED = "请填写捐物件数（至少 1 件）。"


def derive_donation(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A donation to a live child in scope, dated today or before; its unit is the child's. It gives
    something: money above 0, or goods named and counted (the county reports 捐物 N 件, so goods
    without a count would add to no total, and a count without goods says nothing of what came)."""
    of_the_child(w, before, record)
    happened_already(w, "donation", before, record)
    goods = (record.get("goods") or "").strip()
    items = record.get("items") or 0
    if goods and not items:
        raise Refusal(GOODS_UNCOUNTED, "items")
    if items and not goods:
        raise Refusal(GOODS_UNNAMED, "goods")
    if not record.get("amount_fen") and not goods:
        raise Refusal(NOTHING_GIVEN, "amount_fen")
    handed_by = record.get("handed_by")
    if handed_by is not None and (before is None or handed_by != before.get("handed_by")):
        _check_hand(w, handed_by)


def _check_hand(w: _Writer, user_id: str) -> None:
    """Who handed it over is a volunteer or a staff member in service whom the writer may see: a name
    from another county, or an account stopped, would print on the child's archive as a stranger."""
    person = w.get_user(user_id)
    if person is None or (w.actor.role != "admin" and not w.scope.allows_unit(person["unit_id"])):
        raise Refusal(person_not_found(w, "转交人"), "handed_by")
    if person["role"] not in ("mentor", "staff") or not person["active"]:
        raise Refusal("转交人应是在册的五老志愿者或工作人员；其他人请写在“捐助人”或“备注”里。", "handed_by")
