"""Selectors for the home dashboards: what each role needs to see first, read in a handful of queries.

Nothing here writes. Every figure is scoped by the caller's county (and township or department), and each
selector reads set-wise (aggregates grouped in the database), never one query per row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from enrollment.models import County, ImportJob, ImportKind, ImportStatus, Township
from enrollment.places.clock import county_today
from quotas.models import CaseStatus, FollowUpCase, ProgressSnapshot, QuotaTable, QuotaUnit, SnapshotRow, UnitKind
from quotas.progress import ranking
from quotas.progress.ranking import rate_against_target
from subsidies.models import (
    Department,
    EnrolmentStatus,
    Fund,
    Identity,
    ReconciliationResult,
    ReconciliationRun,
    RosterVersion,
    TransferBatch,
)
from subsidies.policies.rules import first_of_next_month, month_end, month_start
from subsidies.reconciliation.rules import ENROLLED_STATUSES, NOT_ENROLLED_STATUSES
from subsidies.reconciliation.tally import tally_for

ZERO = Decimal("0.00")
# Departments hand in their full roster every month, and the year's list by the end of August.
ANNUAL_ROSTER_MONTH = 8


def local_today(county: County | None = None) -> date:
    """The county's today (its as-of date in the demo, `enrollment.places.clock`), else the local date."""
    return county_today(county)


# --- the benefit year shown -------------------------------------------------------------------------


# --- enrolment against the quota ---------------------------------------------------------------------


@dataclass
class Overview:
    year: int
    enrolled: int = 0
    proxy_enrolled: int = 0
    underpaid: int = 0
    not_enrolled: int = 0
    people: int = 0
    target: int | None = None
    stated_total: int | None = None
    quota_title: str = ""

    @property
    def rate(self) -> Decimal | None:
        return rate_against_target(self.enrolled, self.target)

    @property
    def stated_differs(self) -> bool:
        return self.stated_total is not None and self.target is not None and self.stated_total != self.target


@dataclass(frozen=True)
class Counted:
    """What the home pages count: the results' tally when a run has written one (`subsidies.reconciliation.tally`,
    a few thousand rows for a million people), else the results themselves. Both carry the place, status,
    department, category, fund, subsidy and top-up fields; these say how to count and filter either."""

    rows: QuerySet
    tallied: bool

    @classmethod
    def of(cls, *, county: County, year: int) -> Counted:
        tally = tally_for(county_id=county.pk, year=year)
        if tally is not None:
            return cls(tally, True)
        return cls(ReconciliationResult.objects.filter(county=county, year=year), False)

    def people(self):
        return Sum("people") if self.tallied else Count("id")

    def subsidised(self) -> Q:
        return Q(subsidised=True) if self.tallied else Q(subsidy__gt=0)

    def topped_up(self) -> Q:
        return Q(topped_up=True) if self.tallied else Q(topup__gt=0)

    def enrolled_between(self, first: date, last: date) -> Q:
        """Enrolled in the month from `first` (its first day) to `last`."""
        return Q(enrolled_month__range=(first, last)) if self.tallied else Q(enrolled_on__range=(first, last))


def enrolment_overview(*, county: County, year: int, township: Township | None = None) -> Overview:
    """Enrolled people (代缴 and self-paid) against the quota table's targets, county-wide or for one township."""
    counted = Counted.of(county=county, year=year)
    results = counted.rows if township is None else counted.rows.filter(township=township)
    counts = dict(results.values_list("status").annotate(n=counted.people()).order_by())
    overview = Overview(
        year=year,
        proxy_enrolled=counts.get(EnrolmentStatus.PROXY_ENROLLED, 0),
        underpaid=counts.get(EnrolmentStatus.UNDERPAID, 0),
        not_enrolled=counts.get(EnrolmentStatus.NOT_ENROLLED, 0),
        people=sum(counts.values()),
    )
    overview.enrolled = sum(counts.get(status, 0) for status in ENROLLED_STATUSES)
    table = QuotaTable.objects.filter(county=county, year=year).first()
    if table is not None:
        overview.quota_title = table.title
        if township is None:
            overview.target = table.units.aggregate(t=Sum("target"))["t"]
            overview.stated_total = table.stated_total
        else:
            overview.target = township_targets(table=table).get(township.pk)
    return overview


