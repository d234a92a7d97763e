"""The ``banxing`` commands as a county's operator meets them on a bad day: a mistyped ``--db``, a
data disk that did not mount, a key file lost with its disk, a second server, an audit of who ran what.

Each refusal exits 2 with one sentence on stderr, never a traceback, and changes nothing.
"""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import pwd
import resource
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator

import pytest

from sync.system import SYSTEM_USER_ID

from .test_cli import BANXING, Demo, banxing, on_read_only_media, row_counts, rows, scalar
from .test_cli import demo as demo  # noqa: F401 - the module's demo county fixture

MISSING = "01900000-0000-7000-8000-000000000000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(db: pathlib.Path, *args: str, **env: str) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BANXING_")}
    return subprocess.Popen([str(BANXING), "serve", "--db", str(db), *args], env={**clean, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def refused(proc: subprocess.Popen[str]) -> str:
    """The sentence a ``serve`` that must not start printed; it exited 2 on its own."""
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError("banxing serve started where it must refuse") from None
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    return err


def wait_until_serving(port: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=1):
                return
        except OSError:
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)


@contextlib.contextmanager
def serving(db: pathlib.Path, *args: str, **env: str) -> Iterator[str]:
    """A ``banxing serve`` on ``db`` until the block ends; its base URL."""
    port = free_port()
    proc = serve(db, "--port", str(port), *args, **env)
    try:
        wait_until_serving(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def enrolled_phone(demo: Demo, db: pathlib.Path) -> str:
    """A volunteer's phone enrolled over HTTP on a server run for it; its device token."""
    code = json.loads(banxing("enrol-code", "--user", demo.login("mentor"), "--json", "--db", db).stdout)["code"]
    with serving(db) as url:  # no BANXING_SECRET_KEYS: the key file beside the database
        request = urllib.request.Request(f"{url}/api/enrol", method="POST",
                                         data=json.dumps({"code": code, "device_name": "p"}).encode(),
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return str(json.loads(answer.read())["token"])


def test_a_db_path_that_is_not_a_database_is_refused_and_its_mode_left_alone(tmp_path: pathlib.Path) -> None:
    """A slip of --db (the key file beside the database, a system file) was chmod-ed 0600 before
    SQLite said "file is not a database" in a traceback; a restore would have copied over it."""
    other = tmp_path / "county.db.secret"
    other.write_text("a-signing-key\n")
    other.chmod(0o644)
    for args in (["devices", "--user", "x"], ["enrol-code", "--user", "x"], ["revoke", "--device", MISSING],
                 ["restore", "--from", str(tmp_path / "none.db")]):
        result = banxing(*args, "--db", other)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert stat.S_IMODE(other.stat().st_mode) == 0o644
        assert other.read_text() == "a-signing-key\n"
    assert "不是 SQLite 数据库" in banxing("devices", "--user", "x", "--db", other).stderr


def test_restore_refuses_to_copy_a_backup_over_a_file_that_is_not_a_database(
    demo: Demo, tmp_path: pathlib.Path
) -> None:
    target = tmp_path / "county.db.litestream.yml"
    target.write_text("{}\n")
    result = banxing("restore", "--from", demo.path, "--db", target)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert target.read_text() == "{}\n"


@pytest.mark.parametrize("command", [["devices", "--user", "wang.laoshi"], ["enrol-code", "--user", "wang.laoshi"],
                                     ["recovery-code", "--device", MISSING], ["revoke", "--device", MISSING],
                                     ["backup", "--to", "out.db"]])
def test_a_command_on_a_database_that_does_not_exist_exits_2_and_creates_nothing(
    tmp_path: pathlib.Path, command: list[str]
) -> None:
    """A mistyped --db made a new, empty county (folders included) and then said "no such user"."""
    db = tmp_path / "typo" / "county.db"
    result = banxing(*[str(tmp_path / a) if a == "out.db" else a for a in command], "--db", db)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(db) in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_backup_into_a_folder_that_does_not_exist_exits_2_without_a_traceback(
    demo: Demo, tmp_path: pathlib.Path
) -> None:
    result = banxing("backup", "--to", tmp_path / "no-such-folder" / "b.db", "--db", demo.copy(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr and "no-such-folder" in result.stderr


def test_restore_into_a_folder_that_does_not_exist_exits_2_without_a_traceback(
    demo: Demo, tmp_path: pathlib.Path
) -> None:
    result = banxing("restore", "--from", demo.path, "--db", tmp_path / "no-such-folder" / "c.db")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert not (tmp_path / "no-such-folder").exists()


@pytest.mark.parametrize(("args", "env"), [(["--port", "99999"], {}), ([], {"BANXING_PORT": "99999"}),
                                           ([], {"BANXING_PORT": "eighty"}), ([], {"BANXING_READERS": "four"})])
def test_a_setting_that_cannot_be_used_exits_2_with_a_sentence(
    demo: Demo, tmp_path: pathlib.Path, args: list[str], env: dict[str, str]
) -> None:
    """Port 99999 was printed as the server's address, and the process then served nothing, for ever."""
    err = refused(serve(demo.copy(tmp_path), *args, BANXING_SECRET_KEYS="k", **env))
    assert "99999" in err or "BANXING_" in err


def test_serve_refuses_a_database_that_does_not_exist_unless_asked_to_create_one(tmp_path: pathlib.Path) -> None:
    """A data disk that did not mount leaves an empty mount point: an empty county served there
    answers every phone's token with token_invalid, and each phone drops its records and stops."""
    db = tmp_path / "mnt" / "county.db"
    db.parent.mkdir()
    err = refused(serve(db, "--port", str(free_port()), BANXING_SECRET_KEYS="k"))
    assert str(db) in err and "--create" in err
    assert list(db.parent.iterdir()) == []

    with serving(db, "--create", BANXING_SECRET_KEYS="k"):
        assert db.exists()


def test_serve_refuses_a_new_signing_key_for_a_database_with_enrolled_phones(
    demo: Demo, tmp_path: pathlib.Path
) -> None:
    """Litestream and ``banxing backup`` carry the database, not the key file beside it: restored
    after its disk was lost, it came back with no key, and a fresh one refused every phone's token."""
    db = demo.copy(tmp_path)
    enrolled_phone(demo, db)
    key = db.parent / (db.name + ".secret")
    key.rename(tmp_path / "kept-elsewhere.secret")  # the disk is lost; the database is restored alone

    err = refused(serve(db, "--port", str(free_port())))
    assert str(key) in err and "BANXING_SECRET_KEYS" in err
    assert not key.exists()

    (tmp_path / "kept-elsewhere.secret").rename(key)  # the key put back: the same phones work
    with serving(db):
        pass


def test_serve_refuses_configured_keys_that_leave_out_the_key_file_the_phones_were_enrolled_under(
    demo: Demo, tmp_path: pathlib.Path
) -> None:
    """operations.md moves a county's key into BANXING_SECRET_KEYS (its env file); set to a fresh key
    and not the one in <db>.secret, every enrolled phone's token was refused at its next sync."""
    db = demo.copy(tmp_path)
    enrolled_phone(demo, db)
    filed = (db.parent / (db.name + ".secret")).read_text().strip()

    err = refused(serve(db, "--port", str(free_port()), BANXING_SECRET_KEYS="a-new-key-for-the-env-file"))
    assert "BANXING_SECRET_KEYS" in err and str(db.parent / (db.name + ".secret")) in err

    with serving(db, BANXING_SECRET_KEYS=f"{filed},a-new-key-for-the-env-file"):  # oldest first: it starts
        pass


def test_a_second_server_on_the_same_database_is_refused(demo: Demo, tmp_path: pathlib.Path) -> None:
    """Two servers on one file each ran a writer (and, replicating, a Litestream of its own)."""
    db = demo.copy(tmp_path)
    port = free_port()
    first = serve(db, "--port", str(port), BANXING_SECRET_KEYS="k")
    try:
        wait_until_serving(port, first)
        err = refused(serve(db, "--port", str(free_port()), BANXING_SECRET_KEYS="k"))
        assert "另一个 banxing serve" in err
        assert banxing("devices", "--user", demo.login("mentor"), "--db", db).returncode == 0  # the CLI still runs
    finally:
        first.terminate()
        first.communicate(timeout=30)
    port = free_port()
    again = serve(db, "--port", str(port), BANXING_SECRET_KEYS="k")  # the lock left with its process
    try:
        wait_until_serving(port, again)
    finally:
        again.terminate()
        again.communicate(timeout=30)


def test_a_server_on_a_port_another_program_holds_is_refused_in_words_before_it_names_its_address(
        demo: Demo, tmp_path: pathlib.Path) -> None:
    """uvicorn found the port taken only after the server had printed that it served there, and said so
    in English (`[Errno 98] error while attempting to bind`)."""
    db = demo.copy(tmp_path)
    with socket.socket() as other:  # another program's server on the port
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        err = refused(serve(db, "--port", str(port), BANXING_SECRET_KEYS="k"))
    assert f"端口 {port} 已经被另一个程序占用" in err and "服务器没有启动" in err
    assert "Banxing server on" not in err and "Errno" not in err
    port = free_port()
    proc = serve(db, "--port", str(port), BANXING_SECRET_KEYS="k")
    try:
        wait_until_serving(port, proc)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert err.startswith(f"伴行服务器在 http://127.0.0.1:{port}/ 上服务（数据库 {db}）"), err


def test_a_server_on_every_address_without_a_public_url_says_its_qr_codes_cannot_be_opened(
        demo: Demo, tmp_path: pathlib.Path) -> None:
    """Served on 0.0.0.0 with no BANXING_PUBLIC_URL, every QR code on the volunteers' page pointed at
    http://0.0.0.0:…, and nothing told the operator why no phone could open it."""
    db = demo.copy(tmp_path)
    for env, warned in (({}, True), ({"BANXING_PUBLIC_URL": "http://192.168.1.10:8000"}, False)):
        port = free_port()
        proc = serve(db, "--host", "0.0.0.0", "--port", str(port), BANXING_SECRET_KEYS="k", **env)
        try:
            wait_until_serving(port, proc)
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=30)
        assert err.startswith(f"伴行服务器在 http://0.0.0.0:{port}/ 上服务"), err
        assert ("没有设置 BANXING_PUBLIC_URL" in err and f"http://0.0.0.0:{port}，手机打不开" in err) is warned, err


def test_codes_revocations_and_backups_made_at_the_command_line_are_audited(
    demo: Demo, tmp_path: pathlib.Path
) -> None:
    """The volunteer's page audits an enrolment code, a recovery code and a revocation, and the
    admin page logs a backup download; the same acts at the command line left no trace."""
    db = demo.copy(tmp_path)
    mentor = demo.login("mentor")
    assert banxing("enrol-code", "--user", mentor, "--db", db).returncode == 0
    user_id = scalar(db, "SELECT id FROM users WHERE login = ?", mentor)
    device = "01900000-0000-7000-8000-0000000000aa"
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO sync_devices (id, user_id, name, created_at, last_seen_at)"
                     " VALUES (?, ?, 'p', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')", [device, user_id])
        conn.execute("INSERT INTO recovery_keys (device_id, recovery_key, stored_at) VALUES (?, ?, ?)",
                     [device, "A" * 43, "2026-01-01T00:00:00.000Z"])  # the key its PIN's setting uploaded
    conn.close()
    assert banxing("recovery-code", "--device", device, "--db", db).returncode == 0
    assert banxing("revoke", "--device", device, "--reason", "手机丢失", "--db", db).returncode == 0
    assert banxing("revoke", "--device", device, "--db", db).returncode == 0  # already revoked: no second row
    assert banxing("backup", "--to", tmp_path / "b.db", "--db", db).returncode == 0

    audited = rows(db, "SELECT user_id, entity, record_id, op, changes FROM sync_audit"
                       " WHERE op IN ('enrol_code', 'recovery_code', 'revoke') ORDER BY rowid")
    assert [(a[0], a[1], a[2], a[3]) for a in audited] == [
        (SYSTEM_USER_ID, "user", user_id, "enrol_code"), (SYSTEM_USER_ID, "device", device, "recovery_code"),
        (SYSTEM_USER_ID, "device", device, "revoke")]
    assert all("命令行" in json.loads(a[4])["by"][1] for a in audited)
    assert json.loads(audited[2][4])["revoked_reason"] == [None, "手机丢失"]
    (logged,) = rows(db, "SELECT user_id, target FROM access_log WHERE action = 'backup'")
    assert logged[0] == SYSTEM_USER_ID and str(tmp_path / "b.db") in logged[1]


def test_a_backup_carries_the_key_file_and_a_restore_after_losing_the_disk_keeps_every_phone_enrolled(
    demo: Demo, tmp_path: pathlib.Path
) -> None:
    db = demo.copy(tmp_path)
    token = enrolled_phone(demo, db)
    saved = tmp_path / "saved" / "county.db"
    saved.parent.mkdir()
    made = banxing("backup", "--db", db, "--to", saved)
    assert made.returncode == 0 and "county.db.secret" in made.stderr, made.stderr
    key = db.with_name(db.name + ".secret")
    assert saved.with_name("county.db.secret").read_text() == key.read_text()
    assert stat.S_IMODE(saved.with_name("county.db.secret").stat().st_mode) == 0o600
    for lost in db.parent.glob(db.name + "*"):  # the data disk is gone: database, WAL and key alike
        lost.unlink()
    back = banxing("restore", "--db", db, "--from", saved)
    assert back.returncode == 0 and ".secret" in back.stderr, back.stderr
    with serving(db) as url:
        pull = urllib.request.Request(f"{url}/api/sync/pull", headers={"authorization": f"Bearer {token}"})
        with urllib.request.urlopen(pull, timeout=30) as answer:
            assert answer.status == 200, "the phone enrolled before the backup still syncs"


def test_a_command_on_a_disk_that_fails_to_write_says_so_in_a_sentence_not_a_traceback(
        demo: Demo, tmp_path: pathlib.Path) -> None:
    db = demo.copy(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANXING_")}

    def no_file_may_grow() -> None:  # the disk fails every write past 4 KB (EFBIG: SQLITE_IOERR)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    result = subprocess.run([str(BANXING), "enrol-code", "--user", demo.login("mentor"), "--db", str(db)],
                            capture_output=True, text=True, env=env, timeout=120, check=False,
                            preexec_fn=no_file_may_grow)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "没有完成：服务器的磁盘" in result.stderr


def test_a_backup_killed_halfway_leaves_no_file_under_the_backup_name_and_the_next_one_goes_through(
        demo: Demo, tmp_path: pathlib.Path) -> None:
    """The machine stops mid-copy (here the process is killed by SIGXFSZ once the copy passes half the
    database's size): a half-written file under the name asked for would pass for a backup."""
    db = demo.copy(tmp_path)
    target = tmp_path / "backups" / "banxing-backup.db"
    target.parent.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANXING_")}
    half = db.stat().st_size // 2

    def killed_past_half() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (half, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    # Python ignores SIGXFSZ (writes past the limit fail with EFBIG); the default action kills.
    script = ("import signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_DFL); from server.cli import main; "
              "sys.exit(main(sys.argv[1:]))")
    result = subprocess.run([sys.executable, "-c", script, "backup", "--to", str(target), "--db", str(db)],
                            capture_output=True, text=True, env=env, timeout=120, check=False,
                            preexec_fn=killed_past_half)
    assert result.returncode == -signal.SIGXFSZ, result.stderr
    assert not target.exists() and not target.with_name(target.name + ".secret").exists()
    again = banxing("backup", "--to", target, "--db", db)
    assert again.returncode == 0, again.stderr
    assert scalar(target, "PRAGMA integrity_check") == "ok"
    assert sorted(p.name for p in target.parent.iterdir()) == ["banxing-backup.db"], "no half copy left beside it"


def test_serve_refuses_a_database_file_it_cannot_write_rather_than_answer_every_save_with_a_503(
        demo: Demo) -> None:
    """A database copied back 0400 (or onto a disk mounted read-only): SQLite opens it read-only
    without a word. Root writes through file modes, so as root the server runs as nobody here."""
    as_nobody: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: no user that file modes stop")
        as_nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    folder = pathlib.Path(tempfile.mkdtemp(prefix="banxing-readonly-"))  # reachable by nobody, unlike tmp_path
    try:
        folder.chmod(0o755)
        db = demo.copy(folder)
        if as_nobody:
            for path in (folder, db):
                os.chown(path, pwd.getpwnam("nobody").pw_uid, -1)
        db.chmod(0o400)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BANXING_")}
        proc = subprocess.Popen([*as_nobody, str(BANXING), "serve", "--db", str(db), "--port", str(free_port())],
                                env={**env, "BANXING_SECRET_KEYS": "k"},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        err = refused(proc)
        assert "不能写入" in err and str(db) in err
    finally:
        shutil.rmtree(folder)


def test_a_backup_of_a_database_on_a_disk_gone_read_only_holds_every_committed_change(
        demo: Demo, tmp_path: pathlib.Path) -> None:
    """ext4 remounts itself read-only after write errors, just when the operator wants a backup most:
    SQLite could not make the -shm a reader of the WAL database needs, and the backup ended in
    `没有完成：unable to open database file`."""
    disk, crashed = tmp_path / "disk", tmp_path / "crashed"
    disk.mkdir()
    crashed.mkdir()
    db = demo.copy(disk, "county.db")
    assert banxing("enrol-code", "--user", demo.login("mentor"), "--db", db).returncode == 0  # a WAL database
    # The server's last commits are in its WAL when the disk stops taking writes (no -shm survives).
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("UPDATE units SET name = name || '（最后一笔）' WHERE rowid = (SELECT min(rowid) FROM units)")
    for name in ("county.db", "county.db-wal"):
        shutil.copyfile(disk / name, crashed / name)
    conn.close()
    saved = tmp_path / "saved.db"
    made = on_read_only_media(crashed, tmp_path / "media", "backup", "--to", saved,
                              "--db", tmp_path / "media" / "county.db")
    assert made.returncode == 0 and "Traceback" not in made.stderr, made.stderr
    assert "备份已写到" in made.stderr and "没能记入访问日志" in made.stderr
    assert scalar(saved, "PRAGMA integrity_check") == "ok"
    assert scalar(saved, "SELECT count(*) FROM units WHERE name LIKE '%（最后一笔）'") == 1
    assert row_counts(saved) == row_counts(db)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # its copy is gone


def test_a_backup_while_the_running_servers_wal_is_deleted_is_refused_in_words_and_writes_nothing(
        demo: Demo, tmp_path: pathlib.Path) -> None:
    """An operator cleaning "temp files" deletes the -wal the server still writes to: a backup read from
    the database file alone lacked every commit in it, acknowledged to phones, and said it was whole."""
    from server.preflight import hold_database
    from server.store import Store

    db = demo.copy(tmp_path, "county.db")
    lock = hold_database(db)  # as `banxing serve` does
    store = Store(db, checkpoints=False)  # as while Litestream replicates: commits stay in the WAL
    try:
        store.write_now(lambda d: d.execute(
            "UPDATE units SET name = name || '（最后一笔）' WHERE rowid = (SELECT min(rowid) FROM units)"))
        for suffix in ("-wal", "-shm"):
            db.with_name(db.name + suffix).unlink()
        saved = tmp_path / "saved.db"
        made = banxing("backup", "--to", saved, "--db", db)
        assert made.returncode == 2 and "Traceback" not in made.stderr, made.stderr
        assert "county.db-wal 文件不见了" in made.stderr and "备份没有做" in made.stderr
        assert not saved.exists() and not pathlib.Path(f"{saved}.secret").exists()
        # The server's next write copies its WAL back and makes the files anew: the backup then holds it.
        store.write_now(lambda d: d.execute("UPDATE units SET name = name WHERE rowid = 1"))
        deadline = time.monotonic() + 10
        while not db.with_name(db.name + "-shm").exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # it reopens its files just after answering the write
        made = banxing("backup", "--to", saved, "--db", db)
        assert made.returncode == 0, made.stderr
        assert scalar(saved, "SELECT count(*) FROM units WHERE name LIKE '%（最后一笔）'") == 1
    finally:
        store.close()
        os.close(lock)


def test_a_backup_taken_under_the_old_server_during_an_upgrade_copies_the_file_as_it_is_and_never_migrates_it(
    demo: Demo, tmp_path: pathlib.Path
) -> None:
    """The upgrade takes a backup with the new code while the old server still serves: a backup that
    brought the database up to its own schema changed it beneath that server."""
    db = demo.copy(tmp_path)
    with sqlite3.connect(db) as conn:  # the file as the code before the newest migration left it
        conn.execute("DROP INDEX idx_activities_risk_withdrawn")
        conn.execute("DELETE FROM _migrations WHERE migration_set = 'sync' AND name = 'm050_withdrawn_risk_flags'")
    conn.close()
    before = rows(db, "SELECT migration_set, name FROM _migrations ORDER BY 1, 2")

    made = banxing("backup", "--to", tmp_path / "b.db", "--db", db)

    assert made.returncode == 0 and "Traceback" not in made.stderr, made.stderr
    for path in (db, tmp_path / "b.db"):
        assert rows(path, "SELECT migration_set, name FROM _migrations ORDER BY 1, 2") == before
        assert scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'idx_activities_risk_withdrawn'") == 0
    (logged,) = rows(db, "SELECT target FROM access_log WHERE action = 'backup'")
    assert str(tmp_path / "b.db") in logged[0], "its access log takes the row all the same"


def test_a_backup_of_a_database_whose_access_log_this_code_cannot_write_stays_and_says_it_was_not_logged(
    demo: Demo, tmp_path: pathlib.Path
) -> None:
    db = demo.copy(tmp_path)
    with sqlite3.connect(db) as conn:  # the access log as the first server schema made it
        conn.execute("DROP TABLE access_log")
        conn.execute("CREATE TABLE access_log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, user_id TEXT,"
                     " device_id TEXT, action TEXT NOT NULL, target TEXT, ip TEXT)")
    conn.close()

    made = banxing("backup", "--to", tmp_path / "b.db", "--db", db)

    assert made.returncode == 0 and "Traceback" not in made.stderr, made.stderr
    assert "数据库的版本和这个程序的不同，这次备份没能记入访问日志" in made.stderr
    assert (tmp_path / "b.db").is_file()
    assert "record_count" not in {r[1] for r in rows(db, "PRAGMA table_info(access_log)")}, "nothing migrated"
