"""The ``sync`` migration set: domain tables and the engine tables prefixed ``sync_``.

Every domain table carries the same engine columns (``registry.RECORD_COLUMNS``): ``version`` (per
record, +1 per change), ``deleted`` (soft delete, so a delete syncs like any other change),
``field_versions`` (JSON: field -> record version that last changed it; the merge rule reads it)
and who/when columns. Dates are TEXT ``YYYY-MM-DD``; lists are JSON.

The steps live in one module per era, each registering its steps with ``registry.migrations`` in
the order it defines them as it is imported; the eras are imported here oldest first, so the set
holds m001 to m050 in that order. A new step goes at the end of the newest era.
"""
from __future__ import annotations

from . import m001_m011, m012_m031, m032_m049, m050_m069  # noqa: F401  (imported oldest first: each registers its steps)
from .registry import migrations

__all__ = ["migrations"]
