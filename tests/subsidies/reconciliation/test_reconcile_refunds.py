"""Payment files through reconciliation: the tiers a 涪陵 file names, refunds netted off the year's total, a refund
after an approved transfer flagged (never clawed back). The same answers on SQLite and PostgreSQL."""

from datetime import date
from decimal import Decimal

import pytest

from enrollment.imports.pipeline import import_file
from enrollment.models import ImportKind, ImportStatus
from subsidies.models import ReconciliationResult, TransferLine
from subsidies.reconciliation.dirty import dirty_mark
from subsidies.reconciliation.engine import _Part
from subsidies.reconciliation.rules import Paid
from subsidies.reconciliation.runs import reconcile
from subsidies.transfers.services import batch_approve, batch_build, batch_check
from tests.builders import recon_data as d
from tests.builders.importfiles import write_csv, write_xlsx
from tests.builders.transfers_helpers import staff

AS_OF = date(2023, 3, 1)
HEADER = ["证件号码", "姓名", "缴费年度", "缴费金额", "缴费日期", "档次", "缴费渠道"]


def test_paid_nets_refunds_off_the_total():
    day = date(2022, 10, 1)
    later = date(2022, 11, 1)
    assert Paid(((day, Decimal(350)), (later, Decimal(-350)))).counted().payments == ()
    partly = Paid(((day, Decimal(725)), (date(2022, 10, 3), Decimal(725)), (later, Decimal(-725))), tier=2)
    assert partly.total == Decimal(725) and partly.refunded == Decimal(725)
    assert partly.counted() is partly and partly.full_payments(Decimal(725)) == 1
    # Completed on 1 October, refunded below the due on 1 November, completed again on 5 November.
    again = Paid(((day, Decimal(350)), (later, Decimal(-350)), (date(2022, 11, 5), Decimal(350))))
    assert again.completed_on(Decimal(350)) == date(2022, 11, 5) and again.first_on == day
    assert Paid(((day, Decimal(350)), (later, Decimal(-100)))).completed_on(Decimal(350)) is None


def results(policy):
    return {
        r.id_number: (r.tier, r.category.code if r.category else None, str(r.subsidy), str(r.paid), r.status, r.flags)
        for r in ReconciliationResult.objects.filter(county=policy.county, year=policy.year).select_related("category")
    }


