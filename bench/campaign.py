"""The whole campaign of a county, end to end, through the management commands, on a fresh PostgreSQL database.

    flock /work/bench.lock .venv/bin/python bench/campaign.py --persons 1000000 [--workers 2]

Creates (drops first) the database bench_campaign (BENCH_DB), seeds 肃南's policy and quota table, writes the demo
generator's county (`enrollment.demo.generate_people`: household by household, as counties export it) with four
overlapping department rosters of 8 / 13 / 3 / 1 % of the people (80,000 / 130,000 / 30,000 / 10,000 at a
million) and payments of 90 % of them, then runs every step a county runs, in its order, each as a child process
(`manage.py <command>`; the automatic reconciliation and follow-up case sync run inside the import commands, as
without a broker they do in production's eager mode, or on a Celery worker pool over Redis with --workers N).

One line per step: wall time, the child's peak RSS (os.wait4, as bench/imports.py reads it; with --workers, the
workers' peak too, read from /proc/<pid>/status VmHWM after resetting it), and every SQL statement of the step
that took more than one second. Those come from auto_explain, loaded into each child's sessions by
`session_preload_libraries` in PGOPTIONS (no server setting changed), reporting at NOTICE level to the client;
the child (`--exec`) hands every notice to a log this process reads after each step.

Figures (issue 22) are printed next to each step; `\\copy` of the register into a table with enrollment_person's
indexes (and, as before, into one with the unique index only) is measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = os.environ.get("BENCH_DB", "bench_campaign")
REDIS_DB = os.environ.get("BENCH_REDIS_DB", "12")
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from bench.imports import COUNTY, psql  # noqa: E402  (after the environment above)

YEAR = 2024
FIRST_ROSTERS = datetime.date(YEAR - 1, 9, 1)  # the date of the four departments' first rosters
SLOW_MS = 1000
ROSTER_SHARES = {  # department → share of the county's people
    "civil_affairs": 0.08,
    "rural_revitalization": 0.13,
    "disabled_federation": 0.03,
    "veterans_affairs": 0.01,
}
EXTRA_CATEGORIES = {
    "disabled_federation": ("bench_disabled", "重度残疾人"),
    "veterans_affairs": ("bench_veterans", "重点优抚对象"),
}
PAYERS = 0.90
ROSTER_HEADER = ["序号", "身份证号码", "姓名", "人员类别", "乡镇（街道）", "村（社区）", "认定日期"]
PAYMENT_HEADER = ["身份证号码", "姓名", "缴费年度", "缴费金额", "缴费日期", "档次", "缴费渠道"]


# --- the child: a management command (or a Celery worker) with auto_explain's notices logged -----------------


def exec_child(argv: list[str]) -> None:
    """Run `manage.py <argv>` (or `celery <argv>` for a worker) in this process, every notice of every database
    connection appended to $BENCH_SLOW_LOG."""
    log_path = os.environ.get("BENCH_SLOW_LOG")
    marks_path = os.environ.get("BENCH_MARKS")
    import django
    from django.db.backends.signals import connection_created

    from enrollment.signals import import_committed
    from subsidies.signals import reconciliation_finished

    def mark(what: str):
        def receiver(sender=None, **kwargs):
            if marks_path:
                with open(marks_path, "a", encoding="utf-8") as fh:
                    fh.write(f"{what} {time.time()}\n")

        return receiver

    # Connected before the apps' own receivers (django.setup connects those): each mark is written just before
    # the reconciliation that listens to the import starts, and before the case sync that listens to the run.
    import_committed.connect(mark("import_committed"), weak=False)
    reconciliation_finished.connect(mark("run_finished"), weak=False)

    def on_connection(sender, connection, **kwargs):
        if not log_path:
            return

        def notice(diag):
            with open(log_path, "a", encoding="utf-8") as fh:
                fh.write(f"@@ {os.getpid()} {diag.message_primary}\n")

        connection.connection.add_notice_handler(notice)

    connection_created.connect(on_connection, weak=False)
    if argv[0] == "celery":
        django.setup()
        reconciliation_finished.connect(mark("sync_done"), weak=False)
        from config.celery import app

        app.worker_main(argv[1:])
        return
    from django.core.management import execute_from_command_line

    django.setup()
    # After the apps' receivers: written when the follow-up case sync that listens to the run is done.
    reconciliation_finished.connect(mark("sync_done"), weak=False)
    mark("ready")()
    execute_from_command_line(["manage.py", *argv])


def child_env(log: Path, *, broker: bool) -> dict:
    env = dict(os.environ)
    env["BENCH_SLOW_LOG"] = str(log)
    env["BENCH_MARKS"] = str(log.with_name("marks.log"))
    env["PGOPTIONS"] = (
        "-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration="
        f"{SLOW_MS} -c auto_explain.log_level=notice -c client_min_messages=notice"
    )
    if broker:
        env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:6379/{REDIS_DB}"
        env["CELERY_RESULT_BACKEND"] = f"redis://127.0.0.1:6379/{REDIS_DB}"
    else:
        env.pop("CELERY_BROKER_URL", None)
        env.pop("CELERY_RESULT_BACKEND", None)
    return env


def slow_statements(log: Path) -> list[tuple[float, str]]:
    """(milliseconds, first line of the statement) of each auto_explain notice in the log, then empties it."""
    if not log.exists():
        return []
    text = log.read_text(encoding="utf-8")
    log.write_text("", encoding="utf-8")
    found = []
    for block in text.split("@@ ")[1:]:
        m = re.search(r"duration: ([\d.]+) ms", block)
        if not m:
            continue
        query = re.search(r"Query Text: (.*?)(?:\n\S|\Z)", block, re.DOTALL)
        sql = " ".join((query.group(1) if query else block).split())
        found.append((float(m.group(1)), sql))
    return found


# --- the parent ---------------------------------------------------------------------------------------------


class Campaign:
    def __init__(self, args, tmp: Path):
        self.args = args
        self.tmp = tmp
        self.log = tmp / "slow.log"
        self.workers: list[subprocess.Popen] = []
        self.broker = bool(args.workers)
        if self.broker:
            from config.celery import app

            app.conf.broker_url = app.conf.result_backend = f"redis://127.0.0.1:6379/{REDIS_DB}"
        self.figures: list[tuple[str, bool]] = []

    def manage(self, *argv: str) -> tuple[float, float, str]:
        """One command in a child process: (seconds, peak RSS in MB, its output)."""
        cmd = [sys.executable, __file__, "--exec", *argv]
        self.started_at = time.time()
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=child_env(self.log, broker=self.broker),
        )
        out = proc.stdout.read()
        proc.stdout.close()
        _pid, status, usage = os.wait4(proc.pid, 0)
        if self.workers:
            self.wait_for_workers(started)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status):
            print(out)
            raise SystemExit(f"step failed: {' '.join(argv)}")
        return seconds, usage.ru_maxrss / 1024, out

    def step(
        self, label: str, *argv: str, figure: float | None = None, note: str = "", import_only: bool = False
    ) -> float:
        """Run one step; returns the time its figure is judged on: from the command's start (Django set up) to the
        end of its last case sync (the process's start and exit printed apart; with workers, the polling for
        them too), and for `import_only` the import alone (its automatic run printed apart)."""
        self.reset_worker_peaks()
        self.startup, self.import_seconds, self.work_seconds = 0.0, None, None
        for path in (self.log, self.log.with_name("marks.log")):  # nothing of the setup commands before it
            path.write_text("", encoding="utf-8")
        seconds, peak, out = self.manage(*argv)
        workers_peak = self.worker_peaks()
        slow = slow_statements(self.log)
        split = self.split(seconds)
        note = "; ".join(x for x in (split, note) if x)
        if import_only and self.import_seconds is not None:
            work = self.import_seconds
        elif self.work_seconds is not None:
            work = self.work_seconds
        else:
            work = seconds - self.startup
        self.report(label, seconds, peak, slow, figure=figure, note=note, workers_peak=workers_peak, out=out, work=work)
        return work

    def report(self, label, seconds, peak, slow, *, figure=None, note="", workers_peak=None, out="", work=None):
        verdict = ""
        if figure is not None:
            work = seconds if work is None else work
            ok = work <= figure
            self.figures.append((label, ok))
            outcome = "met" if ok else f"MISSED by {work - figure:.1f} s"
            verdict = f"  judged {work:.2f} s (figure <= {figure:.1f} s: {outcome})"
        rss = f"peak RSS {peak:.0f} MB" + (f", workers {workers_peak:.0f} MB" if workers_peak else "")
        over = max(peak, workers_peak or 0) > 500
        if over:
            self.figures.append((f"{label} RSS", False))
        print(f"{label:<58} {seconds:7.2f} s  {rss}{' (> 500 MB)' if over else ''}{verdict}", flush=True)
        if note:
            print(f"    {note}")
        if self.args.verbose and out.strip():
            for line in out.strip().splitlines()[-12:]:
                print(f"    | {line}")
        for ms, sql in sorted(slow, reverse=True):
            print(f"    SQL {ms / 1000:6.2f} s  {sql[:220]}")

    def split(self, seconds: float) -> str:
        """Where the step's time went, from the marks the child wrote: command start and import, the automatic
        run, the case sync (the rest after the last run)."""
        marks = self.log.with_name("marks.log")
        if not marks.exists():
            return ""
        lines = [line.split() for line in marks.read_text().splitlines() if line.strip()]
        marks.write_text("")
        if not lines:
            return ""
        end = self.started_at + seconds
        parts, last = [], self.started_at
        names = {
            "ready": "Python + Django start",
            "import_committed": "import",
            "run_finished": "run",
            "sync_done": "case sync",
        }
        for what, at in lines:
            at = float(at)
            if what == "ready":
                self.startup = at - last
            parts.append(f"{names[what]} {at - last:.2f} s")
            last = at
        parts.append(f"rest (output, exit) {end - last:.2f} s")
        # The work: from the command's start (Django ready) to the end of the last case sync.
        if lines[0][0] == "ready" and lines[-1][0] == "sync_done":
            self.work_seconds = float(lines[-1][1]) - float(lines[0][1])
        self.import_seconds = next(
            (
                float(at) - float(lines[0][1])
                for what, at in lines
                if what == "import_committed" and lines[0][0] == "ready"
            ),
            None,
        )
        return ", ".join(parts)

    def run_command(self, *, full: bool) -> tuple[str, ...]:
        """`manage.py reconcile`; with workers the run is handed to them as the web page hands it (a chord of one
        task per township, through `reconcile_enqueue`), from `manage.py shell -c`."""
        if not self.broker:
            return ("reconcile", "--county", COUNTY, "--year", str(YEAR), *(["--full"] if full else []))
        code = (
            "from django.db import transaction; from enrollment.models import County; "
            "from subsidies.tasks import reconcile_enqueue\n"
            "with transaction.atomic():\n"
            f"    reconcile_enqueue(county=County.objects.get(code='{COUNTY}'), year={YEAR}, full={full})"
        )
        return ("shell", "-c", code)

    # --- Celery workers (--workers N) ---

    def start_workers(self) -> None:
        from config.celery import app

        with app.connection_for_write() as conn:
            conn.default_channel.client.flushdb()
        cmd = [
            sys.executable,
            __file__,
            "--exec",
            "celery",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(self.args.workers),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"bench-campaign-{os.getpid()}@%h",
        ]
        worker_log = (self.tmp / "worker.log").open("w")
        proc = subprocess.Popen(cmd, stdout=worker_log, stderr=subprocess.STDOUT, env=child_env(self.log, broker=True))
        self.workers.append(proc)
        deadline = time.time() + 60
        while time.time() < deadline:
            if app.control.inspect(timeout=1).ping():
                return
        raise SystemExit("the Celery worker did not start (see worker.log)")

    def worker_pids(self) -> list[int]:
        pids = []
        for proc in self.workers:
            pids.append(proc.pid)
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
            if children.exists():
                pids += [int(p) for p in children.read_text().split()]
        return pids

    def reset_worker_peaks(self) -> None:
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM (peak RSS) of our own process

    def worker_peaks(self) -> float | None:
        if not self.workers:
            return None
        peak = 0.0
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            m = re.search(r"VmHWM:\s+(\d+) kB", status)
            if m:
                peak = max(peak, int(m.group(1)) / 1024)
        return peak

    def wait_for_workers(self, since: float) -> None:
        """Until the runs the step queued are done and the workers are idle (the case sync runs after the run)."""
        from django.db import connection

        from config.celery import app
        from subsidies.models import ReconciliationRun, RunStatus

        idle = 0
        while idle < 3:
            time.sleep(0.2)
            with app.connection_for_write() as conn:
                queued = conn.default_channel.client.llen(app.conf.task_default_queue or "celery")
            inspect = app.control.inspect(timeout=0.5)
            tasks = [*((inspect.active() or {}).values()), *((inspect.reserved() or {}).values())]
            running = ReconciliationRun.objects.filter(status=RunStatus.RUNNING).exists()
            connection.close()
            busy = queued or running or any(tasks)
            idle = 0 if busy else idle + 1

    def stop_workers(self) -> None:
        for proc in self.workers:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)


# --- the files ----------------------------------------------------------------------------------------------


def write_files(out: Path, persons: int, tier_text: str) -> dict:
    """The county's files, written in a child (a million people would stay in this process's memory)."""
    import django

    django.setup()
    from dashboard.demo import demo_policy
    from enrollment.demo.generator import demo_townships, generate_people, write_register
    from enrollment.places.services import county_ensure
    from subsidies.models import Category, Department

    county = county_ensure(code=COUNTY)
    policy = demo_policy(county=county)
    # 肃南's notice names categories of civil affairs and rural revitalization only: the other two departments'
    # rosters get a category each (outside the policy, so no subsidy: the person owes the full standard).
    for department, (code, name) in EXTRA_CATEGORIES.items():
        Category.objects.get_or_create(
            county=county, code=code, defaults={"name": name, "department": Department.objects.get(code=department)}
        )
        policy.categories.setdefault(department, []).append((name, policy.standard))
    townships = list(county.townships.values_list("name", flat=True)) or demo_townships(COUNTY)
    people = generate_people(county_code=COUNTY, persons=persons, seed=7, townships=townships)
    write_register(out / "register.csv", people, encoding="gb18030")
    rng = random.Random(11)
    certified: dict[str, object] = {}
    civil = []
    for department, share in ROSTER_SHARES.items():
        categories = policy.categories.get(department) or []
        pool = rng.sample(people, int(len(people) * share))
        if department == "rural_revitalization" and civil:
            # Overlaps with civil affairs; each person once (a roster naming someone twice is refused whole).
            kept = pool[: len(pool) * 4 // 5]
            seen = {p.id_number for p in kept}
            pool = kept + [p for p in civil if p.id_number not in seen][: len(pool) // 5]
        rows = []
        for p in pool:
            category, due = rng.choice(categories)
            # Certified before the first rosters' date (1 September; 肃南's window opens on the 10th).
            since = min(policy.window_start, FIRST_ROSTERS) - datetime.timedelta(days=rng.randint(0, 900))
            certified[p.id_number] = min(due, certified.get(p.id_number, due))
            rows.append([p.id_number, p.name, category, p.township, p.village, f"{since:%Y年%-m月%-d日}"])
        _write_roster(out / f"roster_{department}.csv", rows)
        if department == "civil_affairs":
            civil = pool
            # The second civil-affairs snapshot: 1 % of its rows changed (a third gone, a third new, a third
            # with another category).
            changed = max(3, len(rows) // 100)
            second = [list(r) for r in rows[changed // 3 :]]
            for r in second[: changed // 3]:
                r[2] = next(c for c, _due in categories if c != r[2]) if len(categories) > 1 else r[2]
            ids = set(certified)
            newcomers = [p for p in rng.sample(people, changed * 3) if p.id_number not in ids][: changed // 3]
            second += [
                [p.id_number, p.name, categories[0][0], p.township, p.village, "2023年10月1日"] for p in newcomers
            ]
            _write_roster(out / "roster_civil_affairs_2.csv", second)
    window_days = max(1, (policy.window_end - policy.window_start).days)
    payers = rng.sample(people, int(len(people) * PAYERS))
    with (out / "payments.csv").open("w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(PAYMENT_HEADER)
        channels = ("微信", "支付宝", "银行柜台", "税务APP", "村代收")
        for p in payers:
            due = certified.get(p.id_number, policy.standard)
            if due == 0:
                due = policy.standard  # a proxy-enrolled person still pays the full standard here: not subsidised
            paid = policy.window_start + datetime.timedelta(days=rng.randint(0, window_days))
            writer.writerow(
                [p.id_number, p.name, YEAR, f"{due:.2f}", f"{paid:%Y-%m-%d}", tier_text, rng.choice(channels)]
            )
    print(len(payers))


def _write_roster(path: Path, rows: list[list]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(ROSTER_HEADER)
        for k, row in enumerate(rows, start=1):
            writer.writerow([k, *row])


def tier_format() -> tuple[str, str]:
    """How the payments file writes 档次: as the tax exports write it (一档), which the payments importer reads
    through the county's policy (enrollment.files.readers.parse_tier)."""
    return "一档", "档次 written as the tax exports write it: 一档"


