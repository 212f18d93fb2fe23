"""The case sync's statements at a size beyond work_mem: planned as anti-joins, never a SubPlan per row."""

import datetime

import pytest
from django.db import connection

from enrollment.places.services import county_ensure
from quotas.cases.services import cases_sync
from quotas.models import CaseStatus, FollowUpCase
from subsidies.models import Department, EnrolmentStatus, ReconciliationResult
from tests.builders.idnumbers import valid_id
from tests.plan_guard import recorded_plans

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
PEOPLE = 4000  # at work_mem 64 kB the planner cannot hash this many ID numbers


def _results(county, n: int) -> list[str]:
    dept = Department.objects.get(code="civil_affairs")
    ids = [valid_id(f"620721{1950 + k // 1000 % 50}0101{k % 1000:03d}") for k in range(n)]
    ReconciliationResult.objects.bulk_create(
        [
            ReconciliationResult(
                county=county,
                year=2024,
                id_number=i,
                name="某人",
                department=dept,
                reference_date=datetime.date(2023, 10, 1),
                status=EnrolmentStatus.NOT_ENROLLED,
            )
            for i in ids
        ],
        batch_size=1000,
    )
    return ids


def test_the_case_sync_plans_no_subplan_per_row_beyond_work_mem(require_postgres):
    county = county_ensure(code="620721")
    ids = _results(county, PEOPLE)
    assert cases_sync(county_id=county.pk, year=2024).created == PEOPLE
    enrolled = ids[: PEOPLE // 3]
    ReconciliationResult.objects.filter(id_number__in=enrolled).update(status=EnrolmentStatus.ENROLLED)
    with connection.cursor() as cur:
        cur.execute("ANALYZE subsidies_reconciliationresult")
        cur.execute("ANALYZE enrollment_followupcase")
    with recorded_plans() as plans:
        outcome = cases_sync(county_id=county.pk, year=2024)
    assert plans.plans, "no statement was recorded"
    assert not plans.unhashed_subplans(), plans.report()
    assert outcome.closed == len(enrolled)
    closed = set(FollowUpCase.objects.filter(status=CaseStatus.CLOSED).values_list("id_number", flat=True))
    assert closed == set(enrolled)
    assert FollowUpCase.objects.filter(status=CaseStatus.OPEN).count() == PEOPLE - len(enrolled)
