"""How a part of a reconciliation run writes its results: on PostgreSQL COPY into a temporary table and one
INSERT … ON CONFLICT that touches only rows that really changed; on SQLite a diff in Python and
`bulk_create(update_conflicts=True)`. A mixin of `engine._Part`."""

# SQL here is assembled only from constant fragments and placeholders; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from subsidies.models import ReconciliationResult
from subsidies.reconciliation import rules as rr

FEN = Decimal("0.01")

# Columns written for each result, in COPY order.
RESULT_COLUMNS = (
    "id_number",
    "name",
    "township_id",
    "village_id",
    "reference_date",
    "tier",
    "category_id",
    "department_id",
    "fund_id",
    "subsidy",
    "personal_due",
    "paid",
    "paid_on",
    "enrolled_on",
    "status",
    "topup",
    "topup_month",
    "benefit_start",
    "flags",
)
# What an approved transfer batch fixed: never overwritten on a locked row (SPEC §6.6).
LOCKED_COLUMNS = ("category_id", "department_id", "fund_id", "subsidy", "topup", "topup_month")
UPDATE_FIELDS = tuple(c.removesuffix("_id") for c in RESULT_COLUMNS if c != "id_number")
FREE_COLUMNS = tuple(c for c in RESULT_COLUMNS if c not in LOCKED_COLUMNS and c != "id_number")


