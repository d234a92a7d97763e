"""Driving the phone app like a volunteer does: through its labels and buttons, in a
390×844 Chromium context, against a real ``banxing serve``. Shared by tests/e2e/test_pwa_*.py."""
from __future__ import annotations

import json
import pathlib
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect

from .conftest import ServerProcess, cli, enrol

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
PIN = "2580"

# Every raw value in the app's IndexedDB as one string; byte arrays read as Latin-1 and as
# UTF-8, so a plaintext Chinese sentence would show up whichever way it was stored.
IDB_DUMP = """async () => {
  const db = await new Promise((ok, fail) => { const r = indexedDB.open('banxing'); r.onsuccess = () => ok(r.result);
                                              r.onerror = () => fail(r.error); });
  const names = [...db.objectStoreNames];
  if (!names.length) { db.close(); return {stores: [], text: ''}; }
  const t = db.transaction(names, 'readonly');
  const all = await Promise.all(names.map((n) => new Promise((ok) => {
    const r = t.objectStore(n).getAll(); r.onsuccess = () => ok(r.result); })));
  db.close();
  const latin1 = new TextDecoder('latin1'), utf8 = new TextDecoder();
  const text = JSON.stringify(all, (k, v) => (v instanceof Uint8Array ? latin1.decode(v) + utf8.decode(v) : v));
  return {stores: names, counts: Object.fromEntries(names.map((n, i) => [n, all[i].length])), text};
}"""


# Every IndexedDB write refused as a full phone refuses it, while window.__full is set.
FILL_UP = """() => {
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (...args) {
    if (window.__full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    return put.apply(this, args);
  };
}"""


