"""Load test: 50 staff browsing results and lists, 2 uploading rosters, against gunicorn on loopback.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_access .venv/bin/python bench/load.py \
        --persons 20000 --requests 40 --seconds 120

Steps: (re)create the bench database with the demo county (`setup_demo`), create the load-test users, start
gunicorn (config.wsgi, 4 workers, production settings, SECURE_SSL_REDIRECT=False) on 127.0.0.1, log in 52
sessions, run them concurrently (each a bounded number of requests, the whole run bounded in time) and print
the error rate and the latency percentiles. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PASSWORD = "Load-test-" + secrets.token_hex(6)
BROWSERS = 50
UPLOADERS = 2
# The departments whose staff upload (the demo county has a roster file for each).
UPLOAD_DEPARTMENTS = ("civil_affairs", "rural_revitalization")
UPLOAD_OUTCOMES = """
from collections import Counter
from enrollment.models import ImportJob
print(dict(Counter(ImportJob.objects.filter(original_name__startswith="roster-").values_list("status", flat=True))))
"""
SERVER_LOG = Path("/tmp/bench-access-gunicorn.log")


def manage(*args: str, env: dict) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout


def prepare(env: dict, *, persons: int, fresh: bool) -> None:
    db = urllib.parse.urlparse(env["DATABASE_URL"]).path.lstrip("/")
    if not db.startswith("bench_"):
        raise SystemExit("refusing to use a database whose name does not start with bench_")
    if fresh:
        subprocess.run(["dropdb", "-h", HOST, "-U", "postgres", "--if-exists", "--force", db], check=True)
        subprocess.run(["createdb", "-h", HOST, "-U", "postgres", db], check=True)
    manage("migrate", "--noinput", env=env)
    started = time.monotonic()
    manage("setup_demo", "--county", "620721", "--persons", str(persons), "--output", "/tmp/bench-access-demo", env=env)
    print(f"demo county with {persons} persons ready in {time.monotonic() - started:.0f}s", flush=True)
    script = f"""
from accounts.models import Role
from accounts.services import staff_user_create
from enrollment.models import County
from subsidies.models import Department
county = County.objects.get(code="620721")
towns = list(county.townships.order_by("pk"))
depts = list(Department.objects.filter(code__in=["civil_affairs", "rural_revitalization", "disabled_federation",
    "veterans_affairs"]).order_by("code"))
for i in range({BROWSERS}):
    role = [Role.BUREAU, Role.AUDITOR, Role.DEPARTMENT, Role.TOWNSHIP][i % 4]
    staff_user_create(username=f"load{{i}}", password="{PASSWORD}", role=role, county=county,
        department=depts[i % len(depts)] if role == Role.DEPARTMENT else None,
        township=towns[i % len(towns)] if role == Role.TOWNSHIP else None)
for i in range({UPLOADERS}):
    staff_user_create(username=f"upload{{i}}", password="{PASSWORD}", role=Role.DEPARTMENT, county=county,
        department=Department.objects.get(code={UPLOAD_DEPARTMENTS!r}[i]))
print("users ok")
"""
    manage("shell", "-c", script, env=env)


def roster_file(env: dict, uploader: int) -> bytes:
    """The uploader's department's roster snapshot as setup_demo wrote it, as its staff would upload it again."""
    path = Path("/tmp/bench-access-demo") / f"roster_{UPLOAD_DEPARTMENTS[uploader]}.csv"
    if not path.exists():
        raise SystemExit(f"no {path}: setup_demo did not write it")
    return path.read_bytes()


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, error: str | None):
        with self.lock:
            self.latencies.append(seconds)
            self.by_kind.setdefault(kind, []).append(seconds)
            if error:
                self.errors.append(error)


class Session:
    """One logged-in browser: cookies, CSRF token, keep-alive connection to 127.0.0.1."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.setdefault("Host", f"{HOST}:{self.port}")
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), data

    def csrf_from(self, html: bytes) -> str:
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        return match.group(1).decode() if match else self.cookies.get("csrftoken", "")

    def login(self, username: str) -> None:
        status, _, html = self.request("GET", "/accounts/login/")
        assert status == 200, status
        form = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf_from(html)}
        ).encode()
        status, _headers, _ = self.request(
            "POST",
            "/accounts/login/",
            form,
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://{HOST}:{self.port}/"},
        )
        if status != 302:
            raise RuntimeError(f"login of {username} failed: {status}")

    def upload(self, path: str, fields: dict[str, str], filename: str, content: bytes):
        _status, _, html = self.request("GET", path)
        # A department user's form offers its own department only, preselected: post it as the browser would.
        select = re.search(rb'<select name="department"[^>]*>(.*?)</select>', html, re.S)
        own = re.search(rb'<option value="(\d+)"', select.group(1)) if select else None
        if own:
            fields = {**fields, "department": own.group(1).decode()}
        boundary = "----load" + secrets.token_hex(8)
        parts = []
        for name, value in {**fields, "csrfmiddlewaretoken": self.csrf_from(html)}.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST",
            path,
            b"".join(parts),
            {"Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": f"http://{HOST}:{self.port}/"},
        )


