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
