"""Follow-up cases: opened for certified people not enrolled, closed when they enrol, never duplicated."""

import pytest
from django.db import connection

from enrollment.models import Village
from enrollment.places.services import county_ensure
from quotas.cases.services import cases_sync
from quotas.models import CaseReason, CaseStatus, FollowUpCase
from subsidies.models import EnrolmentStatus as S
from subsidies.signals import reconciliation_finished
from tests.builders.factories import result

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    return county_ensure(code="620721")


@pytest.fixture
def village(county):
    return Village.objects.create(township=county.townships.order_by("code").first(), name="甲村")


def test_a_case_for_every_certified_person_not_enrolled(county, village):
    unenrolled = result(county, status=S.NOT_ENROLLED, village=village, department="civil_affairs")
    underpaid = result(county, status=S.UNDERPAID, village=village, department="rural_revitalization")
    result(county, status=S.ENROLLED, village=village, department="civil_affairs")
    result(county, status=S.PROXY_ENROLLED, village=village, department="civil_affairs")
    result(county, status=S.NOT_ENROLLED, village=village)  # not certified: no case
    outcome = cases_sync(county_id=county.pk, year=2024)
    assert outcome.created == 2
    cases = {c.id_number: c for c in FollowUpCase.objects.all()}
    assert set(cases) == {unenrolled.id_number, underpaid.id_number}
    case = cases[unenrolled.id_number]
    assert (case.status, case.township_id, case.village_id, case.name) == (
        CaseStatus.OPEN,
        village.township_id,
        village.pk,
        unenrolled.name,
    )
    assert case.department.code == "civil_affairs"
    assert case.created_at is not None


def test_reruns_never_duplicate_a_case(county, village):
    result(county, status=S.NOT_ENROLLED, village=village, department="civil_affairs")
    assert cases_sync(county_id=county.pk, year=2024).created == 1
    again = cases_sync(county_id=county.pk, year=2024)
    assert (again.created, again.closed, again.reopened) == (0, 0, 0)
    assert FollowUpCase.objects.count() == 1


def test_the_case_closes_when_the_person_enrols(county, village):
    person = result(county, status=S.NOT_ENROLLED, village=village, department="civil_affairs")
    cases_sync(county_id=county.pk, year=2024)
    person.status = S.ENROLLED
    person.save()
    outcome = cases_sync(county_id=county.pk, year=2024)
    assert outcome.closed == 1
    case = FollowUpCase.objects.get()
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None


def test_closed_by_enrolment_reopens_if_unenrolled_again_but_a_township_decision_stays(county, village):
    a = result(county, status=S.NOT_ENROLLED, village=village, department="civil_affairs")
    b = result(county, status=S.NOT_ENROLLED, village=village, department="civil_affairs")
    cases_sync(county_id=county.pk, year=2024)
    FollowUpCase.objects.filter(id_number=b.id_number).update(status=CaseStatus.CLOSED, reason=CaseReason.DECEASED)
    a.status = S.ENROLLED
    a.save()
    cases_sync(county_id=county.pk, year=2024)
    a.status = S.UNDERPAID
    a.save()
    outcome = cases_sync(county_id=county.pk, year=2024)
    assert outcome.reopened == 1
    assert FollowUpCase.objects.get(id_number=a.id_number).status == CaseStatus.OPEN
    assert FollowUpCase.objects.get(id_number=b.id_number).status == CaseStatus.CLOSED


def test_open_cases_follow_the_person_to_another_township(county, village):
    person = result(county, status=S.NOT_ENROLLED, village=village, department="civil_affairs")
    cases_sync(county_id=county.pk, year=2024)
    other = county.townships.exclude(pk=village.township_id).first()
    person.township, person.village = other, None
    person.save()
    cases_sync(county_id=county.pk, year=2024)
    case = FollowUpCase.objects.get()
    assert (case.township_id, case.village_id) == (other.pk, None)


def test_other_years_and_counties_are_left_alone(county, village):
    other = county_ensure(code="141181")
    result(county, status=S.NOT_ENROLLED, village=village, department="civil_affairs", year=2023)
    result(other, status=S.NOT_ENROLLED, department="civil_affairs")
    assert cases_sync(county_id=county.pk, year=2024).created == 0
    assert not FollowUpCase.objects.exists()


def test_reconciliation_finished_signal_syncs_the_cases(county, village):
    person = result(county, status=S.NOT_ENROLLED, village=village, department="civil_affairs")
    reconciliation_finished.send(sender=None, run_id=1, county_id=county.pk, year=2024)
    assert FollowUpCase.objects.get().id_number == person.id_number


@pytest.mark.postgres
def test_many_new_cases_refresh_the_case_table_statistics_before_the_closing_statements(
    county, village, require_postgres
):
    """The sync's later statements read the cases it just created; planned as an empty table they took 19 s."""
    with connection.cursor() as cur:
        cur.execute("ANALYZE enrollment_followupcase")  # a known start: empty in this test's transaction
    for _ in range(55):
        result(county, status=S.NOT_ENROLLED, village=village, department="civil_affairs")
    assert cases_sync(county_id=county.pk, year=2024).created == 55
    with connection.cursor() as cur:
        cur.execute("SELECT reltuples FROM pg_class WHERE relname = 'enrollment_followupcase'")
        assert cur.fetchone()[0] == 55
