"""Monthly transfer batches (SPEC §8): building, the lifecycle, locking, adjustments, the counterpart report.

Money leaves the funds here, so exactly-once is the database's job, not this module's:
- a batch is unique per county, fund and month (`batch_unique_fund_month`);
- a person's subsidy for a year is in one non-adjustment line, ever (`transfer_line_one_subsidy_per_person_year`),
  and lines are written by one `INSERT … SELECT`: on PostgreSQL a plain one that leaves out people already in a
  batch, which the unique index refuses whole if a concurrent build took one of them meanwhile, and then (and on
  SQLite) one with `ON CONFLICT DO NOTHING`, so a line already in any batch is skipped by the database itself,
  however many builders run;
- builds of a county are serialised by a PostgreSQL advisory lock and the batch rows by `select_for_update`,
  so two builds at once (two workers, two browser tabs) yield the same batches as one build.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Sum
from django.utils.translation import gettext as _

from enrollment.models import County
from subsidies.models import (
    BatchEvent,
    BatchStatus,
    Fund,
    LineKind,
    Policy,
    ReconciliationResult,
    TransferBatch,
    TransferLine,
)
from subsidies.policies import rules as policy_rules_module
from subsidies.policies.rules import first_of_next_month, month_start
from subsidies.policies.selectors import policy_rules
from subsidies.reconciliation.rules import ENROLLED_STATUSES, ENROLLED_STATUSES_SQL, PROXY_ENROLLED
from subsidies.transfers import rules

# Namespace of the advisory lock that serialises the builds of one county (the second key is the county id).
ADVISORY_NAMESPACE = 6_008


class InvalidBatchTransition(Exception):
    """A batch cannot do what was asked (wrong status, self-approval, a frozen batch). The message is for users."""


class SelfApprovalRefused(InvalidBatchTransition):
    pass


class BatchFrozen(InvalidBatchTransition):
    pass


# What the fund owes for each result, and when: one derived row per person owed money, whatever the month.
# Top-ups (次月资助) are owed in their top-up month; a person topped up paid in full, so nothing else is owed.
# Proxy payments (代缴) are owed in the month of enrolment, differential subsidies (差额资助) in the month of payment.
OWED_SQL = f"""
    SELECT r.year, r.id_number, r.name, r.township_id, r.category_id, r.fund_id,
           CASE WHEN r.topup > 0 THEN 'topup'
                WHEN r.status = '{PROXY_ENROLLED}' THEN 'proxy'
                ELSE 'differential' END AS kind,
           CASE WHEN r.topup > 0 THEN r.topup ELSE r.subsidy END AS amount,
           CASE WHEN r.topup > 0 THEN r.topup_month ELSE COALESCE(r.enrolled_on, r.paid_on) END AS owed_on
      FROM subsidies_reconciliationresult r
     WHERE r.county_id = %s
       AND r.status IN {ENROLLED_STATUSES_SQL}
       AND (r.topup > 0 OR r.subsidy > 0)
"""  # noqa: S608 - constant SQL, every value is a parameter

# Funds with subsidies owed up to the end of the month that are in no batch yet (a NULL fund: no paying fund set).
PENDING_FUNDS_SQL = f"""
    SELECT o.fund_id, COUNT(*)
      FROM ({OWED_SQL}) o
     WHERE o.owed_on IS NOT NULL AND o.owed_on < %s
       AND NOT EXISTS (SELECT 1 FROM subsidies_transferline l
                        WHERE l.year = o.year AND l.id_number = o.id_number AND l.kind <> 'adjustment')
     GROUP BY o.fund_id
"""  # noqa: S608 - constant SQL, every value is a parameter

# The lines the month's draft batches should hold: what is owed up to the end of the month, in its fund's batch.
# A subsidy owed in an earlier month that no batch took yet (late data) is paid now, its reason naming the date it
# was owed. Parameters: three reason prefixes, the month, the late suffix, the county (twice), the month, its end.
LINES_SQL = f"""
    SELECT b.id AS batch_id, o.year, o.id_number, o.name, o.township_id, o.category_id, o.kind, o.amount,
           (CASE o.kind WHEN 'proxy' THEN %s WHEN 'differential' THEN %s ELSE %s END)
             || CAST(o.owed_on AS text)
             || (CASE WHEN o.owed_on < %s THEN %s ELSE '' END) AS reason
      FROM ({OWED_SQL}) o
      JOIN subsidies_transferbatch b
        ON b.fund_id = o.fund_id AND b.county_id = %s AND b.month = %s AND b.status = 'draft'
     WHERE o.owed_on IS NOT NULL AND o.owed_on < %s
