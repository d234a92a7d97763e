"""``docs/nginx.conf``, run by Debian's nginx in front of a real ``banxing serve``.

The file is used as shipped, with only what a test must change: its ports, the upstream
port, a throwaway certificate, and a 2 s header timeout instead of 15 s. ``make test``
installs nginx-light when it is missing.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import pathlib
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from .conftest import ServerProcess, free_port

pytestmark = pytest.mark.e2e

CONF = pathlib.Path(__file__).resolve().parents[2] / "docs" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass
class Proxy:
    tls_port: int
    plain_port: int
    context: ssl.SSLContext
    banxing: ServerProcess
    logs: pathlib.Path

    def connect(self, timeout: float = 10) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", self.tls_port, context=self.context, timeout=timeout)

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
                raw: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = self.connect()
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        try:
            conn.request(method, path, body=data, headers={"content-type": "application/json", **(headers or {})})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()


def substitute(text: str, old: str, new: str, count: int = 1) -> str:
    assert text.count(old) == count, f"docs/nginx.conf no longer has {count} x {old!r}"
    return text.replace(old, new)


@pytest.fixture
def proxy(tmp_path: pathlib.Path, demo_db: tuple[pathlib.Path, list[dict[str, str]]]) -> Iterator[Proxy]:
    assert os.path.exists(NGINX), "nginx is missing: `make test` installs Debian's nginx-light"
    db = tmp_path / "banxing.db"
    shutil.copy(demo_db[0], db)
    banxing = ServerProcess(db, env={"BANXING_TRUSTED_PROXIES": "127.0.0.1"})
    banxing.start()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=banxing",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    tls_port, plain_port = free_port(), free_port()
    site = CONF.read_text(encoding="utf-8")
    site = substitute(site, "server 127.0.0.1:8000;", f"server 127.0.0.1:{banxing.port};")
    site = substitute(site, "listen 443 ssl;", f"listen 127.0.0.1:{tls_port} ssl;")
    site = substitute(site, "listen [::]:443 ssl;", "")
    site = substitute(site, "listen 80;", f"listen 127.0.0.1:{plain_port};")
    site = substitute(site, "listen [::]:80;", "")
    site = substitute(site, "/etc/ssl/banxing/fullchain.pem", str(cert))
    site = substitute(site, "/etc/ssl/banxing/privkey.pem", str(key))
    site = substitute(site, "client_header_timeout 15s;", "client_header_timeout 2s;")
    site = site.replace("/var/log/nginx/access.log", str(tmp_path / "logs" / "access.log"))
    (tmp_path / "banxing-site.conf").write_text(site, encoding="utf-8")
    for folder in ("body", "proxy", "logs"):
        (tmp_path / folder).mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\n"
        "events { worker_connections 1024; }\n"
        # As Debian's /etc/nginx/nginx.conf: each site logs in the combined format unless it says otherwise.
        f"http {{\n access_log {tmp_path}/logs/access.log;\n"
        f" client_body_temp_path {tmp_path}/body;\n proxy_temp_path {tmp_path}/proxy;\n"
        f" include {tmp_path}/banxing-site.conf;\n}}\n", encoding="utf-8")
    args = [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    checked = subprocess.run([*args, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen([*args, "-g", "daemon off;"], stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(cafile=str(cert))
    proxy = Proxy(tls_port, plain_port, context, banxing, tmp_path / "logs")
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                proxy.request("GET", "/api/openapi.json")
                break
            except OSError:
                assert nginx.poll() is None and time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
        yield proxy
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        banxing.stop()


def test_nginx_passes_https_to_banxing_which_then_sends_hsts(proxy: Proxy) -> None:
    status, headers, _ = proxy.request("GET", "/")
    assert status == 200
    assert headers["strict-transport-security"].startswith("max-age=")
    assert "content-security-policy" in headers
    assert headers.get("server") == "nginx"  # no version, no uvicorn


def test_plain_http_redirects_to_the_configured_name_not_the_callers_host(proxy: Proxy) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", proxy.plain_port, timeout=10)
    conn.request("GET", "/api/openapi.json", headers={"Host": "evil.example"})
    resp = conn.getresponse()
    assert resp.status == 301
    assert resp.getheader("location") == "https://banxing.example.org/api/openapi.json"
    conn.close()


def test_a_forwarded_for_sent_by_the_client_does_not_choose_the_guess_counter(proxy: Proxy) -> None:
    statuses = [proxy.request("POST", "/api/enrol", {"code": "00000000"},
                              headers={"X-Forwarded-For": f"198.51.100.{i}"})[0] for i in range(6)]
    assert statuses == [400] * 4 + [429] * 2


def test_enrolment_floods_are_cut_by_nginx_with_an_envelope(proxy: Proxy) -> None:
    answers = [proxy.request("POST", "/api/enrol", {"code": "0000000"}) for _ in range(20)]  # 7 digits: not a guess
    codes = [json.loads(body)["code"] for _, _, body in answers]
    assert codes.count("code_invalid") >= 10
    assert "too_many_requests" in codes
    assert all(status == 429 for (status, _, _), code in zip(answers, codes, strict=True)
               if code == "too_many_requests")


def test_password_guessing_from_one_address_is_cut_by_nginx_and_reading_the_sign_in_page_is_not(
        proxy: Proxy) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    answers = [proxy.request("POST", "/login", raw=f"login=user{i}&password=guess".encode(), headers=form)
               for i in range(16)]
    statuses = [status for status, _, _ in answers]
    assert 429 not in statuses[:11], statuses  # the burst reaches Banxing (which refuses the form itself)
    assert statuses[-3:] == [429] * 3, statuses
    throttled = answers[-1]
    assert throttled[1]["content-type"].startswith("text/html")
    assert "登录太频繁" in throttled[2].decode("utf-8")
    assert all(proxy.request("GET", "/login")[0] == 200 for _ in range(12)), "the sign-in page itself is not limited"


def test_the_access_log_keeps_no_search_words_sign_in_targets_or_referer(proxy: Proxy) -> None:
    """A search is a GET form: /mentees?q=王小明 puts the child's name in the request line, and nginx's
    default (combined) format writes every request line and Referer to a file kept for weeks."""
    name = quote("王小明")
    proxy.request("GET", f"/mentees?q={name}", headers={"Referer": f"https://banxing.example.org/pairings?q={name}"})
    proxy.request("GET", f"/login?next=/mentees%3Fq%3D{name}")
    conn = http.client.HTTPConnection("127.0.0.1", proxy.plain_port, timeout=10)
    conn.request("GET", f"/mentees?q={name}")
    conn.getresponse().read()
    conn.close()
    deadline = time.monotonic() + 5  # nginx writes a line after it answers
    while True:
        log = (proxy.logs / "access.log").read_text(encoding="utf-8")
        if log.count("GET /mentees") + log.count("GET /login") >= 3 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert log.count("GET /mentees ") == 2 and "GET /login " in log, log  # the requests are still logged
    assert name not in log and "q=" not in log and "next=" not in log and "?" not in log, log


def test_an_oversized_header_is_refused_by_nginx(proxy: Proxy) -> None:
    status, _, _ = proxy.request("GET", "/api/openapi.json", headers={"X-Big": "a" * 100_000})
    assert status == 400


def test_a_push_over_nginx_limit_gets_the_envelope_the_phone_splits_on(proxy: Proxy) -> None:
    status, headers, body = proxy.request("POST", "/api/sync/push", raw=b"x" * (6 * 1024 * 1024),
                                          headers={"Authorization": "Bearer bxd1.x"})
    assert status == 413 and headers["content-type"].startswith("application/json")
    assert json.loads(body)["code"] == "batch_too_large"


def test_a_phone_exports_upload_reaches_banxing_and_a_page_post_past_every_bound_is_refused_in_chinese(
        proxy: Proxy) -> None:
    """A 5 MB export and its form pass nginx, so the page answers in its own words, even one that
    refuses it before reading it; past Banxing's own bound, nginx refuses with a Chinese page, not its
    English one."""
    form = {"content-type": "multipart/form-data; boundary=b"}
    # Answered by Banxing before it read the body (signed out: to the sign-in page): its answer, not
    # nginx's 502 for a connection closed under the body it was still sending.
    status, headers, body = proxy.request("POST", "/activities/phone-import", raw=b"x" * (6 * 1024 * 1024),
                                          headers=form)
    assert status == 303 and headers["location"].startswith("/login"), (status, headers, body[:300])
    for path in ("/activities/phone-import", "/login"):
        status, headers, body = proxy.request("POST", path, raw=b"x" * (10 * 1024 * 1024), headers=form)
        assert status == 413 and headers["content-type"].startswith("text/html"), (path, status, headers)
        assert "提交的内容太大" in body.decode() and "nginx" not in body.decode(), body[:300]


def test_stalled_clients_are_dropped_by_nginx_and_never_reach_banxing(proxy: Proxy) -> None:
    stalled = []
    try:
        for _ in range(50):
            raw = socket.create_connection(("127.0.0.1", proxy.tls_port), timeout=5)
            sock = proxy.context.wrap_socket(raw, server_hostname="127.0.0.1")
            sock.sendall(b"GET / HTTP/1.1\r\nHost: banxing\r\nX-Slow: ")
            stalled.append(sock)
        started = time.monotonic()
        assert proxy.request("GET", "/api/openapi.json")[0] == 200  # served while 50 stall
        for sock in stalled:
            with contextlib.suppress(OSError):
                while sock.recv(1024):
                    pass
        assert time.monotonic() - started < 8  # closed after the 2 s header timeout
    finally:
        for sock in stalled:
            sock.close()


def test_a_second_county_on_the_same_nginx_as_operations_md_says_passes_nginx_t(tmp_path: pathlib.Path) -> None:
    """A whole second copy of the file defines its zones and upstream twice (nginx -t: "already bound");
    operations.md §4 adds an upstream of the county's own and a copy of the two server blocks only. Debian's
    nginx.conf reads sites-enabled/* in name order, and those blocks name the first file's log_format: the
    first linked as 00-banxing, as the docs say, comes first (a kaizhou read before a rudong failed)."""
    assert os.path.exists(NGINX), "nginx is missing: `make test` installs Debian's nginx-light"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=banxing",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    first = CONF.read_text(encoding="utf-8")
    first = substitute(first, "/etc/ssl/banxing/fullchain.pem", str(tmp_path / "cert.pem"))
    first = substitute(first, "/etc/ssl/banxing/privkey.pem", str(tmp_path / "key.pem"))
    ports = [free_port() for _ in range(4)]
    first = substitute(first, "listen 443 ssl;", f"listen 127.0.0.1:{ports[0]} ssl;")
    first = substitute(first, "listen 80;", f"listen 127.0.0.1:{ports[1]};")
    first = substitute(substitute(first, "listen [::]:443 ssl;", ""), "listen [::]:80;", "")
    servers = first[first.index("# Plain HTTP only redirects"):]
    second = ("upstream banxing_kaizhou {\n    server 127.0.0.1:8102;\n    keepalive 16;\n}\n\n"
              + substitute(servers, "proxy_pass http://banxing;", "proxy_pass http://banxing_kaizhou;", 4)
              .replace("banxing.example.org", "kaizhou.banxing.example.org")
              .replace(f":{ports[0]} ssl", f":{ports[2]} ssl").replace(f":{ports[1]};", f":{ports[3]};"))
    (tmp_path / "logs").mkdir()

    def check(**sites: str) -> subprocess.CompletedProcess[str]:
        enabled = tmp_path / "sites-enabled"
        shutil.rmtree(enabled, ignore_errors=True)
        enabled.mkdir()
        for name, site in sites.items():
            (enabled / name).write_text(site, encoding="utf-8")
        (tmp_path / "nginx.conf").write_text(
            f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\nevents {{}}\n"
            f"http {{\n access_log off;\n include {enabled}/*;\n}}\n", encoding="utf-8")
        return subprocess.run([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-t"],
                              capture_output=True, text=True)

    assert "already bound" in check(rudong=first, kaizhou=first).stderr
    assert 'unknown log format "banxing"' in check(rudong=first, kaizhou=second).stderr
    checked = check(**{"00-banxing": first, "kaizhou": second})
    assert checked.returncode == 0, checked.stderr

