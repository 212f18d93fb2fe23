"""Import jobs: a file goes from upload through a dry run (validation, staging, preview) to one-transaction commit.

The pipeline is shared by the three kinds; each kind is an `Importer` that cleans one row (Python, lean:
it runs a million times) and merges the staging table with set-based SQL. The population register and
tax payments live here; identity rosters in `subsidies/rosters/importer.py`.

- `import_job_create` stores the upload and a pending job;
- `import_job_validate` streams the file, writes accepted rows into the job's staging table, rejected rows
  into an error workbook (original columns + 错误原因), and the counts and diff into `job.summary`;
- `import_job_commit` merges in ONE transaction, marks changed people dirty for reconciliation and sends
  `import_committed` on commit; any failure leaves everything as it was;
- `import_job_cancel` drops the staging table."""

from __future__ import annotations

import datetime
import logging
import tempfile
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
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
    TierChoice,
    TierError,
    column_letter,
    field_of,
    is_month_only,
    looks_like,
    looks_like_error,
    name_damaged,
    open_table,
    parse_amount,
    parse_bool,
    parse_date,
    parse_int,
    parse_tier,
    text,
    tiers_fitting,
)
from enrollment.files.uploads import check_upload
from enrollment.imports.staging import Stage, is_postgres, sql_distinct
from enrollment.models import County, ImportJob, ImportKind, ImportStatus, Township
from enrollment.signals import import_committed
from subsidies.reconciliation.engine import mark_dirty
from subsidies.rosters.labels import township_key, village_key

log = logging.getLogger(__name__)


PREVIEW_ROWS = 200


_CENT = Decimal("0.01")


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


# Advisory lock namespace serialising register merges (see RegisterImporter.commit).
REGISTER_LOCK_NAMESPACE = 7301


class ImportError_(Exception):
    """A job that cannot go the way asked (wrong state, rejected rows); the message is for the user."""


@dataclass
class Problem:
    field: str
    value: object
    reason: str


class Importer:
    """One kind of import: which fields it needs, how to clean a row, how to preview and merge the staging table."""

    kind: str = ""
    required: tuple[str, ...] = ("id_number",)
    # The fields `clean` reads (None: every recognised one); other columns are listed as ignored.
    fields: tuple[str, ...] | None = None
    stage_columns: list[tuple[str, str]] = []
    duplicate_message = ""
    # The tables `commit` bulk-writes, whose planner statistics are refreshed before the merge commits.
    written_tables: tuple[str, ...] = ()

    def __init__(self, job: ImportJob):
        self.job = job
        self.county = job.county
        self.today = datetime.date.today()

    def prepare(self, columns: dict[str, int]) -> list[Problem]:
        """Called once with the recognised columns; returns file-level problems (a missing column)."""
        self.columns = columns
        return []

    def clean(self, line: int, cells: list) -> tuple[tuple | None, object, list[Problem], list[Problem]]:
        """(staging row or None, duplicate key, errors, warnings) for one file row."""
        raise NotImplementedError

    @property
    def duplicate_message_at(self):
        """The duplicate message naming a place of a workbook read from several sheets (%(where)s)."""
        return _("The ID number already appears at %(where)s.")

    def name_warning(self, name: str, warnings: list[Problem]) -> None:
        if name_damaged(name):
            warnings.append(Problem("name", name, _("The name holds “?” or “�”: a character lost by an export.")))

    def date_warning(self, field: str, raw, warnings: list[Problem]) -> None:
        if is_month_only(raw):
            warnings.append(Problem(field, raw, _("The date names a month only: read as its first day.")))

    def preview(self, stage: Stage) -> tuple[dict, list[dict]]:
        """Counts of what a commit would do, and extra per-row warnings found against the database."""
        return {}, []

    def commit(self, stage: Stage) -> dict:
        raise NotImplementedError

    # The number of removals the user confirmed (`import_job_commit(confirm_removals=...)`), for `commit` to check.
    confirmed_removals: int | None = None

    def unconfirmed(self, summary: dict, confirm_removals: int | None) -> str | None:
        """Why the previewed job may not be committed with this confirmation (None: it may)."""
        return None

    def summary_extra(self) -> dict:
        """More of the dry run for the preview page, once every row was cleaned (e.g. the unknown labels)."""
        return {}

    # helpers for subclasses
    def cell(self, cells: list, name: str):
        index = self.columns.get(name)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def check_id(self, raw, errors: list[Problem], warnings: list[Problem]) -> idnumbers.IdCheck:
        result = idnumbers.check(raw, today=self.today)
        if result.errors:
            errors.extend(Problem("id_number", raw, idnumbers.message(c)) for c in result.errors)
        elif result.warnings:
            warnings.extend(Problem("id_number", raw, idnumbers.message(c)) for c in result.warnings)
        return result