"""  # noqa: S608 - constant SQL, every value is a parameter

# Rebuilding a draft: drop exactly the lines that no longer match what is owed (changed amount, category, fund,
# no longer owed …); unchanged lines stay, so rebuilding an unchanged month writes nothing.
# Parameters: the county, the month, then LINES_SQL's.
DELETE_STALE_SQL = f"""
    DELETE FROM subsidies_transferline
     WHERE batch_id IN (SELECT id FROM subsidies_transferbatch WHERE county_id = %s AND month = %s AND status = 'draft')
       AND kind <> 'adjustment'
       AND NOT EXISTS (
           SELECT 1 FROM ({LINES_SQL}) c
            WHERE c.batch_id = subsidies_transferline.batch_id
              AND c.year = subsidies_transferline.year
              AND c.id_number = subsidies_transferline.id_number
              AND c.kind = subsidies_transferline.kind
              AND c.amount = subsidies_transferline.amount
              AND c.name = subsidies_transferline.name
              AND c.reason = subsidies_transferline.reason
              AND (c.township_id = subsidies_transferline.township_id
                   OR (c.township_id IS NULL AND subsidies_transferline.township_id IS NULL))
              AND (c.category_id = subsidies_transferline.category_id
                   OR (c.category_id IS NULL AND subsidies_transferline.category_id IS NULL)))
"""  # noqa: S608 - constant SQL, every value is a parameter

# One statement for every new line: a person already in any batch (this one included) is skipped by the partial
# unique index itself (ON CONFLICT DO NOTHING), however many builds run.
# Works as written on PostgreSQL and SQLite ≥ 3.24 (the WHERE TRUE resolves SQLite's ON CONFLICT parse ambiguity).
# On PostgreSQL it is the fallback of INSERT_NEW_LINES_SQL (see `_insert_lines`). Parameters: LINES_SQL's.
INSERT_LINES_SQL = f"""
    INSERT INTO subsidies_transferline (batch_id, year, id_number, name, township_id, category_id, kind, amount, reason)
    SELECT c.batch_id, c.year, c.id_number, c.name, c.township_id, c.category_id, c.kind, c.amount, c.reason
      FROM ({LINES_SQL}) c
     WHERE TRUE
    ON CONFLICT DO NOTHING
"""  # noqa: S608 - constant SQL, every value is a parameter

# The same rows with a plain INSERT: people already in a batch are left out by an anti-join instead of
# ON CONFLICT, whose speculative insertion (an arbiter probe and a confirmation WAL record per row) costs
# about a third of the statement at a million people. The unique index still refuses any duplicate: a person
# inserted meanwhile by a concurrent build (of another county: builds of one county are serialised) fails the
# statement, and `_insert_lines` falls back to INSERT_LINES_SQL. Run with nested loops off (see `_insert_lines`).
# Parameters: LINES_SQL's.
INSERT_NEW_LINES_SQL = f"""
    INSERT INTO subsidies_transferline (batch_id, year, id_number, name, township_id, category_id, kind, amount, reason)
    SELECT c.batch_id, c.year, c.id_number, c.name, c.township_id, c.category_id, c.kind, c.amount, c.reason
      FROM ({LINES_SQL}) c
     WHERE NOT EXISTS (SELECT 1 FROM subsidies_transferline l
                        WHERE l.year = c.year AND l.id_number = c.id_number AND l.kind <> 'adjustment')
