"""Planner statistics after bulk writes (PostgreSQL).

The set-based services write tens of thousands to millions of rows in one statement, and the next statement
(often the next service: an import's reconciliation, a run's follow-up cases) is planned at once. With the
statistics of the table before the write, the planner takes a freshly loaded table for nearly empty and
probes indexes row by row: a 20,000-person demo county reconciled in over a minute instead of 5 s, and the
follow-up case sync after its second run took 19 s instead of milliseconds. Autovacuum would analyze such a
table up to a minute later, after the damage, or never where it is switched off, so `refresh_statistics`
applies autovacuum's own rule at once.
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


def refresh_statistics(tables: Iterable[str], *, written: int) -> list[str]:
    """ANALYZE those of `tables` that `written` rows have changed enough; the tables analyzed.

    Inside a transaction ANALYZE sees the transaction's own rows, so a service calls it before it commits.
    Nothing on SQLite, whose planner keeps no such statistics unless asked.
    """
    if connection.vendor != "postgresql" or written <= 0:
        return []
    analyzed = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [table])
            row = cursor.fetchone()
            if row is not None and needs_analyze(written=written, estimated_rows=row[0]):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
                analyzed.append(table)
    return analyzed
