"""The set-based reconciliation service (SPEC §6): every person of a county and benefit year, as of a date.

A run is split into parts by township (`chunk_keys`): each part loads its people's inputs in a handful of bulk
queries, computes each outcome in Python with the pure rules (`reconcile_rules.outcome_for`), and writes the
results set-based — on PostgreSQL COPY into a temporary table and one INSERT … ON CONFLICT that touches only rows
that really changed; on SQLite a diff in Python and `bulk_create(update_conflicts=True)`. Parts are independent, so
a Celery chord runs them on any number of workers with identical results; `reconcile()` runs them inline.

Incremental runs recompute only people marked in `DirtyPerson` for their year (and, where enrolment is by
household, the other members of their households); each part deletes the dirty marks it takes in the same
transaction that writes the results. A change marks its people once per current year (`marked_years`), so the
runs of this year and of next year, both triggered during a campaign, each find them. A full run recomputes
everyone and drops results of people who are no longer in the register or on any roster. Locked results (in an
approved transfer batch) keep their category, fund, subsidy and top-up.
"""

# SQL here is assembled only from constant fragments and placeholders; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F
from django.db.models.functions import Least
from django.utils import timezone

from enrollment import idnumbers
from enrollment.dbstats import refresh_statistics
from enrollment.models import County, Township, Village
from subsidies.models import DirtyCounty, DirtyPerson, Policy, ReconciliationResult, ReconciliationRun, RunStatus
from subsidies.policies.rules import PolicyRules, standard_for
from subsidies.reconciliation import rules as rr

logger = logging.getLogger(__name__)

CHUNK_NO_TOWNSHIP = "none"  # register people without a township
CHUNK_ROSTER = "roster"  # roster people missing from the register
FEN = Decimal("0.01")
# work_mem of a part's transaction (sorts and hashes of a township's rows in memory). No plan depends on it: the
# plan guards (tests/subsidies/test_reconcile_plans.py) check every statement at 64 kB.
PART_WORK_MEM = "128MB"
ZERO = Decimal("0.00")

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


class ReconciliationError(Exception):
    """A run cannot start (no policy for the county and year)."""


# --- policy ------------------------------------------------------------------------------------------------------


def rules_for(*, county_id: int, year: int) -> PolicyRules:
    """The policy engine's snapshot (`selectors.policy_rules`); raises ReconciliationError when there is no policy."""
    from subsidies.policies.selectors import policy_rules

    try:
        return policy_rules(county=county_id, year=year)
    except LookupError as exc:
        raise ReconciliationError(f"no policy for county {county_id} and year {year}") from exc


def current_years(*, county_id: int, today: date | None = None) -> list[int]:
    """The benefit years an import should trigger: those whose collection has begun and whose year is not over;
    failing that, the county's latest policy year."""
    today = today or timezone.localdate()
    years = list(
        Policy.objects.filter(county_id=county_id, collection_start__lte=today, year__gte=today.year)
        .order_by("year")
        .values_list("year", flat=True)
    )
    if not years:
        latest = Policy.objects.filter(county_id=county_id).order_by("-year").values_list("year", flat=True).first()
        years = [latest] if latest else []
    return years


# --- runs --------------------------------------------------------------------------------------------------------


def chunk_keys(*, county_id: int) -> list[str]:
    """The parts of a county: one per township, then people without a township, then roster-only people."""
    ids = Township.objects.filter(county_id=county_id).order_by("pk").values_list("pk", flat=True)
    return [str(pk) for pk in ids] + [CHUNK_NO_TOWNSHIP, CHUNK_ROSTER]


def chunk_groups(*, county_id: int, chunks: int | None = None) -> list[list[str]]:
    """The parts dealt round-robin into `chunks` groups (default: one group per part)."""
    keys = chunk_keys(county_id=county_id)
    n = len(keys) if not chunks else max(1, min(chunks, len(keys)))
    return [keys[i::n] for i in range(n)]


def run_start(
    *,
    county: County | int,
    year: int,
    as_of: date | None = None,
    full: bool = False,
    user=None,
    chunks: int | None = None,
) -> ReconciliationRun:
    """Record a new run (its parts are then run by `run_chunk`, inline or by the chord in tasks)."""
    county_id = county.pk if isinstance(county, County) else int(county)
    rules_for(county_id=county_id, year=year)  # fail early, with a message, when there is no policy
    # A whole-county mark makes the run a full one; it is taken at the end (`run_finish`) if not renewed meanwhile.
    marks = DirtyCounty.objects.filter(county_id=county_id, year__in=[year, DirtyPerson.ANY_YEAR])
    county_marks = {str(pk): generation for pk, generation in marks.values_list("pk", "generation")}
    return ReconciliationRun.objects.create(
        county_id=county_id,
        year=year,
        as_of=as_of or timezone.localdate(),
        full=full or bool(county_marks),
        county_marks=county_marks,
        started_by=user if user is not None and user.is_authenticated else None,
        chunks_total=len(chunk_groups(county_id=county_id, chunks=chunks)),
    )