BROWSE = [
    ("home", "/"),
    ("results", "/subsidies/reconciliation/"),
    ("results filtered", "/subsidies/reconciliation/?status=not_enrolled"),
    ("results filtered", "/subsidies/reconciliation/?status=enrolled&sort=name"),
    ("results page", "/subsidies/reconciliation/?page={page}"),
    ("results search", "/subsidies/reconciliation/?q=620721"),
    ("transfers", "/subsidies/transfers/"),
    ("policies", "/subsidies/policies/"),
    ("imports", "/enrollment/imports/"),
    ("quotas", "/quotas/"),
    ("cases", "/quotas/cases/"),
]


def browse(session: Session, stats: Stats, requests: int, stop_at: float, rng: random.Random):
    for _ in range(requests):
        if time.monotonic() > stop_at:
            return
        kind, path = rng.choice(BROWSE)
        path = path.format(page=rng.randint(1, 20))
        started = time.monotonic()
        try:
            status, _, _ = session.request("GET", path)
            # 200 is a page, 403 a page the role may not open (a township user on transfers), 404 a page number
            # past the end of a short list: each is the right answer, not a failure.
            error = None if status in (200, 302, 403, 404) else f"GET {path}: {status}"
        except Exception as exc:
            error = f"GET {path}: {exc!r}"
        stats.add(kind, time.monotonic() - started, error)


def upload(session: Session, stats: Stats, index: int, rounds: int, stop_at: float, env: dict):
    content = roster_file(env, index)
    for _ in range(rounds):
        if time.monotonic() > stop_at:
            return
        started = time.monotonic()
        try:
            status, _headers, body = session.upload(
                "/enrollment/imports/upload/",
                {"kind": "roster", "snapshot_date": time.strftime("%Y-%m-%d")},
                f"roster-{index}.csv",
                content,
            )
            error = None if status in (200, 302) else f"upload: {status} {body[:200]!r}"
        except Exception as exc:
            error = f"upload: {exc!r}"
        stats.add("upload", time.monotonic() - started, error)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=40, help="requests per browsing session")
    parser.add_argument("--uploads", type=int, default=3, help="uploads per uploading session")
    parser.add_argument("--seconds", type=float, default=180, help="stop every session after this long")
    parser.add_argument("--reuse", action="store_true", help="keep the bench database as it is")
    args = parser.parse_args()

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "bench-" + secrets.token_hex(32),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "False",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_access"),
        "MEDIA_ROOT": "/tmp/bench-access-media",
        "CONN_MAX_AGE": "60",
    }
    prepare(env, persons=args.persons, fresh=not args.reuse)
    manage("collectstatic", "--noinput", env=env)
    port = free_port()
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "-w",
            "4",
            "-b",
            f"{HOST}:{port}",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        # The server's own log (a 403 is logged with its traceback) goes to a file, not between the figures.
        stdout=SERVER_LOG.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.3)
        sessions = []
        for i in range(BROWSERS):
            s = Session(port)
            s.login(f"load{i}")
            sessions.append(s)
        uploaders = []
        for i in range(UPLOADERS):
            s = Session(port)
            s.login(f"upload{i}")
            uploaders.append(s)
        print(f"{len(sessions)} browsing and {len(uploaders)} uploading sessions logged in", flush=True)
        stats = Stats()
        stop_at = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=browse, args=(s, stats, args.requests, stop_at, random.Random(i)))
            for i, s in enumerate(sessions)
        ]
        threads += [
            threading.Thread(target=upload, args=(s, stats, i, args.uploads, stop_at, env))
            for i, s in enumerate(uploaders)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        total = len(stats.latencies)
        print(f"requests: {total} in {elapsed:.1f}s ({total / elapsed:.1f}/s), concurrent sessions: {len(threads)}")
        print(f"errors: {len(stats.errors)} ({100 * len(stats.errors) / max(1, total):.2f}%)")
        for error in stats.errors[:10]:
            print("  ", error)
        print(
            f"latency all: p50 {1000 * statistics.median(stats.latencies):.0f} ms, "
            f"p95 {1000 * percentile(stats.latencies, 95):.0f} ms, max {1000 * max(stats.latencies):.0f} ms"
        )
        for kind, values in sorted(stats.by_kind.items()):
            print(
                f"  {kind:<18} n={len(values):<5} p50 {1000 * statistics.median(values):6.0f} ms  "
                f"p95 {1000 * percentile(values, 95):6.0f} ms"
            )
        outcomes = manage("shell", "-c", UPLOAD_OUTCOMES, env=env).strip().splitlines()[-1]
        print(f"uploaded rosters by import status: {outcomes}  (server log: {SERVER_LOG})")
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)


if __name__ == "__main__":
    main()
