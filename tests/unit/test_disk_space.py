"""The log says once when the data disk runs low, and once when there is room again."""
from __future__ import annotations

import pathlib

import pytest

from server.diskspace import SpaceWatch


def test_a_disk_running_low_is_told_once_in_chinese_and_once_more_when_there_is_room_again(
        tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "county.db"
    db.write_bytes(b"\0" * 4096)
    watch = SpaceWatch(db, min_free=2**62)  # more than any disk here holds: low
    watch.check()
    watch.check()
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 1 and said[0].startswith(f"数据盘空间快用完了：{tmp_path} 只剩 "), said
    assert "disk almost full" in said[0]
    watch.min_free = 0
    watch.check()
    watch.check()
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 1 and said[0].startswith("数据盘空间又够了"), said

