"""Reads for quota progress: progress per unit, snapshot series, rankings, special-group coverage.

How enrolled people are assigned to units (SPEC §9), one aggregate query per table:

- a person counts as enrolled when their reconciliation result for the year is 代缴参保 (proxy_enrolled) or
  参保 (enrolled); underpaid people are not enrolled;
- a group unit that is not a place (孝义: 学校, 改制企业, 特困人员, 零散户) counts the people whose register
  group (`Person.group`) is its name, or, when the register gives none, whose payment for the year came
  through a channel (`Payment.channel`) of that name — schools and enterprises collect and pay as a channel;
- everyone else counts for their village unit if the table has one, else for their township unit.

So a student of 新义街道 enrolled through 学校 counts for 学校 only, never twice, and the units of 孝义's
table add up to the county's enrolment like its targets add up to 346,038."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.access import Scope, county_rows, scope_of
from enrollment.models import Payment, Person
from quotas.models import (
    COVERED_ELSEWHERE_REASONS,
    FollowUpCase,
    ProgressSnapshot,
    QuotaTable,
    QuotaUnit,
    SnapshotRow,
    UnitKind,
)
from quotas.progress import ranking
from subsidies.models import Department, ReconciliationResult
from subsidies.reconciliation.rules import ENROLLED_STATUSES


def quota_table_rows(qs: QuerySet, scope: Scope) -> QuerySet:
    """The rule for quota tables: every role reads its own county's (a township user sees its units only)."""
    return county_rows(qs, scope)


def snapshot_rows(qs: QuerySet, scope: Scope) -> QuerySet:
    """The rule for progress snapshots: those of the quota tables the scope may see."""
    return county_rows(qs, scope, county_field="table__county")


def quota_tables_visible_to(user) -> QuerySet[QuotaTable]:
    return quota_table_rows(QuotaTable.objects.select_related("county"), scope_of(user))


def quota_table_get_for(user, pk) -> QuotaTable:
    """The quota table if this user may see it, else 404."""
    return get_object_or_404(quota_tables_visible_to(user), pk=pk)


def quota_years(county_id: int) -> list[int]:
    """The years the county has a quota table for (a source of `subsidies.reconciliation.selectors.benefit_years`)."""
    return list(QuotaTable.objects.filter(county_id=county_id).values_list("year", flat=True))


def results_for(*, county_id: int, year: int) -> QuerySet[ReconciliationResult]:
    return ReconciliationResult.objects.filter(county_id=county_id, year=year)


