"""A push's envelope: its list of mutations with increasing ids, and each one read with its digest
before the batch reaches the writer."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .digests import digest
from .errors import BatchInvalid, BatchTooLarge
from .mutations import MAX_MUTATION_ID, Mutation, Rejection, read_mutation


def read_batch(body: object, *, max_count: int) -> list[dict[str, Any]]:
    """Check the envelope of a push: ``{"mutations": [...]}`` with increasing integer ids.

    Raises ``BatchInvalid`` (the whole batch is refused, nothing is written) when the
    mutations cannot even be told apart; problems inside one mutation are left to
    ``read_mutation`` so they reject only that mutation.
    """
    if not isinstance(body, dict) or "mutations" not in body:
        raise BatchInvalid('请求体应为 JSON 对象 {"mutations": [...]}。')
    raw = body["mutations"]
    if not isinstance(raw, list):
        raise BatchInvalid('"mutations" 应为数组。')
    if len(raw) > max_count:
        raise BatchTooLarge(f"一次最多同步 {max_count} 条，这次有 {len(raw)} 条；请分批发送。")
    previous = 0
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise BatchInvalid(f"第 {index + 1} 条修改应为 JSON 对象。")
        mid = item.get("mutation_id")
        if type(mid) is not int or mid < 1:
            raise BatchInvalid(f"第 {index + 1} 条修改缺少正整数 mutation_id。")
        if mid > MAX_MUTATION_ID:
            raise BatchInvalid(f"第 {index + 1} 条修改的 mutation_id 太大（最大 {MAX_MUTATION_ID}）。")
        if mid <= previous:
            raise BatchInvalid(f"mutation_id 应逐条递增：第 {index + 1} 条是 {mid}，前一条是 {previous}。")
        previous = mid
    return raw


@dataclass(frozen=True)
class Batch:
    """A push read and checked before it reaches the writer: each raw mutation, the digest that
    tells a resend of it, and what ``read_mutation`` made of it. None of it needs the database,
    so the server prepares it outside the one writer thread (docs/performance.md)."""

    raws: list[dict[str, Any]]
    digests: list[int | None]
    parsed: list[Mutation | Rejection]


def prepare_batch(body: object, *, max_count: int) -> Batch:
    """``read_batch``, then a digest and a reading of every mutation; ``BatchInvalid`` as there."""
    raws = read_batch(body, max_count=max_count)
    return Batch(raws, *read_mutations(raws))


def read_mutations(raws: list[dict[str, Any]]) -> tuple[list[int | None], list[Mutation | Rejection]]:
    """Each raw mutation's digest, and what ``read_mutation`` makes of it (text that is not valid
    UTF-8, which has no digest, is reported as such)."""
    sent = [digest(r) for r in raws]
    return [d for d, _ in sent], [read_mutation(r, check_text=d is None, clean=c)
                                  for r, (d, c) in zip(raws, sent, strict=True)]
