"""Where the templates, static files and the phone app live, resolved once.

In a checkout (and an editable install) they are the top-level ``templates/`` and ``pwa/``
folders and ``server/static/``; in a wheel they ship inside the package as
``server/_templates`` and ``server/_pwa`` (see ``[tool.setuptools]`` in pyproject.toml).
"""
from __future__ import annotations

import pathlib
from dataclasses import dataclass

PACKAGE = pathlib.Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent


@dataclass(frozen=True)
class Paths:
    templates: pathlib.Path
    static: pathlib.Path
    pwa: pathlib.Path


class AssetsMissing(RuntimeError):
    """The server was installed without its templates, static files or phone app."""


def _first(*candidates: pathlib.Path) -> pathlib.Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise AssetsMissing(
        "Banxing cannot find " + " or ".join(str(c) for c in candidates)
        + "; reinstall the package or run it from a checkout."
    )


def resolve() -> Paths:
    """The asset folders of this installation; ``AssetsMissing`` says which one is gone."""
    return Paths(
        templates=_first(PACKAGE / "_templates", CHECKOUT / "templates"),
        static=_first(PACKAGE / "static"),
        pwa=_first(PACKAGE / "_pwa", CHECKOUT / "pwa"),
    )
