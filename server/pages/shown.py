"""A page's look at children's records goes in the access log: one row per view that showed any.

A list is logged as one row (the unit or person it was asked about, how many records of each kind
it showed), not a row per child: the counts answer "who read how much", and the list's own query
answers which, while a row per child would bury each child's own views in the log.
"""
from __future__ import annotations

from collections.abc import Mapping

from ..access import log_access
from ..clients import client_ip
from .visits import Visit


async def log_shown(visit: Visit, action: str, target: str | None, entities: Mapping[str, int]) -> None:
    """Append ``action`` on ``target`` with the counts shown; a page that showed none writes nothing."""
    shown = {entity: count for entity, count in entities.items() if count}
    if not shown:
        return
    actor, ip = visit.actor, client_ip(visit.request)
    await visit.state.store.write(lambda db: log_access(db, actor, action, target, entities=shown, ip=ip))
