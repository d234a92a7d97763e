"""A form saved while the server's disk is full: a friendly 503 page that shows back what was typed
(nothing of it was saved), and the same form goes through once there is room, once."""
from __future__ import annotations

import os
import re
import resource

from server.errors import DiskFull
from server.preflight import hold_database

from .conftest import Site
from .test_imports import MENTEE_HEADERS, confirm, upload, xlsx

NOTES = "孩子最近很沉默，家访时外婆说父母都在外地打工，过年也不回来。"


def test_a_child_registered_on_a_full_disk_gets_a_503_page_showing_what_was_typed_and_registers_once_later(
        site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    form = browser.get("/mentees/new")
    record_id = re.search(r'name="record_id" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    data = {"record_id": record_id, "unit_id": w.st11, "name": "陈晓华", "risk_level": "watch",
            "plan": "每两周家访一次，和班主任一起。", "notes": NOTES * 80}
    token = browser.token("/mentees/new")
    pages = site.write(lambda db: db.execute("PRAGMA page_count").fetchone()[0])
    site.write(lambda db: db.execute(f"PRAGMA max_page_count = {pages}"))  # SQLITE_FULL, as on a full disk
    try:
        full = browser.post("/mentees/new", data, token=token)
    finally:
        site.write(lambda db: db.execute("PRAGMA max_page_count = 1073741823"))
    assert full.status_code == 503 and "磁盘已满" in full.text and "Traceback" not in full.text
    assert "您填写的内容（没有保存）" in full.text and NOTES in full.text and "每两周家访一次" in full.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM mentees WHERE name = '陈晓华'").fetchone()[0]) == 0
    again = browser.post("/mentees/new", data, token=token)
    assert again.status_code == 303 and again.headers["location"] == f"/mentees/{record_id}"
    assert site.read(lambda db: db.execute("SELECT count(*) FROM mentees WHERE name = '陈晓华'").fetchone()[0]) == 1


def test_an_import_confirmed_on_a_full_disk_writes_no_row_and_the_same_preview_imports_every_row_later(
        site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    rows = [["", f"孩子{n:03d}", "", "", "四年级", "女", 2016, "家庭经济困难", "关注", "每周家访一次。" * 40,
             "外婆", "13912345678", "低保户，父母在外打工。" * 20] for n in range(200)]
    preview = upload(browser, "/mentees/import", xlsx(MENTEE_HEADERS, rows))
    assert "新增 200" in preview.text
    count = "SELECT count(*) FROM mentees WHERE name LIKE '孩子%'"
    pages = site.write(lambda db: db.execute("PRAGMA page_count").fetchone()[0])
    site.write(lambda db: db.execute(f"PRAGMA max_page_count = {pages + 20}"))  # room for a few rows, not all
    try:
        full = confirm(browser, "/mentees/import", preview)
    finally:
        site.write(lambda db: db.execute("PRAGMA max_page_count = 1073741823"))
    assert full.status_code == 503 and "磁盘已满" in full.text
    assert site.read(lambda db: db.execute(count).fetchone()[0]) == 0
    done = confirm(browser, "/mentees/import", preview)
    assert done.status_code == 303, done.text
    assert site.read(lambda db: db.execute(count).fetchone()[0]) == 200


def test_a_childs_file_opened_on_a_full_disk_says_it_cannot_be_opened_now_not_that_nothing_was_saved(
        site: Site) -> None:
    """Showing a child's file writes an access-log line first; on a full disk that line, and so the
    page, cannot be had. The person only looked: the page says so, not "这次的内容没有保存"."""
    w = site.w
    browser = site.as_(w.staff_st11)
    assert browser.get(f"/mentees/{w.mentee1}").status_code == 200
    site.write(lambda db: db.execute("CREATE TABLE filler (b BLOB)"))
    pages = site.write(lambda db: db.execute("PRAGMA page_count").fetchone()[0])
    site.write(lambda db: db.execute(f"PRAGMA max_page_count = {pages}"))
    try:
        while True:  # fill every free byte of the pages there are: the disk is full
            try:
                site.write(lambda db: db.execute("INSERT INTO filler VALUES (zeroblob(512))"))
            except DiskFull:
                break
        for _ in range(500):  # each look logs a line, until the log's last page has no room either
            full = browser.get(f"/mentees/{w.mentee1}")
            if full.status_code != 200:
                break
    finally:
        site.write(lambda db: db.execute("PRAGMA max_page_count = 1073741823"))
    assert full.status_code == 503 and "现在打不开这些记录" in full.text and "没有保存" not in full.text
    assert browser.get(f"/mentees/{w.mentee1}").status_code == 200


def test_a_backup_download_the_disk_cannot_hold_is_a_503_page_and_the_next_one_is_whole(site: Site) -> None:
    """The copy is written to a temporary folder first; a disk that cannot take it (here: no file of the
    process may pass 64 KB, so SQLite's write fails) is the disk's, answered as such, not a 500."""
    admin = site.as_(site.w.admin)
    token = admin.token("/admin/backup")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, hard))
    try:
        refused = admin.post("/admin/backup", {}, token=token)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert refused.status_code == 503 and "磁盘" in refused.text and "Traceback" not in refused.text
    whole = admin.post("/admin/backup", {}, token=token)
    assert whole.status_code == 200 and whole.content.startswith(b"SQLite format 3\x00")