@pytest.mark.django_db
def test_the_fuling_payment_file_reconciles_to_its_tiers_and_refunds(tmp_path, monkeypatch):
    """The acceptance case of issue 20: a 涪陵 (500102) tax file writing 一档/二档, with refunds."""
    fuling = d.fuling_2023()
    c = fuling.county
    plain_1, plain_2, dibao_1, dibao_2, refunded, twice, partial = (
        d.person(c, name=n, id_number=d.id_number(area="500102"))
        for n in ("一档", "二档", "低保一", "低保二", "退费", "重复", "部分")
    )
    d.identity(c, dibao_1, "dibao", since=date(2022, 1, 1))
    d.identity(c, dibao_2, "dibao", since=date(2022, 1, 1))
    rows = [
        [plain_1.id_number, plain_1.name, "2023", "350.00", "2022-10-08", "一档", "银行"],
        [plain_2.id_number, plain_2.name, "2023", "725.00", "2022-10-08", "二档", "银行"],
        [dibao_1.id_number, dibao_1.name, "2023", "35", "2022-10-09", "第一档", "微信"],
        [dibao_2.id_number, dibao_2.name, "2023", "375", "2022-10-09", "第二档", "微信"],
        [refunded.id_number, refunded.name, "2023", "350", "2022-10-10", "一档（350元）", "银行"],
        [refunded.id_number, refunded.name, "2023", "-350", "2022-11-10", "一档", "银行"],
        [twice.id_number, twice.name, "2023", "725", "2022-10-10", "二档", "银行"],
        [twice.id_number, twice.name, "2023", "725", "2022-10-12", "二档", "银行"],
        [twice.id_number, twice.name, "2023", "-725", "2022-11-12", "二档", "银行"],
        [partial.id_number, partial.name, "2023", "350", "2022-10-10", "一档", "银行"],
        [partial.id_number, partial.name, "2023", "-100", "2022-11-10", "一档", "银行"],
    ]
    path = write_xlsx(tmp_path / "涪陵2023缴费明细.xlsx", [HEADER, *rows], text_columns=(0,))
    job = import_file(kind=ImportKind.PAYMENTS, county=c, path=path)
    assert job.status == ImportStatus.COMMITTED, job.summary.get("bad_rows")

    reconcile(county=c, year=2023, as_of=AS_OF, full=True)
    expected = {
        plain_1.id_number: (1, None, "0.00", "350.00", "enrolled", ""),
        plain_2.id_number: (2, None, "0.00", "725.00", "enrolled", ""),
        dibao_1.id_number: (1, "dibao", "315.00", "35.00", "enrolled", ""),
        dibao_2.id_number: (2, "dibao", "350.00", "375.00", "enrolled", ""),
        refunded.id_number: (1, None, "0.00", "0.00", "not_enrolled", ";refunded;"),
        twice.id_number: (2, None, "0.00", "725.00", "enrolled", ";refunded;"),
        partial.id_number: (1, None, "0.00", "250.00", "underpaid", ";underpaid;refunded;"),
    }
    assert results(fuling) == expected
    r = ReconciliationResult.objects.get(id_number=twice.id_number)
    assert (r.paid_on, r.enrolled_on) == (date(2022, 10, 10), date(2022, 10, 10))  # never below 725 since
    assert ReconciliationResult.objects.get(id_number=refunded.id_number).paid_on is None

    # The rules themselves (no fast path, no SQL path) give the same rows.
    ReconciliationResult.objects.all().delete()
    monkeypatch.setattr(_Part, "fast_path", False)
    monkeypatch.setattr(_Part, "sql_path", False)
    reconcile(county=c, year=2023, as_of=AS_OF, full=True)
    assert results(fuling) == expected

    # As of a day before the refunds, the refunded person was enrolled.
    reconcile(county=c, year=2023, as_of=date(2022, 11, 1), full=True)
    assert results(fuling)[refunded.id_number] == (1, None, "0.00", "350.00", "enrolled", "")


@pytest.mark.django_db
def test_a_refund_after_an_approved_transfer_is_flagged_and_not_clawed_back(tmp_path):
    sunan = d.sunan_2024()
    c = sunan.county
    p = d.person(c)
    d.identity(c, p, "rural_dibao_3_4", since=date(2023, 1, 1))  # 250, personal 130
    d.payment(c, p, "130", date(2023, 10, 1), year=2024)
    twice = d.person(c, name="重复")
    d.identity(c, twice, "rural_dibao_3_4", since=date(2023, 1, 1))
    d.payment(c, twice, "130", date(2023, 10, 1), year=2024)
    d.payment(c, twice, "130", date(2023, 10, 2), year=2024)
    reconcile(county=c, year=2024, as_of=date(2024, 3, 1), full=True)
    maker, checker = staff("maker", c), staff("checker", c)
    (batch,) = batch_build(county=c, month=date(2023, 10, 1), user=maker).batches
    batch_check(batch_id=batch.pk, user=maker)
    batch_approve(batch_id=batch.pk, user=checker)

    refunds = [
        [p.id_number, p.name, "2024", "-130", "2023-12-05", "1", "银行"],
        [twice.id_number, twice.name, "2024", "-130", "2023-12-05", "1", "银行"],  # the duplicate returned
    ]
    path = write_csv(tmp_path / "refund.csv", [HEADER, *refunds], encoding="gbk")
    job = import_file(kind=ImportKind.PAYMENTS, county=c, path=path)
    assert job.status == ImportStatus.COMMITTED
    reconcile(county=c, year=2024, as_of=date(2024, 3, 1))  # incremental: the import marked the person dirty
    r = ReconciliationResult.objects.get(id_number=p.id_number)
    assert (r.locked, str(r.subsidy), str(r.paid), r.status) == (True, "250.00", "0.00", "not_enrolled")
    assert r.flags == ";certified_not_enrolled;refunded;refund_after_transfer;"
    r = ReconciliationResult.objects.get(id_number=twice.id_number)
    assert (r.locked, str(r.subsidy), str(r.paid), r.status, r.flags) == (
        True,
        "250.00",
        "130.00",
        "enrolled",
        ";refunded;",
    )
    for month in (date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1)):
        batch_build(county=c, month=month, user=maker)
    for who in (p, twice):
        assert list(TransferLine.objects.filter(id_number=who.id_number).values_list("amount", flat=True)) == [
            Decimal("250.00")
        ]


