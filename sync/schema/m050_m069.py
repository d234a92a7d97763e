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