def enrolled_by_place_and_group(*, county_id: int, year: int, group_names: set[str]) -> list[dict]:
    """Enrolled people counted by (township, village, group) in one aggregate query.

    The group is the register's (person.group) or else the channel of the person's first payment in one of the
    groups: both joined once (a hash join each), not looked up by a subquery per enrolled person.
    """
    qs = results_for(county_id=county_id, year=year).filter(status__in=ENROLLED_STATUSES)
    if not group_names:
        return [
            {**row, "unit_group": None}
            for row in qs.values("township_id", "village_id").annotate(n=Count("id")).order_by()
        ]
    groups = sorted(group_names)
    marks = ", ".join(["%s"] * len(groups))
    statuses = ", ".join(["%s"] * len(ENROLLED_STATUSES))
    result = connection.ops.quote_name(ReconciliationResult._meta.db_table)
    person = connection.ops.quote_name(Person._meta.db_table)
    payment = connection.ops.quote_name(Payment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT r.township_id, r.village_id, COALESCE(g."group", ch.channel), COUNT(*)
            FROM {result} r
            LEFT JOIN {person} g ON g.id_number = r.id_number AND g."group" IN ({marks})
            LEFT JOIN (
                SELECT id_number, channel, ROW_NUMBER() OVER (PARTITION BY id_number ORDER BY paid_on, id) AS k
                FROM {payment} WHERE county_id = %s AND year = %s AND channel IN ({marks})
            ) ch ON ch.id_number = r.id_number AND ch.k = 1
            WHERE r.county_id = %s AND r.year = %s AND r.status IN ({statuses})
            GROUP BY r.township_id, r.village_id, COALESCE(g."group", ch.channel)
            """,  # noqa: S608 (constant fragments and placeholders)
            [*groups, county_id, year, *groups, county_id, year, *ENROLLED_STATUSES],
        )
        rows = cursor.fetchall()
    return [{"township_id": t, "village_id": v, "unit_group": g, "n": n} for t, v, g, n in rows]


@dataclass
class UnitProgress:
    unit: QuotaUnit
    enrolled: int
    target: int
    rate: Decimal


def unit_progress(*, table: QuotaTable) -> list[UnitProgress]:
    """Every unit of the table with its enrolled count and completion rate, in the table's order."""
    units = list(table.units.select_related("township", "village").order_by("seq", "pk"))
    groups = {u.group: u for u in units if u.kind == UnitKind.GROUP}
    villages = {u.village_id: u for u in units if u.kind == UnitKind.VILLAGE}
    townships = {u.township_id: u for u in units if u.kind == UnitKind.TOWNSHIP}
    counts: dict[int, int] = defaultdict(int)
    for row in enrolled_by_place_and_group(county_id=table.county_id, year=table.year, group_names=set(groups)):
        unit = (
            groups.get(row["unit_group"])
            or (villages.get(row["village_id"]) if row["village_id"] else None)
            or (townships.get(row["township_id"]) if row["township_id"] else None)
        )
        if unit is not None:
            counts[unit.pk] += row["n"]
    return [UnitProgress(u, counts[u.pk], u.target, ranking.completion_rate(counts[u.pk], u.target)) for u in units]


@dataclass
class RankedUnit:
    unit: QuotaUnit
    enrolled: int
    target: int
    rate: Decimal
    rank: int
    rate_change: Decimal | None
    rank_change: int | None
    flagged: bool


@dataclass
class Ranking:
    table: QuotaTable
    rows: list[RankedUnit]
    snapshot: ProgressSnapshot | None  # the snapshot shown, None = live figures
    compared_with: ProgressSnapshot | None
    enrolled_total: int
    target_total: int

    @property
    def rate_total(self) -> Decimal:
        return ranking.completion_rate(self.enrolled_total, self.target_total)


def snapshots_of(table: QuotaTable) -> QuerySet[ProgressSnapshot]:
    return table.snapshots.order_by("-taken_at", "-pk")


def snapshot_rates(snapshot_ids: list[int]) -> dict[int, dict[int, tuple[Decimal, int, int]]]:
    """snapshot id → unit id → (rate, rank, enrolled), in one query."""
    result: dict[int, dict[int, tuple[Decimal, int, int]]] = {sid: {} for sid in snapshot_ids}
    rows = SnapshotRow.objects.filter(snapshot_id__in=snapshot_ids).values_list(
        "snapshot_id", "unit_id", "rate", "rank", "enrolled"
    )
    for sid, unit_id, rate, rank, enrolled in rows:
        result[sid][unit_id] = (rate, rank, enrolled)
    return result


def table_ranking(*, table: QuotaTable, snapshot: ProgressSnapshot | None = None) -> Ranking:
    """Units ranked by completion rate, with the change since the snapshot before, and the bottom-three flag.

    Without a snapshot the figures are live and compared with the latest snapshot. The flag always looks at
    the two latest snapshots up to the one shown (the weekly 通报 is what the 约谈 rule is about).
    """
    history = list(snapshots_of(table))
    if snapshot is not None:
        history = [s for s in history if (s.taken_at, s.pk) <= (snapshot.taken_at, snapshot.pk)]
        previous = history[1] if len(history) > 1 else None
    else:
        previous = history[0] if history else None
    window = history[:2]
    rates = snapshot_rates([s.pk for s in window] + ([snapshot.pk] if snapshot else []))
    series = [{u: r[0] for u, r in rates[s.pk].items()} for s in reversed(window)]
    flagged = ranking.flagged_bottom_consecutive(series, n=3, runs=2)
    units = {u.pk: u for u in table.units.select_related("township", "village")}
    if snapshot is None:
        progress = unit_progress(table=table)
        current = {p.unit.pk: (p.rate, p.enrolled) for p in progress}
    else:
        current = {u: (r[0], r[2]) for u, r in rates[snapshot.pk].items() if u in units}
    ranks = ranking.rank_by_rate({u: rate for u, (rate, _) in current.items()})
    prev = snapshot_rates([previous.pk])[previous.pk] if previous else {}
    deltas = ranking.changes(
        {u: (current[u][0], ranks[u]) for u in current}, {u: (r[0], r[1]) for u, r in prev.items()}
    )
    rows = [
        RankedUnit(
            unit=units[u],
            enrolled=enrolled,
            target=units[u].target,
            rate=rate,
            rank=ranks[u],
            rate_change=deltas[u].rate,
            rank_change=deltas[u].rank,
            flagged=u in flagged,
        )
        for u, (rate, enrolled) in current.items()
    ]
    rows.sort(key=lambda r: (r.rank, r.unit.seq))
    return Ranking(
        table=table,
        rows=rows,
        snapshot=snapshot,
        compared_with=previous,
        enrolled_total=sum(r.enrolled for r in rows),
        target_total=sum(r.target for r in rows),
    )


def snapshot_series(
    *, table: QuotaTable, unit_ids: list[int] | None = None
) -> tuple[list[ProgressSnapshot], dict[int, list[tuple[datetime.datetime, Decimal]]]]:
    """The table's snapshots oldest first and, per unit, its (time, rate) points: two queries."""
    snapshots = list(table.snapshots.order_by("taken_at", "pk"))
    rows = SnapshotRow.objects.filter(snapshot__table=table).order_by("snapshot__taken_at", "snapshot_id")
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_ids)
    series: dict[int, list] = defaultdict(list)
    for unit_id, taken_at, rate in rows.values_list("unit_id", "snapshot__taken_at", "rate"):
        series[unit_id].append((taken_at, rate))
    return snapshots, series


