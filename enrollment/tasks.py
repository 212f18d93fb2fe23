"""Celery tasks for imports: thin, idempotent wrappers taking job ids (the services guard the job's state)."""

from celery import shared_task

from .imports import import_job_commit, import_job_validate


@shared_task(acks_late=True)
def validate_import(job_id: int) -> str:
    return import_job_validate(job_id=job_id).status


@shared_task(acks_late=True)
def commit_import(job_id: int, skip_rejected: bool = False, confirm_removals: int | None = None) -> str:
    return import_job_commit(job_id=job_id, skip_rejected=skip_rejected, confirm_removals=confirm_removals).status
