"""A device's push: the device checked, its new mutations applied, its resent ones answered from the
audit log, and its last mutation id moved on, all in one transaction (``apply_batch``).

A push is idempotent by (device, mutation_id): a resent batch gets the same answers and writes nothing.
"""
from __future__ import annotations

import sqlite_utils

from .answers import Outcome, PushResult, stored_answers
from .apply import _Writer
from .batches import Batch, prepare_batch
from .db import all_or_nothing
from .digests import same_as_sent
from .echo import encodable, sanitise
from .errors import DeviceRevoked
from .scope import Actor
from .timeutil import utc_now


def apply_batch(
    db: sqlite_utils.Database, actor: Actor, body: object, *, max_count: int = 1000
) -> PushResult:
    """Apply one push from ``actor.device_id``; see the module docstring.

    ``body`` is the request's JSON, or a ``Batch`` already prepared from it (``prepare_batch``).
    """
    assert actor.device_id is not None, "apply_batch is for device pushes"
    batch = body if isinstance(body, Batch) else prepare_batch(body, max_count=max_count)
    raw = batch.raws
    with all_or_nothing(db):
        device = db.execute(
            "SELECT user_id, last_mutation_id, revoked_at, revoked_reason FROM sync_devices WHERE id = ?",
            [actor.device_id],
        ).fetchone()
        if device is None or device[0] != actor.user_id:
            raise DeviceRevoked("这台设备未登记，请向辅导站重新获取登记码。")
        if device[2] is not None:
            raise DeviceRevoked(f"这台设备已被停用：{device[3] or '请联系辅导站'}。")
        last = int(device[1])
        old_ids = [m["mutation_id"] for m in raw if m["mutation_id"] <= last]
        stored = stored_answers(db, actor.device_id, old_ids)
        new = [i for i, m in enumerate(raw) if m["mutation_id"] > last]
        fresh = [raw[i] for i in new]
        writer = _Writer(db, actor)
        outcomes = {o.mutation_id: o.answer() for o in writer.apply(
            fresh, [batch.digests[i] for i in new], [batch.parsed[i] for i in new])}
        results = []
        for m in raw:
            mid = m["mutation_id"]
            if mid in outcomes:
                results.append(outcomes[mid])
            elif mid in stored and same_as_sent(stored[mid][0], m):
                results.append(stored[mid][1])
            elif mid in stored:
                # Same number, different content: answering with the old answer would
                # drop this change silently, so say so and keep the server untouched.
                # What it says of the first change is true: that one may have been refused too.
                first = "那一条也没有保存" if stored[mid][1].get("status") == "rejected" else "那一条已保存"
                results.append(Outcome.rejected(
                    mid, m.get("entity"), m.get("record_id"),
                    f"修改编号 {mid} 已用于另一条内容不同的修改（{first}）；"
                    "这条修改没有保存，请以新的编号重新提交。",
                ).answer())
            else:
                results.append(Outcome.rejected(
                    mid, m.get("entity"), m.get("record_id"),
                    f"这台设备的修改编号 {mid} 早已用过（已处理到 {last}）；请以新的编号重新提交。",
                ).answer())
        if not encodable(results):
            # Never reached by the answers built above; a guard so that no future answer can
            # fail on the wire after this transaction commits (a phone would resend it for ever).
            results = sanitise(results)
        new_last = max([last, *(m["mutation_id"] for m in fresh)])
        db.execute(
            "UPDATE sync_devices SET last_mutation_id = ?, last_seen_at = ? WHERE id = ?",
            [new_last, utc_now(), actor.device_id],
        )
    return PushResult(new_last, results)
