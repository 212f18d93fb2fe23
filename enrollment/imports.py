"""Import jobs: a file goes from upload through a dry run (validation, staging, preview) to one-transaction commit.

The pipeline is shared by the three kinds; each kind is an `Importer` that cleans one row (Python, lean:
it runs a million times) and merges the staging table with set-based SQL. The population register and
tax payments live here; identity rosters in `subsidies/rosters.py`.

- `import_job_create` stores the upload and a pending job;
- `import_job_validate` streams the file, writes accepted rows into the job's staging table, rejected rows
  into an error workbook (original columns + 错误原因), and the counts and diff into `job.summary`;
- `import_job_commit` merges in ONE transaction, marks changed people dirty for reconciliation and sends
  `import_committed` on commit; any failure leaves everything as it was;
- `import_job_cancel` drops the staging table.
"""

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

from accounts.access import mask_id_number
from enrollment import idnumbers
from enrollment.importing.readers import (
    FIELD_LABELS,
    ReadError,
    open_table,
    parse_amount,
    parse_bool,
    parse_date,
    parse_int,
    text,
)
from enrollment.importing.staging import Stage, is_postgres, sql_distinct
from enrollment.importing.uploads import check_upload
from subsidies.reconcile import mark_dirty

from .dbstats import refresh_statistics
from .models import County, ImportJob, ImportKind, ImportStatus
from .signals import import_committed

log = logging.getLogger(__name__)

PREVIEW_ROWS = 200
_CENT = Decimal("0.01")
ERROR_COLUMN = "错误原因"
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

    def preview(self, stage: Stage) -> tuple[dict, list[dict]]:
        """Counts of what a commit would do, and extra per-row warnings found against the database."""
        return {}, []

    def commit(self, stage: Stage) -> dict:
        raise NotImplementedError

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


def importer_for(job: ImportJob) -> Importer:
    if job.kind == ImportKind.REGISTER:
        return RegisterImporter(job)
    if job.kind == ImportKind.PAYMENTS:
        return PaymentsImporter(job)
    if job.kind == ImportKind.ROSTER:
        from subsidies.rosters import RosterImporter

        return RosterImporter(job)
    raise ImportError_(_("This kind of import is not supported here."))


# -- the pipeline ----------------------------------------------------------------------------------------


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
    job.file.save(Path(original_name).name or "upload", file if isinstance(file, File) else File(file), save=False)
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
        table = open_table(job.file.path, required=importer.required)
    except (ReadError, OSError) as exc:
        return _finish_invalid(job, str(exc))
    with table:
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
    for row in extra_warnings:
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
    for line, cells in table.rows():
        read += 1
        row, key, errors, warnings = clean(line, cells)
        if row is not None and key is not None:
            first = seen.get(key)
            if first is None:
                seen[key] = line
            else:
                errors.append(Problem("id_number", cells[id_col], importer.duplicate_message % {"line": first}))
                row = None
        if errors:
            rejected += 1
            for p in errors:
                reasons[p.reason] += 1
            if len(bad_rows) < PREVIEW_ROWS:
                bad_rows.extend(
                    {"line": line, "column": labels[p.field], "value": _shown(p.field, p.value), "reason": p.reason}
                    for p in errors
                )
            if errors_book is None:
                errors_book = _ErrorBook(table.headers, id_col)
            errors_book.add(cells, "；".join(f"{labels[p.field]}：{p.reason}" for p in errors))
            continue
        accepted += 1
        if warnings:
            warned += 1
            for p in warnings:
                warning_counts[p.reason] += 1
            if len(warn_rows) < PREVIEW_ROWS:
                warn_rows.extend(
                    {"line": line, "column": labels[p.field], "value": _shown(p.field, p.value), "reason": p.reason}
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
        "columns": [FIELD_LABELS[f] for f in table.columns],
        "ignored_columns": [h for i, h in enumerate(table.headers) if h and i not in table.columns.values()],
        "format": table.format,
        "encoding": table.encoding,
    }


class _ErrorBook:
    """The rejected rows as an .xlsx: the original columns plus 错误原因, the ID column stored as text."""

    def __init__(self, headers: list[str], id_col: int | None):
        from openpyxl import Workbook

        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("错误行")
        self.id_col = id_col
        self.width = len(headers)
        self.sheet.append([*headers, ERROR_COLUMN])

    def add(self, cells: list, reason: str) -> None:
        from openpyxl.cell import WriteOnlyCell

        row = []
        values = list(cells[: self.width]) + [None] * (self.width - len(cells))
        for index, value in enumerate(values):
            if index == self.id_col:
                cell = WriteOnlyCell(
                    self.sheet, value=None if value is None else idnumbers.normalise(value) or text(value)
                )
                cell.number_format = "@"
                row.append(cell)
            elif isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
                row.append("'" + value)  # never let a cell from the upload become a formula
            else:
                row.append(value)
        row.append(reason)
        self.sheet.append(row)

    def save_to(self, job: ImportJob) -> None:
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
            self.book.save(tmp.name)
            tmp.seek(0)
            if job.error_file:
                job.error_file.delete(save=False)
            name = f"{Path(job.original_name).stem or 'import'}-错误行.xlsx"
            job.error_file.save(name, File(tmp), save=False)
        ImportJob.objects.filter(pk=job.pk).update(error_file=job.error_file.name)


