"""The migration steps from m050 on (see ``sync.schema``)."""
from __future__ import annotations

import sqlite_utils

from .registry import migrations


@migrations
def m050_withdrawn_risk_flags(db: sqlite_utils.Database) -> None:
    """A risk flag unticked after the station handled it stays among the station's 最近已处理, saying so
    (server/queries/followups.py ``handled_risk_flags``). Such visits are rare: a partial index of them
    alone lets the home find them without reading every activity in scope."""
    db.execute("CREATE INDEX idx_activities_risk_withdrawn ON activities(risk_action_on)"
               " WHERE risk_flag = 0 AND risk_action IS NOT NULL")


@migrations
def m051_running_pairings_by_mentee(db: sqlite_utils.Database) -> None:
    """The children waiting for a volunteer (server/queries/mentees.py ``waiting``: in help, and no
    running pairing with a volunteer in service) are counted on every dashboard and station home by
    asking, of each child in scope, whether such a pairing exists: through ``idx_pairings_mentee``
    each answer read the pairing's row and its volunteer's, 0.08 s of CPU for a county of 50,000
    children. The running pairings' child and volunteer, in an index of their own, answer it from the
    index alone (0.04 s)."""
    db.execute("CREATE INDEX idx_pairings_running_mentee ON pairings(mentee_id, mentor_id)"
               " WHERE status = 'active' AND deleted = 0")


@migrations
def m052_unit_renames(db: sqlite_utils.Database) -> None:
    """A unit's names before a rename, for the Excel imports (server/imports/unitnames.py
    ``former_names``): the stations' rosters keep the old name, and the file's 所属单位 is answered
    with the unit's name now rather than the names spelled nearest. The units' changes alone, in the
    order they were made (a few per unit; not by record id, which would put each entry on a random
    page): without it each import read every row of the audit."""
    db.execute("CREATE INDEX idx_sync_audit_unit_changes ON sync_audit(at) WHERE entity = 'unit' AND op = 'update'")


@migrations
def m053_user_changes(db: sqlite_utils.Database) -> None:
    """The time each account the archive names last changed (server/queries/stamps.py ``stamp_of``:
    a stopped volunteer or a rename changes the archive's 档案数据截至): users carry no record number,
    so every view of an archive read the whole audit log, 0.14 s a view for 10^6 rows and more as the
    county's years of visits grow it. The accounts' changes alone, by account."""
    db.execute("CREATE INDEX idx_sync_audit_user_changes ON sync_audit(record_id, at) WHERE entity = 'user'")


@migrations
def m054_waiting_activities_by_author(db: sqlite_utils.Database) -> None:
    """A volunteer's visits waiting for review (pending, or returned to her), found by author: the
    stop form says how many before her account stops (once stopped, none can be returned to her), and
    the review queue narrows to her (server/queries/review.py ``author_waiting``). Neither waiting
    index (m014, m042) is by author, so a county's admin counted them by walking the county's backlog.
    Only the waiting rows, as the other two: an approved visit costs it nothing."""
    db.execute("CREATE INDEX idx_activities_waiting_author ON activities(author_id, review_status)"
               " WHERE review_status IN ('pending', 'returned')")