def reconcile(
    *,
    county: County | int,
    year: int,
    as_of: date | None = None,
    full: bool = False,
    user=None,
    chunks: int | None = None,
    workers: int = 1,
) -> ReconciliationRun:
    """Run a whole reconciliation from this process: start, every part, finish.

    `workers` > 1 (PostgreSQL only) runs parts on that many threads, each with its own connection: one part's
    Python work overlaps another's database work, as Celery workers would.
    """
    run = run_start(county=county, year=year, as_of=as_of, full=full, user=user, chunks=chunks)
    if not run_has_work(run):
        return run_finish(run_id=run.pk)
    groups = chunk_groups(county_id=run.county_id, chunks=chunks)
    try:
        if workers > 1 and connection.vendor == "postgresql" and len(groups) > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(lambda keys: _run_chunk_in_thread(run.pk, keys), groups))
        else:
            for keys in groups:
                run_chunk(run_id=run.pk, keys=keys)
    except Exception as exc:
        run_fail(run_id=run.pk, message=str(exc))
        raise
    return run_finish(run_id=run.pk)


def run_has_work(run: ReconciliationRun) -> bool:
    """Whether the run has anything to recompute: a full run always; an incremental one while a person of its
    year is marked. One index probe, instead of every part's temporary tables finding nothing (a mark committed
    after it is left for the next run, as one committed after a part took its marks is)."""
    if run.full:
        return True
    marks = DirtyPerson.objects.filter(county_id=run.county_id, year__in=[run.year, DirtyPerson.ANY_YEAR])
    return marks.exists()


def _run_chunk_in_thread(run_id: int, keys: list[str]) -> int:
    try:
        return run_chunk(run_id=run_id, keys=keys)
    finally:
        connection.close()


def reconcile_enqueue(
    *, county: County | int, year: int, as_of: date | None = None, full: bool = False, user=None
) -> ReconciliationRun:
    """Record a run and hand it to the workers once the current transaction commits."""
    from config.queue import send_on_commit
    from subsidies.tasks import reconcile_dispatch

    run = run_start(county=county, year=year, as_of=as_of, full=full, user=user)
    # With the broker down the run is marked failed (not left "running") and QueueUnavailable is raised.
    send_on_commit(reconcile_dispatch, run.pk, on_failure=lambda message: run_fail(run_id=run.pk, message=message))
    return run


def run_fail(*, run_id: int, message: str) -> None:
    ReconciliationRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, finished_at=timezone.now(), message=message[:2000]
    )


def run_finish(*, run_id: int) -> ReconciliationRun:
    """Drop results of people gone from register and rosters (full runs), count by status, announce the run.

    Idempotent: a finished run is returned as it is.
    """
    from subsidies.signals import reconciliation_finished

    with transaction.atomic():
        run = ReconciliationRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.RUNNING:
            return run
        # Fresh statistics now, not when autovacuum gets round to it: the stale-row delete below, the follow-up
        # case sync that listens to this run and the next run are planned with the rows the parts wrote (after a
        # first run into an empty table the delete probed the register once per result: 40 s for a million).
        refresh_statistics(["subsidies_reconciliationresult"], written=run.changed)
        removed = 0
        if run.full:
            policy = rules_for(county_id=run.county_id, year=run.year)
            removed = _delete_stale(run=run, policy=policy)
            run.changed += removed
        # Results change only through runs: after one that changed nothing they are counted as the last finished
        # run counted them (a GROUP BY over a million rows otherwise, most of a nothing-to-do run's time).
        previous = None
        if run.changed == 0:
            previous = (
                ReconciliationRun.objects.filter(county_id=run.county_id, year=run.year, status=RunStatus.DONE)
                .exclude(counts={})
                .order_by("-finished_at", "-pk")
                .values_list("counts", flat=True)
                .first()
            )
        if previous is not None:
            run.counts = previous
        else:
            counts = dict(
                ReconciliationResult.objects.filter(county_id=run.county_id, year=run.year)
                .values_list("status")
                .annotate(n=Count("pk"))
                .order_by("status")
            )
            run.counts = {status: counts.get(status, 0) for status in rr.STATUS_ORDER}
        for pk, generation in run.county_marks.items():
            # Renewed by a change committed after the run started: kept for the next run.
            DirtyCounty.objects.filter(pk=int(pk), generation=generation).delete()
        run.status = RunStatus.DONE
        run.chunks_done = run.chunks_total
        run.finished_at = timezone.now()
        run.save(update_fields=["changed", "counts", "status", "chunks_done", "finished_at"])
        if removed:
            refresh_statistics(["subsidies_reconciliationresult"], written=removed)
        county_id, year = run.county_id, run.year
        transaction.on_commit(
            lambda: reconciliation_finished.send(
                sender=ReconciliationRun, run_id=run_id, county_id=county_id, year=year
            )
        )
    return run