def import_job_commit(*, job_id: int, skip_rejected: bool = False) -> ImportJob:
    """Merge a validated job in ONE transaction; on any failure nothing changes and the job is marked failed.

    A job with rejected rows is committed only when `skip_rejected` (never for a roster from the browser:
    a full snapshot with holes would end the identities of the people on the bad rows).
    """
    job = ImportJob.objects.select_related("county", "department").get(pk=job_id)
    if job.status == ImportStatus.COMMITTED:
        return job
    if job.status not in (ImportStatus.VALIDATED, ImportStatus.COMMITTING, ImportStatus.FAILED):
        raise ImportError_(_("Only a validated import can be committed."))
    if job.rows_rejected and not skip_rejected:
        raise ImportError_(
            _("%(count)s rows were rejected: fix them and upload the file again.") % {"count": job.rows_rejected}
        )
    importer = importer_for(job)
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


def _rows_written(result: dict) -> int:
    return sum(result.get(key, 0) for key in ("added", "changed", "removed"))


def import_job_cancel(*, job_id: int) -> ImportJob:
    job = ImportJob.objects.get(pk=job_id)
    if job.status == ImportStatus.COMMITTED:
        raise ImportError_(_("A committed import cannot be cancelled."))
    stage_for(job).drop()
    job.status = ImportStatus.CANCELLED
    job.save(update_fields=["status"])
    return job


def _text_field(value, limit: int) -> str:
    return text(value)[:limit]


# -- population register ---------------------------------------------------------------------------------


