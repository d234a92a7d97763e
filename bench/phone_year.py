"""A volunteer's phone after one and two years of use, on a cheap Android phone: the screens she
taps every week, timed in Debian Chromium at 360×640, text at 150 % (the app's 特大: 30 px, 150 % of
its 20 px, as Android's text zoom makes it) and the CPU slowed 4× (``Emulation.setCPUThrottlingRate``),
against a real ``banxing serve`` on a temporary database.

Run with ``make bench`` or ``.venv/bin/python bench/phone_year.py`` (about a minute). It reports
figures; it asserts only that the app did what was measured (every child listed, every visit in a
child's history). See docs/performance.md, "The phone after one and two years".

1. world   a county, one station, its staff and two volunteers, written through ``sync.apply_mutations``
           (the volunteers' visits as from their phones, the station's reviews as from its computer):
           each volunteer has 12 children, a visit or talk to each every week or so (preparation,
           record, follow-up), a screening every half-year, and the station's review of each visit
           older than two weeks (approved with a comment; three returned). ``one.year``: 50 visits a
           child (600); ``two.years``: 100 (1,200).
2. phone   for each volunteer, a new phone enrols and pulls everything (her first phone, or the one
           that replaced it: the same full pull): from tapping 确定 to the home screen listing the
           12 children with 已全部同步.
3. steps   on that phone, each timed in the page's own clock, median of 3 where it repeats:
           unlock (from tapping 解锁 to the home screen's list, PBKDF2 and decrypting included);
           the home screen drawn again (from tapping 首页 on 设置); a child opened from the home list
           (how long her page is, in screens, and where 摸排 is on it); her older history unfolded
           (显示更早的…) and scrolled to its end (and the longest frame of the scroll); the oldest
           visit opened; a new visit saved offline (保存 to 已保存) and online (保存 to 已保存, then to
           已同步到辅导站); ``navigator.storage.estimate()`` of the site (IndexedDB and the cached app).
           The AES-GCM decrypts of each step are counted (``crypto.subtle.decrypt`` calls).
"""
from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import random
import shutil
import statistics
import sys
import tempfile
import time
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from process import Server, cpu_model  # noqa: E402  (bench/process.py)
from pwa_bench import ARGS, CHROMIUM, PIN, RECORDS, bench_station, code_for, only_tab, unlock_app  # noqa: E402

from server.store import Store  # noqa: E402
from sync import Actor, apply_mutations, new_id  # noqa: E402
from sync.mutations import upsert  # noqa: E402
from sync.timeutil import local_today  # noqa: E402
from sync.users import create_user  # noqa: E402

PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
THROTTLE = 4
SLOW = {"rate": float(THROTTLE)}  # --throttle sets it
CHILDREN = 12
PREPARATIONS = ["带上作业本和一本课外书，先问问外婆孩子这周睡得怎样。", "准备和孩子聊聊期中考试，带两支铅笔。",
                "先给班主任打个电话，问问孩子在学校的情况。"]
FOLLOW_UPS = ["下周打电话问问作业完成得怎样。", "月底再去家里看看，和外婆商量暑假安排。",
              "请学校心理老师多留意孩子的情绪。"]
COMMENTS = ["记录详细，同意。", "很好，继续保持每周联系。", "同意。下次请写清楚孩子的情绪变化。"]

# Counts the page's AES-GCM decrypts (every record is sealed one by one: docs/security.md).
COUNT_DECRYPTS = """(() => {
  const decrypt = SubtleCrypto.prototype.decrypt;
  window.decrypts = 0;
  SubtleCrypto.prototype.decrypt = function (...args) { window.decrypts += 1; return decrypt.apply(this, args); };
})()"""

# The unlock, watched from outside the app: from the PIN's submit to the home screen's full list.
UNLOCK_CLOCK = """(() => {
  const clock = window.unlockClock = { submit: 0, home: 0 };
  document.addEventListener('submit', () => { clock.submit = performance.now(); window.decrypts = 0; }, true);
  new MutationObserver(() => {
    const lists = document.querySelectorAll('ul.rows');
    if (clock.submit && !clock.home && lists.length && lists[lists.length - 1].children.length === %(children)d) {
      clock.home = performance.now();
      clock.decrypts = window.decrypts;
    }
  }).observe(document, { childList: true, subtree: true });
})()"""