@pytest.mark.postgres
@pytest.mark.django_db
def test_refunds_take_the_python_path_and_equal_it(require_postgres, monkeypatch):
    """On PostgreSQL most people are computed in SQL; a refunded one is not, and the rows equal Python's."""
    fuling = d.fuling_2023()
    c = fuling.county
    people = [d.person(c, name=f"人{i}", id_number=d.id_number(area="500102")) for i in range(12)]
    for i, p in enumerate(people):
        d.payment(c, p, ["350", "725", "100"][i % 3], date(2022, 10, 1 + i), year=2023, tier=2 if i % 3 == 1 else 1)
        if i % 2:
            d.payment(c, p, ["-350", "-725", "-100"][i % 3], date(2022, 11, 1 + i), year=2023)
    d.payment(c, d.person(c, id_number=d.id_number(area="500102")), "-350", date(2022, 11, 1), year=2023)
    dirty_mark(county_id=c.pk, id_numbers=[p.id_number for p in people])
    reconcile(county=c, year=2023, as_of=AS_OF, full=True)
    in_sql = results(fuling)
    assert sum(";refunded;" in row[-1] for row in in_sql.values()) == 7
    ReconciliationResult.objects.all().delete()
    monkeypatch.setattr(_Part, "sql_path", False)
    reconcile(county=c, year=2023, as_of=AS_OF, full=True)
    assert results(fuling) == in_sql


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_refunded_household_member_is_flagged_alike_in_sql_and_python(require_postgres, monkeypatch):
    """肃南 enrols by household: a member refunded in full leaves the household partly enrolled; the flag is set in
    SQL across parts and must sit where Python puts it."""
    sunan = d.sunan_2024()
    c = sunan.county
    paid, refunded = d.person(c, household="R1"), d.person(c, household="R1")
    d.payment(c, paid, "380", date(2023, 10, 1), year=2024)
    d.payment(c, refunded, "380", date(2023, 10, 1), year=2024)
    d.payment(c, refunded, "-380", date(2023, 11, 1), year=2024)
    late = d.person(c, household="R2")
    d.identity(c, late, "rural_dibao_1_2", since=date(2024, 2, 1))
    d.payment(c, late, "380", date(2023, 10, 1), year=2024)
    d.payment(c, late, "-100", date(2023, 11, 1), year=2024)
    d.payment(c, d.person(c, household="R2"), "380", date(2023, 10, 1), year=2024)
    reconcile(county=c, year=2024, as_of=date(2024, 3, 1), full=True, chunks=2)
    in_sql = results(sunan)
    assert in_sql[refunded.id_number][-2:] == ("not_enrolled", ";refunded;household_partial;")
    ReconciliationResult.objects.all().delete()
    monkeypatch.setattr(_Part, "sql_path", False)
    reconcile(county=c, year=2024, as_of=date(2024, 3, 1), full=True, chunks=2)
    assert results(sunan) == in_sql