def given_fields(importer: Importer, optional: tuple[str, ...]) -> set[str]:
    """Which of the `optional` fields the file has a column for: from the recognised columns while validating,
    from the job's summary when committing (a job validated before the summary recorded them: all)."""
    columns = getattr(importer, "columns", None)
    if columns is None:
        columns = importer.job.summary.get("fields", optional) if importer.job.summary else optional
    return {f for f in optional if f in columns}


def importer_for(job: ImportJob) -> Importer:
    if job.kind == ImportKind.REGISTER:
        return RegisterImporter(job)
    if job.kind == ImportKind.PAYMENTS:
        return PaymentsImporter(job)
    if job.kind == ImportKind.ROSTER:
        from subsidies.rosters.importer import RosterImporter

        return RosterImporter(job)
    raise ImportError_(_("This kind of import is not supported here."))


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


def _text_field(value, limit: int) -> str:
    return text(value)[:limit]


class RegisterImporter(Importer):
    """Persons and households with their township and village. Places and households are created as needed."""

    kind = ImportKind.REGISTER
    required = ("id_number", "name")
    fields = ("id_number", "name", "township", "village", "household", "relation", "group", "student")
    written_tables = ("enrollment_person", "enrollment_household", "subsidies_dirtyperson")
    stage_columns = [
        ("line", "int"),
        ("id_number", "text"),
        ("name", "text"),
        ("sex", "text"),
        ("birth_date", "date"),
        ("township", "text"),
        ("village", "text"),
        ("household", "text"),
        ("relation", "text"),
        ("grp", "text"),
        ("student", "int"),
        ("id_warning", "text"),
    ]

    @property
    def duplicate_message(self):
        return _("The ID number already appears on line %(line)s.")

    def prepare(self, columns):
        super().prepare(columns)
        c = columns.get
        self._idx = (c("id_number"), c("name"), c("township"), c("village"), c("household"), c("relation"))
        self._grp, self._student = c("group"), c("student")
        self._msg_name = _("The name is empty.")
        self._msg_long = _("The text is too long.")
        self._msg_village = _("A village needs its township.")
        self._msg_ambiguous = _("The name fits several places of this county (%(list)s): write one of them.")
        self._msg_read_as = _("“%(name)s” was read as “%(place)s”.")
        # Place names resolved against the county's townships and villages (马蹄乡 → 马蹄藏族乡), each distinct pair
        # once; a name no stored place fits is a new place, listed in the preview and created only by the commit.
        from subsidies.rosters.importer import place_index

        self._places = place_index(county=self.county)
        self._place_memo: dict = {}
        self._new_townships: dict[str, str] = {}
        self._new_villages: dict[tuple[str, str], str] = {}
        if "village" in columns and "township" not in columns:
            return [
                Problem(
                    "village",
                    "",
                    _(
                        "The file has a village column but no township column: a village is "
                        "found within its township, so add the township column."
                    ),
                )
            ]
        return []

    def clean(self, line, cells):
        i_id, i_name, i_tw, i_vil, i_hh, i_rel = self._idx
        n = len(cells)
        raw_id = cells[i_id] if i_id < n else None
        errors: list[Problem] = []
        warnings: list[Problem] = []
        checked = idnumbers.check(raw_id, today=self.today)
        if checked.errors:
            errors.append(Problem("id_number", raw_id, idnumbers.message(checked.errors[0])))
        elif checked.warnings:
            warnings.extend(Problem("id_number", raw_id, idnumbers.message(w)) for w in checked.warnings)
        name = cells[i_name] if i_name < n else None
        name = name.strip() if name.__class__ is str else text(name)
        if not name:
            errors.append(Problem("name", "", self._msg_name))
        elif len(name) > 50:
            errors.append(Problem("name", name, self._msg_long))
        else:
            self.name_warning(name, warnings)
        township = text(cells[i_tw]) if i_tw is not None and i_tw < n else ""
        village = text(cells[i_vil]) if i_vil is not None and i_vil < n else ""
        if village and not township:
            errors.append(Problem("village", village, self._msg_village))
        if len(township) > 50:
            errors.append(Problem("township", township, self._msg_long))
        if len(village) > 50:
            errors.append(Problem("village", village, self._msg_long))
        if township and not errors:
            township, village, problem, warning = self._place(township, village)
            if problem is not None:
                errors.append(problem)
            elif warning is not None:
                warnings.append(warning)
        household = text(cells[i_hh]) if i_hh is not None and i_hh < n else ""
        if len(household) > 32:
            errors.append(Problem("household", household, self._msg_long))
        relation = text(cells[i_rel])[:20] if i_rel is not None and i_rel < n else ""
        grp = text(cells[self._grp])[:30] if self._grp is not None and self._grp < n else ""
        student = parse_bool(cells[self._student]) if self._student is not None and self._student < n else False
        if errors:
            return None, None, errors, warnings
        value = checked.value
        row = (
            line,
            value,
            name,
            checked.sex,
            checked.birth_date,
            township,
            village,
            household,
            relation,
            grp,
            1 if student else 0,
            ",".join(checked.warnings)[:60],
        )
        return row, value, errors, warnings

    def _place(self, township: str, village: str):
        """(township, village, error, warning): the stored names they fit, or new places spelt as the file first
        spells them (a later 马蹄乡 for a new 马蹄 is read as 马蹄, with a warning). Memoised per distinct pair."""
        key = (township, village)
        found = self._place_memo.get(key)
        if found is not None:
            return found
        error = warning = None
        places = self._places
        stored, candidates = places.township(township)
        if candidates:
            error = Problem("township", township, self._msg_ambiguous % {"list": "、".join(candidates)})
            found = (township, village, error, None)
        else:
            name = stored or self._new_townships.setdefault(township_key(township), township)
            if name != township:
                warning = Problem("township", township, self._msg_read_as % {"name": township, "place": name})
            place = village
            if village and error is None:
                stored_village, candidates = places.village(name, village) if stored else (None, ())
                if candidates:
                    error = Problem("village", village, self._msg_ambiguous % {"list": "、".join(candidates)})
                else:
                    place = stored_village or self._new_villages.setdefault((name, village_key(village)), village)
                    if place != village and warning is None:
                        warning = Problem("village", village, self._msg_read_as % {"name": village, "place": place})
            found = (name, place, error, warning)
        if len(self._place_memo) < 100_000:
            self._place_memo[key] = found
        return found

    @property
    def given(self) -> set[str]:
        """The optional fields whose column the file carries; the others keep each person's stored value."""
        return given_fields(self, _OPTIONAL_FIELDS)

    def _new_places(self, cur, s: str) -> tuple[list[str], list[list[str]]]:
        """The townships and villages a commit now would create: named in the file, not in the county (one pass
        over the staged rows; the distinct places are few)."""
        cur.execute(
            f"SELECT DISTINCT s.township, s.village, t.id IS NULL, v.id IS NULL FROM {s} s "
            "LEFT JOIN enrollment_township t ON t.county_id = %s AND t.name = s.township "
            "LEFT JOIN enrollment_village v ON v.township_id = t.id AND v.name = s.village "
            "WHERE s.township <> '' AND (t.id IS NULL OR (s.village <> '' AND v.id IS NULL))",
            [self.county.pk],
        )
        townships, villages = set(), set()
        for township, village, new_township, new_village in cur.fetchall():
            if new_township:
                townships.add(township)
            if village and new_village:
                villages.add((township, village))
        # By code point, the same on either database.
        return sorted(townships), [list(v) for v in sorted(villages)]

    def summary_extra(self):
        return {"new_places": self._listed} if hasattr(self, "_listed") else {}

    def preview(self, stage):
        s = stage.name
        differs = _person_differs("p", "s", place_by_name=True, given=self.given)
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT count(*), SUM(CASE WHEN p.id IS NULL THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN p.id IS NOT NULL AND ({differs}) THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN p.id IS NOT NULL AND p.county_id <> %s THEN 1 ELSE 0 END) "
                f"FROM {s} s LEFT JOIN enrollment_person p ON p.id_number = s.id_number "
                f"LEFT JOIN enrollment_township pt ON pt.id = p.township_id "
                f"LEFT JOIN enrollment_village pv ON pv.id = p.village_id "
                f"LEFT JOIN enrollment_household ph ON ph.id = p.household_id WHERE true",
                [self.county.pk, self.county.pk],
            )
            total, added, changed, moved = (v or 0 for v in cur.fetchone())
            townships, villages = self._new_places(cur, s)
        # The preview lists every place the commit will create (the commit refuses to create any other).
        self._listed = {"townships": townships, "villages": villages}
        return {
            "rows": total,
            "added": added,
            "changed": changed,
            "unchanged": total - added - changed,
            "moved_from_other_county": moved,
            "new_townships": len(townships),
            "new_villages": len(villages),
        }, []

    def commit(self, stage):
        s = stage.name
        r = f"{s}_resolved"
        county = self.county.pk
        now = timezone.now()
        with connection.cursor() as cur:
            if is_postgres():
                # Register merges are serialised (new people are inserted without an upsert's per-row arbiter
                # probe); another register commit waits here, then sees this one's people as existing.
                cur.execute("SELECT pg_advisory_xact_lock(%s, 0)", [REGISTER_LOCK_NAMESPACE])
            # Only the places the preview listed are created: anything else fails the commit (nothing changes).
            listed = (self.job.summary or {}).get("new_places") or {"townships": [], "villages": []}
            cur.execute(
                "INSERT INTO enrollment_township (county_id, code, name) "
                f"SELECT DISTINCT %s, '', township FROM {s} WHERE township <> '' "
                "ON CONFLICT (county_id, name) DO NOTHING RETURNING name",
                [county],
            )
            unlisted = {row[0] for row in cur.fetchall()} - set(listed["townships"])
            cur.execute(
                "INSERT INTO enrollment_village (township_id, code, name) "
                f"SELECT DISTINCT t.id, '', s.village FROM {s} s "
                "JOIN enrollment_township t ON t.county_id = %s AND t.name = s.township WHERE s.village <> '' "
                "ON CONFLICT (township_id, name) DO NOTHING RETURNING township_id, name",
                [county],
            )
            created = cur.fetchall()
            if created:
                names = dict(Township.objects.filter(county_id=county).values_list("pk", "name"))
                unlisted |= {(names[t], v) for t, v in created} - {tuple(v) for v in listed["villages"]}
            if unlisted:
                raise ImportError_(_("The file names places its preview did not list: validate the file again."))
            # New households numbered in the order the file first names them: the people, inserted below in the
            # order the merge reads the staged rows (the file's, when it hashes the places and households, as on a
            # million rows), then append to the household index instead of writing all over it (for a million
            # people: 3.3 s of household-index writes in the hash order of a DISTINCT, about 2 s in this order).
            cur.execute(
                "INSERT INTO enrollment_household (county_id, number) "
                f"SELECT %s, s.household FROM {s} s WHERE s.household <> '' AND NOT EXISTS "
                "(SELECT 1 FROM enrollment_household h WHERE h.county_id = %s AND h.number = s.household) "
                "GROUP BY s.household ORDER BY min(s.line)",
                [county, county],
            )
            # Every row with its places resolved and what it does to the register, computed once:
            # change 1 = a new person, 2 = a changed one, 0 = unchanged. A field whose column the file does not
            # carry takes the stored value (places and household only within the same county: they are its own).
            values = _kept_values("p", "x", county=int(county), given=self.given)
            differs = _person_differs("p", "x", place_by_name=False, given=self.given, values=values)
            cur.execute(f"DROP TABLE IF EXISTS {r}")
            cur.execute(
                f"CREATE {'UNLOGGED ' if is_postgres() else ''}TABLE {r} AS "
                "SELECT x.id_number, x.name, x.sex, x.birth_date, x.county_id, x.id_warning, "
                + ", ".join(f"{values[f]} AS {f}" for f in _KEPT_COLUMNS)
                + ", p.id AS person_id, p.county_id AS old_county_id, "
                f"CASE WHEN p.id IS NULL THEN 1 WHEN ({differs}) THEN 2 ELSE 0 END AS change FROM ("
                "SELECT s.id_number, s.name, s.sex, s.birth_date, %s AS county_id, t.id AS township_id, "
                'v.id AS village_id, h.id AS household_id, s.relation, s.grp AS "group", '
                f"s.student = 1 AS is_student, s.id_warning FROM {s} s "
                "LEFT JOIN enrollment_township t ON t.county_id = %s AND t.name = s.township "
                "LEFT JOIN enrollment_village v ON v.township_id = t.id AND v.name = s.village "
                "LEFT JOIN enrollment_household h ON h.county_id = %s AND h.number = s.household"
                ") x LEFT JOIN enrollment_person p ON p.id_number = x.id_number",
                [county, county, county],
            )
            cur.execute(
                f"SELECT count(*), SUM(CASE WHEN change = 1 THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN change = 2 THEN 1 ELSE 0 END) FROM {r}"
            )
            total, added, changed = (v or 0 for v in cur.fetchone())
            mark_dirty(
                cur,
                county_id=county,
                now=now,
                select_ids_sql=f"SELECT id_number FROM {r} WHERE change > 0",
                count=added + changed,
            )
            # People moving in from another county are dirty there too (their old result must be recomputed).
            cur.execute(f"SELECT DISTINCT old_county_id FROM {r} WHERE old_county_id <> %s", [county])
            for (old_county,) in cur.fetchall():
                mark_dirty(
                    cur,
                    county_id=old_county,
                    now=now,
                    select_ids_sql=f"SELECT id_number FROM {r} WHERE old_county_id = %s",
                    params=[old_county],
                )
            fields = [*_PERSON_FIELDS, *_PERSON_KEYS, '"group"', "is_student"]
            cur.execute(
                "UPDATE enrollment_person AS p SET "
                + ", ".join(f"{f} = x.{f}" for f in fields)
                + f", updated_at = %s FROM {r} x WHERE p.id = x.person_id AND x.change = 2",
                [now],
            )
            columns = ", ".join(["id_number", *fields])
            cur.execute(
                f"INSERT INTO enrollment_person ({columns}, updated_at) SELECT {columns}, %s FROM {r} WHERE change = 1",
                [now],
            )
            cur.execute(f"DROP TABLE {r}")
        return {"rows": total, "added": added, "changed": changed, "unchanged": total - added - changed}


