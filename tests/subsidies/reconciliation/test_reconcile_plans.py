"""The reconciliation's statements at a size beyond work_mem: joins and anti-joins, never a SubPlan per row."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from enrollment.models import Household, Payment, Person
from subsidies.models import Category, Identity, ReconciliationResult, RosterVersion
from subsidies.reconciliation import engine as recon
from subsidies.reconciliation.dirty import dirty_mark
from subsidies.reconciliation.runs import reconcile
from tests.builders import recon_data as d
from tests.plan_guard import recorded_plans

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
AS_OF = date(2024, 3, 1)
PEOPLE = 4000  # at work_mem 64 kB the planner cannot hash this many ID numbers


def _county(policy):
    county = policy.county
    townships = list(county.townships.order_by("pk")[:2])
    village_a = townships[0].villages.create(name="甲村")
    village_b = townships[1].villages.create(name="乙村")
    households = Household.objects.bulk_create(
        [Household(county=county, number=f"H{k}") for k in range(PEOPLE // 4)], batch_size=1000
    )
    people = []
    for k in range(PEOPLE):
        village = village_a if k % 2 else village_b
        people.append(
            Person(
                id_number=d.id_number(born=f"19{50 + k // 1000 % 40}0101", seq=k % 1000),
                name="某人",
                sex="M",
                birth_date=date(1950 + k // 1000 % 40, 1, 1),
                county=county,
                township=village.township,
                village=village,
                household=households[k // 4],
            )
        )
    Person.objects.bulk_create(people, batch_size=1000)
    Payment.objects.bulk_create(
        [
            Payment(county=county, id_number=p.id_number, year=2024, amount=Decimal("380"), paid_on=date(2023, 10, 9))
            for p in people[: PEOPLE * 3 // 4]
        ],
        batch_size=1000,
    )
    category = Category.objects.get(county=county, code="rural_dibao_1_2")
    version = RosterVersion.objects.create(
        county=county, department=category.department, number=1, snapshot_date=date(2023, 1, 1)
    )
    roster_only = [d.id_number(area="620722", born="19900101", seq=k) for k in range(30)]
    Identity.objects.bulk_create(
        [
            Identity(
                county=county,
                department=category.department,
                category=category,
                id_number=number,
                name="某人",
                valid_from=date(2023, 1, 1),
                version=version,
            )
            for number in [p.id_number for p in people[::50]] + roster_only
        ]
    )
    # As the imports leave them (enrollment.dbstats): planned with the tables as they are.
    with connection.cursor() as cur:
        for table in ("enrollment_person", "enrollment_household", "enrollment_payment", "subsidies_identity"):
            cur.execute(f"ANALYZE {table}")
    return people, roster_only


def test_full_and_incremental_runs_plan_no_subplan_per_row_beyond_work_mem(require_postgres, monkeypatch):
    # The parts raise work_mem for their transaction: the guard plans them at the guard's 64 kB instead.
    monkeypatch.setattr(recon, "PART_WORK_MEM", None)
    policy = d.sunan_2024()
    people, roster_only = _county(policy)
    with recorded_plans() as plans:
        run = reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True)
    assert not plans.unhashed_subplans(), plans.report()
    assert plans.matching(r"INSERT INTO subsidies_reconciliationresult"), "the write was not recorded"
    assert ReconciliationResult.objects.filter(county=policy.county, year=2024).count() == PEOPLE + len(roster_only)
    assert run.counts["enrolled"] > 0
    # An incremental run of most of the county, roster-only people included.
    dirty_mark(county_id=policy.county_id, id_numbers=[p.id_number for p in people[::2]] + roster_only, years=[2024])
    with recorded_plans() as plans:
        run = reconcile(county=policy.county, year=2024, as_of=AS_OF)
    assert plans.plans and not plans.unhashed_subplans(), plans.report()
    assert not run.full and run.persons == PEOPLE // 2 + len(roster_only)


def test_transfer_build_and_progress_snapshot_plan_no_subplan_per_row_beyond_work_mem(require_postgres, monkeypatch):
    import io

    from django.core.management import call_command

    from quotas.models import QuotaTable
    from quotas.progress.services import progress_snapshot_take
    from subsidies.models import TransferLine
    from subsidies.transfers.services import batch_build

    monkeypatch.setattr(recon, "PART_WORK_MEM", None)
    policy = d.sunan_2024()
    county = policy.county
    call_command("seed_quotas", stdout=io.StringIO())
    people, _roster_only = _county(policy)
    category = Category.objects.get(county=county, code="rural_dibao_1_2")
    version = RosterVersion.objects.get(county=county, department=category.department)
    certified = [p.id_number for k, p in enumerate(people[: PEOPLE * 3 // 4]) if k % 50]
    Identity.objects.bulk_create(
        [
            Identity(
                county=county,
                department=category.department,
                category=category,
                id_number=number,
                name="某人",
                valid_from=date(2023, 1, 1),
                version=version,
            )
            for number in certified
        ],
        batch_size=1000,
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE subsidies_identity")
    reconcile(county=county, year=2024, as_of=AS_OF, full=True)
    with recorded_plans() as plans:
        built = batch_build(county=county, month=date(2023, 12, 1))
    assert not plans.unhashed_subplans(), plans.report()
    assert plans.matching(r"subsidies_transferline"), "the build was not recorded"
    assert built.lines >= len(certified)
    assert TransferLine.objects.filter(batch__county=county).count() == built.lines
    table = QuotaTable.objects.get(county=county, year=2024)
    with recorded_plans() as plans:
        snapshot = progress_snapshot_take(table=table)
    assert not plans.unhashed_subplans(), plans.report()
    assert plans.matching(r"subsidies_reconciliationresult"), "the snapshot's counts were not recorded"
    assert snapshot.rows.count() > 0