"""  # noqa: S608 - constant SQL, every value is a parameter

# SQLSTATE of a unique violation.
UNIQUE_VIOLATION = "23505"


@dataclass
class BuildResult:
    county: County
    month: date
    batches: list[TransferBatch] = field(default_factory=list)
    lines: int = 0  # lines added
    removed: int = 0  # lines of a rebuilt draft that no longer matched the results
    frozen: list[TransferBatch] = field(default_factory=list)  # batches of the month already approved: untouched
    unfunded: int = 0  # people owed a subsidy whose category has no paying fund in the policy


def _lock_county(county_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_NAMESPACE, county_id])


def _ensure_batch(*, county: County, fund: Fund, month: date, user) -> TransferBatch:
    number = rules.batch_number(county_code=county.code, month=month, fund_code=fund.code)
    try:
        with transaction.atomic():
            return TransferBatch.objects.create(county=county, fund=fund, month=month, number=number, built_by=user)
    except IntegrityError:
        # Another build created it first (possible without the advisory lock, e.g. on SQLite).
        return TransferBatch.objects.get(county=county, fund=fund, month=month)


@contextmanager
def _without_nested_loops(cursor):
    """Plan the statements run inside without nested loops (PostgreSQL), then restore the setting.

    The build's statements join whole months (hundreds of thousands of rows) while the statistics of the lines
    may be those of an emptier table (lines written by the build before, not yet analysed): the planner then
    picks nested loops of one index probe per row, where a hash or merge join reads each side once. Every
    statement of a build already reads all the county's owed results, so this costs small builds little.
    The setting is transaction-local: if the statement fails, the rollback (to the caller's savepoint) undoes it.
    """
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute("SELECT current_setting('enable_nestloop'), set_config('enable_nestloop', 'off', true)")
    previous = cursor.fetchone()[0]
    yield
    cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [previous])


def _insert_lines(cursor, lines_params: list) -> int:
    """Insert the month's new lines; returns how many.

    On PostgreSQL, a plain INSERT with an anti-join (INSERT_NEW_LINES_SQL), planned without nested loops: the
    table being written is also the anti-join's inner side, and when it is (nearly) empty at planning time a
    nested loop over a sequential scan of it looks free, yet rescans every row this statement has inserted so
    far, for each row it inserts (quadratic: minutes at a million people). A hash or merge anti-join reads the
    existing lines once, before the first insert. The setting is transaction-local and restored right after.
    If a concurrent build took one of these people first, the unique index refuses the statement: it is rolled
    back to its savepoint and INSERT_LINES_SQL lets the database skip them, as it always did.
    """
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic(), _without_nested_loops(cursor):
                cursor.execute(INSERT_NEW_LINES_SQL, lines_params)
                return max(cursor.rowcount, 0)
        except IntegrityError as exc:
            # Rolling back to the savepoint also undid the setting.
            if getattr(exc.__cause__, "sqlstate", None) != UNIQUE_VIOLATION:
                raise
    cursor.execute(INSERT_LINES_SQL, lines_params)
    return max(cursor.rowcount, 0)


def _refresh_totals(batch_ids: list[int]) -> None:
    sums = {
        row["batch"]: row
        for row in TransferLine.objects.filter(batch_id__in=batch_ids)
        .values("batch")
        .annotate(n=Count("id"), total=Sum("amount"))
    }
    for batch_id in batch_ids:
        row = sums.get(batch_id, {"n": 0, "total": Decimal("0.00")})
        TransferBatch.objects.filter(pk=batch_id).update(lines_count=row["n"], total=row["total"] or 0)


@transaction.atomic
def batch_build(*, county: County, month: date, user=None) -> BuildResult:
    """Build (or rebuild, while still drafts) the month's batches of a county, one per paying fund.

    Every subsidy owed up to the end of `month` that is in no batch yet goes into the batch of its fund.
    Idempotent: building again changes nothing unless the reconciliation results changed meanwhile.
    """
    month = month_start(month)
    end = first_of_next_month(month)
    result = BuildResult(county=county, month=month)
    _lock_county(county.pk)

    existing = list(TransferBatch.objects.select_for_update().filter(county=county, month=month).select_related("fund"))
    drafts = [b for b in existing if b.status == BatchStatus.DRAFT]
    result.frozen = [b for b in existing if b.status != BatchStatus.DRAFT]
    lines_params = [
        _("Proxy payment, enrolled on "),
        _("Differential subsidy, paid on "),
        _("Next-month top-up, owed from "),
        month,
        _(" (owed in an earlier month)"),
        county.pk,
        county.pk,
        month,
        end,
    ]
    with connection.cursor() as cursor:
        if drafts:
            # A draft follows the results: lines no longer owed as they stand go back to the pool. Adjustment lines
            # are explicit decisions, not derived from results: they stay.
            with _without_nested_loops(cursor):
                cursor.execute(DELETE_STALE_SQL, [county.pk, month, *lines_params])
                result.removed = max(cursor.rowcount, 0)
        cursor.execute(PENDING_FUNDS_SQL, [county.pk, end])
        pending = dict(cursor.fetchall())
    result.unfunded = pending.pop(None, 0)
    frozen_funds = {b.fund_id for b in result.frozen}
    by_fund = {b.fund_id: b for b in drafts}
    for fund in Fund.objects.filter(pk__in=pending.keys()).exclude(pk__in=frozen_funds).order_by("pk"):
        if fund.pk not in by_fund:
            by_fund[fund.pk] = _ensure_batch(county=county, fund=fund, month=month, user=user)
    batch_ids = sorted(b.pk for b in by_fund.values())
    if not batch_ids:
        return result
    # Lock the batches created just now as well (the advisory lock already serialises builds on PostgreSQL).
    list(TransferBatch.objects.select_for_update().filter(pk__in=batch_ids).order_by("pk").values_list("pk"))

    with connection.cursor() as cursor:
        result.lines = _insert_lines(cursor, lines_params)
    _refresh_totals(batch_ids)
    TransferBatch.objects.filter(pk__in=batch_ids).update(built_by=user)
    BatchEvent.objects.bulk_create(
        BatchEvent(batch_id=pk, status=BatchStatus.DRAFT, user=user, note=_("Built")) for pk in batch_ids
    )
    result.batches = list(TransferBatch.objects.filter(pk__in=batch_ids).select_related("fund").order_by("fund__code"))
    return result


def _locked_batch(batch_id: int) -> TransferBatch:
    return TransferBatch.objects.select_for_update().select_related("county", "fund").get(pk=batch_id)


def last_actor(batch: TransferBatch, status: str):
    event = batch.events.filter(status=status).order_by("-at", "-pk").select_related("user").first()
    return event.user if event else None


def _move(batch: TransferBatch, target: str, *, user, note: str = "") -> TransferBatch:
    if not rules.can_move(batch.status, target):
        raise InvalidBatchTransition(
            _("Batch %(number)s is %(status)s and cannot become %(target)s.")
            % {
                "number": batch.number,
                "status": batch.get_status_display(),
                "target": BatchStatus(target).label,
            }
        )
    batch.status = target
    batch.save(update_fields=["status"])
    BatchEvent.objects.create(batch=batch, status=target, user=user, note=note)
    return batch


@transaction.atomic
def batch_check(*, batch_id: int, user, note: str = "") -> TransferBatch:
    """The checker has gone through the lines: draft → checked."""
    return _move(_locked_batch(batch_id), BatchStatus.CHECKED, user=user, note=note)


@transaction.atomic
def batch_return(*, batch_id: int, user, note: str = "") -> TransferBatch:
    """Send a checked batch back to draft (to be rebuilt or corrected)."""
    return _move(_locked_batch(batch_id), BatchStatus.DRAFT, user=user, note=note)


@transaction.atomic
def batch_approve(*, batch_id: int, user, note: str = "") -> TransferBatch:
    """Maker-checker approval: checked → approved, by someone other than the builder.

    In the same transaction the lines' reconciliation results are locked (SPEC §6.6): a later reconciliation
    no longer changes these subsidies this year.
    """
    batch = _locked_batch(batch_id)
    checker = last_actor(batch, BatchStatus.CHECKED)
    if batch.status == BatchStatus.CHECKED and not rules.maker_checker_allows(
        approver_id=getattr(user, "pk", None),
        builder_id=batch.built_by_id,
        checker_id=checker.pk if checker else None,
    ):
        raise SelfApprovalRefused(
            _("Batch %(number)s was built by you: it must be approved by another person.") % {"number": batch.number}
        )
    _move(batch, BatchStatus.APPROVED, user=user, note=note)
    lines = TransferLine.objects.filter(batch=batch, year=OuterRef("year"), id_number=OuterRef("id_number"))
    ReconciliationResult.objects.filter(county_id=batch.county_id, locked=False).filter(Exists(lines)).update(
        locked=True
    )
    return batch


@transaction.atomic
def batch_mark_exported(*, batch_id: int, user) -> TransferBatch:
    """The file went to the finance office: approved → exported. Downloading again later is allowed."""
    return _move(_locked_batch(batch_id), BatchStatus.EXPORTED, user=user)


@transaction.atomic
def batch_confirm(*, batch_id: int, user, note: str = "") -> TransferBatch:
    """The finance office confirmed the payment: exported → confirmed."""
    return _move(_locked_batch(batch_id), BatchStatus.CONFIRMED, user=user, note=note)


TRANSITIONS = {
    BatchStatus.CHECKED: batch_check,
    BatchStatus.APPROVED: batch_approve,
    BatchStatus.EXPORTED: batch_mark_exported,
    BatchStatus.CONFIRMED: batch_confirm,
    BatchStatus.DRAFT: batch_return,
}


def batch_transition(*, batch_id: int, target: str, user) -> TransferBatch:
    service = TRANSITIONS.get(target)
    if service is None:
        raise InvalidBatchTransition(_("Unknown batch status."))
    return service(batch_id=batch_id, user=user)


@transaction.atomic
def adjustment_add(
    *, county: County, fund: Fund, month: date, year: int, id_number: str, amount: Decimal, reason: str, user
) -> TransferLine:
    """An explicit correction of a subsidy already in an approved batch, as a line of a later draft batch."""
    month = month_start(month)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidBatchTransition(_("An adjustment needs a reason."))
    if not amount:
        raise InvalidBatchTransition(_("An adjustment needs a non-zero amount."))
    _lock_county(county.pk)
    original = (
        TransferLine.objects.filter(batch__county=county, year=year, id_number=id_number)
        .exclude(kind=LineKind.ADJUSTMENT)
        .select_related("batch")
        .first()
    )
    if original is None or original.batch.status not in rules.FROZEN:
        raise InvalidBatchTransition(
            _("%(id)s has no subsidy for %(year)s in an approved batch: there is nothing to adjust.")
            % {"id": id_number, "year": year}
        )
    if month <= original.batch.month:
        raise InvalidBatchTransition(
            _("An adjustment goes into a batch after %(month)s, the month of the original line.")
            % {"month": f"{original.batch.month:%Y-%m}"}
        )
    batch = TransferBatch.objects.select_for_update().filter(
        county=county, fund=fund, month=month
    ).first() or _ensure_batch(county=county, fund=fund, month=month, user=user)
    if batch.status != BatchStatus.DRAFT:
        raise BatchFrozen(
            _("Batch %(number)s is %(status)s: adjustments go into a draft batch.")
            % {"number": batch.number, "status": batch.get_status_display()}
        )
    line = TransferLine.objects.create(
        batch=batch,
        year=year,
        id_number=id_number,
        name=original.name,
        township_id=original.township_id,
        category_id=original.category_id,
        kind=LineKind.ADJUSTMENT,
        amount=amount,
        reason=reason,
    )
    _refresh_totals([batch.pk])
    BatchEvent.objects.create(batch=batch, status=batch.status, user=user, note=_("Adjustment added"))
    return line


def batch_totals(batch: TransferBatch) -> list[dict]:
    """Totals per category and kind: category name, kind (and its Chinese label), people, amount."""
    rows = list(
        batch.lines.values("category__name", "kind")
        .annotate(people=Count("id"), amount=Sum("amount"))
        .order_by("category__name", "kind")
    )
    for row in rows:
        row["kind_label"] = str(LineKind(row["kind"]).label)
    return rows


@dataclass
class CounterpartReport:
    county: County
    year: int
    policy: Policy | None
    people: int
    rows: list[rules.CounterpartRow]
    deadline: str

    @property
    def per_person(self) -> Decimal:
        return sum((r.per_person for r in self.rows), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return sum((r.total for r in self.rows), Decimal("0.00"))


def counterpart_report(*, county: County, year: int) -> CounterpartReport:
    """Fiscal counterpart funds (财政配套资金) per level: enrolled people × each level's share per person.

    The split per person comes from the policy's fiscal shares through `subsidies.policies.rules.fiscal_split`.
    """
    policy = Policy.objects.filter(county=county, year=year).first()
    people = ReconciliationResult.objects.filter(county=county, year=year, status__in=ENROLLED_STATUSES).count()
    rows: list[rules.CounterpartRow] = []
    if policy is not None:
        split = policy_rules_module.fiscal_split(policy_rules(county=county, year=year))
        rows = rules.counterpart_rows(split, people=people)
    return CounterpartReport(
        county=county,
        year=year,
        policy=policy,
        people=people,
        rows=rows,
        deadline=policy.transfer_deadline if policy else "",
    )