_PERSON_FIELDS = ("name", "sex", "birth_date", "relation", "id_warning")


_PERSON_KEYS = ("county_id", "township_id", "village_id", "household_id")


# Register fields a file may leave out (its column absent): then each person keeps the stored value.
_OPTIONAL_FIELDS = ("township", "village", "household", "relation", "group", "student")


# The merge's columns for them, in the resolved table.
_KEPT_COLUMNS = ("township_id", "village_id", "household_id", "relation", '"group"', "is_student")


def _kept_values(p: str, x: str, *, county: int, given: set[str]) -> dict[str, str]:
    """SQL per merge column: the file's value `x.*` where its column is given, else the stored person's `p.*`.

    Places and the household belong to a county: a person moving in from another county keeps none of them.
    A township given without a village keeps the stored village while the township stays the same.
    """
    same_county = f"{p}.county_id = {county}"
    values = {
        "township_id": f"{x}.township_id"
        if "township" in given
        else f"CASE WHEN {same_county} THEN {p}.township_id END",
        "household_id": (
            f"{x}.household_id" if "household" in given else f"CASE WHEN {same_county} THEN {p}.household_id END"
        ),
        "relation": f"{x}.relation" if "relation" in given else f"COALESCE({p}.relation, '')",
        '"group"': f'{x}."group"' if "group" in given else f"COALESCE({p}.\"group\", '')",
        "is_student": f"{x}.is_student" if "student" in given else f"COALESCE({p}.is_student, {x}.is_student)",
    }
    if "village" in given:
        values["village_id"] = f"{x}.village_id"
    elif "township" in given:
        values["village_id"] = f"CASE WHEN {same_county} AND {p}.township_id = {x}.township_id THEN {p}.village_id END"
    else:
        values["village_id"] = f"CASE WHEN {same_county} THEN {p}.village_id END"
    return values