class RegisterImporter(Importer):
    """Persons and households with their township and village. Places and households are created as needed."""

    kind = ImportKind.REGISTER
    required = ("id_number", "name")
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
        township = text(cells[i_tw]) if i_tw is not None and i_tw < n else ""
        village = text(cells[i_vil]) if i_vil is not None and i_vil < n else ""
        if village and not township:
            errors.append(Problem("village", village, self._msg_village))
        if len(township) > 50:
            errors.append(Problem("township", township, self._msg_long))
        if len(village) > 50:
            errors.append(Problem("village", village, self._msg_long))
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

    def preview(self, stage):
        s = stage.name
        differs = _person_differs("p", "s", place_by_name=True)
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
            cur.execute(
                f"SELECT count(DISTINCT township) FROM {s} WHERE township <> '' AND township NOT IN "
                "(SELECT name FROM enrollment_township WHERE county_id = %s)",
                [self.county.pk],
            )
            new_townships = cur.fetchone()[0]
        return {
            "rows": total,
            "added": added,
            "changed": changed,
            "unchanged": total - added - changed,
            "moved_from_other_county": moved,
            "new_townships": new_townships,
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
            cur.execute(
                "INSERT INTO enrollment_township (county_id, code, name) "
                f"SELECT DISTINCT %s, '', township FROM {s} WHERE township <> '' "
                "ON CONFLICT (county_id, name) DO NOTHING",
                [county],
            )
            cur.execute(
                "INSERT INTO enrollment_village (township_id, code, name) "
                f"SELECT DISTINCT t.id, '', s.village FROM {s} s "
                "JOIN enrollment_township t ON t.county_id = %s AND t.name = s.township WHERE s.village <> '' "
                "ON CONFLICT (township_id, name) DO NOTHING",
                [county],
            )
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
            # change 1 = a new person, 2 = a changed one, 0 = unchanged.
            differs = _person_differs("p", "x", place_by_name=False)
            cur.execute(f"DROP TABLE IF EXISTS {r}")
            cur.execute(
                f"CREATE {'UNLOGGED ' if is_postgres() else ''}TABLE {r} AS "
                "SELECT x.*, p.id AS person_id, p.county_id AS old_county_id, "
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


def _person_differs(p: str, r: str, *, place_by_name: bool) -> str:
    """SQL: the register row `r` differs from the stored person `p` (places by id, or by name for the preview)."""
    parts = [sql_distinct(f"{p}.{f}", f"{r}.{f}") for f in _PERSON_FIELDS]
    if place_by_name:
        parts += [
            f"COALESCE(pt.name, '') <> {r}.township",
            f"COALESCE(pv.name, '') <> {r}.village",
            f"COALESCE(ph.number, '') <> {r}.household",
            f'{p}."group" <> {r}.grp',
            f"{p}.is_student <> ({r}.student = 1)",
            f"{p}.county_id <> %s",
        ]
    else:
        parts += [sql_distinct(f"{p}.{f}", f"{r}.{f}") for f in (*_PERSON_KEYS, "is_student")]
        parts.append(f'{p}."group" <> {r}."group"')
    return " OR ".join(parts)


# -- tax payments ----------------------------------------------------------------------------------------


class PaymentsImporter(Importer):
    """Tax payment details. A row identical to one already imported (same person, year, date, amount, tier,
    channel) is not added twice, so importing the same file again changes nothing."""

    kind = ImportKind.PAYMENTS
    written_tables = ("enrollment_payment", "subsidies_dirtyperson")
    required = ("id_number", "year", "amount", "paid_on")
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

    def prepare(self, columns):
        super().prepare(columns)
        self.msgs = {
            "year": _("The contribution year is not a year between 2000 and 2100."),
            "amount": _("The amount is not a positive sum of money in yuan with at most two decimals."),
            "date": _("The date is not a date (2023-09-01, 2023/9/1, 2023年9月1日, 20230901)."),
            "future": _("The payment date lies in the future."),
            "tier": _("The tier is not a whole number from 1."),
            "long": _("The text is too long."),
        }
        return []

    def clean(self, line, cells):
        errors: list[Problem] = []
        warnings: list[Problem] = []
        raw_id = self.cell(cells, "id_number")
        checked = self.check_id(raw_id, errors, warnings)
        name = text(self.cell(cells, "name"))[:50]
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
            if amount <= 0 or amount != amount.quantize(_CENT) or amount >= 10**8:
                raise ValueError
            amount = amount.quantize(_CENT)
        except ValueError:
            amount = None
            errors.append(Problem("amount", raw_amount, self.msgs["amount"]))
        raw_date = self.cell(cells, "paid_on")
        try:
            paid_on = parse_date(raw_date)
            if paid_on is None:
                raise ValueError
            if paid_on > self.today:
                errors.append(Problem("paid_on", raw_date, self.msgs["future"]))
        except ValueError:
            paid_on = None
            errors.append(Problem("paid_on", raw_date, self.msgs["date"]))
        raw_tier = self.cell(cells, "tier")
        tier = 1
        if text(raw_tier):
            try:
                tier = parse_int(raw_tier)
                if tier < 1 or tier > 20:
                    raise ValueError
            except ValueError:
                errors.append(Problem("tier", raw_tier, self.msgs["tier"]))
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

    def preview(self, stage):
        s = stage.name
        county = self.county.pk
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {s}")
            total = cur.fetchone()[0]
            cur.execute(f"SELECT count(*) FROM ({self._new_rows_sql(s)}) n", [county])
            new = cur.fetchone()[0]
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
        return {
            "rows": total,
            "added": new,
            "already_imported": total - new,
            "not_in_register": not_in_register,
        }, warn_rows

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
        return {"rows": total, "added": added, "already_imported": total - added}


def import_file(
    *,
    kind: str,
    county: County,
    path: str | Path,
    user=None,
    department=None,
    snapshot_date: datetime.date | None = None,
    skip_rejected: bool = False,
) -> ImportJob:
    """Create, validate and (when allowed) commit a job from a file on disk: the management commands' path."""
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
    if job.status == ImportStatus.VALIDATED and (skip_rejected or not job.rows_rejected):
        job = import_job_commit(job_id=job.pk, skip_rejected=skip_rejected)
    return job


def upload_max_bytes() -> int:
    return settings.UPLOAD_MAX_BYTES


def demo_policy(*, county: County):
    """The county's latest policy as the demo generator needs it (categories by department, personal due)."""
    from subsidies.models import CategoryAmount, Policy

    from .demo import DemoPolicy, _due

    policy = Policy.objects.filter(county=county).order_by("-year").prefetch_related("tiers").first()
    if policy is None:
        return None
    tier = policy.tiers.order_by("number").first()
    standard = tier.standard if tier else Decimal(380)
    categories: dict[str, list] = {}
    amounts = CategoryAmount.objects.filter(policy_category__policy=policy, tier=tier).select_related(
        "policy_category__category__department"
    )
    for amount in amounts:
        category = amount.policy_category.category
        categories.setdefault(category.department.code, []).append(
            (category.name, _due(standard, amount.kind, amount.value))
        )
    return DemoPolicy(policy.year, standard, policy.collection_start, policy.collection_end, categories)


def demo_county_load(*, county: County, files: dict[str, Path], snapshot_date: datetime.date | None = None) -> list:
    """Import the generated register, rosters and payments (bad rows skipped, as staff would after a look)."""
    from subsidies.models import Department

    jobs = [import_file(kind=ImportKind.REGISTER, county=county, path=files["register"], skip_rejected=True)]
    for role, path in files.items():
        if role.startswith("roster:"):
            department = Department.objects.get(code=role.split(":", 1)[1])
            jobs.append(
                import_file(
                    kind=ImportKind.ROSTER,
                    county=county,
                    path=path,
                    department=department,
                    snapshot_date=snapshot_date,
                    skip_rejected=True,
                )
            )
    jobs.append(import_file(kind=ImportKind.PAYMENTS, county=county, path=files["payments"], skip_rejected=True))
    return jobs
