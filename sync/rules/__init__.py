"""Per-entity rules of the write path: server-set fields, references, scope effects.

``derive`` fills the fields only the server sets (the unit a pairing belongs to, the
author of an activity …) and checks that every reference points at a live record the
writer may see. ``scope_effects`` notices when a change moves records into or out of a
mentor's or a unit's view, so pulls can send the history or a ``drop``.

One module per thing a rule guards: ``pairings``, ``visits``, ``children`` (a child's file, its
screenings and referrals), ``donations`` (爱心捐助 to a child's family), ``units`` (and what a unit
reports), ``events`` (a group event's 补课 and 微课 marks), ``reviews``, ``inspections``, ``peers`` (the
骨干学生 register); ``deletes`` says what a delete may not lose, ``dates`` and ``refusal`` hold what they share.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..birthyears import birth_year_refused, birth_years
from .children import (
    derive_mentee,
    derive_referral,
    derive_screening,
    looks_like_id_card,
    mentee_code,
)
from .deletes import refuse_delete, sealed
from .donations import derive_donation
from .effects import scope_effects
from .inspections import (
    NOT_YOUR_INSPECTION,
    RECTIFICATION,
    derive_inspection,
    edits_inspection,
    filled_on_create,
)
from .pairings import derive_pairing
from .peers import derive_peer_helper
from .refusal import NEW_RECORD_HINT, Refusal, immutable_after_create, not_found
from .reviews import derive_review, wrote
from .units import derive_unit, derive_unit_record
from .visits import derive_activity, open_risk_flag, visit_date_slips

if TYPE_CHECKING:
    from ..apply import _Writer

__all__ = [
    "NEW_RECORD_HINT",
    "NOT_YOUR_INSPECTION",
    "RECTIFICATION",
    "Refusal",
    "birth_year_refused",
    "birth_years",
    "derive",
    "edits_inspection",
    "filled_on_create",
    "immutable_after_create",
    "looks_like_id_card",
    "mentee_code",
    "not_found",
    "open_risk_flag",
    "refuse_delete",
    "scope_effects",
    "sealed",
    "visit_date_slips",
    "wrote",
]


def derive(w: _Writer, entity_name: str, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """Fill server-set fields of ``record`` and check its references; raise ``Refusal``."""
    if entity_name == "unit":
        derive_unit(w, before, record)
    elif entity_name == "mentee":
        derive_mentee(w, before, record)
    elif entity_name == "pairing":
        derive_pairing(w, before, record)
    elif entity_name == "activity":
        derive_activity(w, before, record)
    elif entity_name == "screening":
        derive_screening(w, before, record)
    elif entity_name == "referral":
        derive_referral(w, before, record)
    elif entity_name in ("event", "enrolment", "stats_return"):
        derive_unit_record(w, entity_name, before, record)
    elif entity_name == "review":
        derive_review(w, record)
    elif entity_name == "inspection":
        derive_inspection(w, before, record)
    elif entity_name == "peer_helper":
        derive_peer_helper(w, before, record)
    elif entity_name == "donation":
        derive_donation(w, before, record)
