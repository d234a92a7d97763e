"""HTTP tests run the real app in-process: ``TestClient`` as a context manager runs the lifespan."""
from __future__ import annotations

import pathlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from server import create_app
from server.config import Settings
from server.devices import issue_code
from server.store import Store
from sync import Actor, apply_mutations, new_id
from sync.mutations import upsert
from sync.system import SYSTEM
from sync.users import create_user


@dataclass
class County:
    """A small county: one station with a staff member, two mentors, each with a pairing."""

    client: TestClient
    county: str
    station: str
    staff: Actor
    mentor: Actor
    other_mentor: Actor
    mentee: str
    pairing: str
    other_mentee: str
    other_pairing: str

    def store_write(self, fn: Any) -> Any:
        return self.client.app.state.banxing.store.write_now(fn)

    def token(self, login: str) -> str:
        code = self.store_write(lambda db: issue_code(db, login, hours=1))["code"]
        response = self.client.post("/api/enrol", json={"code": code, "device_name": "测试手机"})
        assert response.status_code == 200, response.text
        return str(response.json()["token"])

    def auth(self, login: str) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.token(login)}


_mutation = upsert


def build_county(db: Any) -> dict[str, Any]:
    county, station = new_id(), new_id()
    out = apply_mutations(db, SYSTEM, [
        _mutation("unit", {"name": "如东县", "kind": "county"}, county),
        _mutation("unit", {"name": "掘港镇辅导站", "kind": "station", "parent_id": county}, station),
    ])
    assert all(o.status == "applied" for o in out)
    staff = create_user(db, login="staff", name="李站长", role="staff", unit_id=station)
    mentor = create_user(db, login="mentor", name="王老师", role="mentor", unit_id=station)
    other = create_user(db, login="mentor2", name="张老师", role="mentor", unit_id=station)
    staff_actor = Actor(staff, "staff", station)
    mentee, pairing, other_mentee, other_pairing = new_id(), new_id(), new_id(), new_id()
    out = apply_mutations(db, staff_actor, [
        _mutation("mentee", {"unit_id": station, "code": "RD-001", "name": "小明"}, mentee),
        _mutation("mentee", {"unit_id": station, "code": "RD-002", "name": "小红"}, other_mentee),
        _mutation("pairing", {"mentor_id": mentor, "mentee_id": mentee, "start_date": "2026-09-01"}, pairing),
        _mutation("pairing", {"mentor_id": other, "mentee_id": other_mentee, "start_date": "2026-09-01"},
                  other_pairing),
    ])
    assert all(o.status == "applied" for o in out), [o.answer() for o in out]
    return dict(
        county=county, station=station, staff=staff_actor, mentor=Actor(mentor, "mentor", station),
        other_mentor=Actor(other, "mentor", station), mentee=mentee, pairing=pairing,
        other_mentee=other_mentee, other_pairing=other_pairing,
    )


@pytest.fixture(scope="session")
def server_file(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """Both migration sets applied once per session; ``settings`` hands each test a copy, whose
    start-up then finds nothing to migrate (a fifth of a second saved per test)."""
    path = tmp_path_factory.mktemp("server") / "t.db"
    store = Store(path)
    store.migrate()
    store.close()
    assert not path.with_name(path.name + "-wal").exists(), "the copy must hold everything"
    return path


@pytest.fixture
def settings(tmp_path: pathlib.Path, server_file: pathlib.Path) -> Settings:
    shutil.copyfile(server_file, tmp_path / "t.db")
    return Settings(db_path=tmp_path / "t.db", secret_keys=("test-key",))


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def county(client: TestClient) -> County:
    ids = client.app.state.banxing.store.write_now(build_county)
    return County(client=client, **ids)


def activity(pairing: str, mutation_id: int, record_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """A phone's create-activity mutation."""
    return {
        "mutation_id": mutation_id, "entity": "activity", "record_id": record_id or new_id(), "op": "upsert",
        "base_version": None,
        "fields": {"pairing_id": pairing, "kind": "home_visit", "date": "2026-11-20", "record": "家访", **fields},
    }