# Taps `tap` (a selector; its last match, or the one holding `text`) and waits until `done` is true:
# milliseconds in the page's clock and the decrypts between, once the next frame is drawn.
TIMED_TAP = """async ([tap, text, done]) => {
  const ready = new Function('return ' + done);
  const all = [...document.querySelectorAll(tap)].filter((e) => !text || e.textContent.includes(text));
  if (!all.length) throw new Error('nothing to tap: ' + tap + ' ' + text);
  window.decrypts = 0;
  const t = performance.now();
  all[all.length - 1].click();
  await new Promise((ok, fail) => {
    const until = t + 60000;
    const look = () => (ready() ? ok()
      : performance.now() > until ? fail(new Error('never: ' + done)) : setTimeout(look, 4));
    look();
  });
  await new Promise((ok) => requestAnimationFrame(() => setTimeout(ok)));
  return [performance.now() - t, window.decrypts];
}"""

# The history scrolled to its end a screen at a time, as a thumb does: total time and the longest frame.
SCROLL = """async () => {
  const frame = () => new Promise((ok) => requestAnimationFrame(() => ok(performance.now())));
  const t = performance.now();
  let last = t, longest = 0;
  for (let y = 0; y + innerHeight < document.documentElement.scrollHeight; y += innerHeight * 0.8) {
    scrollTo(0, y + innerHeight * 0.8);
    const now = await frame();
    longest = Math.max(longest, now - last);
    last = now;
  }
  return [performance.now() - t, longest, document.documentElement.scrollHeight];
}"""

HOME_LISTED = f"""(() => {{ const lists = document.querySelectorAll('ul.rows');
  return lists.length && lists[lists.length - 1].children.length === {CHILDREN}
    && [...document.querySelectorAll('h2')].some((h) => h.textContent.startsWith('我的帮扶对象')); }})()"""
SYNCED = """(() => { const s = document.querySelector('.sync');
  return s && s.textContent.includes('已全部同步') && s.textContent.includes('上次同步')
    && !s.textContent.includes('正在同步'); })()"""


def build_world(path: pathlib.Path, years: tuple[int, ...], per_year: int) -> dict[str, dict[str, int]]:
    """The county through the one write path; per volunteer's login, what her phone should hold."""
    rng = random.Random(2026)
    today = local_today()
    store = Store(path)
    try:
        store.migrate()

        def world(db: Any) -> dict[str, dict[str, int]]:
            station, staff = bench_station(db, "year.staff")
            out: dict[str, dict[str, int]] = {}
            for n in years:
                login = "one.year" if n == 1 else f"{n}.years"
                mentor = create_user(db, login=login, name=f"王老师{n}", role="mentor", unit_id=station)
                people: list[dict[str, Any]] = []  # by the station
                visits: list[dict[str, Any]] = []  # by the volunteer, as from her phone
                reviews: list[dict[str, Any]] = []  # by the station, as from its computer
                per_child = per_year * n
                start = today - datetime.timedelta(days=365 * n)
                for i in range(CHILDREN):
                    mentee, pairing = new_id(), new_id()
                    people.append(upsert("mentee", {
                        "unit_id": station, "code": f"BX-{n}{i:03d}", "name": f"孩子{i}", "categories": ["psych"],
                        "school": "栟茶初级中学", "grade": "初二", "guardian_name": "外婆",
                        "guardian_contact": "13800000000", "plan": "每周电话问候一次，每月上门家访一次。" * 2}, mentee))
                    people.append(upsert("pairing", {"mentor_id": mentor, "mentee_id": mentee,
                                                     "start_date": start.isoformat()}, pairing))
                    for k in range(per_child):
                        day = min(start + datetime.timedelta(days=int((k + rng.random()) * 365 * n / per_child)), today)
                        visit = new_id()
                        visits.append(upsert("activity", {
                            "pairing_id": pairing, "kind": rng.choice(["home_visit", "talk", "remote"]),
                            "date": day.isoformat(), "duration_min": 60, "place": "孩子家",
                            "preparation": rng.choice(PREPARATIONS), "record": rng.choice(RECORDS) * 3,
                            "follow_up": rng.choice(FOLLOW_UPS),
                            "follow_up_due": (day + datetime.timedelta(days=14)).isoformat(),
                            "moods": ["平静"], "observations": [], "tags": ["parents"]}, visit))
                        if day < today - datetime.timedelta(days=14):
                            returned = k == 3 and i < 3
                            reviews.append(upsert("review", {
                                "target_entity": "activity", "target_id": visit,
                                "decision": "return" if returned else "approve",
                                "comment": "请补写孩子这次的情绪。" if returned else rng.choice(COMMENTS)}))
                    for k in range(n * 2):
                        day = min(start + datetime.timedelta(days=182 * k + 30), today)
                        visits.append(upsert("screening", {"mentee_id": mentee, "date": day.isoformat(),
                                                           "psych_problem": k % 3 == 0, "needs": "学习辅导"}))
                outcomes = apply_mutations(db, staff, people)
                outcomes += apply_mutations(db, Actor(mentor, "mentor", station), visits)
                outcomes += apply_mutations(db, staff, reviews)
                bad = [o.answer() for o in outcomes if o.status != "applied"]
                assert not bad, bad[:3]
                out[login] = {"visits": per_child * CHILDREN, "screenings": 2 * n * CHILDREN,
                              "history": per_child + 2 * n}
            return out

        return store.write_now(world)
    finally:
        store.close()


