"""One person's reconciliation outcome (SPEC §6), as pure Python: no Django, no database.

`outcome_for()` is what the set-based service (`subsidies.reconciliation.engine`) applies to every person of a
county after loading the inputs in bulk; `household_partial()` is applied afterwards, over a household's members.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from subsidies.policies import rules
from subsidies.policies.rules import PolicyRules, choose_winner, first_of_next_month, standard_for, subsidy_for
from subsidies.reconciliation.reasons import note

ZERO = Decimal("0.00")

PROXY_ENROLLED = "proxy_enrolled"
ENROLLED = "enrolled"
UNDERPAID = "underpaid"
NOT_ENROLLED = "not_enrolled"
# Who counts as enrolled (SPEC §6, §9): 代缴参保 and 参保. An underpaid person is not enrolled. The one definition:
# every page, export, count and query reads these two tuples (a tuple, so SQL parameters keep one order).
ENROLLED_STATUSES = (PROXY_ENROLLED, ENROLLED)
NOT_ENROLLED_STATUSES = (NOT_ENROLLED, UNDERPAID)
STATUS_ORDER = (PROXY_ENROLLED, ENROLLED, UNDERPAID, NOT_ENROLLED)
# The same set as an SQL literal, for constant SQL that cannot take parameters where the set is used.
ENROLLED_STATUSES_SQL = "(" + ", ".join(f"'{status}'" for status in ENROLLED_STATUSES) + ")"


def is_enrolled(status: str) -> bool:
    return status in ENROLLED_STATUSES


# Flag codes in the order they are stored and shown (the order of subsidies.models.Flag).
FLAG_ORDER = (
    "invalid_id",
    "suspect_id",
    "name_mismatch",
    "not_in_register",
    "certified_not_enrolled",
    "underpaid",
    "overpaid",
    "enrolled_twice",
    "refunded",
    "refund_after_transfer",
    "household_partial",
    "after_deadline",
)
_FLAG_RANK = {code: i for i, code in enumerate(FLAG_ORDER)}


class Held(NamedTuple):
    """An identity as reconciliation needs it: which category, from which department, for which period."""

    category_id: int
    department_id: int | None
    valid_from: date
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Paid(NamedTuple):
    """A person's payments for the benefit year: each (date, amount), in date order, and the tier they chose.

    A refund (退费) is a payment with a negative amount: it nets off the total. `counted()` is what reconciliation
    applies the rules to: the payments themselves, or none when refunds returned everything paid.
    """

    payments: tuple[tuple[date, Decimal], ...]
    tier: int = 1

    @property
    def total(self) -> Decimal:
        """The net amount paid for the year (payments less refunds)."""
        return sum((amount for _, amount in self.payments), ZERO)

    @property
    def refunded(self) -> Decimal:
        return -sum((amount for _, amount in self.payments if amount < ZERO), ZERO)

    @property
    def first_on(self) -> date | None:
        return next((day for day, amount in self.payments if amount > ZERO), None)

    def counted(self) -> Paid:
        """Without refunds, itself; refunded in full (net ≤ 0), no payment at all (same tier)."""
        if not self.payments or self.total > ZERO:
            return self
        return Paid(payments=(), tier=self.tier)

    def completed_on(self, due: Decimal) -> date | None:
        """The day the running total reached `due` for good (the enrolment date of a person who pays): a refund
        that takes it below `due` again undoes that day. None when the net total stays below `due`."""
        running = ZERO
        reached = None
        for day, amount in self.payments:
            running += amount
            if running < due:
                reached = None
            elif reached is None:
                reached = day
        return reached

    def full_payments(self, threshold: Decimal) -> int:
        """Payments of at least `threshold`, less refunds of at least as much (a duplicate payment refunded)."""
        full = sum(1 for _, amount in self.payments if amount >= threshold)
        returned = sum(1 for _, amount in self.payments if -amount >= threshold) if threshold > ZERO else 0
        return full - returned


NO_PAYMENT = Paid(payments=())


class Locked(NamedTuple):
    """What an approved transfer batch fixed for the year: it is never altered by later roster changes (§6.6)."""

    category_id: int | None
    department_id: int | None
    fund_id: int | None
    subsidy: Decimal
    topup: Decimal
    topup_month: date | None
    enrolled_on: date | None


class Outcome(NamedTuple):
    reference_date: date
    tier: int
    category_id: int | None
    department_id: int | None
    fund_id: int | None
    subsidy: Decimal
    personal_due: Decimal
    paid: Decimal
    paid_on: date | None
    enrolled_on: date | None
    status: str
    topup: Decimal
    topup_month: date | None
    benefit_start: date | None
    flags: tuple[str, ...]


def flags_text(flags: Sequence[str]) -> str:
    """';code;code;' in the canonical order, '' when there is none (one LIKE '%;code;%' finds a flag)."""
    if len(flags) == 1:
        return f";{flags[0]};"
    ordered = sorted(set(flags), key=_FLAG_RANK.__getitem__)
    return f";{';'.join(ordered)};" if ordered else ""


def flags_parse(text: str) -> tuple[str, ...]:
    return tuple(code for code in text.split(";") if code)


def _memo(policy: PolicyRules) -> dict:
    """Answers that depend only on the (immutable) policy snapshot, kept on it: a county asks the same few."""
    memo = policy.__dict__.get("_reconcile_memo")
    if memo is None:
        memo = {}
        object.__setattr__(policy, "_reconcile_memo", memo)
    return memo


def _subsidy(policy: PolicyRules, category_id: int, tier: int, student: bool) -> Decimal:
    memo = _memo(policy)
    key = ("subsidy", category_id, tier, student)
    value = memo.get(key)
    if value is None:
        value = memo[key] = subsidy_for(policy, category_id, tier=tier, student=student)
    return value


def _winner(policy: PolicyRules, category_ids: frozenset, tier: int, student: bool):
    memo = _memo(policy)
    key = ("winner", category_ids, tier, student)
    if key not in memo:
        memo[key] = choose_winner(policy, category_ids, tier=tier, student=student)
    return memo[key]


def _allowed(policy: PolicyRules, held: Held, day: date) -> bool:
    """朱集: after the subsidy deadline only people certified after it (动态新增) are still subsidised."""
    deadline = policy.subsidy_deadline
    return deadline is None or day <= deadline or held.valid_from > deadline


def _best(policy: PolicyRules, candidates: Sequence[Held], *, tier: int, student: bool) -> Held | None:
    """The winning identity (就高不重复, ties by priority); of two records of one category, the earlier one."""
    if not candidates:
        return None
    rule = _winner(policy, frozenset(h.category_id for h in candidates), tier, student)
    if rule is None:
        return None
    if len(candidates) == 1:
        return candidates[0]
    return min((h for h in candidates if h.category_id == rule.category_id), key=lambda h: h.valid_from)


def _category_standard(policy: PolicyRules, category_id: int | None, *, tier: int, student: bool) -> Decimal:
    memo = _memo(policy)
    key = ("standard", category_id, tier, student)
    value = memo.get(key)
    if value is None:
        rule = policy.categories.get(category_id) if category_id is not None else None
        value = standard_for(policy, tier=tier, student=student or bool(rule and rule.uses_student_standard))
        memo[key] = value
    return value


# Longer than any newborn grace period: a person born before enrolment minus this cannot be a newborn case.
NEWBORN_HORIZON = timedelta(days=800)


def benefit_start_for(
    policy: PolicyRules,
    *,
    enrolled_on: date,
    category_id: int | None,
    birth_date: date | None,
    left_employee_insurance_on: date | None = None,
    cache: dict | None = None,
    trace: list | None = None,
) -> date | None:
    """SPEC §7 through the policy engine (`rules.benefit_start`, `rules.is_wait_exempt`).

    `left_employee_insurance_on`: the day the person's employee insurance ended, where the register gives it.

    `trace` (explaining one person) records the rule that set the day; the cache is then not read.

    `cache` (a dict kept for one policy) memoises the answer by enrolment day and category for everyone who cannot
    be a newborn case and has left no employee insurance: a county has a few hundred enrolment days and a million
    people.
    """
    newborn = birth_date is not None and birth_date >= enrolled_on - NEWBORN_HORIZON
    if trace is None and not newborn and left_employee_insurance_on is None:
        if cache is None:
            cache = _memo(policy).setdefault("benefit", {})
        key = (enrolled_on, category_id)
        if key not in cache:
            cache[key] = rules.benefit_start(
                policy, paid_on=enrolled_on, exempt=rules.is_wait_exempt(policy, category_id)
            )
        return cache[key]
    exempt = rules.is_wait_exempt(policy, category_id)
    if exempt:
        note(trace, "exempt_category", category_id=category_id)
    return rules.benefit_start(
        policy,
        paid_on=enrolled_on,
        birth_date=birth_date,
        newborn=newborn,
        left_employee_insurance_on=left_employee_insurance_on,
        exempt=exempt,
        trace=trace,
    )


def outcome_for(
    policy: PolicyRules,
    *,
    as_of: date,
    identities: Sequence[Held] = (),
    paid: Paid = NO_PAYMENT,
    student: bool = False,
    birth_date: date | None = None,
    left_employee_insurance_on: date | None = None,
    in_register: bool = True,
    invalid_id: bool = False,
    suspect_id: bool = False,
    name_mismatch: bool = False,
    locked: Locked | None = None,
    benefit_cache: dict | None = None,
    trace: list | None = None,
) -> Outcome:
    """SPEC §6 for one person and benefit year, from inputs already restricted to what was known on `as_of`.

    - Reference date: the first payment for the year, else `as_of`. A person never paying who held a full-subsidy
      identity in the window was enrolled by proxy on max(certification, window start): with the policy's "no
      re-adjustment" a later removal from the roster does not undo that enrolment.
    - Winner among identities valid on the reference date in categories the policy subsidises (就高不重复).
    - Top-up (次月资助): paid in full, not certified on the payment day, certified later in the year, and the policy
      allows it: the later identity's subsidy is owed from the 1st of the month after it starts. The result then
      carries that identity's category and fund, subsidy 0 (nothing was owed at payment) and the top-up amount.
    - A locked result keeps its category, fund, subsidy and top-up whatever the rosters say now.
    - Refunds (negative payments) net off the total; a person refunded in full counts as never having paid
      (flag `refunded`). A refund that leaves a person unenrolled whose subsidy an approved transfer batch fixed
      is flagged `refund_after_transfer` for follow-up: the locked subsidy stays, nothing is clawed back
      automatically (a refunded duplicate payment that leaves the person enrolled is not).

    `trace`: a list that receives the reasons of every decision (`reasons.Reason`), for the explanation of one
    person; the engine passes None and nothing is recorded.
    """
    refunded = paid.refunded
    paid = paid.counted()
    tier = paid.tier
    payments = paid.payments
    total = paid.total if payments else ZERO
    paid_on = paid.first_on if payments else None
    flags: list[str] = []
    if invalid_id:
        flags.append("invalid_id")
    if suspect_id:
        flags.append("suspect_id")
    if name_mismatch:
        flags.append("name_mismatch")
    if not in_register:
        flags.append("not_in_register")

    reference = paid_on or as_of
    usable = [h for h in identities if h.category_id in policy.categories] if identities else []
    if trace is not None:
        note(trace, "payments", payments=payments, total=total, refunded=refunded, tier=tier, student=student)
        note(trace, "reference", day=reference, paid_on=paid_on, as_of=as_of)
        note(trace, "unsubsidised", held=[h for h in identities if h.category_id not in policy.categories])
    winner: Held | None = None
    certified = False
    if usable:
        on_day = [h for h in usable if h.valid_on(reference)]
        certified = bool(on_day)
        allowed = [h for h in on_day if _allowed(policy, h, reference)]
        winner = _best(policy, allowed, tier=tier, student=student)
        if trace is not None:
            _note_candidates(trace, policy, usable, on_day, allowed, winner, day=reference, tier=tier, student=student)
        if len(allowed) < len(on_day):
            refused = _best(policy, on_day, tier=tier, student=student)
            won = _subsidy(policy, winner.category_id, tier, student) if winner else ZERO
            if refused is not None and _subsidy(policy, refused.category_id, tier, student) > won:
                flags.append("after_deadline")
        if paid_on is None and policy.no_readjustment and not _is_full(policy, winner, tier=tier, student=student):
            proxy = _earliest_proxy(policy, usable, as_of=as_of, tier=tier, student=student)
            if proxy is not None:
                winner, reference = proxy
                note(
                    trace,
                    "proxy_kept",
                    held=winner,
                    day=reference,
                    subsidy=_subsidy(policy, winner.category_id, tier, student),
                )
                certified = True
                if "after_deadline" in flags:
                    flags.remove("after_deadline")

    category_id = winner.category_id if winner else None
    department_id = winner.department_id if winner else None
    fund_id = policy.categories[category_id].fund_id if winner else None
    subsidy = _subsidy(policy, category_id, tier, student) if winner else ZERO
    if locked is not None:
        category_id, department_id, fund_id = locked.category_id, locked.department_id, locked.fund_id
        subsidy = locked.subsidy
        note(trace, "locked", locked=locked)
    standard = _category_standard(policy, category_id, tier=tier, student=student)
    due = max(standard - subsidy, ZERO)
    note(trace, "amounts", standard=standard, subsidy=subsidy, due=due, paid=total, tier=tier, student=student)

    enrolled_on: date | None = None
    if subsidy > ZERO and due == ZERO:
        status = PROXY_ENROLLED
        if locked is not None and locked.enrolled_on is not None:
            enrolled_on = locked.enrolled_on
        elif winner is not None:
            enrolled_on = max(winner.valid_from, policy.collection_start)
        else:
            enrolled_on = max(reference, policy.collection_start)
    elif payments and total >= due:
        status = ENROLLED
        enrolled_on = paid.completed_on(due)
    elif total > ZERO:
        status = UNDERPAID
    else:
        status = NOT_ENROLLED
    if trace is not None:
        proxy_held = winner if locked is None else None
        note(
            trace,
            "status",
            status=status,
            enrolled_on=enrolled_on,
            due=due,
            paid=total,
            subsidy=subsidy,
            held=proxy_held,
            locked=locked is not None and locked.enrolled_on is not None,
        )

    topup, topup_month = ZERO, None
    if trace is not None:
        _note_topup_refusal(trace, policy, locked, paid_on=paid_on, subsidy=subsidy, total=total, standard=standard)
    if locked is not None:
        topup, topup_month = locked.topup, locked.topup_month
    elif policy.topup_after_full_payment and paid_on is not None and subsidy == ZERO and total >= standard and usable:
        year_end = date(policy.year, 12, 31)
        later = [
            h for h in usable if paid_on < h.valid_from <= min(as_of, year_end) and _allowed(policy, h, h.valid_from)
        ]
        best = _best(policy, later, tier=tier, student=student)
        amount = _subsidy(policy, best.category_id, tier, student) if best else ZERO
        if best is not None and amount > ZERO:
            topup, topup_month = amount, first_of_next_month(best.valid_from)
            category_id, department_id = best.category_id, best.department_id
            fund_id = policy.categories[best.category_id].fund_id
            note(trace, "topup", held=best, amount=amount, month=topup_month, paid_on=paid_on)
        else:
            note(trace, "no_topup", why="no_later_identity", paid_on=paid_on, as_of=as_of)

    if certified and status not in ENROLLED_STATUSES:
        flags.append("certified_not_enrolled")
    if status == UNDERPAID:
        flags.append("underpaid")
    if paid_on is not None and subsidy > ZERO and total >= standard:
        flags.append("overpaid")
    if len(payments) > 1 and paid.full_payments(due if due > ZERO else standard) > 1:
        flags.append("enrolled_twice")
    if refunded:
        flags.append("refunded")
        if locked is not None and status not in ENROLLED_STATUSES:
            # An approved batch paid a subsidy for a person the refund leaves unenrolled: for the bureau to follow
            # up (the locked subsidy stays; nothing is clawed back automatically).
            flags.append("refund_after_transfer")

    benefit_start = None
    if enrolled_on is not None:
        benefit_start = benefit_start_for(
            policy,
            enrolled_on=enrolled_on,
            category_id=category_id,
            birth_date=birth_date,
            left_employee_insurance_on=left_employee_insurance_on,
            cache=benefit_cache,
            trace=trace,
        )
    note(trace, "flags", flags=tuple(flags), due=due, paid=total, standard=standard, refunded=refunded)

    return Outcome(
        reference_date=reference,
        tier=tier,
        category_id=category_id,
        department_id=department_id,
        fund_id=fund_id,
        subsidy=subsidy,
        personal_due=due,
        paid=total,
        paid_on=paid_on,
        enrolled_on=enrolled_on,
        status=status,
        topup=topup,
        topup_month=topup_month,
        benefit_start=benefit_start,
        flags=tuple(flags),
    )


def _note_candidates(trace, policy, usable, on_day, allowed, winner, *, day, tier, student) -> None:
    """The identities valid on the reference day, each one's subsidy, those the deadline refused, the winner."""
    amounts = [(h, _subsidy(policy, h.category_id, tier, student)) for h in on_day]
    note(trace, "identities", day=day, valid=amounts, not_valid=[h for h in usable if h not in on_day])
    refused = [h for h in on_day if h not in allowed]
    if refused:
        note(trace, "deadline", deadline=policy.subsidy_deadline, refused=refused, day=day)
    if winner is None:
        note(trace, "no_winner", day=day, any_valid=bool(on_day))
        return
    won = _subsidy(policy, winner.category_id, tier, student)
    tied = [
        h
        for h in allowed
        if h.category_id != winner.category_id and _subsidy(policy, h.category_id, tier, student) == won
    ]
    note(trace, "winner", held=winner, subsidy=won, tied=tied, others=len({h.category_id for h in allowed}) - 1)