def copy_references(register: Path) -> tuple[float, float]:
    """`psql \\copy` of the register (median of three) into a table with enrollment_person's indexes (primary key,
    unique ID number, place, household) and into one with the unique index only."""
    with register.open(encoding="gb18030") as fh:
        width = len(next(csv.reader(fh)))
    columns = ", ".join(["id_number varchar(18)", *(f"c{k} text" for k in range(1, width))])
    results = []
    for indexes in (
        "ALTER TABLE bench_copy ADD COLUMN id bigserial PRIMARY KEY;"
        " CREATE UNIQUE INDEX bench_copy_id ON bench_copy (id_number);"
        " ALTER TABLE bench_copy ADD COLUMN county_id bigint DEFAULT 1, ADD COLUMN township_id bigint,"
        " ADD COLUMN village_id bigint, ADD COLUMN household_id bigint;"
        " CREATE INDEX bench_copy_place ON bench_copy (county_id, township_id, village_id);"
        " CREATE INDEX bench_copy_household ON bench_copy (household_id);",
        "CREATE UNIQUE INDEX bench_copy_id ON bench_copy (id_number);",
    ):
        runs = []
        for _run in range(3):
            psql("DROP TABLE IF EXISTS bench_copy")
            psql(f"CREATE TABLE bench_copy ({columns}); {indexes}")
            cols = ", ".join(["id_number", *(f"c{k}" for k in range(1, width))])
            t = time.perf_counter()
            psql(f"\\copy bench_copy ({cols}) FROM '{register}' WITH (FORMAT csv, HEADER true, ENCODING 'GB18030')")
            runs.append(time.perf_counter() - t)
            psql("DROP TABLE bench_copy")
        results.append(statistics.median(runs))
    return results[0], results[1]


