"""Planner statistics after bulk writes (PostgreSQL and SQLite).

The set-based services write tens of thousands to millions of rows in one statement, and the next statement
(often the next service: an import's reconciliation, a run's follow-up cases) is planned at once. With the
statistics of the table before the write, the planner takes a freshly loaded table for nearly empty and
probes indexes row by row: a 20,000-person demo county reconciled in over a minute instead of 5 s, and the
follow-up case sync after its second run took 19 s instead of milliseconds. Autovacuum would analyze such a
table up to a minute later, after the damage, or never where it is switched off, so `refresh_statistics`
applies autovacuum's own rule at once.

SQLite has no autovacuum and keeps statistics only where ANALYZE wrote them (sqlite_stat1). Without them its
planner cannot tell identity_person_idx (county, ID number) from identity_department_idx (department, county)
and picks the latter, scanning the whole department's identities for every row of a roster: a 5,000-row diff
took 15 s instead of a fraction of one, and grows with the square of the roster. So the same rule applies there,
with a full ANALYZE (0.55 s for a million people and half a million identities): under PRAGMA analysis_limit
the statistics it wrote had every county hold 1,001 people.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

# autovacuum_analyze_threshold and autovacuum_analyze_scale_factor, PostgreSQL's defaults.
ANALYZE_THRESHOLD = 50
ANALYZE_SCALE_FACTOR = 0.1


def needs_analyze(*, written: int, estimated_rows: float) -> bool:
    """Autovacuum's rule: more rows written than 50 + 10 % of what the planner believes the table holds.

    A table never analyzed (an estimate below zero) is analyzed after any write.
    """
    if written <= 0:
        return False
    return estimated_rows < 0 or written >= ANALYZE_THRESHOLD + ANALYZE_SCALE_FACTOR * estimated_rows


def estimated_rows(cursor, table: str) -> float | None:
    """The planner's idea of how many rows `table` holds: -1 when never analyzed, None when there is no such table.

    PostgreSQL: pg_class.reltuples. SQLite: the first number of the table's sqlite_stat1 rows (ANALYZE writes none
    for an empty table, which therefore reads as never analyzed).
    """
    if connection.vendor == "postgresql":
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
        return None if row is None else row[0]
    if not _sqlite_has_table(cursor, table):
        return None
    if not _sqlite_has_table(cursor, "sqlite_stat1"):
        return -1
    cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [table])
    counts = [int(stat.split()[0]) for (stat,) in cursor.fetchall() if stat]
    return max(counts, default=-1)


def _sqlite_has_table(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [name])
    return cursor.fetchone() is not None


def refresh_statistics(tables: Iterable[str], *, written: int) -> list[str]:
    """ANALYZE those of `tables` that `written` rows have changed enough; the tables analyzed.

    Inside a transaction ANALYZE sees the transaction's own rows, so a service calls it before it commits.
    """
    if connection.vendor not in ("postgresql", "sqlite") or written <= 0:
        return []
    analyzed = []
    with connection.cursor() as cursor:
        for table in tables:
            estimate = estimated_rows(cursor, table)
            if estimate is not None and needs_analyze(written=written, estimated_rows=estimate):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
                analyzed.append(table)
    return analyzed
