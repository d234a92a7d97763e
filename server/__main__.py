"""``python -m server``: serve with settings from the environment."""
from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve"]))
