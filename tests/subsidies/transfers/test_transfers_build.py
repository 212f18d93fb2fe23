"""Building monthly transfer batches: the right month per line kind, idempotence, rebuilds, exactly-once."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from subsidies.models import BatchStatus, LineKind, TransferBatch, TransferLine
from subsidies.transfers.services import batch_build, batch_totals
from tests.builders.transfers_helpers import categories, county, funds, result, staff

pytestmark = pytest.mark.django_db

MAR, APR, MAY = date(2024, 3, 1), date(2024, 4, 1), date(2024, 5, 1)


@pytest.fixture
def world():
    c = county()
    tekun, dibao, canji = categories(c)
    assistance, disabled_fund = funds()
    return c, tekun, dibao, canji, assistance, disabled_fund


def _lines(month):
    return {
        (line.id_number, line.kind, line.amount)
        for line in TransferLine.objects.filter(batch__month=month).order_by("id_number")
    }


def test_each_line_kind_lands_in_its_month(world):
    c, tekun, dibao, canji, assistance, disabled_fund = world
    proxy = result(
        c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 5)
    )
    diff = result(
        c,
        status="enrolled",
        category=dibao,
        fund=assistance,
        subsidy="310",
        paid_on=date(2024, 4, 2),
        enrolled_on=date(2024, 4, 2),
    )
    # Paid in full in March, certified in April: the top-up is owed in May (当月参保、次月资助).
    topup = result(
        c,
        status="enrolled",
        category=canji,
        fund=disabled_fund,
        subsidy="0",
        paid_on=date(2024, 3, 10),
        enrolled_on=date(2024, 3, 10),
        topup="250",
        topup_month=MAY,
    )
    # Not owed anything: no subsidy, underpaid, not enrolled.
    result(c, status="enrolled", paid_on=date(2024, 3, 3), enrolled_on=date(2024, 3, 3))
    result(c, status="underpaid", category=dibao, fund=assistance, subsidy="310", paid_on=date(2024, 3, 3))
    result(c, status="not_enrolled", category=dibao, fund=assistance, subsidy="310")

    built = batch_build(county=c, month=MAR)
    assert [b.fund for b in built.batches] == [assistance]
    assert _lines(MAR) == {(proxy.id_number, LineKind.PROXY, Decimal("380.00"))}

    batch_build(county=c, month=APR)
    assert _lines(APR) == {(diff.id_number, LineKind.DIFFERENTIAL, Decimal("310.00"))}

    built = batch_build(county=c, month=MAY)
    assert [b.fund for b in built.batches] == [disabled_fund]
    assert _lines(MAY) == {(topup.id_number, LineKind.TOPUP, Decimal("250.00"))}
    assert TransferLine.objects.count() == 3


def test_lines_carry_name_township_category_reason_and_batch_totals(world):
    c, tekun, dibao, _canji, assistance, _ = world
    result(
        c,
        status="proxy_enrolled",
        category=tekun,
        fund=assistance,
        subsidy="380",
        enrolled_on=date(2024, 3, 5),
        name="李四",
    )
    result(c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 6))
    result(
        c,
        status="enrolled",
        category=dibao,
        fund=assistance,
        subsidy="310",
        paid_on=date(2024, 3, 7),
        enrolled_on=date(2024, 3, 7),
    )
    user = staff("builder", c)
    (batch,) = batch_build(county=c, month=MAR, user=user).batches
    assert batch.number == "620721-202403-medical_assistance"
    assert batch.status == BatchStatus.DRAFT and batch.built_by == user
    assert batch.lines_count == 3 and batch.total == Decimal("1070.00")
    line = batch.lines.get(name="李四")
    assert line.township == c.townships.first() and line.category == tekun
    assert line.reason == "代缴参保，参保日期 2024-03-05"
    assert batch_totals(batch) == [
        {
            "category__name": "低保对象",
            "kind": "differential",
            "kind_label": "差额资助",
            "people": 1,
            "amount": Decimal("310.00"),
        },
        {"category__name": "特困人员", "kind": "proxy", "kind_label": "代缴", "people": 2, "amount": Decimal("760.00")},
    ]
    assert list(batch.events.values_list("status", "user")) == [("draft", user.pk)]


def test_building_twice_changes_nothing(world):
    c, tekun, _, _, assistance, _ = world
    for day in (1, 2, 3):
        result(
            c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, day)
        )
    first = batch_build(county=c, month=MAR)
    before = sorted(TransferLine.objects.values_list("batch_id", "id_number", "kind", "amount"))
    second = batch_build(county=c, month=MAR)
    assert [b.pk for b in first.batches] == [b.pk for b in second.batches]
    assert sorted(TransferLine.objects.values_list("batch_id", "id_number", "kind", "amount")) == before
    assert TransferBatch.objects.count() == 1 and TransferLine.objects.count() == 3


def test_rebuilding_a_draft_follows_changed_results(world):
    c, tekun, dibao, _, assistance, _ = world
    changed = result(
        c,
        status="enrolled",
        category=dibao,
        fund=assistance,
        subsidy="310",
        paid_on=date(2024, 3, 2),
        enrolled_on=date(2024, 3, 2),
    )
    gone = result(
        c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 2)
    )
    (batch,) = batch_build(county=c, month=MAR).batches
    assert batch.total == Decimal("690.00")
    changed.subsidy = Decimal("250")
    changed.save()
    gone.status = "not_enrolled"
    gone.save()
    (rebuilt,) = batch_build(county=c, month=MAR).batches
    assert rebuilt.pk == batch.pk
    assert _lines(MAR) == {(changed.id_number, LineKind.DIFFERENTIAL, Decimal("250.00"))}
    assert rebuilt.total == Decimal("250.00") and rebuilt.lines_count == 1


def test_a_batch_past_draft_is_not_rebuilt_and_late_subsidies_wait_for_the_next_month(world):
    c, tekun, _, _, assistance, _ = world
    first = result(
        c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 2)
    )
    (batch,) = batch_build(county=c, month=MAR).batches
    TransferBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.APPROVED)
    # Data arrives late: a proxy enrolment of 20 March after the March batch was approved.
    late = result(
        c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 20)
    )
    again = batch_build(county=c, month=MAR)
    assert again.batches == [] and [b.pk for b in again.frozen] == [batch.pk]
    assert set(batch.lines.values_list("id_number", flat=True)) == {first.id_number}
    (april,) = batch_build(county=c, month=APR).batches
    line = april.lines.get()
    assert line.id_number == late.id_number
    assert line.reason == "代缴参保，参保日期 2024-03-20（以前月份应付）"


def test_a_person_is_paid_once_even_when_the_result_moves_to_another_month(world):
    c, _, dibao, _, assistance, _ = world
    person = result(
        c,
        status="enrolled",
        category=dibao,
        fund=assistance,
        subsidy="310",
        paid_on=date(2024, 3, 2),
        enrolled_on=date(2024, 3, 2),
    )
    batch_build(county=c, month=MAR)
    person.enrolled_on = person.paid_on = date(2024, 4, 9)
    person.save()
    batch_build(county=c, month=APR)
    assert TransferLine.objects.filter(id_number=person.id_number).count() == 1


def test_the_database_refuses_a_second_line_for_a_person_and_year(world):
    c, tekun, _, _, assistance, _ = world
    person = result(
        c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 2)
    )
    (batch,) = batch_build(county=c, month=MAR).batches
    with pytest.raises(IntegrityError), transaction.atomic():
        TransferLine.objects.create(
            batch=batch, year=2024, id_number=person.id_number, name="x", kind=LineKind.TOPUP, amount=1
        )


def test_unfunded_subsidies_are_counted_not_batched(world):
    c, tekun, _, _, _, _ = world
    result(c, status="proxy_enrolled", category=tekun, fund=None, subsidy="380", enrolled_on=date(2024, 3, 2))
    built = batch_build(county=c, month=MAR)
    assert built.batches == [] and built.unfunded == 1


def test_other_counties_are_not_batched(world):
    from enrollment.places.services import county_ensure

    c, tekun, _, _, assistance, _ = world
    other = county_ensure(code="141181")
    result(other, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 2))
    assert batch_build(county=c, month=MAR).batches == []
    assert len(batch_build(county=other, month=MAR).batches) == 1
