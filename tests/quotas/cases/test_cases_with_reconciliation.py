"""Follow-up cases and progress driven by a real reconciliation run (no fabricated results)."""

from datetime import date

import pytest
from django.core.management import call_command

from quotas.models import CaseStatus, FollowUpCase, QuotaTable
from quotas.progress import selectors
from subsidies.reconciliation.dirty import dirty_mark
from subsidies.reconciliation.runs import reconcile
from tests.builders import recon_data as d

pytestmark = pytest.mark.django_db
AS_OF = date(2024, 3, 1)


def run(policy, django_capture_on_commit_callbacks, *, full=False):
    with django_capture_on_commit_callbacks(execute=True):
        return reconcile(county=policy.county, year=2024, as_of=AS_OF, full=full)


def test_reconciliation_opens_a_case_and_closes_it_once_the_person_pays(django_capture_on_commit_callbacks):
    policy = d.sunan_2024()
    county = policy.county
    certified = d.person(county, name="李四", township="皇城镇", village="北极村")
    d.identity(county, certified, "rural_dibao_1_2", since=date(2023, 1, 1))
    d.person(county, name="王五", township="皇城镇")  # not certified: no case
    run(policy, django_capture_on_commit_callbacks, full=True)
    case = FollowUpCase.objects.get()
    assert (case.id_number, case.status, case.township.name) == (certified.id_number, CaseStatus.OPEN, "皇城镇")
    # Running again changes nothing.
    run(policy, django_capture_on_commit_callbacks, full=True)
    assert FollowUpCase.objects.count() == 1
    # The person pays the 70 yuan due (380 − 310): the next run closes the case.
    d.payment(county, certified, "70", date(2023, 10, 9), year=2024)
    dirty_mark(county_id=county.pk, id_numbers=[certified.id_number])
    run(policy, django_capture_on_commit_callbacks)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None


def test_progress_of_the_seeded_sunan_table_counts_reconciled_people(django_capture_on_commit_callbacks):
    policy = d.sunan_2024()
    county = policy.county
    call_command("seed_quotas", stdout=None)
    payer = d.person(county, township="皇城镇")
    d.payment(county, payer, "380", date(2023, 10, 9), year=2024)
    proxy = d.person(county, township="马蹄藏族乡")
    d.identity(county, proxy, "extreme_poverty", since=date(2023, 1, 1))
    d.person(county, township="皇城镇")  # pays nothing
    run(policy, django_capture_on_commit_callbacks, full=True)
    table = QuotaTable.objects.get(county=county, year=2024)
    progress = {p.unit.name: p.enrolled for p in selectors.unit_progress(table=table)}
    assert progress["皇城镇"] == 1
    assert progress["马蹄乡"] == 1  # the notice's 马蹄乡 is the register's 马蹄藏族乡, 代缴 counts as enrolled
    assert sum(progress.values()) == 2


def _case_versions() -> dict[str, tuple]:
    """Each case's row version (PostgreSQL's xmin, SQLite's stored values): changes whenever the row is written."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT id_number, xmin::text, status, township_id FROM enrollment_followupcase")
        else:
            cur.execute("SELECT id_number, status, closed_at, township_id, village_id FROM enrollment_followupcase")
        return {row[0]: row[1:] for row in cur.fetchall()}


def test_an_incremental_runs_case_sync_touches_only_the_people_it_recomputed(django_capture_on_commit_callbacks):
    policy = d.sunan_2024()
    county = policy.county
    people = [d.person(county, name=f"李{k}", township="皇城镇", village="北极村") for k in range(6)]
    for p in people:
        d.identity(county, p, "rural_dibao_1_2", since=date(2023, 1, 1))
    run(policy, django_capture_on_commit_callbacks, full=True)
    assert FollowUpCase.objects.filter(status=CaseStatus.OPEN).count() == 6
    payer, stale_result, stale_case, *others = people
    # Two cases out of step with their results, not through this run: a whole-county sync would rewrite them,
    # the sync after an incremental run that did not recompute these people must not.
    from subsidies.models import ReconciliationResult

    ReconciliationResult.objects.filter(id_number=stale_result.id_number).update(status="enrolled")
    other_township = county.townships.exclude(name="皇城镇").order_by("pk").first()
    FollowUpCase.objects.filter(id_number=stale_case.id_number).update(township=other_township)
    before = _case_versions()
    d.payment(county, payer, "70", date(2023, 10, 9), year=2024)
    dirty_mark(county_id=county.pk, id_numbers=[payer.id_number])
    incremental = run(policy, django_capture_on_commit_callbacks)
    assert not incremental.full and incremental.changed == 1
    after = _case_versions()
    assert FollowUpCase.objects.get(id_number=payer.id_number).status == CaseStatus.CLOSED
    assert after[payer.id_number] != before[payer.id_number]
    untouched = {p.id_number for p in [stale_result, stale_case, *others]}
    assert {i: after[i] for i in untouched} == {i: before[i] for i in untouched}
    # A whole-county sync (no run) settles the two stale ones.
    from quotas.cases.services import cases_sync

    outcome = cases_sync(county_id=county.pk, year=2024)
    assert outcome.closed == 1
    assert FollowUpCase.objects.get(id_number=stale_result.id_number).status == CaseStatus.CLOSED
    assert FollowUpCase.objects.get(id_number=stale_case.id_number).township.name == "皇城镇"


def test_an_incremental_run_that_drops_a_result_closes_that_persons_case(django_capture_on_commit_callbacks):
    policy = d.sunan_2024()
    county = policy.county
    people = [d.person(county, township="皇城镇") for _ in range(3)]
    for p in people:
        d.identity(county, p, "rural_dibao_1_2", since=date(2023, 1, 1))
    run(policy, django_capture_on_commit_callbacks, full=True)
    gone = people[0]
    from subsidies.models import Identity

    Identity.objects.filter(id_number=gone.id_number).delete()
    gone.delete()  # neither in the register nor on a roster: the incremental run deletes the result
    dirty_mark(county_id=county.pk, id_numbers=[gone.id_number])
    before = _case_versions()
    run(policy, django_capture_on_commit_callbacks)
    assert FollowUpCase.objects.get(id_number=gone.id_number).status == CaseStatus.CLOSED
    after = _case_versions()
    assert {p.id_number: after[p.id_number] for p in people[1:]} == {
        p.id_number: before[p.id_number] for p in people[1:]
    }
