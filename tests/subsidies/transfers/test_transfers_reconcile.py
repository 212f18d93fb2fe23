"""Reconciliation → transfer batch → approval → a later reconciliation: the approved subsidy is locked (SPEC §6.6)."""

from datetime import date
from decimal import Decimal

import pytest

from subsidies.models import ReconciliationResult, TransferLine
from subsidies.reconciliation.dirty import dirty_mark
from subsidies.reconciliation.runs import reconcile
from subsidies.transfers.services import batch_approve, batch_build, batch_check
from tests.builders import recon_data as d
from tests.builders.transfers_helpers import staff

pytestmark = pytest.mark.django_db


def test_a_locked_subsidy_survives_a_later_reconciliation_and_is_paid_once():
    sunan = d.sunan_2024()
    c = sunan.county
    p = d.person(c)
    low = d.identity(c, p, "rural_dibao_3_4", since=date(2023, 1, 1))  # 250, personal 130
    d.payment(c, p, "130", date(2023, 10, 1), year=2024)
    reconcile(county=c, year=2024, as_of=date(2024, 3, 1), full=True)

    maker, checker = staff("maker", c), staff("checker", c)
    (batch,) = batch_build(county=c, month=date(2023, 10, 1), user=maker).batches
    line = batch.lines.get()
    assert (line.id_number, line.kind, line.amount) == (p.id_number, "differential", Decimal("250.00"))
    batch_check(batch_id=batch.pk, user=maker)
    batch_approve(batch_id=batch.pk, user=checker)
    assert ReconciliationResult.objects.get(id_number=p.id_number).locked

    # The roster changes afterwards: 特困 from September would now give 380 (full).
    low.valid_to = date(2023, 12, 31)
    low.save()
    d.identity(c, p, "extreme_poverty", since=date(2023, 9, 1))
    dirty_mark(county_id=c.pk, id_numbers=[p.id_number])
    reconcile(county=c, year=2024, as_of=date(2024, 3, 1), full=False)
    r = ReconciliationResult.objects.get(id_number=p.id_number)
    assert (r.subsidy, r.category.code, r.locked) == (Decimal("250.00"), "rural_dibao_3_4", True)

    # Later months pay nothing more for this person this year.
    for month in (date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1)):
        batch_build(county=c, month=month, user=maker)
    assert list(TransferLine.objects.filter(id_number=p.id_number).values_list("amount", flat=True)) == [
        Decimal("250.00")
    ]
