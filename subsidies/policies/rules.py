"""Pure policy arithmetic (SPEC §5–§7): no Django imports, no database. Also the one home of money rounding
(`round_money`) and calendar-month arithmetic (`month_start`, `month_end`, `first_of_next_month`, `previous_month`).

A `PolicyRules` is a frozen snapshot of one county's policy for one benefit year, built once by
`subsidies.policies.selectors.policy_rules()` and then applied to millions of people without a query.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def round_money(value: Decimal | int | str) -> Decimal:
    """Yuan with two places, rounded half up (never banker's rounding)."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TierRule:
    number: int
    standard: Decimal
    student_standard: Decimal | None = None


@dataclass(frozen=True)
class Amount:
    """A category's subsidy in one tier: fixed yuan, or a percentage of the standard (100 = full)."""

    kind: str  # "fixed" | "percent"
    value: Decimal

    def of(self, standard: Decimal) -> Decimal:
        if self.kind == "percent":
            return round_money(standard * self.value / HUNDRED)
        return round_money(self.value)


@dataclass(frozen=True)
class CategoryRule:
    category_id: int
    code: str
    priority: int  # 1 is the highest
    amounts: dict[int, Amount]  # tier number -> amount; a tier missing here is not subsidised
    department_id: int | None = None
    fund_id: int | None = None
    uses_student_standard: bool = False
    is_low_income: bool = False
    name: str = ""
    # May enrol outside the collection window; no wait where a mid-year rule exempts them (SPEC §7).
    exempt_from_window: bool = False


# Levels of the fiscal subsidy, in the order the notices list them.
FISCAL_LEVELS = ("central", "province", "city", "county", "city_county")

# How benefits start (the values of MidYearRule.Start).
START_NEXT_MONTH = "next_month"
START_AFTER_DAYS = "after_days"
START_AFTER_MONTHS = "after_months"
START_NEXT_DAY = "next_day"
START_IMMEDIATE = "immediate"
START_BIRTH_DATE = "birth_date"

PRICE_STANDARD = "standard"
PRICE_STANDARD_PLUS_FISCAL = "standard_plus_fiscal"

NEWBORN = "newborn"
EMPLOYEE_LEAVER = "employee_leaver"


@dataclass(frozen=True)
class FiscalShareRule:
    """One level's share of the fiscal subsidy: a percentage of it, or fixed yuan."""

    level: str
    percent: Decimal | None = None
    amount: Decimal | None = None


@dataclass(frozen=True)
class MidYearWindow:
    """Payments made between applies_from and applies_to (inclusive), outside the collection window."""

    name: str
    applies_from: date
    applies_to: date
    start: str
    wait: int = 0  # days for START_AFTER_DAYS, months for START_AFTER_MONTHS
    price: str = PRICE_STANDARD
    fiscal_amount: Decimal | None = None  # the fiscal subsidy added to the price; None = not filled in yet
    low_income_exempt: bool = False  # people of exempt_from_window categories: no wait, no fiscal surcharge
    exempt_only: bool = False  # only people of exempt_from_window categories may pay in this period

    def covers(self, day: date) -> bool:
        return self.applies_from <= day <= self.applies_to


@dataclass(frozen=True)
class SpecialEnrolment:
    """Newborns and people leaving employee insurance: a grace period and the wait after it."""

    kind: str  # NEWBORN | EMPLOYEE_LEAVER
    grace: int | None  # None: no time limit
    grace_unit: str  # "days" | "months"
    start_within: str  # START_BIRTH_DATE, START_NEXT_DAY, START_IMMEDIATE
    late_wait_months: int | None = None  # beyond the grace period; None: the ordinary rules apply
    free_in_birth_year: bool = False  # 孝义: "新生儿出生当年不缴费"


@dataclass(frozen=True)
class PolicyRules:
    year: int
    collection_start: date
    collection_end: date
    tiers: dict[int, TierRule]
    categories: dict[int, CategoryRule]  # category id -> rule
    fiscal_subsidy: Decimal = ZERO
    subsidy_deadline: date | None = None
    topup_after_full_payment: bool = False
    no_readjustment: bool = True
    household_enrolment: bool = False
    work_fund_per_person: Decimal = ZERO
    mid_year: tuple[MidYearWindow, ...] = field(default_factory=tuple)
    special: dict[str, SpecialEnrolment] = field(default_factory=dict)
    fiscal_shares: tuple[FiscalShareRule, ...] = field(default_factory=tuple)
    policy_id: int | None = None
    county_id: int | None = None

    def tier(self, number: int) -> TierRule:
        return self.tiers.get(number) or self.tiers[min(self.tiers)]


def standard_for(policy: PolicyRules, *, tier: int, student: bool = False) -> Decimal:
    """The personal standard a person pays in a tier: the students' own standard where the policy has one."""
    rule = policy.tier(tier)
    if student and rule.student_standard is not None:
        return rule.student_standard
    return rule.standard


def subsidy_for(policy: PolicyRules, category_id: int, *, tier: int, student: bool = False) -> Decimal:
    """The subsidy a category gives in a tier, never more than the standard; 0 when the policy does not subsidise it."""
    category = policy.categories.get(category_id)
    if category is None:
        return ZERO
    amount = category.amounts.get(policy.tier(tier).number)
    if amount is None:
        return ZERO
    standard = standard_for(policy, tier=tier, student=student or category.uses_student_standard)
    return min(amount.of(standard), standard)


def personal_due(policy: PolicyRules, category_id: int | None, *, tier: int, student: bool = False) -> Decimal:
    """Standard minus subsidy: what the person still pays."""
    if category_id is None:
        return standard_for(policy, tier=tier, student=student)
    category = policy.categories.get(category_id)
    uses_student = student or bool(category and category.uses_student_standard)
    return standard_for(policy, tier=tier, student=uses_student) - subsidy_for(
        policy, category_id, tier=tier, student=student
    )


def choose_winner(
    policy: PolicyRules, category_ids: Iterable[int], *, tier: int, student: bool = False
) -> CategoryRule | None:
    """就高不重复: the highest subsidy for the person's tier wins; ties go to the policy's priority order.

    Categories the policy does not subsidise are ignored; the result never depends on the input order.
    """
    best: tuple[Decimal, int, int] | None = None
    winner = None
    for category_id in set(category_ids):
        rule = policy.categories.get(category_id)
        if rule is None:
            continue
        key = (-subsidy_for(policy, category_id, tier=tier, student=student), rule.priority, category_id)
        if best is None or key < best:
            best, winner = key, rule
    return winner


def is_full(policy: PolicyRules, category_id: int, *, tier: int, student: bool = False) -> bool:
    """Full subsidy (全额资助): the bureau enrols the person itself (免征代缴) and the person pays nothing."""
    return (
        subsidy_for(policy, category_id, tier=tier, student=student) > ZERO
        and personal_due(policy, category_id, tier=tier, student=student) == ZERO
    )


def fiscal_split(policy: PolicyRules) -> dict[str, Decimal]:
    """The fiscal subsidy per person in yuan per level (central, province, city, county …), in the notices' order.

    A share is a percentage of the policy's fiscal subsidy (rounded half up to the fen) or a fixed amount.
    """
    order = {level: i for i, level in enumerate(FISCAL_LEVELS)}
    split: dict[str, Decimal] = {}
    for share in sorted(policy.fiscal_shares, key=lambda s: order.get(s.level, len(order))):
        if share.amount is not None:
            split[share.level] = round_money(share.amount)
        else:
            split[share.level] = round_money(policy.fiscal_subsidy * (share.percent or ZERO) / HUNDRED)
    return split


# --- dates (SPEC §7) ---------------------------------------------------------------------------------------------
#
# Periods are counted as the Civil Code counts them (民法典 第二百零一条、第二百零二条): the day an event happens
# is not counted, a period of n days ends on day + n, and a period of n months ends on the same day of the month n
# months later (the last day of that month when it has no such day).


def add_months(day: date, months: int) -> date:
    """The same day n months later, or the last day of that month when it is shorter (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(start: date, length: int, unit: str) -> date:
    """The last day of a period of `length` days or months that begins after `start` (start itself not counted)."""
    if unit == "months":
        return add_months(start, length)
    return start + timedelta(days=length)


def within_grace(event: date, day: date, *, grace: int | None, unit: str) -> bool:
    """True when `day` is no later than the last day of the grace period after `event` (None: no limit)."""
    if day < event:
        return False
    return grace is None or day <= period_end(event, grace, unit)


# Calendar months, the one definition every app uses (batches, top-ups, dashboards): a month is named by its 1st.


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def first_of_next_month(day: date) -> date:
    return add_months(month_start(day), 1)


def previous_month(day: date) -> date:
    """The 1st of the month before `day`'s month."""
    return add_months(month_start(day), -1)


def in_collection_window(policy: PolicyRules, day: date) -> bool:
    return policy.collection_start <= day <= policy.collection_end


def is_wait_exempt(policy: PolicyRules, category_id: int | None) -> bool:
    """Whether a person subsidised under this category may enrol outside the window (and skip waits where allowed)."""
    rule = policy.categories.get(category_id) if category_id is not None else None
    return bool(rule and rule.exempt_from_window)


def mid_year_window(policy: PolicyRules, paid_on: date, *, exempt: bool = False) -> MidYearWindow | None:
    """The mid-year rule a payment outside the collection window falls under, if any."""
    for window in policy.mid_year:
        if window.covers(paid_on) and (exempt or not window.exempt_only):
            return window
    return None


def _start(kind: str, *, paid_on: date, wait: int = 0, birth_date: date | None = None) -> date:
    if kind == START_NEXT_MONTH:
        return first_of_next_month(paid_on)
    if kind == START_AFTER_DAYS:
        # "完清费用之日起满90日后": the 90 days after the payment day, benefits from the day after them.
        return paid_on + timedelta(days=wait + 1)
    if kind == START_AFTER_MONTHS:
        return add_months(paid_on, wait) + timedelta(days=1)
    if kind == START_NEXT_DAY:
        return paid_on + timedelta(days=1)
    if kind == START_BIRTH_DATE and birth_date is not None:
        return birth_date
    return paid_on


def _newborn_rule_applies(policy: PolicyRules, *, birth_date: date | None, paid_on: date) -> bool:
    """Registered within the newborn grace period; where the policy sets no limit (孝义), born in year Y itself."""
    rule = policy.special.get(NEWBORN)
    if rule is None or birth_date is None:
        return False
    if rule.grace is None and birth_date.year != policy.year:
        return False
    return within_grace(birth_date, paid_on, grace=rule.grace, unit=rule.grace_unit)


def benefit_start(
    policy: PolicyRules,
    *,
    paid_on: date,
    birth_date: date | None = None,
    newborn: bool = False,
    left_employee_insurance_on: date | None = None,
    exempt: bool = False,
    trace: list | None = None,
) -> date | None:
    """The first day of benefits in year Y for a person who completed payment on `paid_on` (SPEC §7).

    `trace`: a list to which the rule that set the day is appended as a (code, params) pair (see
    `subsidies.reconciliation.reasons`); None, the engine's case, records nothing.

    `birth_date` with `newborn=True`: a newborn registered (paid) within the policy's newborn grace period is covered
    from birth. `left_employee_insurance_on`: the day employee insurance (职工医保) ended. `exempt`: the person's
    subsidised category may enrol outside the window (see `is_wait_exempt`).

    Order: newborn grace, then the collection window (1 January of Y), then the employee-insurance grace, then the
    mid-year rules. None when the notice gives this payment no benefits in Y (paid before the window, after the last
    period the policy allows, or a start that falls after 31 December of Y).
    """
    year_start, year_end = date(policy.year, 1, 1), date(policy.year, 12, 31)

    def told(code: str, start: date | None, **params) -> date | None:
        if trace is not None:
            trace.append((code, {"paid_on": paid_on, "start": start, **params}))
        return start

    if paid_on < policy.collection_start:
        return told("before_window", None, window_start=policy.collection_start)
    if paid_on > year_end:
        return told("after_year", None)

    start: date | None = None
    rule_code, rule_params = "", {}
    newborn_rule = policy.special.get(NEWBORN)
    employee_rule = policy.special.get(EMPLOYEE_LEAVER)
    if newborn and _newborn_rule_applies(policy, birth_date=birth_date, paid_on=paid_on):
        start = max(_start(newborn_rule.start_within, paid_on=paid_on, birth_date=birth_date), year_start)
        rule_code = "newborn"
        rule_params = {"birth_date": birth_date, "grace": newborn_rule.grace, "unit": newborn_rule.grace_unit}
    if start is None and in_collection_window(policy, paid_on):
        start = year_start
        rule_code, rule_params = "window", {"window_end": policy.collection_end}
    if start is None and left_employee_insurance_on is not None and employee_rule is not None:
        rule = employee_rule
        if within_grace(left_employee_insurance_on, paid_on, grace=rule.grace, unit=rule.grace_unit):
            start = _start(rule.start_within, paid_on=paid_on)
            rule_code, rule_params = "employee_leaver", {"left_on": left_employee_insurance_on, "grace": rule.grace}
        elif rule.late_wait_months is not None:
            # 朱集: "中断缴费超过3个月后补办…设置6个月的待遇享受等待期": the wait runs from the payment.
            start = _start(START_AFTER_MONTHS, paid_on=paid_on, wait=rule.late_wait_months)
            rule_code, rule_params = "employee_leaver_late", {"wait": rule.late_wait_months}
    if start is None:
        window = mid_year_window(policy, paid_on, exempt=exempt)
        if window is not None:
            if exempt and window.low_income_exempt:
                start = paid_on
                rule_code, rule_params = "mid_year_exempt", {"window": window.name}
            else:
                start = _start(window.start, paid_on=paid_on, wait=window.wait)
                rule_code = "mid_year"
                rule_params = {"window": window.name, "kind": window.start, "wait": window.wait}
    if start is None:
        return told("no_period", None, window_end=policy.collection_end)
    start = max(start, year_start)
    if start > year_end:
        return told("starts_next_year", None, **rule_params)
    return told(rule_code, start, **rule_params)


def mid_year_price(
    policy: PolicyRules,
    *,
    paid_on: date,
    tier: int,
    student: bool = False,
    category_id: int | None = None,
    birth_date: date | None = None,
    left_employee_insurance_on: date | None = None,
) -> Decimal | None:
    """What a person must pay for year Y when paying on `paid_on` (their personal due, plus any mid-year surcharge).

    Inside the window, or in a mid-year period priced at the standard, this is the personal due. In a period priced
    "standard plus that year's fiscal subsidy" (涪陵 July–September) the period's fiscal amount is added, except for
    people of exempt categories where the period exempts them (the district pays that part). A newborn registered
    within the grace period (`birth_date`) and a person leaving employee insurance whom the policy lets enrol
    (`left_employee_insurance_on`) pay the personal due; a newborn pays nothing for the year of birth where the
    policy says so (孝义). None when the price needs a fiscal amount the bureau has not filled in yet, or the person
    may not pay in that period at all.
    """
    due = personal_due(policy, category_id, tier=tier, student=student)
    newborn_rule = policy.special.get(NEWBORN)
    if newborn_rule is not None and _newborn_rule_applies(policy, birth_date=birth_date, paid_on=paid_on):
        return ZERO if newborn_rule.free_in_birth_year and birth_date.year == policy.year else due
    if in_collection_window(policy, paid_on):
        return due
    employee_rule = policy.special.get(EMPLOYEE_LEAVER)
    if (
        left_employee_insurance_on is not None
        and employee_rule is not None
        and (
            employee_rule.late_wait_months is not None
            or within_grace(
                left_employee_insurance_on, paid_on, grace=employee_rule.grace, unit=employee_rule.grace_unit
            )
        )
    ):
        return due
    exempt = is_wait_exempt(policy, category_id)
    window = mid_year_window(policy, paid_on, exempt=exempt)
    if window is None:
        if any(w.covers(paid_on) for w in policy.mid_year):
            return None  # a period reserved for special groups
        return due
    if window.price == PRICE_STANDARD_PLUS_FISCAL and not (exempt and window.low_income_exempt):
        if window.fiscal_amount is None:
            return None
        return round_money(due + window.fiscal_amount)
    return due


def amount_parse(text: str) -> Amount | None:
    """Parse what the bureau types for a category's subsidy in a tier: "310" (yuan), "80%" (of the standard), "" (none).

    Full-width digits, "％", "元" and spaces are accepted. Raises ValueError for anything else or a negative figure.
    """
    cleaned = (text or "").translate(_FULL_WIDTH).replace(" ", "").replace("元", "")
    if not cleaned:
        return None
    kind = "fixed"
    if cleaned.endswith("%"):
        kind, cleaned = "percent", cleaned[:-1]
    try:
        value = Decimal(cleaned)
    except ArithmeticError as exc:
        raise ValueError(text) from exc
    if not value.is_finite() or value < 0:
        raise ValueError(text)
    return Amount(kind=kind, value=round_money(value) if kind == "fixed" else value)


def amount_label(amount: Amount | None) -> str:
    """The inverse of `amount_parse`: "310.00", "80%" or ""."""
    if amount is None:
        return ""
    if amount.kind == "percent":
        text = f"{amount.value:f}"
        return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"
    return f"{round_money(amount.value)}"


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．％\u3000", "0123456789.% ")
