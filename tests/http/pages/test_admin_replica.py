"""The replica as the admin's 备份 page tells it, with the real ``litestream`` binary.

A county IT person following docs/operations.md met two silent failures: Litestream that stops as
soon as it starts (``AWS_CA_BUNDLE`` set for other tools), restarted every 5 s forever, and an S3
endpoint that never answers, where Litestream logs nothing while nothing reaches the replica.
"""
from __future__ import annotations

import dataclasses
import pathlib
import socket
import time
from collections.abc import Callable, Iterator

import pytest

from server import replication
from server.replication import Replicator

from ...factories import make_mentee
from .conftest import Site


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An S3 endpoint that takes connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def s3(endpoint: str) -> str:
    return f"s3://banxing/county?endpoint={endpoint}&region=us-east-1&force-path-style=true"


def replicating(site: Site, replica: str, **kwargs: float) -> Replicator:
    replicator = Replicator(dataclasses.replace(site.settings, replica=replica, replica_sync_seconds=0.5), **kwargs)
    replicator.start()
    return replicator


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.2)


def backup_page(site: Site) -> str:
    return site.as_(site.w.admin).get("/admin/backup").text


@pytest.mark.parametrize("bundle", ["readable", "missing"])
def test_litestream_keeps_running_with_aws_ca_bundle_set_for_other_tools(
    site: Site, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, silent_endpoint: str, bundle: str
) -> None:
    """Litestream 0.5 exits at once with any AWS_CA_BUNDLE ("unable to add custom RootCAs HTTPClient")."""
    ca = tmp_path / "county-ca.pem"
    if bundle == "readable":
        system = pathlib.Path("/etc/ssl/certs/ca-certificates.crt")
        if not system.exists():
            pytest.skip("no system CA bundle to point AWS_CA_BUNDLE at")
        ca.write_bytes(system.read_bytes())
    monkeypatch.setenv("AWS_CA_BUNDLE", str(ca))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "banxing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "banxing-secret")
    replicator = replicating(site, s3(silent_endpoint))
    try:
        time.sleep(4)
        state = replicator.state()
        assert state.running and state.failed_starts == 0, state
    finally:
        replicator.stop()


def test_litestream_that_stops_as_soon_as_it_starts_is_said_once_and_shown_to_the_admin(
    site: Site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(replication, "RESTART_SECONDS", 0.2)
    replicator = replicating(site, "nosuch://replica", backoff_seconds=0.2)
    try:
        wait_for(lambda: replicator.state().failed_starts >= replication.FAILED_STARTS + 2, 30)
        page = backup_page(site)
    finally:
        replicator.stop()
    assert "次启动后马上停止" in page
    assert "副本复制没有在运行" in page and "最后一条信息" in page
    logged = capsys.readouterr().err
    assert logged.count("副本复制没有在运行") == 1, logged


def test_a_replica_that_receives_nothing_is_shown_to_the_admin_with_how_long(
    site: Site, monkeypatch: pytest.MonkeyPatch, silent_endpoint: str
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "banxing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "banxing-secret")
    monkeypatch.setattr(replication, "LIST_TIMEOUT_SECONDS", 2.0)
    replicator = replicating(site, s3(silent_endpoint), check_seconds=1, stale_seconds=2)
    try:
        site.write(lambda db: make_mentee(db, site.w.staff_st11, site.w.st11, code="REPLICA-1"))
        wait_for(lambda: replicator.state().stale_minutes is not None, 30)
        page = backup_page(site)
    finally:
        replicator.stop()
    assert "副本已有 1 分钟没有更新" in page


def test_a_replica_that_keeps_up_is_not_called_stale(site: Site, tmp_path: pathlib.Path) -> None:
    replicator = replicating(site, str(tmp_path / "other-disk"), check_seconds=0.5, stale_seconds=2)
    try:
        for n in range(8):  # changes keep coming, as in a busy afternoon
            site.write(lambda db, n=n: make_mentee(db, site.w.staff_st11, site.w.st11, code=f"KEEP-{n}"))
            time.sleep(0.5)
        state = replicator.state()
        page = backup_page(site)
    finally:
        replicator.stop()
    assert state.running and state.failed_starts == 0 and state.stale_minutes is None, state
    assert "数据库正在持续复制到副本" in page and "没有更新" not in page
