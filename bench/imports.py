"""Import benchmarks on PostgreSQL: prints figures, ratios measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_imports \
        .venv/bin/python bench/imports.py --rows 1000000 --roster-rows 250000 --xlsx-rows 100000 --iex-rows 20000

1. register CSV of N rows, fully validated and merged by our pipeline (in a child process, whose peak RSS is
   read with os.wait4), against `psql \\copy` of the same file into a table with a unique index on the ID number
   (the median of three runs of it). Two files: first the GBK file this bench
   used until stop 16, whose rows come sorted by ID number within long runs (the best case for any unique index:
   every insert lands at its right end), then the headline, generate_demo's register (`enrollment.demo`, the
   synthetic county the issue has benchmarks use), household by household as counties export it, so ID numbers
   come in no particular order;
2. a roster snapshot diffed and committed against a previous one of the same size;
3. an .xlsx roster;
4. django-import-export's ModelResource on a sample, and our speed as a multiple of it;
5. the same register (its first --sqlite-rows rows), roster diff and .xlsx through the SQLite fallback (the
   embedded default of `make run`): executemany into a staging table and the same merge, in a fresh database.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
COUNTY = "620721"
COPY_RUNS = 3


def django_setup():
    import django

    django.setup()


def write_sorted_register(path: Path, rows: int, seed: int = 7) -> None:
    """The bench's register until stop 16: ID numbers ascending in runs of 33,000 rows, households of four."""
    from enrollment.idnumbers import make_id

    rng = random.Random(seed)
    base = datetime.date(1930, 1, 1)
    townships = ["红湾寺镇", "皇城镇", "康乐镇", "马蹄藏族乡", "白银蒙古族乡", "大河乡", "祁丰藏族乡", "明花乡"]
    with path.open("w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["身份证号码", "姓名", "乡镇（街道）", "村（社区）", "户号", "与户主关系"])
        for k in range(rows):
            birth = base + datetime.timedelta(days=k % 33000)
            number = make_id(COUNTY, birth, k // 33000 % 1000)
            t = townships[k % 8]
            w.writerow(
                [
                    number,
                    "张" + "伟芳娜敏静丽强磊"[k % 8],
                    t,
                    f"{t[:2]}{k % 40}村",
                    f"H{k // 4}",
                    "户主" if k % 4 == 0 else "子女",
                ]
            )
    del rng


def write_roster(path: Path, ids: list[str], categories: list[str], seed: int, *, xlsx: bool = False) -> None:
    rng = random.Random(seed)
    header = ["身份证号码", "姓名", "人员类别", "认定日期"]
    if xlsx:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append(header)
        for number in ids:
            ws.append([number, "某人", rng.choice(categories), "2023-09-01"])
        wb.save(path)
        return
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for number in ids:
            w.writerow([number, "某人", rng.choice(categories), "2023-09-01"])


def bench_setup() -> dict:
    """The bench county and its categories (idempotent); department code → category names."""
    from enrollment.places.services import county_ensure
    from subsidies.models import Category, Department

    county = county_ensure(code=COUNTY)
    names = {
        "civil_affairs": ["特困人员", "低保对象", "低保边缘家庭成员"],
        "rural_revitalization": ["返贫致贫人口", "监测对象"],
    }
    for code, labels in names.items():
        dept = Department.objects.get(code=code)
        for k, label in enumerate(labels):
            Category.objects.get_or_create(
                county=county, code=f"bench_{code}_{k}", defaults={"name": label, "department": dept}
            )
    return names


def child(kind: str, path: str, department: str | None, date: str | None) -> None:
    """Run one import in this (child) process; prints the job's status."""
    django_setup()
    from enrollment.imports.pipeline import import_file
    from enrollment.places.services import county_ensure
    from enrollment.signals import import_committed
    from subsidies.models import Department

    # Measure the import alone: reconciliation (which listens to this signal) is its own job and benchmark.
    import_committed.receivers.clear()
    county = county_ensure(code=COUNTY)
    kwargs = {}
    if department:
        kwargs = {
            "department": Department.objects.get(code=department),
            "snapshot_date": datetime.date.fromisoformat(date),
        }
    started = time.perf_counter()
    job = import_file(kind=kind, county=county, path=path, skip_rejected=True, **kwargs)
    print(
        f"in-process {time.perf_counter() - started:.2f} s",
        job.status,
        job.rows_accepted,
        job.rows_rejected,
        job.summary.get("result"),
        flush=True,
    )
    if job.status != "committed":
        sys.exit(1)


class ChildRun(NamedTuple):
    seconds: float
    line: str  # the child's last line: its in-process time, status and counts
    peak_mb: float  # the child's own peak RSS


def run_child(
    kind: str, path: Path, department: str | None = None, date: str | None = None, *, env: dict | None = None
) -> ChildRun:
    """One import in a child process, timed from outside (Django's start included, as for the command).

    Its peak RSS comes from wait4 for that child alone: RUSAGE_CHILDREN would hold the largest of all children so
    far (the demo generator's too). The child also inherits this process's size at exec, which stays small.
    """
    started = time.perf_counter()
    cmd = [sys.executable, __file__, "--child", kind, str(path)]
    if department:
        cmd += ["--department", department, "--date", date]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env or os.environ)
    out = proc.stdout.read()
    proc.stdout.close()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd, out)
    return ChildRun(seconds, out.strip().splitlines()[-1], usage.ru_maxrss / 1024)


