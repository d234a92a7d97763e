"""``banxing recovery-code`` and ``banxing enrol-code --link``, run as the real console script."""
from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest
from starlette.testclient import TestClient

from server import create_app
from server.config import Settings
from server.store import Store

from .conftest import build_county

BANXING = pathlib.Path(sys.executable).parent / "banxing"


def banxing(*args: str | pathlib.Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BANXING_")}
    return subprocess.run([str(BANXING), *map(str, args)], capture_output=True, text=True,
                          env={**clean, **env}, timeout=60, check=False)


@pytest.fixture
def db(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "county.db"
    store = Store(path)
    try:
        store.migrate()
        store.write_now(build_county)
    finally:
        store.close()
    return path


def test_enrol_code_link_prints_the_app_address_with_the_code(db: pathlib.Path) -> None:
    result = banxing("enrol-code", "--user", "mentor", "--link", "--db", db)
    assert result.returncode == 0, result.stderr
    code = re.search(r"登记码 (\d{4}) (\d{4})", result.stdout)
    assert code, result.stdout
    assert f"登记链接 http://127.0.0.1:8000/app/?code={code.group(1)}{code.group(2)}" in result.stdout


def test_enrol_code_link_uses_the_public_url_and_json(db: pathlib.Path) -> None:
    result = banxing("enrol-code", "--user", "mentor", "--link", "--json", "--db", db,
                     BANXING_PUBLIC_URL="https://banxing.example.cn/")
    document = json.loads(result.stdout)
    assert set(document) == {"code", "expires_at", "link"}
    assert document["link"] == f"https://banxing.example.cn/app/?code={document['code']}"


def test_recovery_code_is_issued_for_one_enrolled_phone_and_stored_as_a_hash(db: pathlib.Path) -> None:
    code = json.loads(banxing("enrol-code", "--user", "mentor", "--json", "--db", db).stdout)["code"]
    with TestClient(create_app(Settings(db_path=db, secret_keys=("k",)))) as client:
        phone = client.post("/api/enrol", json={"code": code}).json()
        # The phone hands over its recovery key when its PIN is set.
        stored = client.put("/api/device/recovery-key", json={"recovery_key": "A" * 42 + "E"},
                            headers={"authorization": f"Bearer {phone['token']}"})
        assert stored.status_code == 200, stored.text
    result = banxing("recovery-code", "--device", phone["device_id"], "--json", "--db", db)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"code", "expires_at"} and re.fullmatch(r"\d{8}", document["code"])
    store = Store(db)
    try:
        stored = store.read_now(lambda d: d.execute("SELECT device_id, code_hash FROM recovery_codes").fetchall())
    finally:
        store.close()
    assert stored == [(phone["device_id"], hashlib.sha256(document["code"].encode()).hexdigest())]
    text = banxing("recovery-code", "--device", phone["device_id"], "--db", db)
    assert text.returncode == 0 and "恢复码" in text.stdout


def test_recovery_code_for_an_unknown_or_revoked_device_exits_2(db: pathlib.Path) -> None:
    unknown = banxing("recovery-code", "--device", "01900000-0000-7000-8000-000000000000", "--json", "--db", db)
    assert unknown.returncode == 2 and unknown.stdout == "" and "01900000" in unknown.stderr
    code = json.loads(banxing("enrol-code", "--user", "mentor", "--json", "--db", db).stdout)["code"]
    with TestClient(create_app(Settings(db_path=db, secret_keys=("k",)))) as client:
        device = client.post("/api/enrol", json={"code": code}).json()["device_id"]
    assert banxing("revoke", "--device", device, "--db", db).returncode == 0
    revoked = banxing("recovery-code", "--device", device, "--db", db)
    assert revoked.returncode == 2 and "已停用" in revoked.stderr


def test_recovery_code_for_a_phone_that_never_handed_over_its_recovery_key_is_refused(db: pathlib.Path) -> None:
    """The volunteer's page refuses it; the command issued a code that could only fail on the phone."""
    code = json.loads(banxing("enrol-code", "--user", "mentor", "--json", "--db", db).stdout)["code"]
    with TestClient(create_app(Settings(db_path=db, secret_keys=("k",)))) as client:
        device = client.post("/api/enrol", json={"code": code}).json()["device_id"]
    refused = banxing("recovery-code", "--device", device, "--db", db)
    assert refused.returncode == 2 and refused.stdout == "", refused.stdout
    assert "手机密码" in refused.stderr and "Traceback" not in refused.stderr
    store = Store(db)
    try:
        assert store.read_now(lambda d: d.execute("SELECT count(*) FROM recovery_codes").fetchone()[0]) == 0
    finally:
        store.close()
