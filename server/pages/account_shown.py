"""The hidden copy of what an account edit form showed, for the write path to compare against."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

# An account edit form's hidden copy of each field as it showed it (``shown_<field>``; never the
# password): accounts carry no version, so ``sync.users.save_user(shown=…)`` compares against it.
SHOWN = "shown_"


def with_shown(account: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The account as its edit form holds it (``names``), plus the hidden copy of what it shows."""
    shown = {k: account.get(k) or "" for k in names}
    if "smartphone" in names:
        shown["smartphone"] = "1" if account["smartphone"] else ""
    return {**account, **shown, **{SHOWN + k: v for k, v in shown.items()}}


def posted_shown(values: dict[str, Any], names: tuple[str, ...],
                 parse: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any] | None:
    """What a posted account form had shown, parsed as its fields are; None from a form without the copy."""
    if not any(k.startswith(SHOWN) for k in values):
        return None
    return parse({k: values.get(SHOWN + k) for k in names})
