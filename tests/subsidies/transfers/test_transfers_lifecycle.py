"""The batch lifecycle: draft → checked → approved → exported → confirmed, maker-checker, locking, adjustments."""

from datetime import date
from decimal import Decimal

import pytest

from subsidies.models import BatchStatus, LineKind, ReconciliationResult, TransferLine
from subsidies.transfers.services import (
    BatchFrozen,
    InvalidBatchTransition,
    SelfApprovalRefused,
    adjustment_add,
    batch_approve,
    batch_build,
    batch_check,
    batch_confirm,
    batch_mark_exported,
    batch_return,
)
from tests.builders.transfers_helpers import categories, county, funds, result, staff

pytestmark = pytest.mark.django_db

MAR, APR = date(2024, 3, 1), date(2024, 4, 1)


@pytest.fixture
def built():
    c = county()
    tekun, dibao, _ = categories(c)
    assistance, _ = funds()
    people = [
        result(
            c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 4)
        ),
        result(
            c,
            status="enrolled",
            category=dibao,
            fund=assistance,
            subsidy="310",
            paid_on=date(2024, 3, 9),
            enrolled_on=date(2024, 3, 9),
        ),
    ]
    maker, checker = staff("maker", c), staff("checker", c)
    (batch,) = batch_build(county=c, month=MAR, user=maker).batches
    return c, batch, people, maker, checker, assistance


def test_full_lifecycle_records_every_step_with_user(built):
    _c, batch, _, maker, checker, _ = built
    batch_check(batch_id=batch.pk, user=maker)
    batch_approve(batch_id=batch.pk, user=checker)
    batch_mark_exported(batch_id=batch.pk, user=checker)
    batch_confirm(batch_id=batch.pk, user=maker)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CONFIRMED
    steps = list(batch.events.order_by("at", "pk").values_list("status", "user__username"))
    assert steps == [
        ("draft", "maker"),
        ("checked", "maker"),
        ("approved", "checker"),
        ("exported", "checker"),
        ("confirmed", "maker"),
    ]
    assert all(e.at is not None for e in batch.events.all())


def test_maker_checker_refuses_self_approval(built):
    _, batch, _, maker, checker, _ = built
    batch_check(batch_id=batch.pk, user=checker)
    with pytest.raises(SelfApprovalRefused) as refused:
        batch_approve(batch_id=batch.pk, user=maker)
    assert "必须由其他人审批" in str(refused.value)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CHECKED
    assert not ReconciliationResult.objects.filter(locked=True).exists()


def test_an_automatic_build_cannot_be_approved_by_its_checker():
    c = county()
    tekun, _, _ = categories(c)
    assistance, _ = funds()
    result(c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 4))
    (batch,) = batch_build(county=c, month=MAR, user=None).batches
    checker, approver = staff("checker", c), staff("approver", c)
    batch_check(batch_id=batch.pk, user=checker)
    with pytest.raises(SelfApprovalRefused):
        batch_approve(batch_id=batch.pk, user=checker)
    batch_approve(batch_id=batch.pk, user=approver)


def test_steps_cannot_be_skipped_or_reversed(built):
    _, batch, _, maker, checker, _ = built
    with pytest.raises(InvalidBatchTransition) as wrong:
        batch_approve(batch_id=batch.pk, user=checker)
    assert "不能变为" in str(wrong.value)
    with pytest.raises(InvalidBatchTransition):
        batch_mark_exported(batch_id=batch.pk, user=checker)
    batch_check(batch_id=batch.pk, user=maker)
    batch_return(batch_id=batch.pk, user=checker)  # the checker sends it back
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT
    batch_check(batch_id=batch.pk, user=maker)
    batch_approve(batch_id=batch.pk, user=checker)
    with pytest.raises(InvalidBatchTransition):
        batch_return(batch_id=batch.pk, user=checker)


def test_approving_locks_the_lines_results(built):
    c, batch, people, maker, checker, _ = built
    bystander = result(c, status="enrolled", subsidy="0", paid_on=date(2024, 3, 9), enrolled_on=date(2024, 3, 9))
    batch_check(batch_id=batch.pk, user=maker)
    batch_approve(batch_id=batch.pk, user=checker)
    locked = set(ReconciliationResult.objects.filter(locked=True).values_list("id_number", flat=True))
    assert locked == {p.id_number for p in people}
    assert bystander.id_number not in locked


def test_an_approved_batch_is_immutable(built):
    c, batch, people, maker, checker, assistance = built
    batch_check(batch_id=batch.pk, user=maker)
    batch_approve(batch_id=batch.pk, user=checker)
    before = sorted(batch.lines.values_list("id_number", "amount"))
    # The results change after approval: a rebuild of the month leaves the approved batch alone.
    ReconciliationResult.objects.filter(id_number=people[1].id_number).update(subsidy=Decimal("100"))
    rebuilt = batch_build(county=c, month=MAR, user=maker)
    assert rebuilt.batches == [] and [b.pk for b in rebuilt.frozen] == [batch.pk]
    assert sorted(batch.lines.values_list("id_number", "amount")) == before
    # No adjustment may go into the approved batch itself.
    with pytest.raises(InvalidBatchTransition):
        adjustment_add(
            county=c,
            fund=assistance,
            month=MAR,
            year=2024,
            id_number=people[1].id_number,
            amount=Decimal("-210"),
            reason="更正",
            user=maker,
        )


def test_an_adjustment_goes_into_a_later_draft_batch_with_its_reason(built):
    c, batch, people, maker, checker, assistance = built
    with pytest.raises(InvalidBatchTransition):  # nothing approved yet: correct the draft instead
        adjustment_add(
            county=c,
            fund=assistance,
            month=APR,
            year=2024,
            id_number=people[1].id_number,
            amount=Decimal("-60"),
            reason="类别认定有误",
            user=maker,
        )
    batch_check(batch_id=batch.pk, user=maker)
    batch_approve(batch_id=batch.pk, user=checker)
    with pytest.raises(InvalidBatchTransition):
        adjustment_add(
            county=c,
            fund=assistance,
            month=APR,
            year=2024,
            id_number=people[1].id_number,
            amount=Decimal("-60"),
            reason="  ",
            user=maker,
        )
    line = adjustment_add(
        county=c,
        fund=assistance,
        month=APR,
        year=2024,
        id_number=people[1].id_number,
        amount=Decimal("-60"),
        reason="类别认定有误，应为250元",
        user=maker,
    )
    assert line.kind == LineKind.ADJUSTMENT and line.batch.month == APR and line.batch.status == BatchStatus.DRAFT
    line.batch.refresh_from_db()
    assert line.batch.total == Decimal("-60.00")
    # A rebuild of April keeps the adjustment; the person's subsidy line stays in March, once.
    (april,) = batch_build(county=c, month=APR, user=maker).batches
    assert list(april.lines.values_list("kind", "amount", "reason")) == [
        ("adjustment", Decimal("-60.00"), "类别认定有误，应为250元")
    ]
    assert TransferLine.objects.filter(id_number=people[1].id_number).exclude(kind="adjustment").count() == 1
    # Once April is approved too, no more adjustments go into it.
    batch_check(batch_id=april.pk, user=maker)
    batch_approve(batch_id=april.pk, user=checker)
    with pytest.raises(BatchFrozen):
        adjustment_add(
            county=c,
            fund=assistance,
            month=APR,
            year=2024,
            id_number=people[0].id_number,
            amount=Decimal("1"),
            reason="x",
            user=maker,
        )