@dataclass
class Phone:
    """One phone: a browser context (its own storage) and the app's page in it."""

    context: BrowserContext
    server: ServerProcess
    page: Page = field(init=False)
    dialogs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page = self.new_page()

    def save_after_station_edit(self, activity: str, version: int, record: str) -> None:
        """Types ``record`` as the visit's 过程记录 while the station changes the same field first
        (through the sync API, as its computer would), then taps 保存: the phone's change conflicts."""
        self.page.goto(self.server.url + f"/app/#/activity/{activity}/edit")
        self.page.get_by_label("过程记录").fill(record)
        Station(self.server, "zhan-juegang").push("activity", activity, {"record": "辅导站先改的过程记录。"}, version)
        self.page.get_by_role("button", name="保存", exact=True).click()

    def new_page(self) -> Page:
        page = self.context.new_page()
        page.on("dialog", self._dialog)
        return page

    def _dialog(self, dialog: Dialog) -> None:  # the app must never pop anything up
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: str = "/app/") -> None:
        self.page.goto(self.server.url + path)

    def reopen(self) -> None:
        """Close the app and start it again from the home-screen icon (start_url)."""
        self.page.close()
        self.page = self.new_page()
        self.open()

    def enrol(self, login: str, *, pin: str = PIN, typed: bool = True) -> None:
        code = json.loads(cli(self.server.db, "enrol-code", "--user", login, "--json"))["code"]
        if typed:
            self.open()
            self.page.get_by_label("登记码").fill(f"{code[:4]} {code[4:]}")
        else:
            self.open(f"/app/?code={code}")
        self.page.get_by_role("button", name="登记", exact=True).click()
        self.set_pin(pin)
        self.wait_synced()

    def set_pin(self, pin: str = PIN) -> None:
        self.page.get_by_label("设置密码", exact=True).fill(pin)
        self.page.get_by_label("再次输入密码", exact=True).fill(pin)
        self.page.get_by_role("button", name="确定", exact=True).click()

    def unlock(self, pin: str = PIN) -> None:
        self.page.get_by_label("密码", exact=True).fill(pin)
        self.page.get_by_role("button", name="解锁", exact=True).click()
        expect(self.page.locator("nav.tabs")).to_be_visible()

    def wait_synced(self, timeout: float = 20_000) -> None:
        """Until a sync finished with nothing left to send (a conflict may be left to answer)."""
        self.page.wait_for_function(
            """() => { const c = document.querySelector('.sync'); return c && c.querySelector('.last')
                 && /已全部同步|冲突/.test(c.querySelector('.line').textContent)
                 && c.querySelector('.last').textContent.includes('上次同步')
                 && !c.textContent.includes('正在同步'); }""", timeout=timeout)

    def start_visit(self, record: str, *, mentee: str | None = None) -> None:
        """A new visit's form (记一次帮扶), a child chosen, and the first words of its record, not saved."""
        link = self.page.locator("a", has_text="记一次帮扶").first
        if link.count():
            link.click()
        else:
            self.page.goto(self.server.url + "/app/#/log")
        if mentee:
            self.page.get_by_label("帮扶对象").select_option(label=mentee)
        else:
            self.choose_a_child()
        self.page.get_by_label("过程记录").fill(record)

    def save_refused_visit(self, record: str) -> None:
        """A new visit dated a year to come (which the server refuses), saved: it waits in 待同步."""
        self.start_visit(record)
        self.page.get_by_label("日期", exact=True).fill("2099-11-30")
        self.page.get_by_role("button", name="保存", exact=True).click()

    def with_clock(self) -> None:
        """Playwright's clock from here on (the 5-minute lock): the page reloads onto it and is unlocked."""
        self.context.clock.install()
        self.page.reload()
        self.unlock()

    def log_activity(self, record: str, *, mentee: str | None = None, follow_up: str = "") -> None:
        self.start_visit(record, mentee=mentee)
        if follow_up:
            self.page.get_by_label("事后跟踪").fill(follow_up)
        self.page.get_by_role("button", name="保存", exact=True).click()
        # Off the form before anything else: 已保存 shows while the form may still be on screen, and
        # a next start_visit looking then for 记一次帮扶 would find no link on the form (a flake).
        expect(self.page.get_by_label("过程记录")).to_have_count(0)
        expect(self.page.get_by_text("已保存。")).to_be_visible()

    def export_unsent(self, saved: pathlib.Path) -> dict[str, Any]:
        """Tap 导出未同步记录 on the screen shown, keep the file at ``saved`` and return what it holds."""
        with self.page.expect_download() as download:
            self.page.get_by_role("button", name="导出未同步记录").click()
        download.value.save_as(saved)
        return json.loads(saved.read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    def choose_a_child(self) -> None:
        """On a new visit's form, the first child, if the form asks (a volunteer with several children)."""
        picker = self.page.get_by_label("帮扶对象")
        if not picker.input_value():
            picker.select_option(index=1)

    def idb(self) -> dict[str, Any]:
        return dict(self.page.evaluate(IDB_DUMP))

    def device_id(self, login: str) -> str:
        devices = json.loads(cli(self.server.db, "devices", "--user", login, "--json"))["devices"]
        return str(devices[-1]["id"])


class Station:
    """A station staff member's device, writing through POST /api/sync/push like a phone."""

    def __init__(self, server: ServerProcess, login: str) -> None:
        self.server = server
        self.token = enrol(server, login, "辅导站电脑")["token"]
        self.next_id = 1

    def push(self, entity: str, record_id: str, fields: dict[str, Any], base_version: int | None,
             op: str = "upsert") -> dict[str, Any]:
        mutation = {"mutation_id": self.next_id, "entity": entity, "record_id": record_id, "op": op,
                    "base_version": base_version, "fields": fields}
        self.next_id += 1
        status, body = self.server.request("POST", "/api/sync/push", {"mutations": [mutation]}, self.token)
        assert status == 200, body
        (result,) = body["results"]
        assert result["status"] in ("applied", "merged"), result
        return dict(result)


def until(page: Page, predicate: str, arg: Any = None, timeout: float = 20_000) -> None:
    """Until ``predicate`` (a page function, which may return a promise) is true. ``page.wait_for_function``
    is no substitute for one that returns a promise: it takes the promise itself for true and returns at
    once, so ``import('/app/js/repo.js').then(...)`` there waits for nothing."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(predicate, arg):
        assert time.monotonic() < deadline, f"not true after {timeout / 1000:g} s: {predicate}"
        page.wait_for_timeout(50)


def query(server: ServerProcess, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the server's SQLite file directly (WAL: the running server keeps writing)."""
    with closing(sqlite3.connect(f"file:{server.db}?mode=ro", uri=True, timeout=10)) as conn:
        return conn.execute(sql, params).fetchall()


def visits_with(server: ServerProcess, record: str) -> int:
    """How many activities the server holds with this 过程记录 (deleted ones too: a double is a double)."""
    return int(query(server, "SELECT count(*) FROM activities WHERE record = ?", record)[0][0])


def own_pending_visit(server: ServerProcess, login: str) -> tuple[str, int]:
    """(id, version) of the volunteer's own earliest visit still waiting for review: one the phone may edit."""
    row = query(server, "SELECT a.id, a.version FROM activities a JOIN pairings p ON p.id = a.pairing_id"
                " JOIN users u ON u.id = p.mentor_id WHERE u.login = ? AND a.author_id = u.id"
                " AND a.review_status = 'pending' ORDER BY a.date", login)[0]
    return str(row[0]), int(row[1])


class Phones:
    """Makes phones for one test and closes them after it (the ``phones`` fixture)."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []

    def new(self, server: ServerProcess, **options: Any) -> Phone:
        context = self.browser.new_context(**{**PHONE, **options})
        self.contexts.append(context)
        return Phone(context, server)

    def at_largest_text(self, server: ServerProcess, login: str, *, width: int, height: int = 640) -> Phone:
        """``login``'s phone, enrolled, ``width`` × ``height`` px, at the app's 特大 text."""
        phone = self.new(server, viewport={"width": width, "height": height})
        phone.enrol(login)
        text_size(phone, "特大")
        return phone

    def close(self) -> None:
        for context in self.contexts:
            context.close()



def text_size(phone: Phone, size: str) -> None:
    """The app's text size set to ``size`` (标准 … 特大) on its settings screen."""
    phone.page.goto(phone.server.url + "/app/#/settings")
    phone.page.locator("label.chip", has_text=size).click()
    expect(phone.page.get_by_role("radio", name=size)).to_be_checked()
