"""``banxing backup`` notes each whole snapshot beside the database (``<db>.last-backup.json``), for the
admin's 备份 page: the nightly job of docs/operations.md could stop (a full backup disk, a changed
password, a moved server) and nobody saw it until the day a restore was needed.
"""
from __future__ import annotations

import datetime
import json
import pathlib
import stat

from server.backup_record import note_path, read_note
from sync.timeutil import parse_utc

from .test_cli import Demo, banxing, on_read_only_media, row_counts
from .test_cli import demo as demo  # noqa: F401 - the module's demo county fixture


def test_a_finished_backup_is_noted_beside_the_database_when_where_and_how_big(
        demo: Demo, tmp_path: pathlib.Path) -> None:
    db = demo.copy(tmp_path, "county.db")
    (tmp_path / "disk").mkdir()
    target = tmp_path / "disk" / "county-2026-12-06.db"
    before = datetime.datetime.now(datetime.UTC)
    made = banxing("backup", "--to", target, "--db", db)
    after = datetime.datetime.now(datetime.UTC)
    assert made.returncode == 0, made.stderr
    note = note_path(db)
    assert stat.S_IMODE(note.stat().st_mode) == 0o600  # it names where every child's record went
    written = json.loads(note.read_text(encoding="utf-8"))
    assert written["path"] == str(target.resolve())
    assert written["size"] == target.stat().st_size > 0
    assert before - datetime.timedelta(seconds=1) <= parse_utc(written["at"]) <= after
    assert written["at"].endswith("Z")
    # Written whole under a temporary name and renamed: none of those is left beside the database.
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".") or ".part" in p.name] == []


def test_each_night_replaces_the_note_with_its_own_snapshot(demo: Demo, tmp_path: pathlib.Path) -> None:
    db = demo.copy(tmp_path, "county.db")
    first, second = tmp_path / "county-2026-12-05.db", tmp_path / "county-2026-12-06.db"
    assert banxing("backup", "--to", first, "--db", db).returncode == 0
    assert banxing("backup", "--to", second, "--db", db).returncode == 0
    last = read_note(db)
    assert last is not None and last.path == str(second.resolve())


def test_a_refused_backup_leaves_the_last_note_as_it_was(demo: Demo, tmp_path: pathlib.Path) -> None:
    """A backup refused (its file already there) took no snapshot: the page must not say one was taken."""
    db = demo.copy(tmp_path, "county.db")
    good = tmp_path / "county-2026-12-05.db"
    assert banxing("backup", "--to", good, "--db", db).returncode == 0
    noted = note_path(db).read_bytes()
    taken = tmp_path / "taken.db"
    taken.write_bytes(b"keep me")
    refused = banxing("backup", "--to", taken, "--db", db)
    assert refused.returncode == 2 and "已经存在" in refused.stderr
    assert note_path(db).read_bytes() == noted


def test_a_backup_whose_note_cannot_be_written_is_kept_and_says_the_page_will_not_see_it(
        demo: Demo, tmp_path: pathlib.Path) -> None:
    """The database's disk gone read-only: the snapshot is whole (maybe the last copy) and stays."""
    disk = tmp_path / "disk"
    disk.mkdir()
    demo.copy(disk, "county.db")
    saved = tmp_path / "saved.db"
    made = on_read_only_media(disk, tmp_path / "media", "backup", "--to", saved,
                              "--db", tmp_path / "media" / "county.db")
    assert made.returncode == 0 and "Traceback" not in made.stderr, made.stderr
    assert "备份已写到" in made.stderr and "没能在" in made.stderr and "记下这次备份" in made.stderr
    assert row_counts(saved)["units"] > 0
    assert not note_path(disk / "county.db").exists()