@dataclass
class DepartmentCoverage:
    department: Department
    certified: int
    enrolled: int
    covered_elsewhere: int

    @property
    def covered(self) -> int:
        return self.enrolled + self.covered_elsewhere

    @property
    def uncovered(self) -> int:
        return self.certified - self.covered

    @property
    def rate(self) -> Decimal | None:
        return ranking.coverage_rate(self.covered, self.certified)


def special_group_coverage(
    *, county_id: int, year: int, department_id: int | None = None, township_id: int | None = None
) -> list[DepartmentCoverage]:
    """Per certifying department: certified people, enrolled, covered elsewhere (职工医保, 异地参保).

    A person certified by several departments counts once, for the department whose identity won
    (就高不重复) — the department on the reconciliation result — so the departments add up to the county.
    A case closed as 拒绝参保 does not count as covered.
    """
    qs = results_for(county_id=county_id, year=year).filter(department__isnull=False)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    if township_id is not None:
        qs = qs.filter(township_id=township_id)
    rows = list(
        qs.values("department_id")
        .annotate(certified=Count("id"), enrolled=Count("id", filter=Q(status__in=ENROLLED_STATUSES)))
        .order_by()
    )
    # Two aggregates rather than an EXISTS per result row: the cases with a covered-elsewhere reason are few,
    # so the database semi-joins a small set instead of probing the cases table once per certified person.
    elsewhere_ids = FollowUpCase.objects.filter(
        county_id=county_id, year=year, reason__in=list(COVERED_ELSEWHERE_REASONS)
    ).values("id_number")
    elsewhere = dict(
        qs.exclude(status__in=ENROLLED_STATUSES)
        .filter(id_number__in=elsewhere_ids)
        .values("department_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("department_id", "n")
    )
    for row in rows:
        row["covered_elsewhere"] = elsewhere.get(row["department_id"], 0)
    departments = Department.objects.in_bulk([r["department_id"] for r in rows])
    result = [
        DepartmentCoverage(departments[r["department_id"]], r["certified"], r["enrolled"], r["covered_elsewhere"])
        for r in rows
    ]
    result.sort(key=lambda c: c.department.code)
    return result