def slow_page(context: Any) -> Any:
    """The phone's only tab, its CPU slowed; decrypts counted from its first script."""
    page = only_tab(context)
    page.add_init_script(COUNT_DECRYPTS)
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": SLOW["rate"]})
    return page


def timed_tap(page: Any, tap: str, done: str, text: str = "") -> tuple[float, int]:
    ms, decrypts = page.evaluate(TIMED_TAP, [tap, text, done])
    return float(ms) / 1000, int(decrypts)


def enrol(browser: Any, url: str, db: pathlib.Path, login: str) -> tuple[Any, Any, float]:
    """A new phone for ``login``: enrolled, its PIN set, the full pull timed; text at 特大."""
    context = browser.new_context(**PHONE)
    page = slow_page(context)
    page.goto(f"{url}/app/?code={code_for(db, login)}")
    page.get_by_role("button", name="登记", exact=True).click()
    page.get_by_label("设置密码", exact=True).fill(PIN)
    page.get_by_label("再次输入密码", exact=True).fill(PIN)
    started = time.perf_counter()
    page.get_by_role("button", name="确定", exact=True).click()
    page.wait_for_function(f"() => {HOME_LISTED} && {SYNCED}", timeout=180_000)
    pull = time.perf_counter() - started
    page.goto(url + "/app/#/settings")
    page.locator("label.chip", has_text="特大").click()
    page.wait_for_function("() => parseFloat(getComputedStyle(document.body).fontSize) === 30")
    return context, page, pull


def unlock(context: Any, url: str) -> tuple[Any, float, int]:
    """The app opened again from its icon: from tapping 解锁 to the home list (median-worthy)."""
    page = slow_page(context)
    page.add_init_script(UNLOCK_CLOCK % {"children": CHILDREN})
    unlock_app(page, url)
    page.wait_for_function("() => window.unlockClock && window.unlockClock.home > 0", timeout=60_000)
    clock = page.evaluate("window.unlockClock")
    return page, float(clock["home"] - clock["submit"]) / 1000, int(clock["decrypts"])


def save_visit(page: Any, context: Any, *, online: bool) -> tuple[float, float | None]:
    """A new visit to the first child, saved: seconds to 已保存, and (online) to 已同步到辅导站."""
    context.set_offline(not online)
    page.evaluate("location.hash = '#/'")
    page.locator("a", has_text="记一次帮扶").first.click()
    picker = page.get_by_label("帮扶对象")
    if not picker.input_value():
        picker.select_option(index=1)
    page.get_by_label("过程记录").fill("基准测试：和孩子聊了期末考试，情绪平稳。")
    saved = "已保存。已同步到辅导站。" if online else "已保存。有网络时会自动同步。"
    seconds, _ = timed_tap(page, "button", "document.body.textContent.includes('已保存。')", "保存")
    synced = None
    if online:
        started = time.perf_counter()
        page.wait_for_function(f"() => document.body.textContent.includes('{saved}')", timeout=60_000)
        synced = seconds + time.perf_counter() - started
    context.set_offline(False)
    return seconds, synced


