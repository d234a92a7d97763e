"""The Jinja2 environment: autoescape, templates from ``templates/``, hashed static URLs."""
from __future__ import annotations

import hashlib
import pathlib
from functools import lru_cache

import jinja2
from starlette.templating import Jinja2Templates

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "server" / "static"


@lru_cache(maxsize=None)
def _digest(path: str) -> str:
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]


def static_url(path: str) -> str:
    """``/static/<path>?v=<content hash>`` so a changed file is never served stale."""
    return f"/static/{path}?v={_digest(path)}"


def build_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )
    env.globals["static_url"] = static_url
    return Jinja2Templates(env=env)
