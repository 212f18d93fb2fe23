"""The set-based reconciliation service (SPEC §6): every person of a county and benefit year, as of a date.

A run is split into parts by township (`chunk_keys`): each part loads its people's inputs in a handful of bulk
queries, computes each outcome in Python with the pure rules (`rules.outcome_for`), and writes the
results set-based — on PostgreSQL COPY into a temporary table and one INSERT … ON CONFLICT that touches only rows
that really changed; on SQLite a diff in Python and `bulk_create(update_conflicts=True)`. Parts are independent, so
a Celery chord runs them on any number of workers with identical results; `reconcile()` runs them inline.

Incremental runs recompute only people marked in `DirtyPerson` for their year (and, where enrolment is by
household, the other members of their households); each part deletes the dirty marks it takes in the same
transaction that writes the results. A change marks its people once per current year (`marked_years`), so the
runs of this year and of next year, both triggered during a campaign, each find them. A full run recomputes
everyone and drops results of people who are no longer in the register or on any roster. Locked results (in an
approved transfer batch) keep their category, fund, subsidy and top-up.

Here: a part's computation (`run_chunk`, `_Part`). It loads with `loading.py`, writes with `writing.py` (COPY);
the run lifecycle (start, finish, fail) is `runs.py`, the dirty marks `dirty.py`, enqueueing `subsidies/tasks.py`.
"""

# SQL here is assembled only from constant fragments and placeholders; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Least

from enrollment import idnumbers
from enrollment.models import Township, Village
from subsidies.models import ReconciliationRun, RunStatus
from subsidies.policies.rules import PolicyRules, standard_for
from subsidies.reconciliation import rules as rr
from subsidies.reconciliation.loading import InputLoader, _Inputs
from subsidies.reconciliation.writing import RESULT_COLUMNS, ResultWriter

logger = logging.getLogger(__name__)

CHUNK_NO_TOWNSHIP = "none"  # register people without a township
CHUNK_ROSTER = "roster"  # roster people missing from the register
# work_mem of a part's transaction (sorts and hashes of a township's rows in memory). No plan depends on it: the
# plan guards (tests/subsidies/reconciliation/test_reconcile_plans.py) check every statement at 64 kB.
PART_WORK_MEM = "128MB"
ZERO = Decimal("0.00")


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


def identity_period(policy: PolicyRules, as_of: date) -> tuple[date, date]:
    """Identities that matter for year Y: valid some time between the window's start and min(as-of, 31 Dec Y)."""
    return policy.collection_start, min(as_of, date(policy.year, 12, 31))


# --- one part ----------------------------------------------------------------------------------------------------


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


class _Part(InputLoader, ResultWriter):
    """The people of some townships (or the roster-only people), their inputs, their outcomes, their rows."""

    def __init__(self, *, run: ReconciliationRun, policy: PolicyRules, keys: list[str]):
        self.run = run
        self.policy = policy
        self.county_id = run.county_id
        self.year = run.year
        self.as_of = run.as_of
        self.period = identity_period(policy, run.as_of)
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
            # The people are the ids' (a table keyed by ID number): looked up first, one index probe each, in a
            # subquery the planner keeps apart (OFFSET 0). Joined with the rest, it misjudged the payment filter
            # below as keeping one row in a thousand and scanned the whole register first: about 3 s a part, an
            # incremental run of 10 % of a million people slower than a full run.
            people_sql, people_params = (
                f"(SELECT p.* FROM ({ids_sql}) x JOIN enrollment_person p"
                " ON p.county_id = %s AND p.id_number = x.id_number OFFSET 0) p",
                [*ids_params, self.county_id],
            )
            person_sql, person_params = "true", []
        else:
            people_sql, people_params = "enrollment_person p", []
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
            FROM {people_sql}
            LEFT JOIN (SELECT id_number, COUNT(*) AS n, MIN(paid_on) AS paid_on, MAX(tier) AS tier,
                              MAX(amount) AS amount
                       FROM enrollment_payment
                       WHERE county_id = %s AND year = %s AND paid_on <= %s AND id_number IN ({ids_sql})
                       GROUP BY id_number) pay ON pay.id_number = p.id_number
            JOIN recon_standard s ON s.tier = COALESCE(pay.tier, 1) AND s.student = p.is_student
            LEFT JOIN recon_benefit b ON b.day = pay.paid_on
            WHERE {person_sql}
              AND p.birth_date < %s
              AND p.left_employee_insurance_on IS NULL
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
                *people_params,
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
    def _compute(
        self, inputs: _Inputs, write_ids: set[str], *, extra_ids: set[str], households_in_python: bool
    ) -> list[tuple]:
        """Each person's row (RESULT_COLUMNS, then whether to write it). Household members of other parts are
        computed for the household flag: here when `households_in_python`, else by `_write` in SQL."""
        policy = self.policy
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
            if person is not None and not held and lock is None and fast is not None and person[7] is None:
                name, township_id, village_id, _household, student, warning, birth, _left = person
                outcome = fast(paid.get(id_number, no_payment), student, warning, birth, benefit_cache)
            elif person is None and not held:
                continue
            else:
                name, township_id, village_id, outcome = self._outcome(
                    id_number, person, held or (), paid.get(id_number, no_payment), lock, places, benefit_cache
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

    def _outcome(self, id_number, person, held, paid, lock, places, benefit_cache, trace=None):
        """`outcome_for` for one person with their loaded inputs: (name, township, village, outcome). The
        explanation of one person (`explain.py`) calls this too, with a trace."""
        if person is not None:
            name, township_id, village_id, _household, student, warning, birth, left_on = person
            mismatch = any(_name_differs(h[1], name) for h in held)
            invalid = False
        else:
            first = min(held, key=lambda h: (h[0].valid_from, h[0].category_id))
            name = first[1]
            township_id, village_id = _place(places, first[2], first[3])
            student, warning, birth, left_on, mismatch = False, "", None, None, False
            invalid = not idnumbers.check(id_number).ok
        outcome = rr.outcome_for(
            self.policy,
            as_of=self.as_of,
            identities=[h[0] for h in held],
            paid=paid,
            student=student,
            birth_date=birth,
            left_employee_insurance_on=left_on,
            in_register=person is not None,
            invalid_id=invalid,
            suspect_id=bool(warning),
            name_mismatch=mismatch,
            locked=lock,
            benefit_cache=benefit_cache,
            trace=trace,
        )
        return name, township_id, village_id, outcome

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


# --- helpers -----------------------------------------------------------------------------------------------------


def _not_done_in_sql(table: str) -> str:
    """A condition on `table`'s ID numbers: not among the rows the SQL path computed (an anti-join, never
    `NOT IN (subquery)`, which past work_mem compares every row with every other)."""
    return f" AND NOT EXISTS (SELECT 1 FROM recon_out o WHERE o.id_number = {table}.id_number)"


def _nothing_done_in_sql(table: str) -> str:
    return ""


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
