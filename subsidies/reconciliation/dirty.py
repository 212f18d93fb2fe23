"""Dirty marks: the people (or whole counties) the next incremental run of each year recomputes.

A change marks its people once per current year (`marked_years`), so the runs of this year and of next year,
both triggered during a campaign, each find them; a part of a run deletes the marks it takes in the transaction
that writes its results (`engine`).
"""

# ruff: noqa: S608

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from django.db import connection
from django.utils import timezone

from enrollment.places.clock import county_today
from subsidies.models import DirtyPerson, Policy

logger = logging.getLogger(__name__)


def current_years(*, county_id: int, today: date | None = None) -> list[int]:
    """The benefit years an import should trigger: those whose collection has begun and whose year is not over;
    failing that, the county's latest policy year."""
    today = today or county_today(county_id)
    years = list(
        Policy.objects.filter(county_id=county_id, collection_start__lte=today, year__gte=today.year)
        .order_by("year")
        .values_list("year", flat=True)
    )
    if not years:
        latest = Policy.objects.filter(county_id=county_id).order_by("-year").values_list("year", flat=True).first()
        years = [latest] if latest else []
    return years


def marked_years(*, county_id: int) -> list[int]:
    """The years a change marks its people dirty for: those an import triggers a run for (`current_years`), or
    ANY_YEAR while the county has no policy."""
    return current_years(county_id=county_id) or [DirtyPerson.ANY_YEAR]


def county_mark_dirty(*, county_id: int, years: list[int] | None = None, now=None) -> None:
    """Mark everyone in the county for the next run of each year (which will be a full run)."""
    years = years or marked_years(county_id=county_id)
    now = now or timezone.now()
    with connection.cursor() as cursor:
        for year in years:
            cursor.execute(
                "INSERT INTO subsidies_dirtycounty (county_id, year, generation, marked_at) VALUES (%s, %s, 1, %s) "
                "ON CONFLICT (county_id, year) DO UPDATE "
                "SET generation = subsidies_dirtycounty.generation + 1, marked_at = excluded.marked_at",
                [county_id, year, now],
            )


# A change of at least this many people, and of at least half the county's register, marks the whole county
# (one row, and a full run next) instead of a row per person (≈ 15 µs each: 15 s for a first load of a million).
WHOLE_COUNTY_MIN = 10_000


def mark_dirty(cur, *, county_id: int, now, select_ids_sql: str, params: Sequence = (), count: int = 0) -> None:
    """Mark the people `select_ids_sql` returns dirty in one county, for each year its runs will recompute
    (`marked_years`), set-based. `count` (how many people that is, when the caller knows) lets
    a change of most of the county mark the county as a whole.

    People already marked are re-marked by a plain UPDATE (a HOT update each, the row locked until COMMIT as
    an upsert would), the rest inserted; an upsert of them all costs twice as much per conflicting row.
    """
    years = marked_years(county_id=county_id)
    if count >= WHOLE_COUNTY_MIN:
        cur.execute("SELECT count(*) FROM enrollment_person WHERE county_id = %s", [county_id])
        if 2 * count >= cur.fetchone()[0]:
            county_mark_dirty(county_id=county_id, years=years, now=now)
            return
    in_years = " UNION ALL ".join(["SELECT %s AS year"] * len(years))
    cur.execute(
        f"UPDATE subsidies_dirtyperson AS m SET marked_at = %s FROM ({select_ids_sql}) x "
        f"WHERE m.county_id = %s AND m.year IN ({in_years}) AND m.id_number = x.id_number",
        [now, *params, county_id, *years],
    )
    cur.execute(
        "INSERT INTO subsidies_dirtyperson (county_id, year, id_number, marked_at) "
        f"SELECT DISTINCT %s, y.year, x.id_number, %s FROM ({select_ids_sql}) x CROSS JOIN ({in_years}) y "
        "WHERE NOT EXISTS (SELECT 1 FROM subsidies_dirtyperson m "
        "WHERE m.county_id = %s AND m.year = y.year AND m.id_number = x.id_number)",
        [county_id, now, *params, *years, county_id],
    )


def dirty_mark(*, county_id: int, id_numbers, years: list[int] | None = None) -> int:
    """Mark people for the next incremental run of each year (for tests and small changes; set-based)."""
    ids = sorted(set(id_numbers))
    years = years or marked_years(county_id=county_id)
    DirtyPerson.objects.bulk_create(
        [DirtyPerson(county_id=county_id, year=y, id_number=i) for y in years for i in ids],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return len(ids)