def _person_differs(p: str, r: str, *, place_by_name: bool, given: set[str], values: dict | None = None) -> str:
    """SQL: the register row `r` differs from the stored person `p` (places by id, or by name for the preview).

    Only the fields the file gives are compared (the others keep their stored value), and the county.
    """
    parts = [sql_distinct(f"{p}.{f}", f"{r}.{f}") for f in _PERSON_FIELDS if f != "relation"]
    if place_by_name:
        compared = {
            "township": f"COALESCE(pt.name, '') <> {r}.township",
            "village": f"COALESCE(pv.name, '') <> {r}.village",
            "household": f"COALESCE(ph.number, '') <> {r}.household",
            "relation": f"{p}.relation <> {r}.relation",
            "group": f'{p}."group" <> {r}.grp',
            "student": f"{p}.is_student <> ({r}.student = 1)",
        }
        parts += [sql for field, sql in compared.items() if field in given]
        parts.append(f"{p}.county_id <> %s")
    else:
        parts.append(sql_distinct(f"{p}.county_id", f"{r}.county_id"))
        parts += [sql_distinct(f"{p}.{column}", values[column]) for column in _KEPT_COLUMNS]
    return " OR ".join(parts)


@dataclass(frozen=True)
class _YearTiers:
    """What a payment file is checked against for one benefit year: the policy's tiers, the amounts each tier
    explains (its standards, the dues of every category of the policy in it, a mid-year price), and the amount
    beyond which a payment is implausible (twice the highest of them)."""

    tiers: tuple[TierChoice, ...]
    explained: dict[int, frozenset[Decimal]]
    limit: Decimal