def _delete_stale(*, run: ReconciliationRun, policy: PolicyRules) -> int:
    start, end = _period(policy, run.as_of)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            DELETE FROM subsidies_reconciliationresult
            WHERE county_id = %s AND year = %s AND NOT locked
              AND NOT EXISTS (SELECT 1 FROM enrollment_person p
                              WHERE p.county_id = %s AND p.id_number = subsidies_reconciliationresult.id_number)
              AND NOT EXISTS (SELECT 1 FROM subsidies_identity i
                              WHERE i.county_id = %s AND i.id_number = subsidies_reconciliationresult.id_number
                                AND i.valid_from <= %s AND (i.valid_to IS NULL OR i.valid_to >= %s))
            """,
            [run.county_id, run.year, run.county_id, run.county_id, end, start],
        )
        return cursor.rowcount


def _period(policy: PolicyRules, as_of: date) -> tuple[date, date]:
    """Identities that matter for year Y: valid some time between the window's start and min(as-of, 31 Dec Y)."""
    return policy.collection_start, min(as_of, date(policy.year, 12, 31))


# --- one part ----------------------------------------------------------------------------------------------------


@dataclass
class _Inputs:
    persons: dict[str, tuple] = field(default_factory=dict)
    paid: dict[str, rr.Paid] = field(default_factory=dict)
    identities: dict[str, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    locked: dict[str, rr.Locked] = field(default_factory=dict)


def run_chunk(*, run_id: int, keys: list[str]) -> int:
    """Recompute and write one part of a run (some townships); returns how many people were recomputed.

    Idempotent: on a redelivery after commit the dirty marks are gone (incremental) or every row is unchanged
    (full), so nothing is written twice.
    """
    started = time.monotonic()
    run = ReconciliationRun.objects.get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return 0
    policy = rules_for(county_id=run.county_id, year=run.year)
    with transaction.atomic():
        part = _Part(run=run, policy=policy, keys=keys)
        recomputed, changed = part.execute()
    ReconciliationRun.objects.filter(pk=run_id).update(
        persons=F("persons") + recomputed,
        changed=F("changed") + changed,
        chunks_done=Least(F("chunks_done") + 1, F("chunks_total")),
    )
    logger.info(
        "reconciliation run %s part %s: %s people, %s changed, %.2fs",
        run_id,
        keys,
        recomputed,
        changed,
        time.monotonic() - started,
    )
    return recomputed


class _Part:
    """The people of some townships (or the roster-only people), their inputs, their outcomes, their rows."""

    def __init__(self, *, run: ReconciliationRun, policy: PolicyRules, keys: list[str]):
        self.run = run
        self.policy = policy
        self.county_id = run.county_id
        self.year = run.year
        self.as_of = run.as_of
        self.period = _period(policy, run.as_of)
        self.township_ids = [int(k) for k in keys if k.isdigit()]
        self.no_township = CHUNK_NO_TOWNSHIP in keys
        self.roster = CHUNK_ROSTER in keys
        self.postgres = connection.vendor == "postgresql"
        self.cursor = None
        self._standards: dict[tuple[int, bool], Decimal] = {}

    # The SQL that selects this part's register people and roster-only people.
    def _township_clause(self, alias: str = "") -> tuple[str, list]:
        """This part's townships as a condition on `{alias}township_id`."""
        parts, params = [], []
        if self.township_ids:
            parts.append(f"{alias}township_id IN ({', '.join(['%s'] * len(self.township_ids))})")
            params += self.township_ids
        if self.no_township:
            parts.append(f"{alias}township_id IS NULL")
        if not parts:
            return "1 = 0", []
        return f"({' OR '.join(parts)})", params

    def _person_filter(self, alias: str = "") -> tuple[str, list]:
        clause, params = self._township_clause(alias)
        return f"{alias}county_id = %s AND {clause}", [self.county_id, *params]

    def _roster_only_sql(self) -> tuple[str, list]:
        start, end = self.period
        return (
            """SELECT DISTINCT i.id_number FROM subsidies_identity i
               WHERE i.county_id = %s AND i.valid_from <= %s AND (i.valid_to IS NULL OR i.valid_to >= %s)
                 AND NOT EXISTS (SELECT 1 FROM enrollment_person p
                                 WHERE p.county_id = %s AND p.id_number = i.id_number)""",
            [self.county_id, end, start, self.county_id],
        )

    def execute(self) -> tuple[int, int]:
        with connection.cursor() as cursor:
            self.cursor = cursor
            if self.postgres:
                # Results are derived data, recomputed by the next run: no need to wait for the WAL flush.
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                if PART_WORK_MEM:
                    cursor.execute("SELECT set_config('work_mem', %s, true)", [PART_WORK_MEM])
            self._create_temp_tables()
            dirty = self._take_dirty()
            if self.run.full:
                write_sql, write_params = self._full_ids_sql()
            else:
                if not dirty:
                    self._drop_temp_tables()
                    return 0, 0
                self._fill_ids("recon_ids", dirty)
                write_sql, write_params = "SELECT id_number FROM recon_ids", []
            households = self.policy.household_enrolment
            extras = self._fill_household_extras(write_sql, write_params) if households else 0
            in_sql = self.postgres and self.sql_path
            done_in_sql = 0
            if in_sql:
                # Most of a county holds no identity: their rows are computed by PostgreSQL itself.
                self._prepare_sql_path()
                person_where = self._person_filter("p.") if self.run.full else None
                done_in_sql = self._simple_in_sql(write_sql, write_params, person_where=person_where, write=True)
                if extras:
                    self._simple_in_sql(
                        "SELECT id_number FROM recon_extra", [], person_where=None, write=not self.run.full
                    )
                write_sql = f"SELECT id_number FROM ({write_sql}) w WHERE true{_not_done_in_sql('w')}"
                in_sql_ids = set() if self.run.full else self._ids_in_sql()
            else:
                in_sql_ids = set()
            # The rest goes through Python: people not done in SQL above.
            rest = _not_done_in_sql if in_sql else _nothing_done_in_sql
            persons_filter = None
            if self.run.full:
                where, params = self._person_filter()
                persons_filter = (where + rest("enrollment_person"), params)
            inputs = self._load(write_sql, write_params, persons_filter=persons_filter)
            write_ids = set(inputs.persons) | set(inputs.identities)
            if not self.run.full:
                # Dirty people no longer known are dropped below; those done in SQL are written already.
                write_ids = {i for i in dirty if i in inputs.persons or i in inputs.identities}
            extra_ids: set[str] = set()
            if extras:
                extra = self._load(f"SELECT id_number FROM recon_extra WHERE true{rest('recon_extra')}", [])
                inputs.persons.update(extra.persons)
                inputs.paid.update(extra.paid)
                inputs.identities.update(extra.identities)
                inputs.locked.update(extra.locked)
                extra_ids = set(extra.persons)
                if not self.run.full:
                    write_ids |= extra_ids  # the other members' household flag changes with this person
            outcomes = self._compute(inputs, write_ids, extra_ids=extra_ids, households_in_python=not in_sql)
            changed = self._write(outcomes, households_in_sql=in_sql and households)
            recomputed = done_in_sql + sum(1 for row in outcomes if row[-1])
            if not self.run.full:
                gone = set(dirty) - write_ids - in_sql_ids
                changed += self._delete_results(gone)
            self._drop_temp_tables()
            return recomputed, changed

    # --- the SQL path: register people holding no identity ----------------------------------------------------

    # False sends everyone through Python (the tests compare both ways).
    sql_path = True

    def _prepare_sql_path(self) -> None:
        """Standards by tier and student, and benefit start dates by payment day, as small temporary tables."""
        c, policy = self.cursor, self.policy
        c.execute("DROP TABLE IF EXISTS recon_standard")
        c.execute("DROP TABLE IF EXISTS recon_benefit")
        c.execute("CREATE TEMPORARY TABLE recon_standard (tier smallint, student boolean, standard numeric(12, 2))")
        c.execute("CREATE TEMPORARY TABLE recon_benefit (day date PRIMARY KEY, start date)")
        standards = [
            (number, student, standard_for(policy, tier=number, student=student))
            for number in policy.tiers
            for student in (False, True)
        ]
        c.executemany("INSERT INTO recon_standard VALUES (%s, %s, %s)", standards)
        low, high = self._sql_path_days()
        with c.cursor.copy("COPY recon_benefit (day, start) FROM STDIN") as copy:
            day = low
            while day <= high:
                start = rr.benefit_start_for(policy, enrolled_on=day, category_id=None, birth_date=None)
                copy.write_row((day, start))
                day += timedelta(days=1)

    def _sql_path_days(self) -> tuple[date, date]:
        """Payment days the SQL path accepts (others go through Python)."""
        return date(self.year - 3, 1, 1), date(self.year, 12, 31)

    def _simple_in_sql(self, ids_sql: str, ids_params: list, *, person_where, write: bool) -> int:
        """`outcome_for` in SQL for register people with no identity in the period, no locked result, at most one
        payment and no refund, not young enough to be a newborn case: subsidy 0, due = the standard, status by the
        payment."""
        start, end = self.period
        low, high = self._sql_path_days()
        # Born more than two years before any payment day accepted here: never within a newborn grace period.
        born_before = date(self.year - 5, 1, 1)
        if person_where is None:
            person_sql, person_params = (
                f"p.county_id = %s AND p.id_number IN ({ids_sql})",
                [self.county_id, *ids_params],
            )
        else:
            person_sql, person_params = person_where
        columns = ", ".join(RESULT_COLUMNS)
        enrolled = "pay.amount >= s.standard"
        short = "(pay.amount > 0 AND pay.amount < s.standard)"
        self.cursor.execute(
            f"""
            INSERT INTO recon_out ({columns}, write)
            SELECT p.id_number, left(p.name, 50), p.township_id, p.village_id,
                   COALESCE(pay.paid_on, %s), COALESCE(pay.tier, 1), NULL, NULL, NULL,
                   0, s.standard, COALESCE(pay.amount, 0), pay.paid_on,
                   CASE WHEN {enrolled} THEN pay.paid_on END,
                   CASE WHEN {enrolled} THEN 'enrolled' WHEN pay.amount > 0 THEN 'underpaid' ELSE 'not_enrolled' END,
                   0, NULL,
                   CASE WHEN {enrolled} THEN b.start END,
                   CASE WHEN p.id_warning <> '' AND {short} THEN ';suspect_id;underpaid;'
                        WHEN p.id_warning <> '' THEN ';suspect_id;'
                        WHEN {short} THEN ';underpaid;' ELSE '' END,
                   %s
            FROM enrollment_person p
            LEFT JOIN (SELECT id_number, COUNT(*) AS n, MIN(paid_on) AS paid_on, MAX(tier) AS tier,
                              MAX(amount) AS amount
                       FROM enrollment_payment
                       WHERE county_id = %s AND year = %s AND paid_on <= %s AND id_number IN ({ids_sql})
                       GROUP BY id_number) pay ON pay.id_number = p.id_number
            JOIN recon_standard s ON s.tier = COALESCE(pay.tier, 1) AND s.student = p.is_student
            LEFT JOIN recon_benefit b ON b.day = pay.paid_on
            WHERE {person_sql}
              AND p.birth_date < %s
              AND COALESCE(pay.n, 0) <= 1
              AND COALESCE(pay.amount, 0) >= 0
              AND (pay.paid_on IS NULL OR pay.paid_on BETWEEN %s AND %s)
              AND NOT EXISTS (SELECT 1 FROM subsidies_identity i
                              WHERE i.county_id = %s AND i.id_number = p.id_number
                                AND i.valid_from <= %s AND (i.valid_to IS NULL OR i.valid_to >= %s))
              AND NOT EXISTS (SELECT 1 FROM subsidies_reconciliationresult r
                              WHERE r.county_id = %s AND r.year = %s AND r.locked AND r.id_number = p.id_number)
            """,
            [
                self.as_of,
                write,
                self.county_id,
                self.year,
                self.as_of,
                *ids_params,
                *person_params,
                born_before,
                low,
                high,
                self.county_id,
                end,
                start,
                self.county_id,
                self.year,
            ],
        )
        return self.cursor.rowcount if write else 0

    def _ids_in_sql(self) -> set[str]:
        self.cursor.execute("SELECT id_number FROM recon_out WHERE write")
        return {row[0] for row in self.cursor.fetchall()}

    # --- temporary tables ---------------------------------------------------------------------------------------

    def _create_temp_tables(self) -> None:
        c = self.cursor
        c.execute("DROP TABLE IF EXISTS recon_ids")
        c.execute("DROP TABLE IF EXISTS recon_extra")
        c.execute("CREATE TEMPORARY TABLE recon_ids (id_number varchar(18) PRIMARY KEY)")
        c.execute("CREATE TEMPORARY TABLE recon_extra (id_number varchar(18) PRIMARY KEY)")
        if self.postgres:
            # What this part computed (`write` false: another part's household member, for the household flag).
            c.execute("DROP TABLE IF EXISTS recon_out")
            c.execute(
                "CREATE TEMPORARY TABLE recon_out AS SELECT "
                + ", ".join(RESULT_COLUMNS)
                + " FROM subsidies_reconciliationresult WITH NO DATA"
            )
            c.execute("ALTER TABLE recon_out ADD COLUMN write boolean NOT NULL DEFAULT true")

    def _drop_temp_tables(self) -> None:
        self.cursor.execute("DROP TABLE IF EXISTS recon_ids")
        self.cursor.execute("DROP TABLE IF EXISTS recon_extra")
        if self.postgres:
            for table in ("recon_out", "recon_standard", "recon_benefit"):
                self.cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def _fill_ids(self, table: str, ids) -> None:
        ids = sorted(set(ids))
        if not ids:
            return
        if self.postgres:
            with self.cursor.cursor.copy(f"COPY {table} (id_number) FROM STDIN") as copy:
                for id_number in ids:
                    copy.write_row((id_number,))
            # Without statistics the planner takes a handful of dirty IDs for thousands and scans whole tables.
            self.cursor.execute(f"ANALYZE {table}")
        else:
            self.cursor.executemany(f"INSERT INTO {table} (id_number) VALUES (%s)", [(i,) for i in ids])

    # --- which people ----------------------------------------------------------------------------------------

    def _take_dirty(self) -> list[str]:
        """Delete and return this part's dirty marks (a mark made after this point is left for the next run)."""
        person_sql, person_params = self._person_filter()
        clauses, params = [], []
        if self.township_ids or self.no_township:
            clauses.append(f"id_number IN (SELECT id_number FROM enrollment_person WHERE {person_sql})")
            params += person_params
        if self.roster:
            clauses.append(
                "NOT EXISTS (SELECT 1 FROM enrollment_person p"
                " WHERE p.county_id = %s AND p.id_number = subsidies_dirtyperson.id_number)"
            )
            params.append(self.county_id)
        if not clauses:
            return []
        self.cursor.execute(
            "DELETE FROM subsidies_dirtyperson WHERE county_id = %s AND year IN (%s, %s) "
            f"AND ({' OR '.join(clauses)}) RETURNING id_number",
            [self.county_id, self.year, DirtyPerson.ANY_YEAR, *params],
        )
        return sorted({row[0] for row in self.cursor.fetchall()})

    def _full_ids_sql(self) -> tuple[str, list]:
        person_sql, person_params = self._person_filter()
        sql = f"SELECT id_number FROM enrollment_person WHERE {person_sql}"
        params = list(person_params)
        if self.roster:
            roster_sql, roster_params = self._roster_only_sql()
            sql = f"{sql} UNION {roster_sql}"
            params += roster_params
        return sql, params

    def _fill_household_extras(self, ids_sql: str, ids_params: list) -> int:
        """Members of this part's households who are not in it (into recon_extra): their statuses decide the
        household flag. Returns how many."""
        if self.run.full:
            outside, outside_params = self._township_clause("m.")
            where, params = self._person_filter()
            self.cursor.execute(
                f"""
                INSERT INTO recon_extra (id_number)
                SELECT m.id_number FROM enrollment_person m
                WHERE m.county_id = %s AND NOT COALESCE({outside}, false)
                  AND m.household_id IN (SELECT household_id FROM enrollment_person
                                         WHERE {where} AND household_id IS NOT NULL)
                """,
                [self.county_id, *outside_params, *params],
            )
        else:
            self.cursor.execute(
                f"""
                INSERT INTO recon_extra (id_number)
                SELECT m.id_number FROM enrollment_person m
                WHERE m.county_id = %s
                  AND m.household_id IN (SELECT household_id FROM enrollment_person
                                         WHERE county_id = %s AND household_id IS NOT NULL AND id_number IN ({ids_sql}))
                  AND NOT EXISTS (SELECT 1 FROM ({ids_sql}) x WHERE x.id_number = m.id_number)
                """,
                [self.county_id, self.county_id, *ids_params, *ids_params],
            )
        found = max(self.cursor.rowcount, 0)
        if self.postgres and found:
            self.cursor.execute("ANALYZE recon_extra")
        return found

    # --- loading --------------------------------------------------------------------------------------------

    def _load(self, ids_sql: str, ids_params: list, persons_filter: tuple[str, list] | None = None) -> _Inputs:
        """Persons, payments (aggregated per ID), identities and locked results of the people `ids_sql` selects.

        `persons_filter`: the register people of `ids_sql` selected directly (a full run's townships).
        """
        c = self.cursor
        to_date = _identity if self.postgres else _parse_date
        to_money = _identity if self.postgres else _parse_money
        inputs = _Inputs()
        if persons_filter is not None:
            where, where_params = persons_filter
        else:
            where, where_params = f"county_id = %s AND id_number IN ({ids_sql})", [self.county_id, *ids_params]
        c.execute(
            "SELECT id_number, name, township_id, village_id, household_id, is_student, id_warning, birth_date "
            f"FROM enrollment_person WHERE {where}",
            where_params,
        )
        for row in c.fetchall():
            inputs.persons[row[0]] = (row[1], row[2], row[3], row[4], bool(row[5]), row[6], to_date(row[7]))

        pay_where = "county_id = %s AND year = %s AND paid_on <= %s"
        pay_params = [self.county_id, self.year, self.as_of]
        c.execute(
            f"SELECT id_number, COUNT(*), MIN(paid_on), MAX(tier), MAX(amount) FROM enrollment_payment "
            f"WHERE {pay_where} AND id_number IN ({ids_sql}) GROUP BY id_number",
            [*pay_params, *ids_params],
        )
        several = []
        for id_number, n, first_on, tier, amount in c.fetchall():
            if n == 1:
                inputs.paid[id_number] = rr.Paid(payments=((to_date(first_on), to_money(amount)),), tier=tier)
            else:
                several.append(id_number)
                inputs.paid[id_number] = rr.Paid(payments=(), tier=tier)
        if several:
            # Everyone with several payments (a refund is one) in one statement: their rows in date order.
            details = defaultdict(list)
            c.execute(
                f"SELECT id_number, paid_on, amount FROM enrollment_payment WHERE {pay_where} "
                f"AND id_number IN (SELECT id_number FROM enrollment_payment WHERE {pay_where} "
                f"AND id_number IN ({ids_sql}) GROUP BY id_number HAVING COUNT(*) > 1)",
                [*pay_params, *pay_params, *ids_params],
            )
            for id_number, paid_on, amount in c.fetchall():
                details[id_number].append((to_date(paid_on), to_money(amount)))
            for id_number, rows in details.items():
                inputs.paid[id_number] = rr.Paid(payments=tuple(sorted(rows)), tier=inputs.paid[id_number].tier)

        start, end = self.period
        c.execute(
            "SELECT id_number, category_id, department_id, valid_from, valid_to, name, township_name, village_name "
            "FROM subsidies_identity WHERE county_id = %s AND valid_from <= %s "
            f"AND (valid_to IS NULL OR valid_to >= %s) AND id_number IN ({ids_sql})",
            [self.county_id, end, start, *ids_params],
        )
        for id_number, cat, dept, vf, vt, name, township, village in c.fetchall():
            inputs.identities[id_number].append(
                (rr.Held(cat, dept, to_date(vf), to_date(vt) if vt is not None else None), name, township, village)
            )

        c.execute(
            "SELECT id_number, category_id, department_id, fund_id, subsidy, topup, topup_month, enrolled_on "
            "FROM subsidies_reconciliationresult WHERE county_id = %s AND year = %s AND locked "
            f"AND id_number IN ({ids_sql})",
            [self.county_id, self.year, *ids_params],
        )
        for id_number, cat, dept, fund, subsidy, topup, month, enrolled_on in c.fetchall():
            inputs.locked[id_number] = rr.Locked(
                cat,
                dept,
                fund,
                to_money(subsidy),
                to_money(topup),
                to_date(month) if month is not None else None,
                to_date(enrolled_on) if enrolled_on is not None else None,
            )
        return inputs

    # --- computing -------------------------------------------------------------------------------------------

    # Set to False to send everyone through `outcome_for` (the tests compare both ways).
    fast_path = True

    def _compute(
        self, inputs: _Inputs, write_ids: set[str], *, extra_ids: set[str], households_in_python: bool
    ) -> list[tuple]:
        """Each person's row (RESULT_COLUMNS, then whether to write it). Household members of other parts are
        computed for the household flag: here when `households_in_python`, else by `_write` in SQL."""
        policy, as_of = self.policy, self.as_of
        places = _place_lookup(self.county_id) if inputs.identities else None
        no_payment = rr.NO_PAYMENT
        benefit_cache: dict = {}
        fast = self._fast_outcome if self.fast_path else None
        statuses: dict[str, str] = {}
        rows: list[list] = []
        compute_ids = write_ids | extra_ids
        persons, identities, locked, paid = inputs.persons, inputs.identities, inputs.locked, inputs.paid
        for id_number in compute_ids:
            person = persons.get(id_number)
            held = identities.get(id_number)
            lock = locked.get(id_number)
            if person is not None and not held and lock is None and fast is not None:
                name, township_id, village_id, _household, student, warning, birth = person
                outcome = fast(paid.get(id_number, no_payment), student, warning, birth, benefit_cache)
            elif person is None and not held:
                continue
            else:
                held = held or ()
                if person is not None:
                    name, township_id, village_id, _household, student, warning, birth = person
                    mismatch = any(_name_differs(h[1], name) for h in held)
                    invalid = False
                else:
                    first = min(held, key=lambda h: (h[0].valid_from, h[0].category_id))
                    name = first[1]
                    township_id, village_id = _place(places, first[2], first[3])
                    student, warning, birth, mismatch = False, "", None, False
                    invalid = not idnumbers.check(id_number).ok
                outcome = rr.outcome_for(
                    policy,
                    as_of=as_of,
                    identities=[h[0] for h in held],
                    paid=paid.get(id_number, no_payment),
                    student=student,
                    birth_date=birth,
                    in_register=person is not None,
                    invalid_id=invalid,
                    suspect_id=bool(warning),
                    name_mismatch=mismatch,
                    locked=lock,
                    benefit_cache=benefit_cache,
                )
            statuses[id_number] = outcome.status
            write = id_number in write_ids
            if write or not households_in_python:
                rows.append((id_number, name, township_id, village_id, outcome, write))
        partial: set[str] = set()
        if policy.household_enrolment and households_in_python:
            by_household = defaultdict(list)
            for id_number, person in persons.items():
                if person[3] is not None and id_number in statuses:
                    by_household[person[3]].append(id_number)
            for members in by_household.values():
                if len(members) > 1 and rr.household_partial(statuses[m] for m in members):
                    partial.update(members)
        result = []
        flags_text = rr.flags_text
        for id_number, name, township_id, village_id, o, write in rows:
            flags = (*o.flags, "household_partial") if id_number in partial else o.flags
            # Outcome's fields before `flags` are RESULT_COLUMNS from reference_date to benefit_start, in order.
            text = flags_text(flags) if flags else ""
            result.append((id_number, name[:50], township_id, village_id, *o[:14], text, write))
        return result

    def _fast_outcome(self, paid: rr.Paid, student: bool, warning: str, birth, benefit_cache: dict) -> rr.Outcome:
        """`outcome_for` for a register person holding no identity and no locked result (most of a county).

        The same rules with everything that needs an identity left out; `test_fast_path_equals_the_rules` holds
        the two together.
        """
        policy = self.policy
        refunded = paid.refunded
        if refunded:
            paid = paid.counted()
        tier = paid.tier
        standard = self._standards.get((tier, student))
        if standard is None:
            standard = self._standards[(tier, student)] = standard_for(policy, tier=tier, student=student)
        payments = paid.payments
        flags = ["suspect_id"] if warning else []
        enrolled_on = benefit = None
        if payments:
            paid_on = payments[0][0] if len(payments) == 1 else paid.first_on
            total = payments[0][1] if len(payments) == 1 else paid.total
            if total >= standard:
                status = rr.ENROLLED
                enrolled_on = paid_on if len(payments) == 1 else paid.completed_on(standard)
                benefit = rr.benefit_start_for(
                    policy, enrolled_on=enrolled_on, category_id=None, birth_date=birth, cache=benefit_cache
                )
            elif total > ZERO:
                status = rr.UNDERPAID
                flags.append("underpaid")
            else:
                status = rr.NOT_ENROLLED
            if len(payments) > 1 and paid.full_payments(standard) > 1:
                flags.append("enrolled_twice")
        else:
            paid_on, total, status = None, ZERO, rr.NOT_ENROLLED
        if refunded:
            flags.append("refunded")
        return rr.Outcome(
            paid_on or self.as_of,
            tier,
            None,
            None,
            None,
            ZERO,
            standard,
            total,
            paid_on,
            enrolled_on,
            status,
            ZERO,
            None,
            benefit,
            tuple(flags),
        )

    # --- writing ---------------------------------------------------------------------------------------------

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


# --- helpers -----------------------------------------------------------------------------------------------------


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _not_done_in_sql(table: str) -> str:
    """A condition on `table`'s ID numbers: not among the rows the SQL path computed (an anti-join, never
    `NOT IN (subquery)`, which past work_mem compares every row with every other)."""
    return f" AND NOT EXISTS (SELECT 1 FROM recon_out o WHERE o.id_number = {table}.id_number)"


def _nothing_done_in_sql(table: str) -> str:
    return ""


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


def _name_differs(roster_name: str, register_name: str) -> bool:
    return "".join(roster_name.split()) != "".join(register_name.split())


def _place_lookup(county_id: int) -> dict:
    townships = dict(Township.objects.filter(county_id=county_id).values_list("name", "pk"))
    rows = Village.objects.filter(township__county_id=county_id).values_list("township_id", "name", "pk")
    villages = {(t, name): pk for t, name, pk in rows}
    return {"townships": townships, "villages": villages}


def _place(places: dict | None, township_name: str, village_name: str) -> tuple[int | None, int | None]:
    if not places or not township_name:
        return None, None
    township_id = places["townships"].get(township_name.strip())
    if township_id is None:
        return None, None
    return township_id, places["villages"].get((township_id, (village_name or "").strip()))


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