def recreate_database() -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")


# --- the pages a clerk opens next ---------------------------------------------------------------------------


def pages_child() -> None:
    """Each page through the Django test client (server time, in this process), three times: first and median."""
    import django

    django.setup()
    from django.db.models import Count
    from django.test import Client

    from dashboard.demo import demo_users_create
    from enrollment.models import County
    from subsidies.models import ReconciliationResult

    county = County.objects.get(code=COUNTY)
    users = {u.username: u.profile.user for u in demo_users_create(county=county)}
    largest = (
        ReconciliationResult.objects.filter(county=county, year=YEAR, village__isnull=False)
        .values("village_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    village = largest["village_id"]
    bureau = users["bureau"]
    pages = [(f"home ({name})", user, "/") for name, user in users.items()]
    pages += [
        (
            f"results of one village ({largest['n']} people)",
            bureau,
            f"/subsidies/reconciliation/?year={YEAR}&village={village}",
        ),
        ("ranking", bureau, f"/quotas/?year={YEAR}"),
        ("case list", bureau, f"/quotas/cases/?year={YEAR}"),
        ("公示 notice of the largest village", bureau, f"/quotas/notices/{village}/?year={YEAR}"),
        ("公示 notice .xlsx", bureau, f"/quotas/notices/{village}/xlsx/?year={YEAR}"),
    ]
    for label, user, url in pages:
        client = Client()
        client.force_login(user)
        times = []
        for _ in range(3):
            t = time.perf_counter()
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            times.append(time.perf_counter() - t)
        print(
            f"PAGE\t{label}\t{response.status_code}\t{times[0]:.3f}\t{statistics.median(times):.3f}\t{url}", flush=True
        )


# --- main ---------------------------------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--exec":
        exec_child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=0, help="reconcile on a Celery prefork pool of N over Redis")
    parser.add_argument("--verbose", action="store_true", help="print the last lines of each command's output")
    parser.add_argument("--child")
    parser.add_argument("--dir")
    parser.add_argument("--tier")
    args = parser.parse_args()
    if args.child == "files":
        write_files(Path(args.dir), args.persons, args.tier)
        return
    if args.child == "pages":
        pages_child()
        return

    recreate_database()
    import django

    django.setup()
    tmp = Path(tempfile.mkdtemp(prefix="bench-campaign-"))
    c = Campaign(args, tmp)
    n = args.persons
    mode = (
        f"reconciliation on a Celery prefork pool of {args.workers} over Redis db {REDIS_DB}"
        if args.workers
        else ("reconciliation inline in each command (no broker: eager)")
    )
    print(f"bench/campaign.py --persons {n:,}  database {DB}  {mode}")
    with subprocess.Popen(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW work_mem", DB], stdout=subprocess.PIPE, text=True
    ) as p:
        print(f"PostgreSQL settings as the server has them (work_mem {p.stdout.read().strip()}); the machine is shared")
    for argv in (("migrate", "-v", "0"), ("seed_policies", "--county", COUNTY), ("seed_quotas",)):
        c.manage(*argv)
    tier_text, tier_note = tier_format()
    t = time.perf_counter()
    cmd = [sys.executable, __file__, "--child", "files", "--dir", str(tmp), "--persons", str(n), "--tier", tier_text]
    payments = int(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    rosters = {d: sum(1 for _ in (tmp / f"roster_{d}.csv").open(encoding="utf-8-sig")) - 1 for d in ROSTER_SHARES}
    print(
        f"files written in {time.perf_counter() - t:.1f} s: register {n:,}, rosters "
        + " / ".join(f"{v:,}" for v in rosters.values())
        + f", payments {payments:,}"
    )
    print(f"    {tier_note}")
    if args.workers:
        c.start_workers()
    register = tmp / "register.csv"
    copy_all, copy_unique = copy_references(register)
    copy_labels = (
        "psql \\copy of the register, enrollment_person indexes",
        "psql \\copy of the register, unique index only",
    )
    print(f"{copy_labels[0]:<58} {copy_all:7.2f} s  (median of 3)")
    print(f"{copy_labels[1]:<58} {copy_unique:7.2f} s  (median of 3)")
    k = f" --county {COUNTY}".split()
    first = c.step(
        "register, first load (+ its automatic run)",
        "import_register",
        str(register),
        *k,
        "--skip-bad-rows",
        figure=2.0 * copy_all,
        import_only=True,
        note=f"figure: 2.0 x \\copy with enrollment_person's indexes = {2.0 * copy_all:.1f} s",
    )
    dates = dict.fromkeys(ROSTER_SHARES, FIRST_ROSTERS.isoformat())
    for department, rows in rosters.items():
        c.step(
            f"roster {department} {rows:,} rows (+ run + case sync)",
            "import_roster",
            str(tmp / f"roster_{department}.csv"),
            "--department",
            department,
            "--date",
            dates[department],
            *k,
            figure=10.0 if rows >= 100_000 or n >= 1_000_000 else None,
        )
    pay = c.step(
        f"payments {payments:,} rows (+ run + case sync)",
        "import_payments",
        str(tmp / "payments.csv"),
        *k,
        "--skip-bad-rows",
        figure=first,
        note="figure: <= the register's first load",
    )
    c.step(f"full reconciliation of {n:,} (+ case sync)", *c.run_command(full=True), figure=30.0)
    second = tmp / "roster_civil_affairs_2.csv"
    c.step(
        "civil affairs second snapshot, 1 % changed (+ run + sync)",
        "import_roster",
        str(second),
        "--department",
        "civil_affairs",
        "--date",
        "2023-10-01",
        *k,
        figure=5.0,
    )
    c.step("incremental run, nothing changed (+ case sync)", *c.run_command(full=False), figure=1.0)
    again = c.step(
        "register again, unchanged (+ its automatic run)",
        "import_register",
        str(register),
        *k,
        "--skip-bad-rows",
        figure=copy_all,
        import_only=True,
        note=f"figure: 1.0 x \\copy = {copy_all:.1f} s",
    )
    c.step("transfer build for 2023-12", "build_transfers", *k, "--month", "2023-12", figure=10.0)
    c.step("progress snapshot", "snapshot_progress", *k, "--year", str(YEAR), figure=5.0)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", "pages"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=child_env(c.log, broker=False),
    )
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        print(out)
        raise SystemExit("pages failed")
    c.report(
        "pages (child process, all of them)",
        time.perf_counter() - started,
        usage.ru_maxrss / 1024,
        slow_statements(c.log),
    )
    for line in out.splitlines():
        if line.startswith("PAGE\t"):
            _tag, label, code, first_s, median_s, _url = line.split("\t")
            ok = float(median_s) <= 0.3 and code == "200"
            c.figures.append((label, ok))
            print(
                f"    page {label:<44} {code}  first {float(first_s) * 1000:6.0f} ms, median of 3 "
                f"{float(median_s) * 1000:6.0f} ms  {'met' if ok else 'MISSED (figure <= 300 ms)'}"
            )
    if args.workers:
        c.stop_workers()
    print(
        f"ratios in this run: payments / register first load {pay / first:.2f}; register first load / \\copy "
        f"{first / copy_all:.2f}x (unique-only \\copy {first / copy_unique:.2f}x); unchanged re-import / \\copy "
        f"{again / copy_all:.2f}x"
    )
    missed = [label for label, ok in c.figures if not ok]
    print(
        f"figures: {len(c.figures) - len(missed)} met, {len(missed)} missed"
        + (f": {', '.join(missed)}" if missed else "")
    )
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
