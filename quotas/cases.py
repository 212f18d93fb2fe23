"""Follow-up cases (台账, SPEC §10): one per certified person not enrolled, for their township.

`cases_sync` is set-based and idempotent: run after every reconciliation (it listens to
`subsidies.signals.reconciliation_finished`), it opens a case for every certified person whose result is
not enrolled or underpaid, closes the open ones whose person has enrolled (or is no longer certified), and
never makes a second case for a person and year — the unique constraint on FollowUpCase guarantees that
even when two runs race.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.dbstats import refresh_statistics
from enrollment.models import CaseReason, CaseStatus, FollowUpCase
from subsidies.models import ReconciliationResult

from . import evidence
from .selectors import NOT_ENROLLED_STATUSES

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaseSync:
    created: int
    closed: int
    reopened: int


def certified_not_enrolled(*, county_id: int, year: int):
    """Results of certified people (a winning identity, so a department) who are not enrolled or underpaid."""
    return ReconciliationResult.objects.filter(
        county_id=county_id, year=year, department__isnull=False, status__in=NOT_ENROLLED_STATUSES
    )


def cases_sync(*, county_id: int, year: int) -> CaseSync:
    """Open, close and re-home follow-up cases from the county's reconciliation results for the year."""
    now = timezone.now()
    pending = certified_not_enrolled(county_id=county_id, year=year).values("id_number")
    cases = FollowUpCase.objects.filter(county_id=county_id, year=year)
    with transaction.atomic():
        # INSERT … SELECT … ON CONFLICT DO NOTHING: one statement, on PostgreSQL and SQLite alike.
        case_table = connection.ops.quote_name(FollowUpCase._meta.db_table)
        result_table = connection.ops.quote_name(ReconciliationResult._meta.db_table)
        placeholders = ", ".join(["%s"] * len(NOT_ENROLLED_STATUSES))
        sql = (
            f"INSERT INTO {case_table} (county_id, year, id_number, name, township_id, village_id, department_id,"  # noqa: S608
            " status, reason, note, evidence, created_at)"
            " SELECT r.county_id, r.year, r.id_number, r.name, r.township_id, r.village_id, r.department_id,"
            " %s, '', '', '', %s"
            f" FROM {result_table} r"
            f" WHERE r.county_id = %s AND r.year = %s AND r.department_id IS NOT NULL AND r.status IN ({placeholders})"
            " ON CONFLICT (county_id, year, id_number) DO NOTHING"
        )
        params = [
            CaseStatus.OPEN,
            connection.ops.adapt_datetimefield_value(now),
            county_id,
            year,
            *NOT_ENROLLED_STATUSES,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            created = max(cursor.rowcount, 0)
        # The statements below read the cases just created: plan them with the table as it now is.
        refresh_statistics([FollowUpCase._meta.db_table], written=created)
        closed = (
            cases.filter(status=CaseStatus.OPEN)
            .exclude(id_number__in=pending)
            .update(status=CaseStatus.CLOSED, closed_at=now)
        )
        # Closed by enrolment (no reason recorded) but unenrolled again, e.g. a payment reversed: open again.
        # A case a township closed with a reason stays closed.
        reopened = cases.filter(status=CaseStatus.CLOSED, reason="", id_number__in=pending).update(
            status=CaseStatus.OPEN, closed_at=None
        )
        # Open cases follow the person's current township, village and winning department: only the rows that
        # differ are written (UPDATE … FROM, PostgreSQL and SQLite ≥ 3.39 alike), so a rerun rewrites nothing.
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {case_table} SET township_id = r.township_id, village_id = r.village_id,"  # noqa: S608
                " department_id = r.department_id"
                f" FROM {result_table} r"
                f" WHERE r.county_id = {case_table}.county_id AND r.year = {case_table}.year"
                f" AND r.id_number = {case_table}.id_number"
                f" AND {case_table}.county_id = %s AND {case_table}.year = %s AND {case_table}.status = %s"
                f" AND ({case_table}.township_id IS DISTINCT FROM r.township_id"
                f" OR {case_table}.village_id IS DISTINCT FROM r.village_id"
                f" OR {case_table}.department_id IS DISTINCT FROM r.department_id)",
                [county_id, year, CaseStatus.OPEN],
            )
    return CaseSync(created=created, closed=closed, reopened=reopened)


def on_reconciliation_finished(sender, *, run_id=None, county_id: int, year: int, **kwargs) -> None:
    """Receiver of `subsidies.signals.reconciliation_finished` (sent after the run committed)."""
    outcome = cases_sync(county_id=county_id, year=year)
    logger.info("follow-up cases after run %s: %s", run_id, outcome)


# --- recording by township staff ---------------------------------------------------------------------


def evidence_check(upload: UploadedFile) -> str:
    """The evidence kind ('pdf', 'jpeg', 'png') judged by content; ValidationError in Chinese otherwise."""
    if upload.size is not None and upload.size > evidence.MAX_EVIDENCE_BYTES:
        raise ValidationError(
            _("The evidence file is %(size)s MB; at most 10 MB is accepted.")
            % {"size": f"{upload.size / 1024 / 1024:.1f}"},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(evidence.HEAD_BYTES)
    upload.seek(0)
    kind = evidence.evidence_kind(head)
    if kind is None:
        raise ValidationError(
            _("“%(name)s” is not a PDF, JPEG or PNG file (judged by its content, not its name).")
            % {"name": upload.name},
            code="bad_type",
        )
    return kind


def case_record(
    *,
    case: FollowUpCase,
    user,
    reason: str,
    note: str,
    evidence_file: UploadedFile | None = None,
    close: bool = False,
) -> FollowUpCase:
    """Record why the person is not enrolled, with a note and evidence; optionally close the case."""
    if reason and reason not in CaseReason.values:
        raise ValidationError(_("Unknown reason."), code="reason")
    if close and not reason:
        raise ValidationError(_("Choose a reason before closing the case."), code="reason_required")
    with transaction.atomic():
        case = FollowUpCase.objects.select_for_update().get(pk=case.pk)
        if evidence_file is not None:
            kind = evidence_check(evidence_file)
            old = case.evidence.name if case.evidence else ""
            # The stored name is ours: nothing of the uploader's file name reaches the disk.
            case.evidence.save(f"{uuid.uuid4().hex}.{evidence.extension(kind)}", evidence_file, save=False)
            if old:
                transaction.on_commit(lambda: case.evidence.storage.delete(old))
        case.reason = reason
        case.note = note
        case.recorded_by = user
        case.recorded_at = timezone.now()
        if close and case.status != CaseStatus.CLOSED:
            case.status = CaseStatus.CLOSED
            case.closed_at = case.recorded_at
        case.save()
    return case
