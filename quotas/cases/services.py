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
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.dbstats import refresh_statistics
from quotas.cases import evidence
from quotas.cases.models import CaseReason, CaseStatus, FollowUpCase
from subsidies.models import ReconciliationResult, ReconciliationRun
from subsidies.reconciliation.rules import NOT_ENROLLED_STATUSES

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


def cases_sync(*, county_id: int, year: int, run_id: int | None = None) -> CaseSync:
    """Open, close and re-home follow-up cases from the county's reconciliation results for the year.

    After an incremental run (`run_id` of a run that was not full) only the people that run changed are read
    and written: the results it wrote carry its id, and when it also deleted results (people gone from register
    and rosters) the open cases left without any result. A run that changed nothing costs one query. Without a
    run, or after a full one, the whole county and year are synced.

    Every statement is a join or an anti-join (NOT EXISTS), never `NOT IN (subquery)`: PostgreSQL plans that as
    a hashed SubPlan only while the subquery fits in work_mem, and beyond it (190,000 pending IDs at the
    default 4 MB) compares every open case with every pending ID.
    """
    scope = _run_scope(run_id)
    if scope is not None and scope.changed == 0:
        return CaseSync(created=0, closed=0, reopened=0)
    now = timezone.now()
    cases = FollowUpCase.objects.filter(county_id=county_id, year=year)
    pending = certified_not_enrolled(county_id=county_id, year=year)
    same_person = {"county_id": OuterRef("county_id"), "year": OuterRef("year"), "id_number": OuterRef("id_number")}
    case_table = connection.ops.quote_name(FollowUpCase._meta.db_table)
    result_table = connection.ops.quote_name(ReconciliationResult._meta.db_table)
    run_clause, run_params = ("", []) if scope is None else (" AND r.run_id = %s", [scope.run_id])
    with transaction.atomic():
        # INSERT … SELECT … ON CONFLICT DO NOTHING: one statement, on PostgreSQL and SQLite alike.
        placeholders = ", ".join(["%s"] * len(NOT_ENROLLED_STATUSES))
        sql = (
            f"INSERT INTO {case_table} (county_id, year, id_number, name, township_id, village_id, department_id,"  # noqa: S608
            " status, reason, note, evidence, created_at)"
            " SELECT r.county_id, r.year, r.id_number, r.name, r.township_id, r.village_id, r.department_id,"
            " %s, '', '', '', %s"
            f" FROM {result_table} r"
            f" WHERE r.county_id = %s AND r.year = %s AND r.department_id IS NOT NULL AND r.status IN ({placeholders})"
            f"{run_clause}"
            " ON CONFLICT (county_id, year, id_number) DO NOTHING"
        )
        params = [
            CaseStatus.OPEN,
            connection.ops.adapt_datetimefield_value(now),
            county_id,
            year,
            *NOT_ENROLLED_STATUSES,
            *run_params,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            created = max(cursor.rowcount, 0)
        # The statements below read the cases just created: plan them with the table as it now is.
        refresh_statistics([FollowUpCase._meta.db_table], written=created)
        open_cases = cases.filter(status=CaseStatus.OPEN)
        if scope is not None:
            touched = ReconciliationResult.objects.filter(county_id=county_id, year=year, run_id=scope.run_id)
            in_run = Q(id_number__in=touched.values("id_number"))
            if scope.deleted:
                in_run |= ~Exists(ReconciliationResult.objects.filter(**same_person))
            open_cases = open_cases.filter(in_run)
        # An anti-join: the open cases whose person has no pending result any more.
        closed = open_cases.filter(~Exists(pending.filter(**same_person))).update(
            status=CaseStatus.CLOSED, closed_at=now
        )
        # Closed by enrolment (no reason recorded) but unenrolled again, e.g. a payment reversed: open again.
        # A case a township closed with a reason stays closed.
        pending_now = pending if scope is None else pending.filter(run_id=scope.run_id)
        reopened = cases.filter(Exists(pending_now.filter(**same_person)), status=CaseStatus.CLOSED, reason="").update(
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
                f" AND r.id_number = {case_table}.id_number{run_clause}"
                f" AND {case_table}.county_id = %s AND {case_table}.year = %s AND {case_table}.status = %s"
                f" AND ({case_table}.township_id IS DISTINCT FROM r.township_id"
                f" OR {case_table}.village_id IS DISTINCT FROM r.village_id"
                f" OR {case_table}.department_id IS DISTINCT FROM r.department_id)",
                [*run_params, county_id, year, CaseStatus.OPEN],
            )
    return CaseSync(created=created, closed=closed, reopened=reopened)


@dataclass(frozen=True)
class _RunScope:
    run_id: int
    changed: int  # results the run wrote or deleted
    deleted: bool  # whether it deleted some (fewer results carry its id than it changed)


def _run_scope(run_id: int | None) -> _RunScope | None:
    """What an incremental run touched, or None for a whole-county sync (no run, an unknown run, a full run)."""
    if run_id is None:
        return None
    run = ReconciliationRun.objects.filter(pk=run_id).values("full", "changed", "county_id", "year").first()
    if run is None or run["full"]:
        return None
    if run["changed"] == 0:
        return _RunScope(run_id=run_id, changed=0, deleted=False)
    written = ReconciliationResult.objects.filter(county_id=run["county_id"], year=run["year"], run_id=run_id).count()
    # A later run of the same year may have rewritten some of this run's rows (they carry its id now, and its
    # own sync follows): that reads as "deleted" here and costs one anti-join more, never a missed case.
    return _RunScope(run_id=run_id, changed=run["changed"], deleted=written < run["changed"])


def on_reconciliation_finished(sender, *, run_id=None, county_id: int, year: int, **kwargs) -> None:
    """Receiver of `subsidies.signals.reconciliation_finished` (sent after the run committed)."""
    outcome = cases_sync(county_id=county_id, year=year, run_id=run_id)
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
