"""The staged bulk loader: validated rows go into a per-job staging table, then set-based SQL merges them.

PostgreSQL: an UNLOGGED table filled with COPY (psycopg 3 `cursor.copy`), in chunks so the job's progress
can be written between them. SQLite: a plain table filled with `executemany`. The table outlives the
request that validated the file (the commit may run in another process) and is dropped on commit or cancel.
The merge SQL is shared where the dialects agree; `sql_*` helpers give the few fragments that differ.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import connection

CHUNK = 20_000

_PG_TYPES = {"text": "text", "int": "integer", "bigint": "bigint", "date": "date", "money": "numeric(12,2)"}
_SQLITE_TYPES = {"text": "text", "int": "integer", "bigint": "integer", "date": "date", "money": "decimal"}


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


class Stage:
    """A staging table `import_stage_<job id>` with typed columns (name, kind) where kind is one of _PG_TYPES."""

    def __init__(self, job_id: int, columns: Sequence[tuple[str, str]]):
        self.name = f"import_stage_{int(job_id)}"
        self.columns = list(columns)
        self.column_names = [c for c, _ in self.columns]
        self._buffer: list[tuple] = []
        self.rows = 0

    def create(self) -> None:
        types = _PG_TYPES if is_postgres() else _SQLITE_TYPES
        cols = ", ".join(f"{name} {types[kind]}" for name, kind in self.columns)
        unlogged = "UNLOGGED " if is_postgres() else ""
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {self.name}")
            cur.execute(f"CREATE {unlogged}TABLE {self.name} ({cols})")

    def exists(self) -> bool:
        return self.name in connection.introspection.table_names()

    def drop(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {self.name}")

    def index(self, *columns: str) -> None:
        """Index after loading (cheaper than maintaining it during COPY), and refresh the planner's statistics."""
        with connection.cursor() as cur:
            cur.execute(f"CREATE INDEX {self.name}_{'_'.join(columns)} ON {self.name} ({', '.join(columns)})")
            cur.execute(f"ANALYZE {self.name}")

    def add(self, row: tuple) -> bool:
        """Buffer one row; True when a chunk was flushed (the caller may report progress then)."""
        self._buffer.append(row)
        if len(self._buffer) >= CHUNK:
            self.flush()
            return True
        return False

    def flush(self) -> None:
        if not self._buffer:
            return
        rows, self._buffer = self._buffer, []
        cols = ", ".join(self.column_names)
        with connection.cursor() as cur:
            if is_postgres():
                with cur.copy(f"COPY {self.name} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.column_names))
                cur.executemany(f"INSERT INTO {self.name} ({cols}) VALUES ({marks})", rows)
        self.rows += len(rows)


# -- dialect fragments -----------------------------------------------------------------------------------


def sql_distinct(a: str, b: str) -> str:
    """Null-safe 'differs'."""
    return f"{a} IS DISTINCT FROM {b}" if is_postgres() else f"{a} IS NOT {b}"


def sql_greatest(a: str, b: str) -> str:
    return f"GREATEST({a}, {b})" if is_postgres() else f"max({a}, {b})"


def sql_day_before(expr: str) -> str:
    return f"(({expr})::date - 1)" if is_postgres() else f"date({expr}, '-1 day')"


def sql_date_param(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None
