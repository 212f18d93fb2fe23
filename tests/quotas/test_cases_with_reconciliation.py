"""Follow-up cases and progress driven by a real reconciliation run (no fabricated results)."""

from datetime import date

import pytest
from django.core.management import call_command

from enrollment.models import CaseStatus, FollowUpCase
from quotas import selectors
from quotas.models import QuotaTable
from subsidies.reconcile import dirty_mark, reconcile
from tests.subsidies import recon_data as d

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
