"""Celery tasks for imports: thin, idempotent wrappers taking job ids (the services guard the job's state).

Both run on `ImportTask`: a message whose task kills its worker (a file that crashes a reader, the kernel's
out-of-memory killer) runs at most CELERY_TASK_MAX_DELIVERIES times, then the job is marked failed with the reason.
"""

from celery import shared_task

from config.queue import BoundedDeliveries, lost_worker_message
from enrollment.imports.pipeline import import_job_commit, import_job_stop, import_job_validate


class ImportTask(BoundedDeliveries):
    abstract = True

    def deliveries_exceeded(self, runs: int, job_id: int, *args, **kwargs) -> None:
        import_job_stop(job_id=job_id, message=lost_worker_message(runs))


@shared_task(base=ImportTask, acks_late=True)
def validate_import(job_id: int) -> str:
    return import_job_validate(job_id=job_id).status


@shared_task(base=ImportTask, acks_late=True)
def commit_import(job_id: int, skip_rejected: bool = False, confirm_removals: int | None = None) -> str:
    return import_job_commit(job_id=job_id, skip_rejected=skip_rejected, confirm_removals=confirm_removals).status
