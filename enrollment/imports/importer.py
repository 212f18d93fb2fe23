"""The base of every kind of import: an `Importer` cleans one row (Python, lean: it runs a million times) and
merges the job's staging table with set-based SQL. The kinds: `enrollment.register.importer` (the population
register), `enrollment.payments.importer` (tax payments), `subsidies.rosters.importer` (identity rosters), each
registered in `enrollment.imports.registry` by its app's `ready()`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from enrollment import idnumbers
from enrollment.files.readers import (
    is_month_only,
    name_damaged,
)
from enrollment.imports.staging import Stage
from enrollment.models import ImportJob
from enrollment.signals import people_changed

PREVIEW_ROWS = 200


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

    def people_changed(self, cur, *, county_id: int, now, select_ids_sql: str, params=(), count: int = 0) -> None:
        """Announce, inside the merge's transaction and on its cursor, the people `select_ids_sql` selects (their
        ID numbers) as changed: reconciliation marks them dirty there (`enrollment.signals.people_changed`)."""
        people_changed.send(
            sender=self.__class__,
            cursor=cur,
            county_id=county_id,
            now=now,
            select_ids_sql=select_ids_sql,
            params=params,
            count=count,
        )

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
