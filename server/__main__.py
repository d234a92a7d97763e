"""``python -m server [ARGS]``: the same as ``banxing serve [ARGS]``."""
from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve", *sys.argv[1:]]))
