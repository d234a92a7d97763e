"""How a move of children to another school or station is said: what went along with them, and which
running pairings still have a volunteer of a unit they left. One child's move (the edit form) and a
whole unit's (``bulk_move.py``) say it in the same words.
"""
from __future__ import annotations

from collections.abc import Iterable

from ..queries.moves import Move


def took_words(moves: Iterable[Move]) -> str:
    """``1 个结对（其中 1 个进行中）、3 条帮扶记录、1 条摸排都跟着转了过去，`` or "" when nothing went along."""
    listed = list(moves)
    pairings, running = sum(m.pairings for m in listed), sum(m.running for m in listed)
    took = [f"{n} {what}" for n, what in ((pairings, "个结对"), (sum(m.visits for m in listed), "条帮扶记录"),
                                         (sum(m.screenings for m in listed), "条摸排")) if n]
    if running and pairings:
        took[0] += f"（其中 {running} 个进行中）"
    return f"{'、'.join(took)}都跟着转了过去，" if took else ""


def left_behind_words(moves: Iterable[Move]) -> str:
    """The 注意： of a move whose running pairings keep a volunteer of a unit outside the new one (their
    station can no longer open the child's file, nor enrol their phone), or ""."""
    who = "、".join(dict.fromkeys(f"{name}（{unit}）" for m in moves for name, unit in m.volunteers_left_behind))
    if not who:
        return ""
    return (f"注意：进行中的结对仍由{who}帮扶，志愿者照常去看孩子；"
            "要换志愿者，请在结对档案里修改或结束那个结对。")
