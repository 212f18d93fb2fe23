"""A task that kills its worker is stopped after a bounded number of deliveries (issue 21, finding 1).

Tasks are acknowledged late and re-queued when their worker is lost: without a bound, a message whose task
kills the process (a reader crashing on a crafted file, the out-of-memory killer) is delivered again and again,
killing worker after worker. Here a real `celery worker` process (prefork, as deployed) runs a task that
SIGKILLs its own process; the parent re-queues it each time, and the delivery count stops it: the job ends
failed with the Chinese reason, the queue and the unacknowledged set hold nothing of it, within a bounded time.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from django.conf import settings

from enrollment.models import ImportJob, ImportKind, ImportStatus
from enrollment.places.services import county_ensure
from tests.killer_tasks import validate_and_die
from tests.test_faults import Worker, real_queue, wait_for  # noqa: F401 - real_queue is a fixture

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def queued_messages(app) -> tuple[int, int]:
    """(messages waiting on this test's queue, messages of this queue delivered but not acknowledged)."""
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        waiting = client.llen(queue)
        unacked = 0
        for payload in client.hvals("unacked"):
            try:
                unacked += json.loads(payload)[2] == queue
            except (ValueError, IndexError, TypeError):
                continue
    return waiting, unacked


def test_a_task_that_kills_its_worker_is_stopped_after_the_bounded_deliveries(real_queue, tmp_path):  # noqa: F811
    from django.core.files.base import ContentFile

    county = county_ensure(code="620721")
    job = ImportJob(kind=ImportKind.REGISTER, county=county, original_name="名册.xlsx")
    job.file.save("名册.xlsx", ContentFile(b"not read by this task"), save=False)
    job.save()
    worker = Worker(tmp_path / "worker.log", pool="prefork", extra=("--include", "tests.killer_tasks"))
    started = time.monotonic()
    try:
        worker.wait_ready()
        validate_and_die.delay(job.pk)

        def stopped():
            job.refresh_from_db()
            return job.status == ImportStatus.FAILED

        wait_for(stopped, timeout=120, what="the job to be stopped after its deliveries")
        assert "已启动 3 次" in job.message and "不会再次启动" in job.message, job.message
        # The message is acknowledged, not queued again: nothing waits, nothing is held unacknowledged.
        wait_for(lambda: queued_messages(real_queue) == (0, 0), timeout=30, what="the queue to be empty")
        time.sleep(3)  # a redelivery, if any, would show in the log and the queue by now
        assert queued_messages(real_queue) == (0, 0)
        log = worker.log.read_text(errors="replace")
        assert worker.proc.poll() is None, "the worker itself must survive: only its pool processes were killed"
    finally:
        worker.stop()
    kills = re.findall(r"exited with 'signal 9 \(SIGKILL\)'", log)
    assert len(kills) == settings.CELERY_TASK_MAX_DELIVERIES == 3, log[-4000:]
    assert "past the limit: not run again" in log, log[-4000:]
    assert time.monotonic() - started < 150
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