class ResultWriter:
    """`engine._Part`'s writing half (it sets county_id, year, postgres and cursor)."""

    def _write(self, rows: list[tuple], *, households_in_sql: bool) -> int:
        if self.postgres:
            return self._write_postgres(rows, households_in_sql=households_in_sql)
        return self._write_generic([row[:-1] for row in rows if row[-1]])

    def _write_postgres(self, rows: list[tuple], *, households_in_sql: bool) -> int:
        """COPY the Python outcomes next to the SQL ones, flag households, drop rows equal to the stored ones,
        upsert the rest."""
        c = self.cursor
        with c.cursor.copy(f"COPY recon_out ({', '.join(RESULT_COLUMNS)}, write) FROM STDIN") as copy:
            text = {None: _NULL}
            for start in range(0, len(rows), 20000):
                copy.write("".join([_copy_line(row, text) for row in rows[start : start + 20000]]))
        if households_in_sql:
            enrolled = rr.ENROLLED_STATUSES_SQL
            c.execute(
                f"""
                UPDATE recon_out o
                SET flags = CASE WHEN o.flags = '' THEN ';household_partial;'
                                 WHEN o.flags LIKE '%%;after_deadline;'
                                 THEN replace(o.flags, ';after_deadline;', ';household_partial;after_deadline;')
                                 ELSE o.flags || 'household_partial;' END
                FROM enrollment_person p
                WHERE p.county_id = %s AND p.id_number = o.id_number
                  AND p.household_id IN (
                      SELECT m.household_id FROM recon_out x
                      JOIN enrollment_person m ON m.county_id = %s AND m.id_number = x.id_number
                      WHERE m.household_id IS NOT NULL
                      GROUP BY m.household_id
                      HAVING bool_or(x.status IN {enrolled}) AND bool_or(x.status NOT IN {enrolled}))
                """,
                [self.county_id, self.county_id],
            )
        c.execute("DELETE FROM recon_out WHERE NOT write")
        free = ", ".join(f"r.{col}" for col in FREE_COLUMNS)
        free_new = ", ".join(f"o.{col}" for col in FREE_COLUMNS)
        held = ", ".join(f"r.{col}" for col in LOCKED_COLUMNS)
        held_new = ", ".join(f"o.{col}" for col in LOCKED_COLUMNS)
        # Reading is cheap, writing is not: rows equal to what is stored leave the table untouched (no new row
        # version, no lock, no WAL), so a run that changes nothing writes nothing.
        # A full run's part compares with the stored rows of its own townships (what the township index finds);
        # someone who moved township looks new here and is settled by the upsert below.
        scope, scope_params = "", []
        if self.run.full and not self.roster:
            clause, scope_params = self._township_clause("r.")
            scope = f" AND {clause}"
        c.execute(
            f"""
            DELETE FROM recon_out o USING subsidies_reconciliationresult r
            WHERE r.county_id = %s AND r.year = %s AND r.id_number = o.id_number{scope}
              AND ({free}) IS NOT DISTINCT FROM ({free_new})
              AND (r.locked OR ({held}) IS NOT DISTINCT FROM ({held_new}))
            """,
            [self.county_id, self.year, *scope_params],
        )
        columns = ", ".join(RESULT_COLUMNS)
        sets = [f"{col} = EXCLUDED.{col}" for col in FREE_COLUMNS]
        sets += [f"{col} = CASE WHEN r.locked THEN r.{col} ELSE EXCLUDED.{col} END" for col in LOCKED_COLUMNS]
        excluded = ", ".join(f"EXCLUDED.{col}" for col in FREE_COLUMNS)
        held_excluded = ", ".join(f"EXCLUDED.{col}" for col in LOCKED_COLUMNS)
        c.execute(
            f"""
            INSERT INTO subsidies_reconciliationresult AS r
                (county_id, year, {columns}, locked, run_id, updated_at)
            SELECT %s, %s, {columns}, false, %s, now() FROM recon_out
            ON CONFLICT (county_id, year, id_number) DO UPDATE SET
                {", ".join(sets)}, run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at
            WHERE ({free}) IS DISTINCT FROM ({excluded})
               OR (NOT r.locked AND ({held}) IS DISTINCT FROM ({held_excluded}))
            """,
            [self.county_id, self.year, self.run.pk],
        )
        return c.rowcount

    def _write_generic(self, rows: list[tuple]) -> int:
        """SQLite (and any other database): compare with the stored rows, upsert only what changed."""
        existing = {}
        ids = [row[0] for row in rows]
        fields = ["locked", *RESULT_COLUMNS]
        for i in range(0, len(ids), 500):
            qs = ReconciliationResult.objects.filter(
                county_id=self.county_id, year=self.year, id_number__in=ids[i : i + 500]
            )
            for values in qs.values_list(*fields):
                existing[values[1]] = values
        changed = []
        now = timezone.now()
        for row in rows:
            old = existing.get(row[0])
            values = dict(zip(RESULT_COLUMNS, row, strict=True))
            if old is not None:
                stored = dict(zip(fields, old, strict=True))
                if stored["locked"]:
                    for col in LOCKED_COLUMNS:
                        values[col] = stored[col]
                if all(_same(stored[col], values[col]) for col in RESULT_COLUMNS):
                    continue
            changed.append(
                ReconciliationResult(
                    county_id=self.county_id,
                    year=self.year,
                    locked=bool(old and old[0]),
                    run_id=self.run.pk,
                    updated_at=now,
                    **values,
                )
            )
        if changed:
            ReconciliationResult.objects.bulk_create(
                changed,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["county", "year", "id_number"],
                update_fields=[*UPDATE_FIELDS, "run", "updated_at"],
            )
        return len(changed)

    def _delete_results(self, ids: set[str]) -> int:
        """Results of dirty people now neither in the register nor on a roster (unless locked)."""
        if not ids:
            return 0
        return ReconciliationResult.objects.filter(
            county_id=self.county_id, year=self.year, id_number__in=sorted(ids), locked=False
        ).delete()[0]


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _copy_line(row: tuple, text: dict) -> str:
    """One result row in PostgreSQL's COPY text format (RESULT_COLUMNS, then `write`). Only the name is free text.

    `text` caches the text of dates and amounts: a county has a few hundred distinct ones and a million rows.
    """
    (number, name, township, village, ref, tier, cat, dept, fund, subsidy, due, paid, paid_on, enrolled_on, status,
     topup, month, start, flags, write) = row  # fmt: skip
    if not name.isprintable() or "\\" in name:
        name = name.translate(_COPY_ESCAPES)
    values = []
    for value in (ref, subsidy, due, paid, paid_on, enrolled_on, topup, month, start):
        shown = text.get(value)
        if shown is None:
            shown = text[value] = _NULL if value is None else str(value)
        values.append(shown)
    ref, subsidy, due, paid, paid_on, enrolled_on, topup, month, start = values
    n = _NULL
    return (
        f"{number}\t{name}\t{n if township is None else township}\t{n if village is None else village}\t{ref}\t"
        f"{tier}\t{n if cat is None else cat}\t{n if dept is None else dept}\t{n if fund is None else fund}\t"
        f"{subsidy}\t{due}\t{paid}\t{paid_on}\t{enrolled_on}\t{status}\t{topup}\t{month}\t{start}\t{flags}\t"
        f"{'t' if write else 'f'}\n"
    )


def _identity(value):
    return value


def _parse_date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _parse_money(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value.quantize(FEN)
    return Decimal(str(value)).quantize(FEN)


def _same(old, new) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return old is not None and new is not None and Decimal(old).quantize(FEN) == Decimal(new).quantize(FEN)
    return old == new
