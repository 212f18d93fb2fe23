"""Import jobs: a file goes from upload through a dry run (validation, staging, preview) to one-transaction commit.

The pipeline is shared by every kind; each kind is an `Importer` (`enrollment.imports.importer`) found in the
registry of kinds (`enrollment.imports.registry`): the population register (`enrollment.register.importer`),
tax payments (`enrollment.payments.importer`), identity rosters (`subsidies.rosters.importer`, registered by
subsidies, a higher layer).

- `import_job_create` stores the upload and a pending job;
- `import_job_validate` streams the file, writes accepted rows into the job's staging table, rejected rows
  into an error workbook (original columns + 错误原因), and the counts and diff into `job.summary`;
- `import_job_commit` merges in ONE transaction, announces the people it changed inside it (`people_changed`:
  reconciliation marks them dirty) and sends `import_committed` on commit; any failure leaves everything as it was;
- `import_job_cancel` drops the staging table."""

from __future__ import annotations

import datetime
import hashlib
import logging
import tempfile
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import mask_id_number
from enrollment import idnumbers
from enrollment.dbstats import refresh_statistics
from enrollment.files import writers
from enrollment.files.filenames import split_name, stored_name
from enrollment.files.readers import (
    FIELD_LABELS,
    ReadError,
    column_letter,
    field_of,
    looks_like,
    looks_like_error,
    open_table,
    text,
)
from enrollment.files.uploads import check_upload
from enrollment.imports.importer import PREVIEW_ROWS, Importer, ImportError_, Problem
from enrollment.imports.registry import importer_for
from enrollment.imports.staging import Stage
from enrollment.models import County, ImportJob, ImportKind, ImportStatus
from enrollment.signals import import_committed

log = logging.getLogger(__name__)

log = logging.getLogger(__name__)


ERROR_COLUMN = "错误原因"


PLACE_COLUMN = "原表位置"  # in the error workbook of a file read from several sheets: the sheet and row


# Kinds of file an import refuses when its headers plainly make it one (see readers.looks_like). A roster may
# carry 户号 and a register 人员类别, so only what cannot be meant is refused.
REFUSED_LOOKALIKES = {
    ImportKind.REGISTER: ("payments", "roster"),
    ImportKind.ROSTER: ("payments",),
}


# A header that is not read but names what looks like a field: a warning (SPEC §13).
LOOKALIKE_WORDS = ("日期", "时间", "金额", "类别", "档次")


SKIPPED_LABELS = {
    "blank": gettext_lazy("Blank rows"),
    "title": gettext_lazy("Titles of a further block"),
    "header": gettext_lazy("Repeated header rows"),
    "total": gettext_lazy("Total rows (合计, 总计, 小计)"),
    "footer": gettext_lazy("Footer rows (填报单位, 填表人, 审核人, 日期 …)"),
}


