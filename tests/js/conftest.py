"""The JS module tests run in the browser tests' Chromium: one launch recipe, one fixture."""
from __future__ import annotations

from ..e2e.conftest import browser

__all__ = ["browser"]
