"""The note of the newest ``banxing backup`` as the admin's pages read it (``server/backup_record.py``)."""
from __future__ import annotations

import datetime
import pathlib
import stat

import pytest

from server.backup_record import check_backup, note_backup, note_path, read_note, size_words

NOW = datetime.datetime(2026, 12, 6, 12, 0, tzinfo=datetime.UTC)


def noted(tmp_path: pathlib.Path, text: str | bytes) -> pathlib.Path:
    db = tmp_path / "county.db"
    note = note_path(db)
    note.write_bytes(text.encode() if isinstance(text, str) else text)
    return db


def test_a_note_is_written_private_and_read_back(tmp_path: pathlib.Path) -> None:
    db, snapshot = tmp_path / "county.db", tmp_path / "snap.db"
    snapshot.write_bytes(b"x" * 1234)
    written = note_backup(db, snapshot, now=NOW)
    assert stat.S_IMODE(note_path(db).stat().st_mode) == 0o600
    assert read_note(db) == written
    assert (written.at, written.path, written.size) == ("2026-12-06T12:00:00.000Z", str(snapshot.resolve()), 1234)


@pytest.mark.parametrize("text", [
    "", "{", "null", "[]", '"2026"', "{}",
    '{"at": "2026-12-06T02:30:00Z", "path": "/b.db"}',  # no size
    '{"at": "yesterday", "path": "/b.db", "size": 1}',
    '{"at": "2026-12-06T02:30:00", "path": "/b.db", "size": 1}',  # no zone: UTC or local?
    '{"at": 20261206, "path": "/b.db", "size": 1}',
    '{"at": "2026-12-06T02:30:00Z", "path": "", "size": 1}',
    '{"at": "2026-12-06T02:30:00Z", "path": "/b.db", "size": -1}',
    '{"at": "2026-12-06T02:30:00Z", "path": "/b.db", "size": true}',
    '{"at": "2026-12-06T02:30:00Z", "path": "/b.db", "size": "1 GB"}',
    "[" * 100_000,
    b"\xff\xfe{}",
])
def test_a_note_that_is_not_ours_reads_as_none(tmp_path: pathlib.Path, text: str | bytes) -> None:
    assert read_note(noted(tmp_path, text)) is None
    assert check_backup(noted(tmp_path, text), now=NOW).needs_looking


def test_a_folder_where_the_note_should_be_reads_as_none(tmp_path: pathlib.Path) -> None:
    db = tmp_path / "county.db"
    note_path(db).mkdir()
    assert read_note(db) is None


def test_no_note_needs_looking_at(tmp_path: pathlib.Path) -> None:
    check = check_backup(tmp_path / "county.db", now=NOW)
    assert check.last is None and check.needs_looking


@pytest.mark.parametrize(("at", "days", "stale"), [
    ("2026-12-05T18:30:00Z", 0, False),  # last night
    ("2026-12-04T12:00:00Z", 2, False),  # exactly two days: one night missed is not yet a warning
    ("2026-12-04T11:59:00Z", 2, True),
    ("2026-12-01T18:30:00Z", 4, True),
    ("2026-12-07T18:30:00Z", 0, False),  # a clock set back since: not an old backup
])
def test_a_note_older_than_two_days_is_stale(tmp_path: pathlib.Path, at: str, days: int, stale: bool) -> None:
    snapshot = tmp_path / "b.db"
    snapshot.write_bytes(b"x")
    check = check_backup(noted(tmp_path, f'{{"at": "{at}", "path": "{snapshot}", "size": 1}}'), now=NOW)
    assert (check.days, check.stale, check.gone, check.needs_looking) == (days, stale, False, stale)


def test_a_fresh_note_whose_file_is_gone_needs_looking_at(tmp_path: pathlib.Path) -> None:
    """Deleted, or its disk unplugged since: last night's note is then no restore point."""
    db, snapshot = tmp_path / "county.db", tmp_path / "disk" / "snap.db"
    snapshot.parent.mkdir()
    snapshot.write_bytes(b"x")
    note_backup(db, snapshot, now=NOW)
    assert not check_backup(db, now=NOW).needs_looking
    snapshot.unlink()
    check = check_backup(db, now=NOW)
    assert (check.stale, check.gone, check.needs_looking) == (False, True, True)



@pytest.mark.parametrize(("n", "words"), [
    (0, "0 B"), (900, "900 B"), (1536, "1.5 KB"), (350 * 1024**2, "350 MB"),
    (1288490188, "1.2 GB"), (2000 * 1024**3, "2,000 GB"),
])
def test_sizes_read_as_the_admin_reads_them(n: int, words: str) -> None:
    assert size_words(n) == words