def import_job_create(
    *,
    kind: str,
    county: County,
    file,
    original_name: str,
    user=None,
    department=None,
    snapshot_date: datetime.date | None = None,
    year: int | None = None,
) -> ImportJob:
    """A pending job holding a copy of the uploaded file (`file`: a Django File or an open binary file)."""
    job = ImportJob(
        kind=kind,
        county=county,
        department=department,
        snapshot_date=snapshot_date,
        year=year,
        original_name=original_name[:255],
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    # Stored under a cleaned, shortened name (the original is kept above): no name can break the file system.
    job.file.save(stored_name(original_name), file if isinstance(file, File) else File(file), save=False)
    job.save()
    return job


def stage_for(job: ImportJob) -> Stage:
    return Stage(job.pk, importer_for(job).stage_columns)


def _progress(job: ImportJob, processed: int) -> None:
    ImportJob.objects.filter(pk=job.pk).update(rows_processed=processed)


def _shown(field: str, value) -> str:
    shown = text(value)
    if field == "id_number":
        return mask_id_number(idnumbers.normalise(value)) if shown else ""
    return shown[:60]


def import_job_validate(*, job_id: int) -> ImportJob:
    """The dry run: read, validate, stage the accepted rows, write the error workbook and the preview summary.

    Idempotent: a job already validated (or further) is returned unchanged.
    """
    job = ImportJob.objects.select_related("county", "department").get(pk=job_id)
    if job.status not in (ImportStatus.PENDING, ImportStatus.VALIDATING):
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATING, rows_processed=0)
    importer = importer_for(job)
    try:
        # Size and type by content, zip bombs, before any reader touches the file (accounts: bad-input suite).
        check_upload(job.file.path, max_bytes=upload_max_bytes(), original_name=job.original_name)
        table = open_table(job.file.path, required=importer.required, kind=job.kind)
    except (ReadError, OSError) as exc:
        return _finish_invalid(job, str(exc))
    with table:
        looks = looks_like(table.columns)
        if looks in REFUSED_LOOKALIKES.get(job.kind, ()):
            return _finish_invalid(job, str(looks_like_error(looks, table.headers, table.columns)))
        problems = importer.prepare(table.columns)
        if problems:
            return _finish_invalid(job, "；".join(p.reason for p in problems))
        ImportJob.objects.filter(pk=job.pk).update(rows_total=table.estimated_rows)
        try:
            summary = _validate_rows(job, importer, table)
        except ReadError as exc:
            Stage(job.pk, importer.stage_columns).drop()
            return _finish_invalid(job, str(exc))
    stage = Stage(job.pk, importer.stage_columns)
    diff, extra_warnings = importer.preview(stage)
    summary["diff"] = diff
    # The fields the file carries: the commit keeps the stored value of every other one.
    summary["fields"] = sorted(table.columns)
    summary.update(importer.summary_extra())
    for row in extra_warnings:
        row["line"] = table.line_label(row["line"])
        summary["warnings"][row["reason"]] = summary["warnings"].get(row["reason"], 0) + 1
    summary["warned_rows"] = summary["warned_rows"] + sum(1 for _w in extra_warnings)
    summary["warn_rows"] = (summary["warn_rows"] + extra_warnings)[:PREVIEW_ROWS]
    job.summary = summary
    job.rows_total = summary["rows_read"]
    job.rows_processed = summary["rows_read"]
    job.rows_accepted = summary["accepted"]
    job.rows_rejected = summary["rejected"]
    job.rows_warned = summary["warned_rows"]
    if summary["rows_read"] == 0:
        job.status = ImportStatus.INVALID
        job.message = _("The file has a header row but no data rows.")
    elif summary["accepted"] == 0:
        job.status = ImportStatus.INVALID
        job.message = _("No row could be accepted: see the reasons below and the error workbook.")
    else:
        job.status = ImportStatus.VALIDATED
        job.message = ""
    job.save()
    return job


def _finish_invalid(job: ImportJob, message: str) -> ImportJob:
    job.status = ImportStatus.INVALID
    job.message = message
    job.save(update_fields=["status", "message"])
    return job


def _compact_key(key):
    """A row's duplicate key as it is kept until the file's end: an ID number as it is, a composite key as a 16-byte
    digest of its repr (a payment's key, ID number, year, date, amount, tier and channel, took ~350 bytes a row:
    a 900,000-row payments file peaked at 529 MB)."""
    if isinstance(key, str):
        return key
    return hashlib.blake2b(repr(key).encode(), digest_size=16).digest()


