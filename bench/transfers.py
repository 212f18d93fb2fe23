"""Benchmark: build a month's transfer batches for a county of N people (default 1,000,000).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_transfers \
        flock /work/bench.lock .venv/bin/python bench/transfers.py --persons 1000000

Fabricates N reconciliation results with one generate_series statement (70 % owed a subsidy in January 2024:
differential, proxy, department-fund and top-up lines over two funds), then times `batch_build` (first build,
then a rebuild of the drafts, then a build of the next month that finds nothing new), and, in the same run,
the bare `SELECT` of what is owed, so the ratio tells what the exactly-once machinery costs on this machine.
"""

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from enrollment.places.services import county_ensure  # noqa: E402
from subsidies.models import Category, Department, Fund, TransferBatch, TransferLine  # noqa: E402
from subsidies.transfers.services import OWED_SQL, batch_build  # noqa: E402

FABRICATE_SQL = """
INSERT INTO subsidies_reconciliationresult
    (county_id, year, id_number, name, township_id, village_id, reference_date, tier, category_id, department_id,
     fund_id, subsidy, personal_due, paid, paid_on, enrolled_on, status, topup, topup_month, benefit_start, flags,
     locked, run_id, updated_at)
SELECT %(county)s, 2024, lpad(g::text, 18, '0'), '测试' || g,
       (%(townships)s::int[])[1 + g %% array_length(%(townships)s::int[], 1)], NULL,
       DATE '2024-01-01' + (g %% 28), 1,
       CASE g %% 10 WHEN 3 THEN %(dibao)s WHEN 4 THEN %(dibao)s WHEN 5 THEN %(dibao)s WHEN 6 THEN %(tekun)s
                    WHEN 7 THEN %(canji)s WHEN 8 THEN %(canji)s ELSE NULL END,
       CASE g %% 10 WHEN 3 THEN %(civil)s WHEN 4 THEN %(civil)s WHEN 5 THEN %(civil)s WHEN 6 THEN %(civil)s
                    WHEN 7 THEN %(disabled)s WHEN 8 THEN %(disabled)s ELSE NULL END,
       CASE g %% 10 WHEN 3 THEN %(assistance)s WHEN 4 THEN %(assistance)s WHEN 5 THEN %(assistance)s
                    WHEN 6 THEN %(assistance)s WHEN 7 THEN %(dfund)s WHEN 8 THEN %(dfund)s ELSE NULL END,
       CASE g %% 10 WHEN 3 THEN 310 WHEN 4 THEN 310 WHEN 5 THEN 310 WHEN 6 THEN 380 WHEN 7 THEN 250 ELSE 0 END,
       0, 380,
       CASE WHEN g %% 10 = 8 THEN DATE '2023-12-01' + (g %% 28) ELSE DATE '2024-01-01' + (g %% 28) END,
       CASE WHEN g %% 10 = 8 THEN DATE '2023-12-01' + (g %% 28)
            WHEN g %% 10 = 9 THEN NULL ELSE DATE '2024-01-01' + (g %% 28) END,
       CASE g %% 10 WHEN 6 THEN 'proxy_enrolled' WHEN 9 THEN 'not_enrolled' ELSE 'enrolled' END,
       CASE WHEN g %% 10 = 8 THEN 250 ELSE 0 END,
       CASE WHEN g %% 10 = 8 THEN DATE '2024-01-01' ELSE NULL END,
       NULL, '', false, NULL, now()
  FROM generate_series(1, %(n)s) g
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=10_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/transfers.py needs PostgreSQL: set DATABASE_URL=postgres://…/bench_transfers")
    call_command("migrate", verbosity=0)
    county = county_ensure(code="620721")
    civil = Department.objects.get(code="civil_affairs")
    disabled = Department.objects.get(code="disabled_federation")
    cats = {
        code: Category.objects.get_or_create(county=county, code=code, defaults={"name": name, "department": dep})[0]
        for code, name, dep in [
            ("tekun", "特困人员", civil),
            ("dibao", "低保对象", civil),
            ("canji", "重度残疾人", disabled),
        ]
    }
    TransferLine.objects.all().delete()
    TransferBatch.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM subsidies_reconciliationresult WHERE county_id = %s", [county.pk])
        t0 = time.perf_counter()
        cursor.execute(
            FABRICATE_SQL,
            {
                "county": county.pk,
                "townships": list(county.townships.values_list("pk", flat=True)),
                "tekun": cats["tekun"].pk,
                "dibao": cats["dibao"].pk,
                "canji": cats["canji"].pk,
                "civil": civil.pk,
                "disabled": disabled.pk,
                "assistance": Fund.objects.get(code="medical_assistance").pk,
                "dfund": Fund.objects.get(code="disabled_federation").pk,
                "n": args.persons,
            },
        )
        # A fresh month: earlier runs' deleted rows must not weigh on this one.
        cursor.execute("VACUUM ANALYZE subsidies_reconciliationresult")
        cursor.execute("VACUUM ANALYZE subsidies_transferline")
        print(f"fabricated {args.persons:,} results in {time.perf_counter() - t0:.1f} s")

        t0 = time.perf_counter()
        cursor.execute(
            f"SELECT count(*), sum(amount) FROM ({OWED_SQL}) o WHERE o.owed_on < %s",
            [county.pk, date(2024, 2, 1)],
        )
        owed, owed_sum = cursor.fetchone()
        bare = time.perf_counter() - t0
    print(f"bare SELECT of what is owed: {owed:,} people, {owed_sum} yuan, {bare:.2f} s")

    t0 = time.perf_counter()
    built = batch_build(county=county, month=date(2024, 1, 1))
    first = time.perf_counter() - t0
    lines = sum(b.lines_count for b in built.batches)
    total = sum(b.total for b in built.batches)
    assert lines == owed and total == owed_sum, (lines, owed, total, owed_sum)
    print(f"batch_build January: {len(built.batches)} batches, {lines:,} lines, {total} yuan in {first:.2f} s")

    t0 = time.perf_counter()
    again = batch_build(county=county, month=date(2024, 1, 1))
    rebuild = time.perf_counter() - t0
    assert sum(b.lines_count for b in again.batches) == lines
    print(f"rebuild of the drafts (same result): {rebuild:.2f} s")

    t0 = time.perf_counter()
    february = batch_build(county=county, month=date(2024, 2, 1))
    nothing = time.perf_counter() - t0
    assert february.batches == [] and TransferLine.objects.count() == lines
    print(f"build February (nothing new, every person already in a batch): {nothing:.2f} s")
    print(
        f"FIGURE build_month_{args.persons}_persons_seconds={first:.2f} (limit 10 s); "
        f"ratio to bare SELECT {first / bare:.1f}x"
    )


if __name__ == "__main__":
    main()