def township_targets(*, table: QuotaTable) -> dict[int, int]:
    """Target per township id: a township's own row, else the sum of its villages' rows."""
    own: dict[int, int] = {}
    from_villages: dict[int, int] = defaultdict(int)
    units = table.units.filter(kind__in=(UnitKind.TOWNSHIP, UnitKind.VILLAGE)).values_list(
        "kind", "township_id", "village__township_id", "target"
    )
    for kind, township_id, village_township_id, target in units:
        if kind == UnitKind.TOWNSHIP and township_id:
            own[township_id] = own.get(township_id, 0) + target
        elif kind == UnitKind.VILLAGE and (village_township_id or township_id):
            from_villages[village_township_id or township_id] += target
    return {**from_villages, **own}


@dataclass
class PlaceProgress:
    pk: int | None
    name: str
    enrolled: int = 0
    not_enrolled: int = 0
    target: int | None = None
    open_cases: int = 0
    rank: int | None = None

    @property
    def rate(self) -> Decimal | None:
        return rate_against_target(self.enrolled, self.target)


def _ranked(rows: list[PlaceProgress]) -> list[PlaceProgress]:
    """Ranked by `quotas.progress.ranking.rank_by_rate` (equal rates share a rank), highest rate first; places
    without a target come last, unranked. Within a shared rank the larger place is listed first."""
    ranks = ranking.rank_by_rate({index: row.rate for index, row in enumerate(rows) if row.rate is not None})
    for index, row in enumerate(rows):
        row.rank = ranks.get(index)
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, -r.enrolled, r.name))
    return rows