def _validate_rows(job: ImportJob, importer: Importer, table) -> dict:
    stage = Stage(job.pk, importer.stage_columns)
    stage.create()
    reasons: Counter = Counter()
    warning_counts: Counter = Counter()
    bad_rows: list[dict] = []
    warn_rows: list[dict] = []
    seen: dict = {}
    read = accepted = rejected = warned = 0
    errors_book = None
    id_col = table.columns.get("id_number")
    clean = importer.clean
    add = stage.add
    # Columns are named as the file names them, so staff find them in their own sheet.
    labels = {**FIELD_LABELS, **{f: table.headers[i] or FIELD_LABELS[f] for f, i in table.columns.items()}}
    sheets = len(table.sheets) > 1
    where = table.line_label
    for line, cells in table.rows():
        read += 1
        row, key, errors, warnings = clean(line, cells)
        if row is not None and key is not None:
            key = _compact_key(key)
            first = seen.get(key)
            if first is None:
                seen[key] = line
            else:
                message = (
                    importer.duplicate_message_at % {"where": where(first)}
                    if sheets
                    else importer.duplicate_message % {"line": first}
                )
                errors.append(Problem("id_number", cells[id_col], message))
                row = None
        if errors:
            rejected += 1
            for p in errors:
                reasons[p.reason] += 1
            if len(bad_rows) < PREVIEW_ROWS:
                bad_rows.extend(
                    {
                        "line": where(line),
                        "column": labels[p.field],
                        "value": _shown(p.field, p.value),
                        "reason": p.reason,
                    }
                    for p in errors
                )
            if errors_book is None:
                errors_book = _ErrorBook(table.headers, id_col, place=sheets)
            errors_book.add(
                cells,
                "；".join(f"{labels[p.field]}：{p.reason}" for p in errors),
                place=where(line) if sheets else None,
            )
            continue
        accepted += 1
        if warnings:
            warned += 1
            for p in warnings:
                warning_counts[p.reason] += 1
            if len(warn_rows) < PREVIEW_ROWS:
                warn_rows.extend(
                    {
                        "line": where(line),
                        "column": labels[p.field],
                        "value": _shown(p.field, p.value),
                        "reason": p.reason,
                    }
                    for p in warnings
                )
        if add(row):
            _progress(job, read)
    stage.flush()
    stage.index("id_number")
    _progress(job, read)
    if errors_book is not None:
        errors_book.save_to(job)
    elif job.error_file:
        job.error_file.delete(save=False)
    return {
        "rows_read": read,
        "accepted": accepted,
        "rejected": rejected,
        "warned_rows": warned,
        "reasons": dict(reasons.most_common()),
        "warnings": dict(warning_counts.most_common()),
        "bad_rows": bad_rows[:PREVIEW_ROWS],
        "warn_rows": warn_rows[:PREVIEW_ROWS],
        "columns": [FIELD_LABELS[f] for f in table.columns if importer.fields is None or f in importer.fields],
        **_read_facts(importer, table),
        "format": table.format,
        "encoding": table.encoding,
    }


def _read_facts(importer: Importer, table) -> dict:
    """What the reader did with the file, for the preview and the command's summary: the sheets read and skipped,
    the rows that are not people, the columns not imported, and what looks amiss in the header."""
    used = {i for f, i in table.columns.items() if importer.fields is None or f in importer.fields}
    ignored: list[str] = []
    file_warnings = list(table.warnings)
    for index, label in enumerate(table.headers):
        if not label or index in used:
            continue
        ignored.append(label)
        # A header matched to no field that names a date, an amount, a category or a tier: likely a field misnamed.
        if field_of(label) is None and any(word in label for word in LOOKALIKE_WORDS):
            file_warnings.append(
                _("The column %(column)s (%(label)s) looks like a known field but is not imported.")
                % {"column": column_letter(index), "label": label}
            )
    for label in table.dropped_columns:
        if label not in ignored:
            ignored.append(label)
    skipped = [
        {"kind": kind, "label": str(SKIPPED_LABELS[kind]), "count": table.skipped[kind]}
        for kind in SKIPPED_LABELS
        if table.skipped.get(kind)
    ]
    return {
        "ignored_columns": ignored,
        "file_warnings": file_warnings,
        "sheets": table.sheets,
        "skipped_sheets": table.skipped_sheets,
        "skipped_rows": skipped,
        "skipped_total": sum(table.skipped.values()),
        "skipped_lines": [
            {**entry, "label": str(SKIPPED_LABELS[entry["kind"]])} for entry in table.skipped_lines[:PREVIEW_ROWS]
        ],
    }


