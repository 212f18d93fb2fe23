"""Two builds at once (two workers, two browser tabs) on real PostgreSQL: one batch per fund, no duplicate line."""

import threading
from datetime import date

import pytest
from django.db import connections

from subsidies.models import TransferBatch, TransferLine
from subsidies.transfers.services import batch_build
from tests.builders.transfers_helpers import categories, county, funds, result

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _run_at_once(jobs):
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait(timeout=10)
            job()
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors


def test_concurrent_builds_of_the_same_month_make_one_batch_per_fund_and_no_duplicate(require_postgres):
    c = county()
    tekun, _, canji = categories(c)
    assistance, disabled_fund = funds()
    for day in range(1, 29):
        result(
            c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, day)
        )
        result(c, status="enrolled", category=canji, fund=disabled_fund, subsidy="250", enrolled_on=date(2024, 3, day))

    def build():
        batch_build(county=c, month=date(2024, 3, 1))

    _run_at_once([build] * 4)

    assert TransferBatch.objects.filter(county=c, month=date(2024, 3, 1)).count() == 2
    assert TransferLine.objects.count() == 56
    assert TransferLine.objects.values("year", "id_number").distinct().count() == 56
    assert sorted(TransferBatch.objects.values_list("lines_count", flat=True)) == [28, 28]


def test_concurrent_builds_of_two_months_pay_each_person_once(require_postgres):
    c = county()
    tekun, _, _ = categories(c)
    assistance, _ = funds()
    for day in range(1, 21):
        result(
            c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, day)
        )
    # March and April at once: April would take March's people as late lines; whichever wins, each once.
    _run_at_once(
        [lambda: batch_build(county=c, month=date(2024, 3, 1)), lambda: batch_build(county=c, month=date(2024, 4, 1))]
    )
    assert TransferLine.objects.count() == 20
    assert TransferLine.objects.values("id_number").distinct().count() == 20


def test_a_line_inserted_meanwhile_by_another_connection_is_met_by_the_unique_index(require_postgres):
    """Another county's build holds an uncommitted line for a shared person while this county's build inserts: the
    anti-join cannot see that line, the plain INSERT waits on the unique index, and once the other transaction
    commits the build skips the person (ON CONFLICT fallback) instead of failing or paying twice."""
    import time

    from django.db import transaction

    from enrollment.places.services import county_ensure
    from tests.builders.transfers_helpers import id_number

    c, other = county(), county_ensure(code="141181")
    tekun, _, _ = categories(c)
    assistance, _ = funds()
    shared = id_number()
    result(
        c,
        status="proxy_enrolled",
        category=tekun,
        fund=assistance,
        subsidy="380",
        enrolled_on=date(2024, 3, 2),
        idn=shared,
    )
    mine = [
        result(c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, d))
        for d in (3, 4, 5)
    ]
    result(
        other,
        status="proxy_enrolled",
        category=tekun,
        fund=assistance,
        subsidy="380",
        enrolled_on=date(2024, 3, 1),
        idn=shared,
    )
    holding, waited = threading.Event(), {}

    def other_county():
        with transaction.atomic():
            assert batch_build(county=other, month=date(2024, 3, 1)).lines == 1
            holding.set()
            time.sleep(3)  # the line for `shared` stays uncommitted while the other build inserts

    def this_county():
        assert holding.wait(timeout=30)
        started = time.monotonic()
        batch_build(county=c, month=date(2024, 3, 1))
        waited["seconds"] = time.monotonic() - started

    _run_at_once([other_county, this_county])

    assert waited["seconds"] > 1  # the insert really waited for the other transaction
    lines = {(line.id_number, line.batch.county_id) for line in TransferLine.objects.select_related("batch")}
    assert lines == {(shared, other.pk), *((r.id_number, c.pk) for r in mine)}
    assert TransferBatch.objects.get(county=c).lines_count == 3
    assert TransferBatch.objects.get(county=other).lines_count == 1
