"""Tasks that kill the worker process running them, for tests/test_deliveries.py (a worker started with
`--include tests.killer_tasks`). They run on the import tasks' own base, so the job is stopped as a real one."""

import os
import signal

from celery import shared_task

from enrollment.tasks import ImportTask


@shared_task(base=ImportTask, acks_late=True, name="tests.killer_tasks.validate_and_die")
def validate_and_die(job_id: int) -> None:
    """Start validating the job, then die by signal, as a reader crashing or the out-of-memory killer would."""
    from enrollment.models import ImportJob, ImportStatus

    ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.VALIDATING)
    os.kill(os.getpid(), signal.SIGKILL)