class _ErrorBook:
    """The rejected rows as an .xlsx: the original columns plus 错误原因, the ID column stored as text."""

    def __init__(self, headers: list[str], id_col: int | None, *, place: bool = False):
        from openpyxl import Workbook

        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("错误行")
        self.id_col = id_col
        self.width = len(headers)
        writers.append(self.sheet, [*headers, ERROR_COLUMN, *([PLACE_COLUMN] if place else [])])

    def add(self, cells: list, reason: str, *, place=None) -> None:
        # Every cell as uploaded, through the formula-safe writer: text stays text, whatever it starts with.
        row = []
        values = list(cells[: self.width]) + [None] * (self.width - len(cells))
        for index, value in enumerate(values):
            if index == self.id_col:
                # A text as uploaded; a number cell as its digits (never 6.20721E+17), stored as text.
                shown = value if value is None or isinstance(value, str) else idnumbers.normalise(value) or text(value)
                row.append(writers.cell(self.sheet, shown, number_format="@"))
            else:
                row.append(value)
        row.append(reason)
        if place is not None:
            row.append(place)
        writers.append(self.sheet, row)

    def save_to(self, job: ImportJob) -> None:
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
            self.book.save(tmp.name)
            tmp.seek(0)
            if job.error_file:
                job.error_file.delete(save=False)
            name = f"{split_name(stored_name(job.original_name, default='import'))[0]}-错误行.xlsx"
            job.error_file.save(name, File(tmp), save=False)
        ImportJob.objects.filter(pk=job.pk).update(error_file=job.error_file.name)


def removals_unconfirmed(job: ImportJob, confirm_removals: int | None) -> str | None:
    """Why this previewed job needs a (different) confirmation of the people it removes; None if it needs none.

    A roster version that would remove more than `ROSTER_REMOVAL_CONFIRM_SHARE` of the previous version's
    people is committed only with `confirm_removals` equal to the number it removes.
    """
    return importer_for(job).unconfirmed(job.summary or {}, confirm_removals)


def import_job_commit(*, job_id: int, skip_rejected: bool = False, confirm_removals: int | None = None) -> ImportJob:
    """Merge a validated job in ONE transaction; on any failure nothing changes and the job is marked failed.

    A register or payments job with rejected rows is committed only when `skip_rejected`. A roster never: it is
    a full snapshot, and one with holes would end the identities of the people on its bad rows (whose ID
    number may be the damaged part, so they cannot even be told apart). A roster version that removes a large
    share of the previous one's people needs `confirm_removals` (`removals_unconfirmed`).
    """
    job = ImportJob.objects.select_related("county", "department").get(pk=job_id)
    if job.status == ImportStatus.COMMITTED:
        return job
    if job.status not in (ImportStatus.VALIDATED, ImportStatus.COMMITTING, ImportStatus.FAILED):
        raise ImportError_(_("Only a validated import can be committed."))
    if job.rows_rejected and (job.kind == ImportKind.ROSTER or not skip_rejected):
        raise ImportError_(rejected_message(job))
    importer = importer_for(job)
    unconfirmed = importer.unconfirmed(job.summary or {}, confirm_removals)
    if unconfirmed:
        raise ImportError_(unconfirmed)
    importer.confirmed_removals = confirm_removals
    stage = Stage(job.pk, importer.stage_columns)
    if not stage.exists():
        job.status = ImportStatus.FAILED
        job.message = _("The validated rows are no longer available: upload the file again.")
        job.save(update_fields=["status", "message"])
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.COMMITTING)
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # The merge writes every index of the touched tables; do not wait for the WAL flush at COMMIT.
                # Atomicity is unchanged (the job row commits with the data); a crash in the next ~0.2 s may
                # lose the whole import, never part of it. The merge's hash joins and DISTINCTs over a few
                # hundred thousand rows fit in 64 MB instead of spilling to disk in batches.
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL synchronous_commit TO OFF")
                    cur.execute("SET LOCAL work_mem TO '64MB'")
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if locked.status == ImportStatus.COMMITTED:
                return locked
            result = importer.commit(stage)
            refresh_statistics(importer.written_tables, written=_rows_written(result))
            job.summary = {**job.summary, "result": result}
            job.status = ImportStatus.COMMITTED
            job.committed_at = timezone.now()
            job.message = ""
            job.save()
            stage.drop()
            county_id, kind, pk = job.county_id, job.kind, job.pk
            transaction.on_commit(
                lambda: import_committed.send(sender=ImportJob, job_id=pk, county_id=county_id, kind=kind)
            )
    except Exception as exc:
        log.exception("import %s failed to commit", job.pk)
        job.refresh_from_db()
        job.status = ImportStatus.FAILED
        job.message = _("The import failed and nothing was changed: %(error)s") % {"error": str(exc)[:500]}
        job.save(update_fields=["status", "message"])
    return job


