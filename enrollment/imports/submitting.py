"""Starting an import's dry run and its commit on the queue: what the upload page and the REST API both do.

`import_job_start` stores the upload as a pending job and queues its dry run once the request commits;
`import_job_confirm` applies the page's rules (only a validated job; a roster with rejected rows never; removals
beyond the share confirmed by their number) and queues the one-transaction commit. A broker that is down is
reported (the returned message) and leaves the job saying why, never waiting for ever.
"""

from __future__ import annotations

import datetime

from config.queue import QueueUnavailable, send_on_commit
from enrollment.imports.importer import ImportError_
from enrollment.imports.pipeline import can_skip_rejected, import_job_create, rejected_message, removals_unconfirmed
from enrollment.models import County, ImportJob, ImportStatus
from enrollment.tasks import commit_import, validate_import


class RemovalsUnconfirmed(ImportError_):
    """The roster version removes a large share of the previous one's people: confirm their number."""


def _job_stopped(job_id: int, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.FAILED, message=message)


def import_job_start(
    *,
    kind: str,
    county: County,
    upload,
    user,
    department=None,
    snapshot_date: datetime.date | None = None,
) -> tuple[ImportJob, str | None]:
    """A pending job of `upload` (already checked by the upload form) and its dry run queued on commit.

    Returns the job and, when the queue refused it, the message saying so (the job is then marked failed).
    """
    job = import_job_create(
        kind=kind,
        county=county,
        file=upload,
        original_name=upload.name,
        user=user,
        department=department,
        snapshot_date=snapshot_date,
    )
    try:
        send_on_commit(validate_import, job.pk, on_failure=lambda message: _job_stopped(job.pk, message))
    except QueueUnavailable as exc:
        return job, str(exc)
    return job, None


def import_job_confirm(
    *, job: ImportJob, skip_rejected: bool = False, confirm_removals: int | None = None
) -> str | None:
    """Queue the commit of a previewed job; ImportError_ (RemovalsUnconfirmed) saying why it may not be committed.

    `skip_rejected` counts only for the kinds that may leave rows out (never a roster). Returns the queue's
    message when it refused the commit (the job is back to "preview ready"), else None.
    """
    skip = skip_rejected and can_skip_rejected(job.kind)
    if job.status != ImportStatus.VALIDATED:
        raise ImportError_(_only_validated())
    if job.rows_rejected and not skip:
        raise ImportError_(rejected_message(job))
    unconfirmed = removals_unconfirmed(job, confirm_removals)
    if unconfirmed:
        raise RemovalsUnconfirmed(unconfirmed)
    moved = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATED).update(status=ImportStatus.COMMITTING)
    if not moved:  # another request confirmed it first
        raise ImportError_(_only_validated())
    try:
        # Broker down: back to "preview ready" so the user can confirm again later; nothing was changed.
        send_on_commit(
            commit_import,
            job.pk,
            skip,
            confirm_removals,
            on_failure=lambda message: ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.VALIDATED, message=message
            ),
        )
    except QueueUnavailable as exc:
        return str(exc)
    return None


def _only_validated() -> str:
    from django.utils.translation import gettext as _

    return _("Only a validated import can be committed.")
