"""Statistics returns through the write path: submit, approve (figures frozen in the same
transaction), lock, return; what a writer may and may not set."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlite_utils

from server.queries.measures import KEYS
from server.queries.stats import compute_stats, figures_for_return
from server.queries.stats_form import compare_forms, form_from_json
from sync import apply_mutations, load_scope, mutations
from sync.returns import install_figures

from ..factories import make_activity, make_county, mutate, row
from ..stats_oracle import add_stats_records, expected_form


@pytest.fixture(autouse=True)
def figures_installed() -> Iterator[None]:
    install_figures(figures_for_return)  # what every server Store does
    yield


@pytest.fixture
def w(db: sqlite_utils.Database) -> Any:
    return add_stats_records(db, make_county(db))


def _one(db: sqlite_utils.Database, actor: Any, mutation: dict[str, Any]) -> Any:
    (outcome,) = apply_mutations(db, actor, [mutation])
    return outcome


def _review(db: sqlite_utils.Database, actor: Any, return_id: str, decision: str) -> Any:
    return _one(db, actor, mutations.upsert("review", {"target_entity": "stats_return", "target_id": return_id,
                                                       "decision": decision, "comment": "意见"}))


def _submit(db: sqlite_utils.Database, w: Any, unit: str = "town1") -> str:
    return mutate(db, w.staff_town1 if unit == "town1" else w.staff_st11, "stats_return", {
        "unit_id": getattr(w, unit), "period_from": "2026-01-01", "period_to": "2026-12-31",
        "remarks": "全年", "filled_by": "街道干事", "phone": "0513-1", "status": "submitted"})


def test_return_approval_freezes_the_figures_of_that_moment(db: sqlite_utils.Database, w: Any) -> None:
    rid = _submit(db, w)
    assert _review(db, w.reviewer, rid, "approve").status == "applied"
    frozen = row(db, "stats_return", rid)
    assert frozen is not None and frozen["status"] == "approved"
    form = form_from_json(frozen["figures"])
    expected = expected_form(db, w.town1, "2026-01-01", "2026-12-31")
    assert [(r.unit_id, r.name, dict(zip(KEYS, r.values, strict=True))) for r in form.rows] == expected["rows"]
    assert form.total.remarks == "全年"


def test_return_keeps_its_figures_when_records_change_and_the_change_shows(db: sqlite_utils.Database,
                                                                          w: Any) -> None:
    rid = _submit(db, w)
    _review(db, w.reviewer, rid, "approve")
    before = row(db, "stats_return", rid)
    assert before is not None
    make_activity(db, w.mentor2, w.pairing2, kind="talk", date="2026-12-01")
    after = row(db, "stats_return", rid)
    assert after == before
    current = compute_stats(db, load_scope(db, w.reviewer), w.town1, "2026-01-01", "2026-12-31")
    assert current is not None
    changes = compare_forms(form_from_json(after["figures"]), current)
    assert [(d.row, d.column, d.current - d.frozen) for d in changes  # type: ignore[operator]
            ] == [("掘港小学辅导站", "开展面对面谈心（场次）", 1), ("合计", "开展面对面谈心（场次）", 1)]


def test_approved_return_refuses_edits_and_deletion(db: sqlite_utils.Database, w: Any) -> None:
    rid = _submit(db, w)
    _review(db, w.reviewer, rid, "approve")
    locked = row(db, "stats_return", rid)
    assert locked is not None
    edit = _one(db, w.staff_town1, mutations.upsert("stats_return", {"remarks": "改"}, rid,
                                                     base_version=locked["version"]))
    gone = _one(db, w.staff_town1, mutations.delete("stats_return", rid, base_version=locked["version"]))
    again = _review(db, w.reviewer, rid, "approve")
    assert edit.status == gone.status == again.status == "rejected"
    assert "锁定" in str(edit.reason)
    assert row(db, "stats_return", rid) == locked


def test_returned_return_loses_its_frozen_figures_and_may_be_resubmitted(db: sqlite_utils.Database,
                                                                        w: Any) -> None:
    rid = _submit(db, w)
    _review(db, w.reviewer, rid, "approve")
    assert _review(db, w.reviewer, rid, "return").status == "applied"
    returned = row(db, "stats_return", rid)
    assert returned is not None and returned["status"] == "returned" and returned["figures"] is None
    mutate(db, w.staff_town1, "stats_return", {"remarks": "已更正", "status": "submitted"}, rid,
           returned["version"])
    make_activity(db, w.mentor2, w.pairing2, kind="talk", date="2026-12-01")
    _review(db, w.reviewer, rid, "approve")
    again = row(db, "stats_return", rid)
    assert again is not None and again["status"] == "approved"
    assert form_from_json(again["figures"]).total.value("talks") == expected_form(
        db, w.town1, "2026-01-01", "2026-12-31")["total"]["talks"]


@pytest.mark.parametrize("fields", [{"status": "approved"}, {"status": "returned"},
                                    {"figures": {"rows": []}}])
def test_a_unit_cannot_set_review_results_or_figures_itself(db: sqlite_utils.Database, w: Any,
                                                            fields: dict[str, Any]) -> None:
    outcome = _one(db, w.staff_st11, mutations.upsert("stats_return", {
        "unit_id": w.st11, "period_from": "2026-01-01", "period_to": "2026-12-31", **fields}))
    assert outcome.status == "rejected"
    assert db.execute("SELECT count(*) FROM stats_returns WHERE id = ?", [outcome.record_id]).fetchone()[0] == 0


def test_a_draft_cannot_be_reviewed_until_submitted(db: sqlite_utils.Database, w: Any) -> None:
    rid = mutate(db, w.staff_st11, "stats_return", {"unit_id": w.st11, "period_from": "2026-01-01",
                                                     "period_to": "2026-12-31"})
    for decision in ("approve", "return"):
        outcome = _review(db, w.staff_town1, rid, decision)
        assert outcome.status == "rejected" and "尚未上报" in str(outcome.reason)
    current = row(db, "stats_return", rid)
    assert current is not None and current["status"] == "draft"
    mutate(db, w.staff_st11, "stats_return", {"status": "submitted"}, rid, current["version"])
    assert _review(db, w.staff_town1, rid, "approve").status == "applied"
