"""Celery tasks of the subsidies app: thin wrappers that take ids and call one service."""

from datetime import date

from celery import chord, group, shared_task
from django.db import transaction
from django.db.models import Exists, OuterRef

from config.queue import BoundedDeliveries, lost_worker_message, send_on_commit  # every task's base (config/celery.py)


class RunTask(BoundedDeliveries):
    """A reconciliation task (first argument: the run id) whose run fails when it keeps killing its worker."""

    abstract = True

    def deliveries_exceeded(self, runs: int, run_id: int, *args, **kwargs) -> None:
        from subsidies.reconciliation import runs as reconcile

        reconcile.run_fail(run_id=run_id, message=lost_worker_message(runs))


# --- reconciliation ---


def reconcile_enqueue(*, county, year: int, as_of: date | None = None, full: bool = False, user=None):
    """Record a run and hand it to the workers once the current transaction commits (a ReconciliationRun).

    With the broker down the run is marked failed (not left "running") and QueueUnavailable is raised.
    """
    from subsidies.reconciliation.runs import run_fail, run_start

    run = run_start(county=county, year=year, as_of=as_of, full=full, user=user)
    send_on_commit(reconcile_dispatch, run.pk, on_failure=lambda message: run_fail(run_id=run.pk, message=message))
    return run


@shared_task(base=RunTask, acks_late=True)
def reconcile_dispatch(run_id: int, chunks: int | None = None) -> int:
    """Fan a recorded run out into one task per part (a chord) and finish it when all are done."""
    from subsidies.models import ReconciliationRun, RunStatus
    from subsidies.reconciliation import runs as reconcile

    run = ReconciliationRun.objects.get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return 0
    if not reconcile.run_has_work(run):
        reconcile.run_finish(run_id=run_id)
        return 0
    groups = reconcile.chunk_groups(county_id=run.county_id, chunks=chunks or run.chunks_total or None)
    parts = group(reconcile_chunk.si(run_id, keys) for keys in groups)
    finish = reconcile_finish.si(run_id).on_error(reconcile_failed.si(run_id))
    chord(parts)(finish)
    return len(groups)


@shared_task(base=RunTask, acks_late=True)
def reconcile_chunk(run_id: int, keys: list[str]) -> int:
    from subsidies.reconciliation import engine as reconcile

    return reconcile.run_chunk(run_id=run_id, keys=keys)


@shared_task(base=RunTask, acks_late=True)
def reconcile_finish(run_id: int) -> dict:
    from subsidies.reconciliation import runs as reconcile

    return reconcile.run_finish(run_id=run_id).counts


@shared_task
def reconcile_failed(run_id: int) -> None:
    from django.utils import translation
    from django.utils.translation import gettext

    from subsidies.reconciliation import runs as reconcile

    with translation.override("zh-hans"):
        message = gettext("A part of the run failed; see the worker log.")
    reconcile.run_fail(run_id=run_id, message=message)


@shared_task(acks_late=True)
def reconcile_after_import(county_id: int) -> list[int]:
    """After a committed import: an incremental run for each current policy year of the county."""
    from subsidies.reconciliation.dirty import current_years
    from subsidies.reconciliation.runs import reconcile

    runs = []
    for year in current_years(county_id=county_id):
        runs.append(reconcile(county=county_id, year=year).pk)
    return runs


# --- transfers (keep at the end of the file) ---


@shared_task(acks_late=True)
def build_transfers_for_county(county_id: int, month: str) -> dict:
    """Build one county's batches for a month (ISO date of its first day). Idempotent: the database keeps it once."""
    from enrollment.models import County
    from subsidies.transfers.services import batch_build

    built = batch_build(county=County.objects.get(pk=county_id), month=date.fromisoformat(month))
    return {"batches": [b.pk for b in built.batches], "lines": built.lines, "unfunded": built.unfunded}


@shared_task(acks_late=True)
def build_transfers_for_all_counties(month: str | None = None) -> list[int]:
    """Beat, on the 1st: build the month just ended for every county that has reconciliation results."""
    from enrollment.models import County
    from enrollment.places.clock import county_today
    from subsidies.models import ReconciliationResult
    from subsidies.policies.rules import previous_month

    has_results = ReconciliationResult.objects.filter(county=OuterRef("pk"))
    counties = list(County.objects.filter(Exists(has_results)).order_by("pk"))
    for county in counties:
        # Without a month given: the month just ended on the county's own clock (the demo county's as-of date).
        first = date.fromisoformat(month) if month else previous_month(county_today(county))
        transaction.on_commit(lambda cid=county.pk, m=first: build_transfers_for_county.delay(cid, m.isoformat()))
    return [county.pk for county in counties]