def measure(browser: Any, url: str, db: pathlib.Path, login: str, counts: dict[str, int]) -> dict[str, Any]:
    context, page, pull = enrol(browser, url, db, login)
    got: dict[str, Any] = {"pull": pull}
    usage = page.evaluate("""() => navigator.storage.estimate().then((e) =>
        [e.usage, (e.usageDetails || {}).indexedDB || 0])""")
    got["storage"], got["idb"] = usage
    unlocks, homes, opens, unfolds, scrolls, olds = [], [], [], [], [], []
    history = counts["history"]
    rows = "document.querySelectorAll('main ul.rows li').length"
    for _ in range(3):
        page, seconds, decrypts = unlock(context, url)
        unlocks.append((seconds, decrypts))
        page.goto(url + "/app/#/settings")
        page.wait_for_selector("label.chip")
        homes.append(timed_tap(page, "nav.tabs a", HOME_LISTED, "首页"))
        opens.append(timed_tap(page, "ul.rows a.row", f"location.hash.startsWith('#/mentee/') && {rows} > 0"
                               f" && ({rows} === {history} || document.body.textContent.includes('显示更早的'))",
                               "孩子0"))
        got["opened"] = page.evaluate("""() => { const a = [...document.querySelectorAll('main a.button')]
            .find((e) => e.textContent === '摸排');
            return [document.documentElement.scrollHeight, a.getBoundingClientRect().top, innerHeight]; }""")
        if page.evaluate(f"{rows} < {history}"):  # the rest at a tap
            unfolds.append(timed_tap(page, "main button", f"{rows} === {history}", "显示更早的"))
        ms, longest, height = page.evaluate(SCROLL)
        scrolls.append((float(ms) / 1000, float(longest) / 1000, int(height)))
        olds.append(timed_tap(page, "ul.rows a.row", "location.hash.startsWith('#/activity/') "
                              "&& document.body.textContent.includes('过程记录')"))
    got["unlock"] = unlocks
    got["home"] = homes
    got["child"] = opens
    got["unfold"] = unfolds
    got["scroll"] = scrolls
    got["old"] = olds
    got["save offline"] = save_visit(page, context, online=False)
    page.evaluate("location.hash = '#/'")
    page.wait_for_function(f"() => {SYNCED}", timeout=60_000)  # the offline one sent first
    got["save online"] = save_visit(page, context, online=True)
    context.close()
    return got


def med(pairs: list[tuple[float, ...]], i: int = 0) -> float:
    return float(statistics.median(p[i] for p in pairs))


def report(login: str, counts: dict[str, int], got: dict[str, Any]) -> None:
    print(f"{login}: {counts['visits']} visits and {counts['screenings']} screenings for {CHILDREN} children, "
          f"{counts['history']} in a child's history", flush=True)
    print(f"  first full pull, new phone (确定 to the list, 已全部同步): {got['pull']:.2f} s")
    print(f"  storage.estimate: {got['storage'] / 1e6:.2f} MB in all, IndexedDB {got['idb'] / 1e6:.2f} MB")
    for name, key, decrypts in (("unlock (解锁 to the home list)", "unlock", True),
                                ("home screen drawn (首页 tapped)", "home", True),
                                ("a child opened (its page drawn)", "child", True),
                                ("the oldest visit opened", "old", True)):
        runs = got[key]
        print(f"  {name}: {med(runs):.3f} s median of {len(runs)} "
              f"({', '.join(f'{r[0]:.3f}' for r in runs)}), decrypts {runs[-1][1] if decrypts else '-'}")
    height, screening, screen = got["opened"]
    print(f"  a child's page as opened: {height} px ({height / screen:.0f} screens), 摸排 at {screening:.0f} px")
    if got["unfold"]:
        runs = got["unfold"]
        print(f"  the older history unfolded (显示更早的…): {med(runs):.3f} s median of {len(runs)}, "
              f"decrypts {runs[-1][1]}")
    scroll = got["scroll"]
    print(f"  the whole history scrolled to its end ({scroll[-1][2]} px, {scroll[-1][2] / screen:.0f} screens): "
          f"{med(scroll):.3f} s, longest frame {max(s[1] for s in scroll) * 1000:.0f} ms")
    offline, _ = got["save offline"]
    online, synced = got["save online"]
    print(f"  new visit saved offline (保存 to 已保存): {offline:.3f} s")
    print(f"  new visit saved online: {online:.3f} s to 已保存, {synced:.3f} s to 已同步到辅导站", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, nargs="+", default=[1, 2], help="one volunteer per figure")
    parser.add_argument("--per-year", type=int, default=50, help="visits to each child a year")
    parser.add_argument("--throttle", type=float, default=THROTTLE, help="CPU slowdown (1: none)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    SLOW["rate"] = args.throttle
    from playwright.sync_api import sync_playwright

    folder = pathlib.Path(tempfile.mkdtemp(prefix="banxing-phone-year-"))
    db = folder / "bench.db"
    t = time.perf_counter()
    world = build_world(db, tuple(args.years), args.per_year)
    print(f"world: {world} in {time.perf_counter() - t:.1f} s", flush=True)
    server = Server(db, folder)
    server.wait_ready()
    url = f"http://127.0.0.1:{server.port}"
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"phone: 360×640, text 30 px (特大), CPU throttled {SLOW['rate']:g}×", flush=True)
    results: dict[str, dict[str, Any]] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for login, counts in world.items():
                results[login] = measure(browser, url, db, login, counts)
                report(login, counts, results[login])
            browser.close()
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    last = results[list(world)[-1]]
    print(f"unlock, {list(world)[-1]}: {med(last['unlock']):.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