def _note_topup_refusal(trace, policy, locked, *, paid_on, subsidy, total, standard) -> None:
    """Why no top-up is even looked for (the rule itself decides the rest)."""
    if locked is not None:
        note(trace, "no_topup", why="locked", topup=locked.topup, month=locked.topup_month)
    elif paid_on is None:
        note(trace, "no_topup", why="not_paid")
    elif not policy.topup_after_full_payment:
        note(trace, "no_topup", why="policy")
    elif subsidy > ZERO:
        note(trace, "no_topup", why="subsidised_at_payment", paid_on=paid_on)
    elif total < standard:
        note(trace, "no_topup", why="not_paid_in_full", paid=total, standard=standard)


def _is_full(policy: PolicyRules, held: Held | None, *, tier: int, student: bool) -> bool:
    if held is None:
        return False
    subsidy = _subsidy(policy, held.category_id, tier, student)
    return subsidy > ZERO and subsidy >= _category_standard(policy, held.category_id, tier=tier, student=student)


def _earliest_proxy(
    policy: PolicyRules, usable: Sequence[Held], *, as_of: date, tier: int, student: bool
) -> tuple[Held, date] | None:
    """The first full-subsidy identity of the year that led to a proxy enrolment by `as_of`, and that day."""
    year_end = date(policy.year, 12, 31)
    best: tuple[date, Held] | None = None
    for held in usable:
        if not _is_full(policy, held, tier=tier, student=student):
            continue
        day = max(held.valid_from, policy.collection_start)
        if day > as_of or day > year_end or not held.valid_on(day) or not _allowed(policy, held, day):
            continue
        if best is None or (day, held.category_id) < (best[0], best[1].category_id):
            best = (day, held)
    return (best[1], best[0]) if best else None


def household_partial(statuses: Iterable[str]) -> bool:
    """Some members of the household enrolled and some not (flagged only where enrolment is by household)."""
    seen = {status in ENROLLED_STATUSES for status in statuses}
    return len(seen) == 2
