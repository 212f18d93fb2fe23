"""Celery tasks for quotas: thin wrappers around services, idempotent."""

from celery import shared_task

from quotas.progress.services import scheduled_snapshots_take


@shared_task(name="quotas.tasks.snapshot_progress_for_all_counties")
def snapshot_progress_for_all_counties() -> list[int]:
    """The beat job (SNAPSHOT_DAYS/HOUR/MINUTE, weekly by default; 涪陵: mon,thu 15:00)."""
    return [s.pk for s in scheduled_snapshots_take()]
