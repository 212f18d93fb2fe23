"""The build command and the Celery tasks (beat names `subsidies.tasks.build_transfers_for_all_counties`)."""

from datetime import date
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from subsidies import tasks
from subsidies.models import TransferBatch, TransferLine
from tests.builders.transfers_helpers import categories, county, funds, result

pytestmark = pytest.mark.django_db


@pytest.fixture
def owed():
    c = county()
    tekun, _, _ = categories(c)
    assistance, _ = funds()
    result(c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 4))
    return c


def test_command_builds_the_month_once(owed):
    out = StringIO()
    call_command("build_transfers", county="620721", month="2024-03", stdout=out)
    call_command("build_transfers", county="620721", month="2024年3月", stdout=out)
    assert TransferBatch.objects.count() == 1 and TransferLine.objects.count() == 1
    assert "620721-202403-medical_assistance" in out.getvalue()


def test_command_names_a_bad_month_and_county(owed):
    with pytest.raises(CommandError, match="2024-13"):
        call_command("build_transfers", county="620721", month="2024-13")
    with pytest.raises(CommandError, match="999999"):
        call_command("build_transfers", county="999999", month="2024-03")


def test_beat_schedule_names_the_task():
    entry = settings.CELERY_BEAT_SCHEDULE["build-monthly-transfers"]
    assert entry["task"] == tasks.build_transfers_for_all_counties.name


def test_all_counties_task_enqueues_each_county_on_commit(owed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        county_ids = tasks.build_transfers_for_all_counties.delay("2024-03-01").get()
    assert county_ids == [owed.pk] and len(callbacks) == 1
    assert TransferBatch.objects.get().month == date(2024, 3, 1)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_real_worker_builds_a_county(celery_worker):
    c = county()
    tekun, _, _ = categories(c)
    assistance, _ = funds()
    result(c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 4))
    outcome = tasks.build_transfers_for_county.delay(c.pk, "2024-03-01").get(timeout=30)
    assert outcome["lines"] == 1
    assert TransferBatch.objects.get().lines_count == 1


def test_without_a_month_the_task_builds_the_month_before_the_countys_today(owed, django_capture_on_commit_callbacks):
    """The demo county's clock stands at its as-of date: the beat on the 1st builds the month before that day."""
    owed.as_of = date(2024, 4, 1)
    owed.save(update_fields=["as_of"])
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.build_transfers_for_all_counties.delay().get() == [owed.pk]
    assert list(TransferBatch.objects.values_list("month", flat=True)) == [date(2024, 3, 1)]
    assert TransferLine.objects.count() == 1