def payment_tiers(*, county: County) -> dict[int, _YearTiers]:
    """Benefit year → the county's tiers as a payment import checks them (a fixed handful of queries per policy).

    Tier inference uses the dues of every category of the policy, not the person's own: the person's categories on
    the payment day come from rosters that may arrive after the tax file, and reconciliation decides which one
    wins; the policy's amounts do not change with them.
    """
    from subsidies.models import Policy, Tier
    from subsidies.policies import rules
    from subsidies.policies.selectors import policy_rules_build

    names = {(t.policy_id, t.number): t.name for t in Tier.objects.filter(policy__county=county)}
    found: dict[int, _YearTiers] = {}
    for policy in Policy.objects.filter(county=county):
        snapshot = policy_rules_build(policy=policy)
        if not snapshot.tiers:
            continue
        choices, explained, highest = [], {}, Decimal(0)
        for number, tier in sorted(snapshot.tiers.items()):
            choices.append(TierChoice(number, names.get((policy.pk, number), ""), tier.standard, tier.student_standard))
            amounts = {s for s in (tier.standard, tier.student_standard) if s is not None}
            for window in snapshot.mid_year:
                if window.price == rules.PRICE_STANDARD_PLUS_FISCAL and window.fiscal_amount is not None:
                    amounts |= {s + window.fiscal_amount for s in set(amounts)}
            for category_id in snapshot.categories:
                for student in (False, True):
                    amounts.add(rules.personal_due(snapshot, category_id, tier=number, student=student))
            amounts.discard(Decimal(0))
            explained[number] = frozenset(a.quantize(_CENT) for a in amounts)
            highest = max(highest, *amounts)
        found[policy.year] = _YearTiers(tuple(choices), explained, (2 * highest).quantize(_CENT))
    return found