def test_a_list_of_children_opened_on_a_full_disk_shows_no_child_and_says_it_cannot_be_opened_now(
        site: Site) -> None:
    """A list page logs one access-log line for what it shows; on a full disk that line cannot be
    written, and a list shown without it would be a look at children's records nobody can trace."""
    w = site.w
    browser = site.as_(w.staff_st11)
    pages = ["/mentees", "/pairings", "/referrals", f"/mentors/{w.mentor1.user_id}", "/staff"]
    for path in pages:
        assert "小明" in browser.get(path).text, path
    site.write(lambda db: db.execute("CREATE TABLE filler (b BLOB)"))
    count = site.write(lambda db: db.execute("PRAGMA page_count").fetchone()[0])
    site.write(lambda db: db.execute(f"PRAGMA max_page_count = {count}"))
    shown: dict[str, list[int]] = {}
    try:
        while True:  # fill every free byte of the pages there are: the disk is full
            try:
                site.write(lambda db: db.execute("INSERT INTO filler VALUES (zeroblob(512))"))
            except DiskFull:
                break
        for path in pages:
            for _ in range(500):  # each look logs a line, until the log's last page has no room either
                full = browser.get(path)
                shown.setdefault(path, []).append(full.status_code)
                if full.status_code != 200:
                    break
            assert full.status_code == 503, (path, full.status_code, full.text[-2000:])
            assert "现在打不开这些记录" in full.text and "小明" not in full.text, path
            assert "Traceback" not in full.text and "没有保存" not in full.text, path
    finally:
        site.write(lambda db: db.execute("PRAGMA max_page_count = 1073741823"))
    for path in pages:
        assert browser.get(path).status_code == 200, path


def test_a_backup_download_while_the_wal_is_deleted_is_refused_in_words_not_a_copy_lacking_its_commits(
        site: Site) -> None:
    """A copy read while the server's -wal is deleted lacked every commit in it; the page said nothing.
    (That the next backup, once the server made its files anew, holds them: tests/http/test_cli_operations.py.)"""
    admin = site.as_(site.w.admin)
    token = admin.token("/admin/backup")
    db = site.settings.db_path
    lock = hold_database(db)  # as `banxing serve` holds it
    try:
        site.write(lambda d: d.execute("UPDATE units SET name = name || '（最后一笔）' WHERE id = ?", [site.w.st11]))
        for suffix in ("-wal", "-shm"):
            db.with_name(db.name + suffix).unlink()
        refused = admin.post("/admin/backup", {}, token=token)
    finally:
        os.close(lock)
    assert refused.status_code == 503 and "Traceback" not in refused.text, refused.text[-1500:]
    assert "文件不见了" in refused.text and "备份没有做" in refused.text
    assert not refused.content.startswith(b"SQLite format 3")
