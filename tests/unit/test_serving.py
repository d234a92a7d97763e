"""``banxing serve`` itself: what it does before handing the app to uvicorn."""
from __future__ import annotations

import gc
import pathlib
from typing import Any

import pytest
import uvicorn

from server.config import Settings
from server.serving import serve


def test_serve_keeps_its_start_up_objects_out_of_the_garbage_collectors_scans(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Modules, routes and templates live as long as the process; a full collection under load
    scanned them all again every two seconds (20-30 ms each; docs/performance.md)."""
    frozen: list[int] = []

    def run(app: Any, **options: Any) -> None:  # stands in for uvicorn's loop: nothing is served
        frozen.append(gc.get_freeze_count())

    monkeypatch.setattr(uvicorn, "run", run)
    gc.unfreeze()
    try:
        serve(Settings(db_path=tmp_path / "t.db", secret_keys=("k",)), create=True)
    finally:
        gc.unfreeze()
    assert len(frozen) == 1 and frozen[0] > 10_000