def can_skip_rejected(kind: str) -> bool:
    """Whether a job of this kind may be committed without its rejected rows (never a roster: see commit)."""
    return kind != ImportKind.ROSTER


def rejected_message(job: ImportJob) -> str:
    """Why a job with rejected rows is not committed, for the page and the commands."""
    if not can_skip_rejected(job.kind):
        return _(
            "%(count)s rows were rejected: a roster is the complete list and is taken whole: fix them and upload "
            "the file again."
        ) % {"count": job.rows_rejected}
    return _("%(count)s rows were rejected: fix them and upload the file again.") % {"count": job.rows_rejected}


def _rows_written(result: dict) -> int:
    return sum(result.get(key, 0) for key in ("added", "changed", "removed"))


def import_job_revalidate(*, job_id: int) -> ImportJob:
    """Back to a pending dry run of the same uploaded file (after an alias was added, say): no upload again.

    Only a job that was not committed and is not running; its staged rows and error workbook are dropped.
    """
    job = ImportJob.objects.get(pk=job_id)
    if job.status not in (ImportStatus.VALIDATED, ImportStatus.INVALID, ImportStatus.FAILED):
        raise ImportError_(_("Only an import that was checked and not committed can be checked again."))
    stage_for(job).drop()
    if job.error_file:
        job.error_file.delete(save=False)
    job.status = ImportStatus.PENDING
    job.summary = {}
    job.message = ""
    job.rows_total = job.rows_processed = job.rows_accepted = job.rows_rejected = job.rows_warned = 0
    job.save()
    return job


def import_job_cancel(*, job_id: int) -> ImportJob:
    job = ImportJob.objects.get(pk=job_id)
    if job.status == ImportStatus.COMMITTED:
        raise ImportError_(_("A committed import cannot be cancelled."))
    stage_for(job).drop()
    job.status = ImportStatus.CANCELLED
    job.save(update_fields=["status"])
    return job


def import_job_stop(*, job_id: int, message: str) -> None:
    """A job that cannot go on (its task kept killing the worker): failed with `message`, its staging dropped.

    A committed or cancelled job stays as it is; a commit that died was rolled back with its connection.
    """
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status in (ImportStatus.COMMITTED, ImportStatus.CANCELLED):
        return
    stage_for(job).drop()
    ImportJob.objects.filter(pk=job_id).exclude(status__in=[ImportStatus.COMMITTED, ImportStatus.CANCELLED]).update(
        status=ImportStatus.FAILED, message=message
    )


def import_file(
    *,
    kind: str,
    county: County,
    path: str | Path,
    user=None,
    department=None,
    snapshot_date: datetime.date | None = None,
    skip_rejected: bool = False,
    confirm_removals: int | None = None,
) -> ImportJob:
    """Create, validate and (when allowed) commit a job from a file on disk: the management commands' path.

    A job left validated (rejected rows, or removals not confirmed: `removals_unconfirmed`) is not committed.
    """
    path = Path(path)
    with path.open("rb") as fh:
        job = import_job_create(
            kind=kind,
            county=county,
            file=File(fh),
            original_name=path.name,
            user=user,
            department=department,
            snapshot_date=snapshot_date,
        )
    job = import_job_validate(job_id=job.pk)
    if (
        job.status == ImportStatus.VALIDATED
        and (not job.rows_rejected or (skip_rejected and can_skip_rejected(job.kind)))
        and not removals_unconfirmed(job, confirm_removals)
    ):
        job = import_job_commit(job_id=job.pk, skip_rejected=skip_rejected, confirm_removals=confirm_removals)
    return job


def upload_max_bytes() -> int:
    return settings.UPLOAD_MAX_BYTES