def psql(sql: str) -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    subprocess.run(
        ["psql", "-q", "-h", db["HOST"], "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"], "-c", sql],
        check=True,
        env=env,
        capture_output=True,
    )


def copy_reference(path: Path, encoding: str) -> tuple[float, list[float]]:
    """`psql \\copy` of the file into a table with a unique index on the ID number: the median of three runs (one
    run of it varies by a third here) and the runs."""
    with path.open(encoding=encoding.lower()) as fh:
        width = len(next(csv.reader(fh)))
    columns = ", ".join(["id_number varchar(18)", *(f"c{k} text" for k in range(1, width))])
    copies = []
    for _run in range(COPY_RUNS):
        psql("DROP TABLE IF EXISTS bench_copy")
        psql(f"CREATE TABLE bench_copy ({columns}); CREATE UNIQUE INDEX bench_copy_id ON bench_copy (id_number)")
        t = time.perf_counter()
        psql(f"\\copy bench_copy FROM '{path}' WITH (FORMAT csv, HEADER true, ENCODING '{encoding}')")
        copies.append(time.perf_counter() - t)
        psql("DROP TABLE bench_copy")
    return statistics.median(copies), copies


def clear_register() -> None:
    """An empty register (and everything that hangs on it), so each register import is a county's first load."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE subsidies_rosterchange, subsidies_identity, subsidies_rosterversion, subsidies_dirtyperson, "
            "enrollment_payment, enrollment_person, enrollment_household, enrollment_importjob, "
            "subsidies_reconciliationresult, enrollment_followupcase CASCADE"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--roster-rows", type=int, default=25_000)
    parser.add_argument("--xlsx-rows", type=int, default=10_000)
    parser.add_argument("--iex-rows", type=int, default=2_000)
    parser.add_argument("--sqlite-rows", type=int, help="register rows for the SQLite fallback (default: --rows)")
    parser.add_argument("--child")
    parser.add_argument("file", nargs="?")
    parser.add_argument("--department")
    parser.add_argument("--date")
    args = parser.parse_args()
    if args.child == "setup":
        django_setup()
        bench_setup()
        return
    if args.child == "demo-register":
        from enrollment.demo.generator import demo_townships, generate_people, write_register

        people = generate_people(county_code=COUNTY, persons=args.rows, seed=7, townships=demo_townships(COUNTY))
        write_register(Path(args.file), people, encoding="gb18030")
        return
    if args.child:
        child(args.child, args.file, args.department, args.date)
        return

    django_setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/imports.py needs PostgreSQL: set DATABASE_URL=postgres://…/bench_imports")
    call_command("migrate", verbosity=0)
    from enrollment.models import Person
    from enrollment.places.services import county_ensure

    county = county_ensure(code=COUNTY)
    names = bench_setup()
    tmp = Path(tempfile.mkdtemp(prefix="bench-imports-"))
    print(f"bench/imports.py  rows={args.rows} roster={args.roster_rows} xlsx={args.xlsx_rows} iex={args.iex_rows}")

    # 1. register vs \copy: the ID-sorted file, then the headline (household order), which stays loaded
    sorted_register, register = tmp / "register_sorted.csv", tmp / "register.csv"
    t = time.perf_counter()
    write_sorted_register(sorted_register, args.rows)
    # In a child: the million generated people would stay in this process's memory, and every child forked
    # from it (the import included) would report this process's size as its peak RSS.
    subprocess.run(
        [sys.executable, __file__, "--child", "demo-register", str(register), "--rows", str(args.rows)], check=True
    )
    print(f"  wrote two {register.stat().st_size / 1e6:.0f} MB register CSVs in {time.perf_counter() - t:.1f} s")
    peak = 0
    for label, path, encoding in (
        ("sorted by ID number (the file until stop 16)", sorted_register, "GBK"),
        ("household order, generate_demo (headline)", register, "GB18030"),
    ):
        copy_seconds, copies = copy_reference(path, encoding)
        clear_register()
        ours, line, child_peak = run_child("register", path)
        peak = max(peak, child_peak)
        runs = ", ".join(f"{c:.2f}" for c in copies)
        print(f"  register {label}:")
        print(f"    psql \\copy into a uniquely indexed table: {copy_seconds:.2f} s (median of {runs})")
        print(f"    our register import (validate + stage + merge): {ours:.2f} s  [{line}]")
        print(f"    ratio ours / \\copy: {ours / copy_seconds:.2f}x  (target <= 1.5x)")
        print(f"    our rate: {args.rows / ours:,.0f} rows/s")
    print(f"  peak RSS of the import processes: {peak:.0f} MB (target <= 500 MB)")
    # The monthly case: the bureau's next extract, mostly the same people.
    again, line, _ = run_child("register", register)
    print(f"  the same register imported again (every row unchanged): {again:.2f} s  [{line}]")
    ids = list(Person.objects.values_list("id_number", flat=True)[: args.roster_rows + args.roster_rows // 10])

    # 2. roster diff
    n = args.roster_rows
    v1, v2 = tmp / "roster_v1.csv", tmp / "roster_v2.csv"
    write_roster(v1, ids[:n], names["civil_affairs"], seed=1)
    shift = n // 20
    # 5% removed, 5% added, categories reshuffled
    write_roster(v2, ids[shift : n + shift], names["civil_affairs"], seed=2)
    first, _, _ = run_child("roster", v1, "civil_affairs", "2024-01-01")
    second, line, _ = run_child("roster", v2, "civil_affairs", "2024-03-01")
    print(f"  roster {n:,} rows, first version: {first:.2f} s")
    print(f"  roster {n:,} rows diffed against the previous {n:,}: {second:.2f} s (target <= 10 s)  [{line}]")

    # 3. xlsx roster
    xlsx = tmp / "roster.xlsx"
    t = time.perf_counter()
    write_roster(xlsx, ids[: args.xlsx_rows], names["rural_revitalization"], seed=3, xlsx=True)
    print(f"  wrote {args.xlsx_rows:,}-row .xlsx in {time.perf_counter() - t:.1f} s")
    seconds, line, _ = run_child("roster", xlsx, "rural_revitalization", "2024-01-01")
    print(f"  .xlsx roster {args.xlsx_rows:,} rows: {seconds:.2f} s (target <= 15 s)  [{line}]")

    # 4. django-import-export on a sample
    import tablib
    from import_export import resources

    from enrollment.idnumbers import check

    class PersonResource(resources.ModelResource):
        class Meta:
            model = Person
            import_id_fields = ("id_number",)
            fields = ("id_number", "name", "sex", "birth_date", "county", "relation")

    with connection.cursor() as cur:
        cur.execute("TRUNCATE enrollment_person CASCADE")
    data = tablib.Dataset(headers=["id_number", "name", "sex", "birth_date", "county", "relation"])
    with register.open(encoding="gb18030", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for k, row in enumerate(reader):
            if k >= args.iex_rows:
                break
            c = check(row[0])  # given to it for free: a plain ModelResource cannot derive these
            data.append([c.value, row[1], c.sex, c.birth_date.isoformat(), county.pk, row[5]])
    t = time.perf_counter()
    result = PersonResource().import_data(data, dry_run=False, use_transactions=True)
    iex = time.perf_counter() - t
    iex_rate = args.iex_rows / iex
    print(
        f"  django-import-export ModelResource, {args.iex_rows:,} rows: {iex:.2f} s = {iex_rate:,.0f} rows/s "
        f"(errors: {result.has_errors()})"
    )
    print(f"  our speed as a multiple of django-import-export: {(args.rows / ours) / iex_rate:.1f}x")

    # 5. the SQLite fallback, same files (the register's first rows), in a fresh database file
    sqlite_rows = args.sqlite_rows or args.rows
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}"}
    for cmd in ([str(ROOT / "manage.py"), "migrate", "-v", "0"], [__file__, "--child", "setup"]):
        subprocess.run([sys.executable, *cmd], check=True, env=env, capture_output=True)
    sample = register
    if sqlite_rows < args.rows:
        sample = tmp / "register_sample.csv"
        with register.open("rb") as src, sample.open("wb") as out:
            out.writelines(itertools.islice(src, sqlite_rows + 1))  # the header and the first rows
    print(f"  SQLite fallback (executemany into a staging table, the same merge), {sqlite_rows:,}-row register:")
    seconds, line, _ = run_child("register", sample, env=env)
    print(f"    register {sqlite_rows:,} rows: {seconds:.2f} s = {sqlite_rows / seconds:,.0f} rows/s  [{line}]")
    first, _, _ = run_child("roster", v1, "civil_affairs", "2024-01-01", env=env)
    second, line, _ = run_child("roster", v2, "civil_affairs", "2024-03-01", env=env)
    print(f"    roster {n:,} rows, first version: {first:.2f} s")
    print(f"    roster {n:,} rows diffed against the previous {n:,}: {second:.2f} s  [{line}]")
    seconds, line, _ = run_child("roster", xlsx, "rural_revitalization", "2024-01-01", env=env)
    print(f"    .xlsx roster {args.xlsx_rows:,} rows: {seconds:.2f} s  [{line}]")


if __name__ == "__main__":
    main()