def township_progress(*, county: County, year: int) -> list[PlaceProgress]:
    """Every township of the county with enrolled, not enrolled, target, open cases and its rank."""
    rows = {t.pk: PlaceProgress(t.pk, t.name) for t in county.townships.all()}
    counted = Counted.of(county=county, year=year)
    results = counted.rows.filter(township__isnull=False).values_list("township_id", "status")
    for township_id, status, n in results.annotate(n=counted.people()).order_by():
        row = rows.get(township_id)
        if row is None:
            continue
        if status in ENROLLED_STATUSES:
            row.enrolled += n
        else:
            row.not_enrolled += n
    table = QuotaTable.objects.filter(county=county, year=year).first()
    if table is not None:
        for township_id, target in township_targets(table=table).items():
            if township_id in rows:
                rows[township_id].target = target
    cases = (
        FollowUpCase.objects.filter(county=county, year=year, status=CaseStatus.OPEN, township__isnull=False)
        .values_list("township_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for township_id, n in cases:
        if township_id in rows:
            rows[township_id].open_cases = n
    return _ranked(list(rows.values()))


def village_progress(*, county: County, year: int, township: Township) -> list[PlaceProgress]:
    """The township's villages: enrolled, not enrolled, target (from village rows of the quota table), cases."""
    rows = {v.pk: PlaceProgress(v.pk, v.name) for v in township.villages.all()}
    counted = Counted.of(county=county, year=year)
    results = counted.rows.filter(township=township, village__isnull=False).values_list("village_id", "status")
    for village_id, status, n in results.annotate(n=counted.people()).order_by():
        row = rows.get(village_id)
        if row is None:
            continue
        if status in ENROLLED_STATUSES:
            row.enrolled += n
        else:
            row.not_enrolled += n
    targets = QuotaUnit.objects.filter(
        table__county=county, table__year=year, kind=UnitKind.VILLAGE, village__township=township
    ).values_list("village_id", "target")
    for village_id, target in targets:
        if village_id in rows:
            rows[village_id].target = (rows[village_id].target or 0) + target
    cases = (
        FollowUpCase.objects.filter(county=county, year=year, status=CaseStatus.OPEN, township=township)
        .values_list("village_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for village_id, n in cases:
        if village_id in rows:
            rows[village_id].open_cases = n
    return _ranked(list(rows.values()))


@dataclass
class ProgressHistory:
    labels: list[str] = field(default_factory=list)
    county: list[Decimal | None] = field(default_factory=list)
    township: list[Decimal | None] = field(default_factory=list)


def progress_history(
    *, county: County, year: int, township: Township | None = None, limit: int = 12
) -> ProgressHistory:
    """Completion rate at each of the last `limit` snapshots: county-wide and, if given, for one township."""
    table = QuotaTable.objects.filter(county=county, year=year).first()
    history = ProgressHistory()
    if table is None:
        return history
    snapshots = list(
        ProgressSnapshot.objects.filter(table=table).order_by("-taken_at").values_list("pk", "taken_at")[:limit]
    )
    snapshots.reverse()
    if not snapshots:
        return history
    ids = [pk for pk, _ in snapshots]
    sums = (
        SnapshotRow.objects.filter(snapshot_id__in=ids)
        .values_list("snapshot_id", "unit__township_id", "unit__village__township_id")
        .annotate(enrolled=Sum("enrolled"), target=Sum("target"))
        .order_by()
    )
    county_totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    township_totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for snapshot_id, own_township, village_township, enrolled, target in sums:
        county_totals[snapshot_id][0] += enrolled or 0
        county_totals[snapshot_id][1] += target or 0
        if township is not None and township.pk in (own_township, village_township):
            township_totals[snapshot_id][0] += enrolled or 0
            township_totals[snapshot_id][1] += target or 0
    for pk, taken_at in snapshots:
        history.labels.append(timezone.localtime(taken_at).strftime("%m-%d"))
        history.county.append(rate_against_target(*county_totals[pk]))
        if township is not None:
            history.township.append(rate_against_target(*township_totals[pk]) if pk in township_totals else None)
    return history


def latest_snapshot_rank(*, county: County, year: int, township: Township) -> tuple[int | None, int | None]:
    """The township's rank in the last snapshot and in the one before (None where it has no row)."""
    rows = list(
        SnapshotRow.objects.filter(
            snapshot__table__county=county,
            snapshot__table__year=year,
            unit__kind=UnitKind.TOWNSHIP,
            unit__township=township,
        )
        .order_by("-snapshot__taken_at")
        .values_list("rank", flat=True)[:2]
    )
    return (rows[0] if rows else None, rows[1] if len(rows) > 1 else None)


# --- money this month ----------------------------------------------------------------------------------


@dataclass
class FundMonth:
    fund: Fund
    owed: Decimal = ZERO
    people: int = 0
    batched: Decimal = ZERO
    batch: TransferBatch | None = None


def fund_totals_for_month(
    *, county: County, year: int, month: date, department: Department | None = None
) -> list[FundMonth]:
    """Per paying fund, the subsidies owed in `month` (SPEC §8, from the results) and the month's batch if built.

    Owed = proxy and differential subsidies of people enrolled that month + top-ups owed that month. With a
    department: only the subsidies of its own categories, and only the batches of the funds that pay them.
    """
    first, last = month_start(month), month_end(month)
    counted = Counted.of(county=county, year=year)
    results = counted.rows.filter(fund__isnull=False)
    funds = None
    if department is not None:
        results = results.filter(department=department)
        fund_ids = set(results.values_list("fund_id", flat=True).distinct().order_by())
        fund_ids |= set(department.funds.values_list("pk", flat=True))
        funds = list(Fund.objects.filter(pk__in=fund_ids))
    by_fund: dict[int, FundMonth] = {}
    fund_objects = {f.pk: f for f in (funds if funds is not None else Fund.objects.all())}

    def row(fund_id: int) -> FundMonth:
        if fund_id not in by_fund:
            by_fund[fund_id] = FundMonth(fund_objects.get(fund_id) or Fund.objects.get(pk=fund_id))
        return by_fund[fund_id]

    owed = (
        results.filter(counted.subsidised(), counted.enrolled_between(first, last), status__in=ENROLLED_STATUSES)
        .values_list("fund_id")
        .annotate(total=Sum("subsidy"), n=counted.people())
        .order_by()
    )
    for fund_id, total, n in owed:
        r = row(fund_id)
        r.owed += total or ZERO
        r.people += n
    topups = (
        results.filter(counted.topped_up(), topup_month__range=(first, last))
        .values_list("fund_id")
        .annotate(total=Sum("topup"), n=counted.people())
        .order_by()
    )
    for fund_id, total, n in topups:
        r = row(fund_id)
        r.owed += total or ZERO
        r.people += n
    batches = TransferBatch.objects.filter(county=county, month=first).select_related("fund")
    if funds is not None:
        batches = batches.filter(fund__in=funds)
    for batch in batches:
        fund_objects.setdefault(batch.fund_id, batch.fund)
        r = row(batch.fund_id)
        r.batch = batch
        r.batched = batch.total
    return sorted(by_fund.values(), key=lambda r: (-r.owed, r.fund.code))


@dataclass
class CategoryTotal:
    name: str
    people: int
    total: Decimal


def subsidy_by_category(*, county: County, year: int, department: Department | None = None) -> list[CategoryTotal]:
    """Subsidies granted this year per winning category, for enrolled people (代缴 and 差额资助)."""
    counted = Counted.of(county=county, year=year)
    results = counted.rows.filter(counted.subsidised(), status__in=ENROLLED_STATUSES)
    if department is not None:
        results = results.filter(department=department)
    rows = (
        results.values_list("category__name")
        .annotate(people=counted.people(), total=Sum("subsidy"))
        .order_by("-total", "category__name")
    )
    return [CategoryTotal(name or "—", people, total or ZERO) for name, people, total in rows]


# --- rosters -------------------------------------------------------------------------------------------


@dataclass
class RosterFreshness:
    department: Department
    last_version: RosterVersion | None = None
    versions_this_month: int = 0
    pending_import: ImportJob | None = None
    today: date | None = None

    @property
    def uploaded_this_month(self) -> bool:
        return self.versions_this_month > 0

    @property
    def overdue(self) -> bool:
        """No roster handed in this month (they are due monthly)."""
        return not self.uploaded_this_month

    @property
    def due_by(self) -> date | None:
        return month_end(self.today) if self.today else None

    @property
    def annual_deadline(self) -> date | None:
        """The end of August, while it is still ahead this year."""
        if self.today is None or self.today.month > ANNUAL_ROSTER_MONTH:
            return None
        return date(self.today.year, ANNUAL_ROSTER_MONTH, 31)

    @property
    def changes(self) -> int:
        v = self.last_version
        return (v.added + v.removed + v.changed) if v else 0


def roster_freshness(*, county: County, today: date | None = None, department: Department | None = None):
    """Per department: its last roster version and diff, whether it handed one in this month, a pending upload."""
    today = today or local_today(county)
    first = month_start(today)
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(first_of_next_month(first), datetime.min.time()))
    if department is not None:
        departments = [department]
    else:
        used = Q(categories__county=county) | Q(roster_versions__county=county)
        departments = list(Department.objects.filter(is_active=True).filter(used).distinct().order_by("code"))
        if not departments:
            departments = list(Department.objects.filter(is_active=True).order_by("code"))
    ids = [d.pk for d in departments]
    latest_numbers = (
        RosterVersion.objects.filter(county=county, department_id__in=ids)
        .values("department_id")
        .annotate(n=Max("number"))
        .order_by()
    )
    latest_q = Q(pk__in=[])
    for row in latest_numbers:
        latest_q |= Q(department_id=row["department_id"], number=row["n"])
    latest = {
        v.department_id: v
        for v in RosterVersion.objects.filter(county=county).filter(latest_q).select_related("created_by")
    }
    this_month = dict(
        # Handed in this month: uploaded in it or dated in it (the same versions in the present; in the demo county,
        # whose month is its as-of date's, the versions dated in that month).
        RosterVersion.objects.filter(county=county, department_id__in=ids)
        .filter(
            Q(created_at__gte=start, created_at__lt=end)
            | Q(snapshot_date__gte=first, snapshot_date__lt=first_of_next_month(first))
        )
        .values_list("department_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    pending = {}
    for job in ImportJob.objects.filter(
        county=county,
        kind=ImportKind.ROSTER,
        department_id__in=ids,
        status__in=(ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.VALIDATED, ImportStatus.COMMITTING),
    ).order_by("created_at"):
        pending[job.department_id] = job
    return [
        RosterFreshness(
            department=d,
            last_version=latest.get(d.pk),
            versions_this_month=this_month.get(d.pk, 0),
            pending_import=pending.get(d.pk),
            today=today,
        )
        for d in departments
    ]


def last_roster_upload(*, county: County, department: Department) -> ImportJob | None:
    return (
        ImportJob.objects.filter(county=county, kind=ImportKind.ROSTER, department=department)
        .order_by("-created_at")
        .first()
    )


# --- follow-up and runs --------------------------------------------------------------------------------


def open_case_count(*, county: County, year: int, township: Township | None = None) -> int:
    cases = FollowUpCase.objects.filter(county=county, year=year, status=CaseStatus.OPEN)
    if township is not None:
        cases = cases.filter(township=township)
    return cases.count()


def last_reconciliation_run(*, county: County) -> ReconciliationRun | None:
    return ReconciliationRun.objects.filter(county=county).select_related("started_by").order_by("-started_at").first()


# --- departments -----------------------------------------------------------------------------------------


@dataclass
class DepartmentUnenrolled:
    total: int
    by_township: list[tuple[str, int]]
    certified: int


def department_unenrolled(*, county: County, year: int, department: Department, today: date | None = None):
    """People the department certifies now whose result this year is not enrolled or underpaid."""
    today = today or local_today(county)
    holders = (
        Identity.objects.filter(county=county, department=department, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .values("id_number")
    )
    results = ReconciliationResult.objects.filter(county=county, year=year, id_number__in=holders)
    missing = results.filter(status__in=NOT_ENROLLED_STATUSES)
    by_township = [
        (name or "—", n)
        for name, n in missing.values_list("township__name").annotate(n=Count("id")).order_by("-n", "township__name")
    ]
    return DepartmentUnenrolled(
        total=sum(n for _, n in by_township),
        by_township=by_township,
        certified=holders.order_by().values("id_number").distinct().count(),
    )
