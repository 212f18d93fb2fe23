"""The household flag as PostgreSQL writes it (subsidies.reconciliation.engine: the UPDATE of recon_out), by
worked cases.

The SQL adds household_partial to what the Python rules flagged, in the stored order of the flags: alone, after the
flags already there, or before after_deadline (the one flag that sorts after it).
"""

from datetime import date

import pytest

from subsidies.models import Policy, ReconciliationResult
from subsidies.reconciliation.engine import _Part
from subsidies.reconciliation.runs import reconcile
from tests.builders import recon_data as d

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def flags(policy, who):
    return ReconciliationResult.objects.get(county=policy.county, year=policy.year, id_number=who.id_number).flags


def test_household_flag_written_by_sql_alone_after_other_flags_and_before_after_deadline(require_postgres):
    assert _Part.sql_path  # PostgreSQL computes the flag in SQL (the Python path is used on SQLite)
    sunan = d.sunan_2024()
    # 肃南 enrols by household; a subsidy deadline is added so that after_deadline can meet household_partial.
    Policy.objects.filter(pk=sunan.pk).update(subsidy_deadline=date(2023, 10, 31))
    c = sunan.county
    paid = d.person(c, household="H1")  # paid in full: enrolled, no flag of its own
    d.payment(c, paid, "380", date(2023, 10, 1), year=2024)
    certified = d.person(c, household="H1", relation="子")  # certified, paid nothing (now too late for a subsidy)
    d.identity(c, certified, "rural_dibao_1_2", since=date(2023, 1, 1))
    overpaid = d.person(c, household="H1", relation="父")  # certified, paid the whole standard in time
    d.identity(c, overpaid, "rural_dibao_1_2", since=date(2023, 1, 1))
    d.payment(c, overpaid, "380", date(2023, 10, 1), year=2024)
    late = d.person(c, household="H1", relation="女")  # certified, paid their part after the deadline
    d.identity(c, late, "rural_dibao_1_2", since=date(2023, 1, 1))
    d.payment(c, late, "70", date(2023, 11, 15), year=2024)
    whole = [d.person(c, household="H2"), d.person(c, household="H2")]  # everyone paid: no flag
    for p in whole:
        d.payment(c, p, "380", date(2023, 10, 1), year=2024)
    alone = d.person(c)  # no household: never flagged
    d.identity(c, alone, "rural_dibao_1_2", since=date(2023, 1, 1))

    reconcile(county=c, year=2024, as_of=date(2024, 3, 1), full=True)

    assert flags(sunan, paid) == ";household_partial;"
    assert flags(sunan, certified) == ";certified_not_enrolled;household_partial;after_deadline;"
    assert flags(sunan, overpaid) == ";overpaid;household_partial;"
    assert flags(sunan, late) == ";certified_not_enrolled;underpaid;household_partial;after_deadline;"
    assert [flags(sunan, p) for p in whole] == ["", ""]
    assert flags(sunan, alone) == ";certified_not_enrolled;after_deadline;"
