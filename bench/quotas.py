"""Quotas benchmark on PostgreSQL: progress, special-group coverage and follow-up cases over a large county.

    flock /work/bench.lock .venv/bin/python bench/quotas.py [--results 1000000]

Creates (drops first) the database bench_quotas, seeds the 肃南 task table, fabricates reconciliation results
with SQL (generate_series: 8 townships × 25 villages, 70% enrolled, 20% certified by a department), then prints
each operation next to a reference measured in the same run: a plain GROUP BY over the same rows for progress
and coverage, a plain INSERT … SELECT into an unconstrained copy of the cases table for cases_sync.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "bench_quotas"
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.pop("CELERY_BROKER_URL", None)


def recreate_database() -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def report(label: str, ours: float, reference: float) -> None:
    print(f"{label:<44} {ours:8.3f} s   reference {reference:8.3f} s   ratio {ours / reference:6.2f}", flush=True)


def load(results: int):
    import io

    from django.core.management import call_command
    from django.db import connection

    from enrollment.models import County, Village

    call_command("seed_quotas", stdout=io.StringIO())
    county = County.objects.get(code="620721")
    townships = list(county.townships.order_by("pk"))
    Village.objects.bulk_create(
        [Village(township=t, name=f"{t.name}{i:02d}村", code=f"{t.code}{i:03d}") for t in townships for i in range(25)]
    )
    first_village = Village.objects.filter(township__county=county).order_by("pk").values_list("pk", flat=True)[0]
    first_township = townships[0].pk
    departments = list(
        __import__("subsidies.models", fromlist=["Department"])
        .Department.objects.order_by("pk")
        .values_list("pk", flat=True)[:4]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO subsidies_reconciliationresult
              (county_id, year, id_number, name, township_id, village_id, reference_date, tier, subsidy,
               personal_due, paid, status, topup, flags, locked, updated_at, department_id)
            SELECT %s, 2024, lpad(g::text, 18, '0'), '某人',
                   %s + (g %% 200) / 25, %s + (g %% 200), DATE '2023-10-01', 1, 0, 380, 0,
                   CASE WHEN g %% 10 < 7 THEN 'enrolled' WHEN g %% 10 = 7 THEN 'underpaid' ELSE 'not_enrolled' END,
                   0, '', false, now(),
                   CASE WHEN (g / 10) %% 5 = 0 THEN (ARRAY[%s, %s, %s, %s])[1 + (g / 5) %% 4] END
            FROM generate_series(1, %s) g
            """,
            [county.pk, first_township, first_village, *departments, results],
        )
        cursor.execute("ANALYZE subsidies_reconciliationresult")
    return county


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=int, default=1_000_000)
    args = parser.parse_args()
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from quotas.cases.services import cases_sync
    from quotas.models import FollowUpCase, QuotaTable
    from quotas.progress import selectors
    from quotas.progress.services import progress_snapshot_take
    from subsidies.reconciliation.rules import ENROLLED_STATUSES_SQL

    county = load(args.results)
    table = QuotaTable.objects.get(county=county, year=2024)
    print(f"{args.results:,} reconciliation results, {table.units.count()} quota units", flush=True)

    def plain_group_by():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT township_id, village_id, count(*) FROM subsidies_reconciliationresult"
                f" WHERE county_id = %s AND year = 2024 AND status IN {ENROLLED_STATUSES_SQL}"
                " GROUP BY township_id, village_id",
                [county.pk],
            )
            return cursor.fetchall()

    _, reference = timed(plain_group_by)
    _, ours = timed(selectors.unit_progress, table=table)
    report("unit_progress (one aggregate)", ours, reference)
    _, ours = timed(progress_snapshot_take, table=table)
    report("progress_snapshot_take", ours, reference)
    _, ours = timed(selectors.table_ranking, table=table)
    report("table_ranking (live + last snapshots)", ours, reference)

    def plain_department_group_by():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT department_id, count(*), count(*) FILTER (WHERE status IN {ENROLLED_STATUSES_SQL})"
                " FROM subsidies_reconciliationresult WHERE county_id = %s AND year = 2024"
                " AND department_id IS NOT NULL GROUP BY department_id",
                [county.pk],
            )
            return cursor.fetchall()

    def plain_insert():
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE case_copy (LIKE enrollment_followupcase INCLUDING DEFAULTS)")
            cursor.execute(
                "INSERT INTO case_copy (id, county_id, year, id_number, name, township_id, village_id,"
                " department_id, status, reason, note, evidence, created_at)"
                " SELECT id, county_id, year, id_number, name, township_id, village_id, department_id, 'open', '',"
                " '', '', now() FROM subsidies_reconciliationresult WHERE county_id = %s AND year = 2024"
                " AND department_id IS NOT NULL AND status IN ('not_enrolled', 'underpaid')",
                [county.pk],
            )

    _, reference = timed(plain_insert)
    outcome, ours = timed(cases_sync, county_id=county.pk, year=2024)
    report(f"cases_sync, first run ({outcome.created:,} opened)", ours, reference)
    FollowUpCase.objects.filter(pk__in=FollowUpCase.objects.order_by("pk").values_list("pk", flat=True)[::10]).update(
        reason="employee_insurance"
    )
    _, department_reference = timed(plain_department_group_by)
    _, ours = timed(selectors.special_group_coverage, county_id=county.pk, year=2024)
    report("special_group_coverage (10% of cases elsewhere)", ours, department_reference)

    outcome, ours = timed(cases_sync, county_id=county.pk, year=2024)
    report(f"cases_sync, rerun ({outcome.created} opened, {outcome.closed} closed)", ours, reference)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE subsidies_reconciliationresult SET status = 'enrolled'"
            " WHERE county_id = %s AND department_id IS NOT NULL AND status <> 'enrolled'"
            " AND right(id_number, 9)::int %% 7 = 0",
            [county.pk],
        )
    outcome, ours = timed(cases_sync, county_id=county.pk, year=2024)
    report(f"cases_sync after payments ({outcome.closed:,} closed)", ours, reference)
    print(f"open cases now: {FollowUpCase.objects.filter(status='open').count():,}")


if __name__ == "__main__":
    main()