def _tier_list(tiers: tuple[TierChoice, ...]) -> str:
    return "、".join(f"{t.name or f'第{t.number}档'}（{t.standard}元）" for t in tiers)


_REFUND_WORDS = frozenset({"退费", "退款", "退", "是", "y", "yes", "true", "1", "√", "-1"})


_PAYMENT_WORDS = frozenset({"", "缴费", "征收", "收费", "缴款", "正常", "否", "n", "no", "false", "0"})


class PaymentsImporter(Importer):
    """Tax payment details. A row identical to one already imported (same person, year, date, amount, tier,
    channel) is not added twice, so importing the same file again changes nothing.

    A negative amount, or a 退费 marker, is a refund: stored as a negative payment linked to the payment it
    returns. The tier comes from the 档次 column, checked against the year's policy; without the column, a county
    with one tier gives it, one with several gives the only tier whose standard or dues explain the amount."""

    kind = ImportKind.PAYMENTS
    written_tables = ("enrollment_payment", "subsidies_dirtyperson")
    required = ("id_number", "year", "amount", "paid_on")
    fields = ("id_number", "name", "year", "amount", "paid_on", "tier", "channel", "refund")
    stage_columns = [
        ("line", "int"),
        ("id_number", "text"),
        ("name", "text"),
        ("year", "int"),
        ("amount", "money"),
        ("paid_on", "date"),
        ("tier", "int"),
        ("channel", "text"),
    ]

    @property
    def duplicate_message(self):
        return _("The same payment already appears on line %(line)s.")

    @property
    def duplicate_message_at(self):
        return _("The same payment already appears at %(where)s.")

    def prepare(self, columns):
        super().prepare(columns)
        self.years = payment_tiers(county=self.county)
        self._tiers_seen: dict[tuple[str, int | None], tuple[int, str | None]] = {}
        self.msgs = {
            "year": _("The contribution year is not a year between 2000 and 2100."),
            "amount": _(
                "The amount is not a sum of money in yuan with at most two decimals (a refund is negative; "
                "a comma only as thousands separator or decimal comma)."
            ),
            "zero": _("The amount is zero."),
            "date": _("The date is not a date (2023-09-01, 2023/9/1, 2023年9月1日, 20230901)."),
            "future": _("The payment date lies in the future."),
            "tier": _("The tier is not a whole number from 1 to 20, nor a tier name such as 一档 or 第二档."),
            "tier_unknown": _("The %(year)s policy has no such tier: its tiers are %(tiers)s."),
            "tier_ambiguous": _("Two tiers of the %(year)s policy have this standard: write the tier (一档, 二档)."),
            "tier_standard": _("The amount in brackets is not this tier's standard: the %(year)s tiers are %(tiers)s."),
            "tier_none": _(
                "No tier is given and no tier of the %(year)s policy explains the amount: add the tier (its tiers "
                "are %(tiers)s)."
            ),
            "tier_several": _(
                "No tier is given and the amount fits tiers %(numbers)s of the %(year)s policy: add the tier."
            ),
            "no_policy": _("No policy for %(year)s is on record: tier 1 was taken without checking."),
            "implausible": _(
                "The amount is more than twice the highest amount the %(year)s policy asks (%(limit)s yuan): check it."
            ),
            "refund_marker": _("The refund marker is neither 退费/是 nor 缴费/否."),
            "long": _("The text is too long."),
        }
        return []

    def _tier(self, raw_tier, amount, year, errors, warnings) -> int:
        """The row's tier number (1 when a problem was recorded: the row is then rejected or warned)."""
        policy = self.years.get(year) if year is not None else None
        tiers = policy.tiers if policy else None
        written = text(raw_tier)
        if written:
            # A file repeats a handful of tier labels: each is parsed once per year.
            known = self._tiers_seen.get((written, year))
            if known is None:
                try:
                    known = self._tiers_seen[(written, year)] = (parse_tier(written, tiers), None)
                except TierError as exc:
                    key = {"unknown": "tier_unknown", "ambiguous": "tier_ambiguous", "standard": "tier_standard"}
                    params = {"year": year, "tiers": _tier_list(tiers) if tiers else ""}
                    reason = self.msgs[key[exc.code]] % params if exc.code in key else self.msgs["tier"]
                    known = self._tiers_seen[(written, year)] = (1, reason)
            if known[1] is not None:
                errors.append(Problem("tier", raw_tier, known[1]))
            return known[0]
        if policy is None:
            if year is not None:
                warnings.append(Problem("tier", raw_tier, self.msgs["no_policy"] % {"year": year}))
            return 1
        if len(tiers) == 1:
            return tiers[0].number
        if amount is None:
            return 1
        # No tier written (no 档次 column, or an empty cell): the only tier that explains the amount.
        fits = tiers_fitting(amount, policy.explained)
        if len(fits) == 1:
            return fits[0]
        params = {"year": year, "tiers": _tier_list(tiers)}
        if fits:
            numbers = "、".join(str(n) for n in fits)
            errors.append(Problem("tier", amount, self.msgs["tier_several"] % {**params, "numbers": numbers}))
        else:
            errors.append(Problem("tier", amount, self.msgs["tier_none"] % params))
        return 1

    def clean(self, line, cells):
        errors: list[Problem] = []
        warnings: list[Problem] = []
        raw_id = self.cell(cells, "id_number")
        checked = self.check_id(raw_id, errors, warnings)
        name = text(self.cell(cells, "name"))[:50]
        self.name_warning(name, warnings)
        raw_year = self.cell(cells, "year")
        try:
            year = parse_int(raw_year)
            if not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            year = None
            errors.append(Problem("year", raw_year, self.msgs["year"]))
        raw_amount = self.cell(cells, "amount")
        try:
            amount = parse_amount(raw_amount)
            if abs(amount) >= 10**8 or amount != amount.quantize(_CENT):
                raise ValueError
            amount = amount.quantize(_CENT)
            if amount == 0:
                errors.append(Problem("amount", raw_amount, self.msgs["zero"]))
        except ValueError:
            amount = None
            errors.append(Problem("amount", raw_amount, self.msgs["amount"]))
        raw_refund = self.cell(cells, "refund")
        marker = text(raw_refund).lower()
        if marker in _REFUND_WORDS:
            if amount is not None:
                amount = -abs(amount)
        elif marker not in _PAYMENT_WORDS:
            errors.append(Problem("refund", raw_refund, self.msgs["refund_marker"]))
        raw_date = self.cell(cells, "paid_on")
        try:
            paid_on = parse_date(raw_date)
            if paid_on is None:
                raise ValueError
            if paid_on > self.today:
                errors.append(Problem("paid_on", raw_date, self.msgs["future"]))
            self.date_warning("paid_on", raw_date, warnings)
        except ValueError:
            paid_on = None
            errors.append(Problem("paid_on", raw_date, self.msgs["date"]))
        tier = self._tier(self.cell(cells, "tier"), amount or None, year, errors, warnings)
        policy = self.years.get(year) if year is not None else None
        if amount is not None and policy is not None and abs(amount) > policy.limit:
            implausible = self.msgs["implausible"] % {"year": year, "limit": policy.limit}
            warnings.append(Problem("amount", raw_amount, implausible))
        channel = text(self.cell(cells, "channel"))
        if len(channel) > 30:
            errors.append(Problem("channel", channel, self.msgs["long"]))
        if errors:
            return None, None, errors, warnings
        row = (line, checked.value, name, year, amount, paid_on, tier, channel)
        return row, (checked.value, year, paid_on, amount, tier, channel), errors, warnings

    def _new_rows_sql(self, s: str) -> str:
        return (
            f"SELECT s.* FROM {s} s WHERE NOT EXISTS (SELECT 1 FROM enrollment_payment x WHERE x.county_id = %s "
            "AND x.id_number = s.id_number AND x.year = s.year AND x.paid_on = s.paid_on AND x.amount = s.amount "
            "AND x.tier = s.tier AND x.channel = s.channel)"
        )

    def _over_refunded_sql(self, s: str) -> str:
        """The new refund rows of people whose refunds for the year (stored and new) exceed their payments (stored
        and new): line, ID, name, year, paid. Set-based: one indexed look-up per person-year refunded."""
        return f"""
            WITH n AS ({self._new_rows_sql(s)}),
                 r AS (SELECT id_number, year FROM n WHERE amount < 0 GROUP BY id_number, year),
                 t AS (SELECT r.id_number, r.year,
                              (SELECT COALESCE(SUM(x.amount), 0) FROM enrollment_payment x
                                WHERE x.county_id = %s AND x.year = r.year AND x.id_number = r.id_number) AS stored,
                              (SELECT COALESCE(SUM(m.amount), 0) FROM n m
                                WHERE m.id_number = r.id_number AND m.year = r.year) AS new,
                              (SELECT COALESCE(SUM(x.amount), 0) FROM enrollment_payment x
                                WHERE x.county_id = %s AND x.year = r.year AND x.id_number = r.id_number
                                  AND x.amount > 0) AS paid_stored,
                              (SELECT COALESCE(SUM(m.amount), 0) FROM n m
                                WHERE m.id_number = r.id_number AND m.year = r.year AND m.amount > 0) AS paid_new
                         FROM r)
            SELECT n.line, n.id_number, n.name, n.year, t.paid_stored + t.paid_new
              FROM n JOIN t ON t.id_number = n.id_number AND t.year = n.year
             WHERE n.amount < 0 AND t.stored + t.new < 0
             ORDER BY n.line
        """

    def preview(self, stage):
        s = stage.name
        county = self.county.pk
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {s}")
            total = cur.fetchone()[0]
            cur.execute(
                f"SELECT count(*), COALESCE(SUM(CASE WHEN n.amount < 0 THEN 1 ELSE 0 END), 0) "
                f"FROM ({self._new_rows_sql(s)}) n",
                [county],
            )
            new, refunds = cur.fetchone()
            cur.execute(self._over_refunded_sql(s), [county, county, county])
            over_refunded = cur.fetchmany(PREVIEW_ROWS)
            cur.execute(
                f"SELECT s.line, s.id_number, s.name, p.name FROM {s} s JOIN enrollment_person p "
                "ON p.id_number = s.id_number WHERE s.name <> '' AND p.name <> s.name ORDER BY s.line",
            )
            mismatches = cur.fetchmany(PREVIEW_ROWS)
            cur.execute(
                f"SELECT count(*) FROM {s} s WHERE NOT EXISTS (SELECT 1 FROM enrollment_person p "
                "WHERE p.id_number = s.id_number)"
            )
            not_in_register = cur.fetchone()[0]
        reason = _("The name differs from the register's (%(name)s).")
        warn_rows = [
            {
                "line": line,
                "column": FIELD_LABELS["name"],
                "value": mask_id_number(idn) + " " + name,
                "reason": reason % {"name": registered},
            }
            for line, idn, name, registered in mismatches
        ]
        over = _("The refunds exceed what this person paid for %(year)s (%(paid)s yuan): nothing is left to refund.")
        warn_rows += [
            {
                "line": line,
                "column": FIELD_LABELS["amount"],
                "value": mask_id_number(idn) + " " + name,
                "reason": over % {"year": year, "paid": Decimal(paid).quantize(_CENT)},
            }
            for line, idn, name, year, paid in over_refunded
        ]
        diff = {"rows": total, "added": new, "refunds": refunds, "already_imported": total - new}
        if not refunds:
            del diff["refunds"]
        return {**diff, "not_in_register": not_in_register}, warn_rows

    def commit(self, stage):
        s = stage.name
        county = self.county.pk
        now = timezone.now()
        new_rows = self._new_rows_sql(s)
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {s}")
            total = cur.fetchone()[0]
            # How many people the new rows are: a payment file of most of the county marks it as a whole (one
            # row, a full run next) instead of a mark per person and an incremental run of them all (at a
            # million: 22 s of marks and a 306 s run instead of a 69 s full one).
            cur.execute(f"SELECT count(DISTINCT id_number) FROM ({new_rows}) n", [county])
            payers = cur.fetchone()[0]
            mark_dirty(
                cur,
                county_id=county,
                now=now,
                select_ids_sql=f"SELECT id_number FROM ({new_rows}) n",
                params=[county],
                count=payers,
            )
            cur.execute(
                "INSERT INTO enrollment_payment (county_id, id_number, name, year, amount, paid_on, tier, channel, "
                f"import_job_id) SELECT %s, n.id_number, n.name, n.year, n.amount, n.paid_on, n.tier, n.channel, %s "
                f"FROM ({new_rows}) n",
                [county, self.job.pk, county],
            )
            added = cur.rowcount
            # Each refund of these people not yet linked (this file's, or an earlier one's whose payment came only
            # now) is kept with the payment it returns: the latest on or before the refund day, the same amount
            # first; else the first later one.
            cur.execute(
                """
                WITH ranked AS (
                    SELECT r.id AS refund, o.id AS original,
                           ROW_NUMBER() OVER (
                               PARTITION BY r.id
                               ORDER BY CASE WHEN o.paid_on <= r.paid_on THEN 0 ELSE 1 END,
                                        CASE WHEN o.amount = -r.amount THEN 0 ELSE 1 END,
                                        CASE WHEN o.paid_on <= r.paid_on THEN o.paid_on END DESC,
                                        o.paid_on, o.id DESC) AS pos
                      FROM enrollment_payment r
                      JOIN enrollment_payment o
                        ON o.county_id = r.county_id AND o.year = r.year AND o.id_number = r.id_number
                       AND o.amount > 0
                     WHERE r.county_id = %s AND r.amount < 0 AND r.refund_of_id IS NULL"""
                f"""
                       AND r.id_number IN (SELECT id_number FROM {s}))
                UPDATE enrollment_payment
                   SET refund_of_id = (SELECT m.original FROM ranked m
                                        WHERE m.refund = enrollment_payment.id AND m.pos = 1)
                 WHERE id IN (SELECT refund FROM ranked WHERE pos = 1)""",
                [county],
            )
            cur.execute(
                "SELECT COUNT(*) FROM enrollment_payment WHERE import_job_id = %s AND amount < 0",
                [self.job.pk],
            )
            refunds = cur.fetchone()[0]
        result = {"rows": total, "added": added, "refunds": refunds, "already_imported": total - added}
        if not refunds:
            del result["refunds"]  # a file without refunds is summed up as before
        return result


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
