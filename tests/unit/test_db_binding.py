"""sync.db's adapters for None and bool (a faster path in the sqlite3 module) bind what it bound before."""
from __future__ import annotations

import sqlite3

from sync import connect


def test_none_binds_as_null_and_bool_as_an_integer_with_the_adapters_registered() -> None:
    db = connect(":memory:")
    db.execute("CREATE TABLE t (a, b, c)")
    db.conn.executemany("INSERT INTO t VALUES (?, ?, ?)", [(None, True, False), (1, None, "x")])
    rows = db.execute("SELECT a, typeof(a), b, typeof(b), c, typeof(c) FROM t ORDER BY rowid").fetchall()
    assert rows == [(None, "null", 1, "integer", 0, "integer"), (1, "integer", None, "null", "x", "text")]
    assert sqlite3.adapters[(type(None), sqlite3.PrepareProtocol)](None) is None
    assert sqlite3.adapters[(bool, sqlite3.PrepareProtocol)](True) == 1


def test_write_parameters_follow_the_statement_columns_and_a_missing_column_binds_null() -> None:
    from sync.records import WRITE_SQL

    sql = WRITE_SQL["activity"]
    record = {c: f"v-{c}" for c in sql.insert_columns}
    assert list(sql.insert_values({**record, "extra": 1})) == [f"v-{c}" for c in sql.insert_columns]
    assert list(sql.update_values(record)) == [f"v-{c}" for c in sql.update_columns]
    del record["num"]
    assert list(sql.insert_values(record)) == [None if c == "num" else f"v-{c}" for c in sql.insert_columns]
