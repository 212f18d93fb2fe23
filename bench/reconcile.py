"""Reconciliation benchmark on PostgreSQL: a 1,000,000-person county, 250,000 identities, 900,000 payments.

    flock /work/bench.lock .venv/bin/python bench/reconcile.py [--persons 1000000]

Creates (drops first) the database bench_recon, loads 肃南 2024 (seed_policies) and fabricated data with SQL
(generate_series), then prints: the full run, a second full run (nothing changes), the incremental run after 1% of
the identities changed, and the results page filtered to one village and sorted by several columns — each next
to a reference measured in the same run (a plain INSERT … SELECT of all result rows).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = os.environ.get("BENCH_DB", "bench_recon")
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.pop("CELERY_BROKER_URL", None)


def recreate_database() -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")


def timed(label: str, fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    seconds = time.perf_counter() - started
    print(f"{label:<58} {seconds:8.2f} s", flush=True)
    return result, seconds


def load(persons: int) -> dict:
    import io

    from django.core.management import call_command
    from django.db import connection

    from enrollment.models import County, Village
    from subsidies.models import Category, Department, RosterVersion

    call_command("seed_policies", counties=["620721"], stdout=io.StringIO())
    county = County.objects.get(code="620721")
    townships = list(county.townships.order_by("pk"))
    Village.objects.bulk_create(
        [Village(township=t, name=f"{t.name}{i:02d}村", code=f"{t.code}{i:03d}") for t in townships for i in range(25)]
    )
    villages = list(Village.objects.filter(township__county=county).order_by("pk").values_list("pk", "township_id"))
    civil = Department.objects.get(code="civil_affairs")
    rural = Department.objects.get(code="rural_revitalization")
    disabled = Department.objects.get(code="disabled_federation")
    veterans = Department.objects.get(code="veterans_affairs")
    # 肃南 subsidises no category of these two departments: their people count as roster holders only.
    extra = [
        Category.objects.get_or_create(
            county=county, code="severe_disabled", defaults={"name": "重度残疾人", "department": disabled}
        )[0],
        Category.objects.get_or_create(
            county=county, code="key_entitled", defaults={"name": "重点优抚对象", "department": veterans}
        )[0],
    ]
    categories = {
        civil.pk: list(Category.objects.filter(county=county, department=civil).values_list("pk", flat=True)),
        rural.pk: list(Category.objects.filter(county=county, department=rural).values_list("pk", flat=True)),
        disabled.pk: [extra[0].pk],
        veterans.pk: [extra[1].pk],
    }
    versions = {
        d: RosterVersion.objects.create(county=county, department_id=d, number=1, snapshot_date="2023-09-01").pk
        for d in categories
    }
    n_villages = len(villages)
    with connection.cursor() as c:
        c.execute("CREATE TEMP TABLE bench_village (n int PRIMARY KEY, village_id bigint, township_id bigint)")
        c.executemany("INSERT INTO bench_village VALUES (%s, %s, %s)", [(i, v, t) for i, (v, t) in enumerate(villages)])
        c.execute(
            "INSERT INTO enrollment_household (county_id, number) SELECT %s, 'H' || g FROM generate_series(0, %s) g",
            [county.pk, persons // 3],
        )
        c.execute("SELECT MIN(id) FROM enrollment_household WHERE county_id = %s", [county.pk])
        first_household = c.fetchone()[0]
        # ID: area + birth date + a 3-digit sequence + a check digit; unique for g < 1,500,000.
        c.execute(
            f"""
            INSERT INTO enrollment_person (id_number, name, sex, birth_date, county_id, township_id, village_id,
                                           household_id, relation, "group", is_student, id_warning, updated_at)
            SELECT '620721' || to_char(date '1940-01-01' + mod(g, 30000), 'YYYYMMDD') || lpad((g / 30000)::text, 3, '0')
                   || mod(g, 10)::text,
                   '居民' || g, CASE WHEN mod(g, 2) = 0 THEN 'M' ELSE 'F' END, date '1940-01-01' + mod(g, 30000),
                   %s, v.township_id, v.village_id, %s + g / 3, '', '', false,
                   CASE WHEN mod(g, 997) = 0 THEN '未知地区代码' ELSE '' END, now()
            FROM generate_series(0, %s) g JOIN bench_village v ON v.n = mod(g / 7, {n_villages})
            """,
            [county.pk, first_household, persons - 1],
        )
        # 250,000 identities: 200,000 people, 50,000 of them with a second identity from another department.
        departments = list(categories)
        rows = []
        for k, d in enumerate(departments):
            cats = categories[d]
            cat_array = "ARRAY[" + ",".join(str(x) for x in cats) + "]::bigint[]"
            rows.append(
                f"""
                SELECT {d} AS department_id, ({cat_array})[1 + mod(g, {len(cats)})] AS category_id,
                       {versions[d]} AS version_id, g AS person_n, g AS k
                FROM generate_series(0, %(n)s) g WHERE mod(g, 4) = {k}
                """
            )
        union = " UNION ALL ".join(rows)
        identity_people = int(persons * 0.2)
        c.execute(
            f"""
            INSERT INTO subsidies_identity (county_id, department_id, category_id, id_number, name, township_name,
                                            village_name, valid_from, valid_to, version_id, ended_by_id)
            SELECT %(county)s, x.department_id, x.category_id, p.id_number,
                   CASE WHEN mod(x.k, 211) = 0 THEN p.name || '某' ELSE p.name END, '', '',
                   date '2023-01-01' + mod(x.k, 400), CASE WHEN mod(x.k, 20) = 0 THEN date '2024-06-30' END,
                   x.version_id, NULL
            FROM ({union}) x
            JOIN (SELECT id_number, name, row_number() OVER (ORDER BY id) - 1 AS n FROM enrollment_person) p
                 ON p.n = mod(x.person_n * 5, %(persons)s)
            """,
            {"county": county.pk, "n": identity_people - 1, "persons": persons},
        )
        # Overlaps: every fourth of those people also holds an identity of the next department.
        nxt = {d: departments[(k + 1) % len(departments)] for k, d in enumerate(departments)}
        dept_case = " ".join(f"WHEN {d} THEN {nxt[d]}" for d in departments)
        cat_case = " ".join(f"WHEN {d} THEN {categories[nxt[d]][-1]}" for d in departments)
        version_case = " ".join(f"WHEN {d} THEN {versions[nxt[d]]}" for d in departments)
        c.execute(
            f"""
            INSERT INTO subsidies_identity (county_id, department_id, category_id, id_number, name, township_name,
                                            village_name, valid_from, valid_to, version_id, ended_by_id)
            SELECT county_id, CASE department_id {dept_case} END, CASE department_id {cat_case} END, id_number, name,
                   '', '', date '2023-10-15', NULL, CASE department_id {version_case} END, NULL
            FROM subsidies_identity WHERE mod(id, 4) = 0
            """
        )
        # Roster people missing from the register.
        c.execute(
            """
            INSERT INTO subsidies_identity (county_id, department_id, category_id, id_number, name, township_name,
                                            village_name, valid_from, valid_to, version_id, ended_by_id)
            SELECT %s, %s, %s, '62072120300101' || lpad(g::text, 4, '0'), '名册外' || g, '', '',
                   date '2023-05-01', NULL, %s, NULL
            FROM generate_series(1, %s) g
            """,
            [county.pk, civil.pk, categories[civil.pk][0], versions[civil.pk], max(1, persons // 1000)],
        )
        # 900,000 payments: mostly the standard, some differential amounts, some short.
        c.execute(
            """
            INSERT INTO enrollment_payment (county_id, id_number, name, year, amount, paid_on, tier, channel)
            SELECT %s, p.id_number, p.name, 2024,
                   CASE WHEN mod(g, 13) = 0 THEN 70 WHEN mod(g, 17) = 0 THEN 130
                        WHEN mod(g, 29) = 0 THEN 100 ELSE 380 END,
                   date '2023-09-10' + mod(g, 140)::int, 1, '税务'
            FROM (SELECT id_number, name, row_number() OVER (ORDER BY id) - 1 AS g FROM enrollment_person) p
            WHERE mod(p.g, 10) <> 0
            """,
            [county.pk],
        )
        c.execute("ANALYZE")
        counts = {}
        for table in ("enrollment_person", "subsidies_identity", "enrollment_payment"):
            c.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = c.fetchone()[0]
    return {"county": county, "counts": counts}


def change_identities(county, fraction: float = 0.01) -> int:
    """What a roster upload changing 1% of the identities does: end half of them, add the other half, mark dirty."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT COUNT(*) FROM subsidies_identity WHERE county_id = %s", [county.pk])
        n = int(c.fetchone()[0] * fraction)
        c.execute(
            """
            WITH picked AS (SELECT id FROM subsidies_identity WHERE county_id = %s AND valid_to IS NULL
                            ORDER BY id DESC LIMIT %s)
            UPDATE subsidies_identity i SET valid_to = date '2023-11-30' FROM picked WHERE i.id = picked.id
            RETURNING i.id_number
            """,
            [county.pk, n // 2],
        )
        changed = {row[0] for row in c.fetchall()}
        c.execute(
            """
            INSERT INTO subsidies_identity (county_id, department_id, category_id, id_number, name, township_name,
                                            village_name, valid_from, valid_to, version_id, ended_by_id)
            SELECT i.county_id, i.department_id, i.category_id, p.id_number, p.name, '', '', date '2023-12-01', NULL,
                   i.version_id, NULL
            FROM (SELECT id_number, name FROM enrollment_person WHERE county_id = %s ORDER BY id DESC LIMIT %s) p
            CROSS JOIN (SELECT * FROM subsidies_identity WHERE county_id = %s ORDER BY id LIMIT 1) i
            RETURNING id_number
            """,
            [county.pk, n - n // 2, county.pk],
        )
        changed |= {row[0] for row in c.fetchall()}
        c.execute(
            "INSERT INTO subsidies_dirtyperson (county_id, id_number, marked_at) "
            "SELECT %s, unnest(%s::varchar[]), now() ON CONFLICT DO NOTHING",
            [county.pk, sorted(changed)],
        )
    return n


def page_timings(county, repeats: int = 5) -> list[tuple[str, float]]:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from accounts.models import Role
    from accounts.services import staff_user_create
    from enrollment.models import Village

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    profile = staff_user_create(username="bench-bureau", password="x-Bench-12345", role=Role.BUREAU, county=county)
    client = Client()
    client.force_login(profile.user, backend="django.contrib.auth.backends.ModelBackend")
    village = Village.objects.filter(township__county=county).order_by("pk")[37]
    url = reverse("subsidies:reconciliation_results")
    out = []
    for sort in ("", "name", "-paid", "status", "-benefit_start", "category"):
        params = {"village": village.pk, "year": 2024}
        if sort:
            params["sort"] = sort
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.get(url, params)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        out.append((f"results page, village {village.name}, sort {sort or '(default)'}", statistics.median(times)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    args = parser.parse_args()
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from subsidies.models import ReconciliationResult
    from subsidies.reconciliation.runs import reconcile

    call_command("migrate", verbosity=0)
    logging.getLogger("subsidies.reconciliation.engine").setLevel(logging.WARNING)
    # The follow-up cases' receiver (quotas) runs after each run commits: timed apart, below.
    from quotas.cases.services import on_reconciliation_finished
    from subsidies.signals import reconciliation_finished

    reconciliation_finished.disconnect(on_reconciliation_finished, dispatch_uid="quotas.cases_sync")
    data, _ = timed(f"load {args.persons:,} people (SQL)", load, args.persons)
    county = data["county"]
    print("  rows:", ", ".join(f"{k} {v:,}" for k, v in data["counts"].items()))

    run, full_seconds = timed(
        "full run, 2 parts on 2 threads (first: every result inserted)",
        reconcile,
        county=county,
        year=2024,
        full=True,
        workers=2,
        chunks=2,
    )
    print(f"  {run.persons:,} people, {run.changed:,} rows written; by status: {run.counts}")
    with connection.cursor() as c:
        c.execute("CREATE TEMP TABLE bench_copy AS SELECT * FROM subsidies_reconciliationresult WITH NO DATA")
    _, ref = timed(
        "reference: INSERT … SELECT of all result rows into a bare table",
        lambda: connection.cursor().execute("INSERT INTO bench_copy SELECT * FROM subsidies_reconciliationresult"),
    )
    print(f"  full run / reference write = {full_seconds / ref:.1f}×")
    run2, _ = timed(
        "second full run, 2 parts on 2 threads (nothing changed)",
        reconcile,
        county=county,
        year=2024,
        full=True,
        workers=2,
        chunks=2,
    )
    print(f"  {run2.changed} rows changed")
    n, _ = timed("change 1% of identities and mark the people dirty", change_identities, county)
    run3, _ = timed(f"incremental run after {n:,} identity changes", reconcile, county=county, year=2024)
    print(f"  {run3.persons:,} people recomputed, {run3.changed:,} rows changed")
    from quotas.cases.services import cases_sync

    timed("(quotas) follow-up cases sync after a run, for reference", cases_sync, county_id=county.pk, year=2024)
    for label, seconds in page_timings(county):
        print(f"{label:<58} {seconds * 1000:8.1f} ms (median of 5)")
    print(f"results stored: {ReconciliationResult.objects.filter(county=county).count():,}")
    with connection.cursor() as c:
        c.execute("TRUNCATE subsidies_reconciliationresult")
    run4, _ = timed(
        "full run again on an empty table, 1 thread, a part per township",
        reconcile,
        county=county,
        year=2024,
        full=True,
    )
    print(f"  {run4.changed:,} rows written")


if __name__ == "__main__":
    main()
