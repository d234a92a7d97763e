"""The admin's 备份 page and home say when ``banxing backup`` last took the server's snapshot, and warn
when there is none or it is more than two days old: the nightly job of docs/operations.md could stop
(a full backup disk, a changed password, a moved server) and nobody saw it until a restore was needed.
"""
from __future__ import annotations

import datetime
import json
import pathlib

import pytest

from server.backup_record import note_path
from sync.timeutil import format_utc

from .conftest import Site, sentence

NONE = "还没有记录过服务器上的备份（banxing backup）"
STALE = "最近一次备份已是"
ASK = "请县里管理服务器的同志"
SNAPSHOT_NAME = "rudong-2026-12-06.db"


def snapshot(site: Site) -> pathlib.Path:
    """Where the nightly job wrote the snapshot the note names: a real file, on the site's "backup disk"."""
    return site.settings.db_path.parent / "backup-disk" / SNAPSHOT_NAME


def note(site: Site, state: str) -> None:
    """The note beside the site's database as the state names it (``none``: no note at all; ``gone``: a
    fresh note whose snapshot was deleted since)."""
    path = note_path(site.settings.db_path)
    snapshot(site).parent.mkdir(exist_ok=True)
    snapshot(site).write_bytes(b"SQLite format 3\x00")
    now = datetime.datetime.now(datetime.UTC)
    if state in ("fresh", "gone"):
        at = now - datetime.timedelta(hours=9, minutes=30)
        if state == "gone":
            snapshot(site).unlink()
    elif state == "stale":
        at = now - datetime.timedelta(days=5, hours=1)
    elif state == "malformed":
        path.write_text('{"at": "2026-12-06T02:30', encoding="utf-8")  # cut short by a full disk
        return
    else:
        return
    noted = {"at": format_utc(at), "path": str(snapshot(site)), "size": 1288490188}
    path.write_text(json.dumps(noted), encoding="utf-8")


def backup_page(site: Site) -> str:
    response = site.as_(site.w.admin).get("/admin/backup")
    assert response.status_code == 200
    return sentence(response.text)


def home(site: Site, who: str = "admin") -> str:
    response = site.as_(getattr(site.w, who)).get("/staff")
    assert response.status_code == 200
    return response.text


def test_a_fresh_backup_is_named_on_the_page_with_its_time_file_and_size(site: Site) -> None:
    note(site, "fresh")
    page = backup_page(site)
    assert "最近一次备份：" in page and "（北京时间）" in page
    assert str(snapshot(site)) in page and "1.2 GB" in page
    assert NONE not in page and STALE not in page and ASK not in page
    # The page's own download goes to the admin's computer: it is not the server's backup.
    assert "不算服务器上的备份" in page


def test_a_fresh_backup_puts_no_tile_on_the_admins_home(site: Site) -> None:
    note(site, "fresh")
    page = home(site)
    assert 'id="backup-tile"' not in page and NONE not in page and STALE not in page


def test_a_stale_backup_is_warned_of_with_its_age_and_what_to_check(site: Site) -> None:
    note(site, "stale")
    page = backup_page(site)
    assert "最近一次备份已是 5 天前" in page and "每晚的自动备份可能停了" in page
    assert ASK in page and "备份盘是否满了" in page and "运维说明第 2 节" in page
    assert str(snapshot(site)) in page  # the file it last wrote, to look for on the backup disk


def test_a_stale_backup_is_a_tile_on_the_admins_home_linking_to_the_backup_page(site: Site) -> None:
    note(site, "stale")
    page = home(site)
    assert 'id="backup-tile"' in page and 'href="/admin/backup"' in page
    assert "最近一次备份已是 5 天前" in sentence(page)


@pytest.mark.parametrize("state", ["none", "malformed"])
def test_no_backup_noted_is_warned_of_on_the_page(site: Site, state: str) -> None:
    note(site, state)
    page = backup_page(site)
    assert NONE in page and ASK in page and "设置每晚的自动备份" in page
    assert "最近一次备份：" not in page


@pytest.mark.parametrize("state", ["none", "malformed"])
def test_no_backup_noted_is_a_tile_on_the_admins_home(site: Site, state: str) -> None:
    note(site, state)
    page = home(site)
    assert 'id="backup-tile"' in page and 'href="/admin/backup"' in page and NONE in sentence(page)


def test_an_unreadable_note_is_no_note_never_an_error_page(site: Site) -> None:
    note_path(site.settings.db_path).mkdir()  # a folder where the file should be
    assert NONE in backup_page(site)
    assert NONE in sentence(home(site))


@pytest.mark.parametrize("who", ["staff_town1", "staff_st11"])
def test_staff_homes_never_carry_the_admins_backup_tile(site: Site, who: str) -> None:
    note(site, "none")
    page = home(site, who)
    assert 'id="backup-tile"' not in page and NONE not in page



def test_a_fresh_backup_whose_file_is_gone_is_warned_of_on_the_page_and_home(site: Site) -> None:
    """Last night's note, its file deleted or its disk unplugged since: no restore point, and the job
    itself may be running fine, so the warning says where to look instead of 可能停了."""
    note(site, "gone")
    page = backup_page(site)
    assert "的文件已不在原处" in page and "备份盘可能没有接上，或文件被删除、挪走了" in page
    assert "（这个文件已不在了）" in page and "马上在服务器上运行一次 banxing backup" in page
    assert "可能停了" not in page and STALE not in page
    tile = sentence(home(site))
    assert 'id="backup-tile"' in home(site) and "的文件已不在原处" in tile
