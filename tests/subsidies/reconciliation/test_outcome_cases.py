"""One person's outcome (SPEC §6, §7), every field of it, in worked cases: pure, no database.

Each case states the whole `Outcome`, so a change to any field of any rule (the winner, the due, the status, the
enrolment day, the top-up, the benefit start, a flag) fails a case. Figures are 肃南's 2024 notice: standard 380;
特困 380 (full), 低保 310, 已脱贫 100; collection window 10 September to 31 December 2023.
"""

from datetime import date
from decimal import Decimal

import pytest

from subsidies.policies.rules import Amount, CategoryRule, PolicyRules, TierRule
from subsidies.reconciliation import rules as rr
from tests.builders.seed_rules import seed_rules

TEKUN, DIBAO, TUOPIN, CANJI = 1, 2, 3, 4
MZ, XC, CL = 10, 20, 30  # departments: civil affairs, rural revitalisation, disabled persons' federation
FUND_MZ, FUND_XC, FUND_CL = 100, 200, 300
JAN1 = date(2024, 1, 1)
D = Decimal


def fixed(value: str) -> dict:
    return {1: Amount("fixed", D(value))}


def policy(**overrides) -> PolicyRules:
    values = {
        "year": 2024,
        "collection_start": date(2023, 9, 10),
        "collection_end": date(2023, 12, 31),
        "tiers": {1: TierRule(1, D("380"), student_standard=D("300"))},
        "categories": {
            TEKUN: CategoryRule(TEKUN, "tekun", 1, fixed("380"), department_id=MZ, fund_id=FUND_MZ),
            DIBAO: CategoryRule(DIBAO, "dibao", 2, fixed("310"), department_id=MZ, fund_id=FUND_MZ),
            TUOPIN: CategoryRule(TUOPIN, "tuopin", 3, fixed("100"), department_id=XC, fund_id=FUND_XC),
            CANJI: CategoryRule(CANJI, "canji", 4, fixed("310"), department_id=CL, fund_id=FUND_CL),
        },
        "topup_after_full_payment": True,
        "no_readjustment": False,
    }
    values.update(overrides)
    return PolicyRules(**values)


def paid(*payments, tier: int = 1) -> rr.Paid:
    return rr.Paid(payments=tuple((day, D(amount)) for day, amount in payments), tier=tier)


def outcome(**fields) -> rr.Outcome:
    """The expected outcome: nobody certified, nothing paid, unless stated."""
    values = {
        "reference_date": None,
        "tier": 1,
        "category_id": None,
        "department_id": None,
        "fund_id": None,
        "subsidy": D("0.00"),
        "personal_due": D("380"),
        "paid": D("0.00"),
        "paid_on": None,
        "enrolled_on": None,
        "status": rr.NOT_ENROLLED,
        "topup": D("0.00"),
        "topup_month": None,
        "benefit_start": None,
        "flags": (),
    }
    values.update(fields)
    return rr.Outcome(**values)


AS_OF = date(2024, 3, 1)


def test_nobody_certified_nothing_paid():
    assert rr.outcome_for(policy(), as_of=AS_OF) == outcome(reference_date=AS_OF)


def test_full_subsidy_is_a_proxy_enrolment_from_the_certification_or_the_window_start():
    held = [rr.Held(TEKUN, MZ, date(2023, 11, 2))]
    expected = outcome(
        reference_date=AS_OF,
        category_id=TEKUN,
        department_id=MZ,
        fund_id=FUND_MZ,
        subsidy=D("380"),
        personal_due=D("0"),
        enrolled_on=date(2023, 11, 2),
        status=rr.PROXY_ENROLLED,
        benefit_start=JAN1,
    )
    assert rr.outcome_for(policy(), as_of=AS_OF, identities=held) == expected
    early = [rr.Held(TEKUN, MZ, date(2022, 5, 1))]
    assert rr.outcome_for(policy(), as_of=AS_OF, identities=early) == expected._replace(enrolled_on=date(2023, 9, 10))


def test_a_differential_subsidy_enrols_on_the_day_the_due_is_paid():
    held = [rr.Held(DIBAO, MZ, date(2023, 1, 1))]
    o = rr.outcome_for(policy(), as_of=AS_OF, identities=held, paid=paid((date(2023, 10, 8), "70")))
    assert o == outcome(
        reference_date=date(2023, 10, 8),
        category_id=DIBAO,
        department_id=MZ,
        fund_id=FUND_MZ,
        subsidy=D("310"),
        personal_due=D("70"),
        paid=D("70"),
        paid_on=date(2023, 10, 8),
        enrolled_on=date(2023, 10, 8),
        status=rr.ENROLLED,
        benefit_start=JAN1,
    )


def test_the_due_paid_in_two_parts_enrols_on_the_second():
    held = [rr.Held(DIBAO, MZ, date(2023, 1, 1))]
    o = rr.outcome_for(
        policy(), as_of=AS_OF, identities=held, paid=paid((date(2023, 10, 8), "30"), (date(2023, 11, 3), "40"))
    )
    assert (o.status, o.paid, o.paid_on, o.enrolled_on, o.reference_date, o.flags) == (
        rr.ENROLLED,
        D("70"),
        date(2023, 10, 8),
        date(2023, 11, 3),
        date(2023, 10, 8),
        (),
    )


def test_one_yuan_short_is_underpaid_and_certified_not_enrolled():
    held = [rr.Held(DIBAO, MZ, date(2023, 1, 1))]
    o = rr.outcome_for(policy(), as_of=AS_OF, identities=held, paid=paid((date(2023, 10, 8), "69")))
    assert o == outcome(
        reference_date=date(2023, 10, 8),
        category_id=DIBAO,
        department_id=MZ,
        fund_id=FUND_MZ,
        subsidy=D("310"),
        personal_due=D("70"),
        paid=D("69"),
        paid_on=date(2023, 10, 8),
        status=rr.UNDERPAID,
        flags=("certified_not_enrolled", "underpaid"),
    )


def test_certified_but_never_paid_a_differential_subsidy():
    held = [rr.Held(TUOPIN, XC, date(2023, 1, 1))]
    o = rr.outcome_for(policy(), as_of=AS_OF, identities=held)
    assert o == outcome(
        reference_date=AS_OF,
        category_id=TUOPIN,
        department_id=XC,
        fund_id=FUND_XC,
        subsidy=D("100"),
        personal_due=D("280"),
        flags=("certified_not_enrolled",),
    )


def test_paid_in_full_while_certified_is_overpaid_and_owes_no_top_up():
    held = [rr.Held(DIBAO, MZ, date(2023, 1, 1))]
    o = rr.outcome_for(policy(), as_of=AS_OF, identities=held, paid=paid((date(2023, 10, 8), "380")))
    assert o == outcome(
        reference_date=date(2023, 10, 8),
        category_id=DIBAO,
        department_id=MZ,
        fund_id=FUND_MZ,
        subsidy=D("310"),
        personal_due=D("70"),
        paid=D("380"),
        paid_on=date(2023, 10, 8),
        enrolled_on=date(2023, 10, 8),
        status=rr.ENROLLED,
        benefit_start=JAN1,
        flags=("overpaid",),
    )


def test_paying_one_yuan_less_than_the_standard_is_not_overpaid():
    held = [rr.Held(DIBAO, MZ, date(2023, 1, 1))]
    o = rr.outcome_for(policy(), as_of=AS_OF, identities=held, paid=paid((date(2023, 10, 8), "379")))
    assert o.flags == ()


def test_top_up_of_the_best_later_identity_owed_the_month_after_it_starts():
    held = [rr.Held(TUOPIN, XC, date(2023, 12, 5)), rr.Held(DIBAO, MZ, date(2024, 1, 31))]
    o = rr.outcome_for(policy(), as_of=AS_OF, identities=held, paid=paid((date(2023, 10, 8), "380")))
    assert o == outcome(
        reference_date=date(2023, 10, 8),
        category_id=DIBAO,
        department_id=MZ,
        fund_id=FUND_MZ,
        personal_due=D("380"),
        paid=D("380"),
        paid_on=date(2023, 10, 8),
        enrolled_on=date(2023, 10, 8),
        status=rr.ENROLLED,
        topup=D("310"),
        topup_month=date(2024, 2, 1),
        benefit_start=JAN1,
    )


@pytest.mark.parametrize(
    ("certified", "as_of", "owed"),
    [
        (date(2023, 10, 9), AS_OF, date(2023, 11, 1)),  # the day after the payment
        (date(2023, 10, 8), AS_OF, None),  # the payment day itself: certified when paying, no top-up
        (date(2024, 3, 1), date(2024, 3, 1), date(2024, 4, 1)),  # known on the as-of day
        (date(2024, 3, 2), date(2024, 3, 1), None),  # not known yet
        (date(2024, 12, 31), date(2025, 1, 10), date(2025, 1, 1)),  # the last day of the year
        (date(2025, 1, 1), date(2025, 1, 10), None),  # next year's
    ],
)
def test_top_up_boundaries(certified, as_of, owed):
    held = [rr.Held(TUOPIN, XC, certified, None)]
    o = rr.outcome_for(policy(), as_of=as_of, identities=held, paid=paid((date(2023, 10, 8), "380")))
    assert o.topup_month == owed
    assert o.topup == (D("100") if owed else D("0"))
    assert o.category_id == (TUOPIN if owed or certified == date(2023, 10, 8) else None)


def test_no_top_up_where_the_policy_forbids_it_or_the_payment_is_short():
    held = [rr.Held(DIBAO, MZ, date(2023, 12, 1))]
    forbidden = rr.outcome_for(
        policy(topup_after_full_payment=False), as_of=AS_OF, identities=held, paid=paid((date(2023, 10, 8), "380"))
    )
    assert (forbidden.topup, forbidden.topup_month, forbidden.category_id, forbidden.status) == (
        0,
        None,
        None,
        rr.ENROLLED,
    )
    short = rr.outcome_for(policy(), as_of=AS_OF, identities=held, paid=paid((date(2023, 10, 8), "379")))
    assert (short.topup, short.category_id, short.status, short.flags) == (0, None, rr.UNDERPAID, ("underpaid",))


def test_equal_subsidies_go_to_the_policy_priority_whatever_the_order_given():
    held = [rr.Held(CANJI, CL, date(2023, 1, 1)), rr.Held(DIBAO, MZ, date(2023, 1, 1))]
    for identities in (held, held[::-1]):
        o = rr.outcome_for(policy(), as_of=AS_OF, identities=identities, paid=paid((date(2023, 10, 8), "70")))
        assert (o.category_id, o.department_id, o.fund_id, o.subsidy) == (DIBAO, MZ, FUND_MZ, D("310"))
    swapped = policy(
        categories={
            **policy().categories,
            CANJI: CategoryRule(CANJI, "canji", 0, fixed("310"), department_id=CL, fund_id=FUND_CL),
        }
    )
    o = rr.outcome_for(swapped, as_of=AS_OF, identities=held, paid=paid((date(2023, 10, 8), "70")))
    assert (o.category_id, o.department_id, o.fund_id) == (CANJI, CL, FUND_CL)


def test_the_highest_subsidy_wins_over_priority():
    held = [rr.Held(TUOPIN, XC, date(2023, 1, 1)), rr.Held(CANJI, CL, date(2023, 1, 1))]
    o = rr.outcome_for(policy(), as_of=AS_OF, identities=held, paid=paid((date(2023, 10, 8), "70")))
    assert (o.category_id, o.subsidy, o.personal_due) == (CANJI, D("310"), D("70"))


def test_an_identity_ended_before_the_payment_or_of_an_unsubsidised_category_does_not_count():
    held = [rr.Held(DIBAO, MZ, date(2023, 1, 1), date(2023, 10, 7)), rr.Held(99, 40, date(2023, 1, 1))]
    o = rr.outcome_for(policy(), as_of=AS_OF, identities=held, paid=paid((date(2023, 10, 8), "380")))
    assert (o.category_id, o.subsidy, o.status, o.flags) == (None, 0, rr.ENROLLED, ())
    ends_that_day = [rr.Held(DIBAO, MZ, date(2023, 1, 1), date(2023, 10, 8))]
    o = rr.outcome_for(policy(), as_of=AS_OF, identities=ends_that_day, paid=paid((date(2023, 10, 8), "70")))
    assert (o.category_id, o.subsidy, o.status) == (DIBAO, D("310"), rr.ENROLLED)


def test_no_readjustment_keeps_a_proxy_enrolment_after_the_roster_ends_it():
    held = [rr.Held(TEKUN, MZ, date(2023, 10, 1), date(2023, 12, 1))]
    o = rr.outcome_for(policy(no_readjustment=True), as_of=AS_OF, identities=held)
    assert o == outcome(
        reference_date=date(2023, 10, 1),
        category_id=TEKUN,
        department_id=MZ,
        fund_id=FUND_MZ,
        subsidy=D("380"),
        personal_due=D("0"),
        enrolled_on=date(2023, 10, 1),
        status=rr.PROXY_ENROLLED,
        benefit_start=JAN1,
    )
    # Without the rule the ended identity counts for nothing on the as-of date.
    assert rr.outcome_for(policy(), as_of=AS_OF, identities=held) == outcome(reference_date=AS_OF)


def test_no_readjustment_takes_the_earliest_full_identity_and_not_one_certified_after_the_as_of_date():
    held = [
        rr.Held(TEKUN, MZ, date(2023, 11, 1), date(2023, 11, 30)),
        rr.Held(TEKUN, MZ, date(2023, 10, 1), date(2023, 10, 31)),
        rr.Held(TEKUN, MZ, date(2024, 4, 1)),
    ]
    o = rr.outcome_for(policy(no_readjustment=True), as_of=AS_OF, identities=held)
    assert (o.reference_date, o.enrolled_on, o.status) == (date(2023, 10, 1), date(2023, 10, 1), rr.PROXY_ENROLLED)
    later = rr.outcome_for(policy(no_readjustment=True), as_of=AS_OF, identities=held[2:])
    assert later == outcome(reference_date=AS_OF)


def test_a_student_pays_the_students_standard():
    held = [rr.Held(TUOPIN, XC, date(2023, 1, 1))]
    o = rr.outcome_for(policy(), as_of=AS_OF, identities=held, paid=paid((date(2023, 10, 8), "200")), student=True)
    assert (o.subsidy, o.personal_due, o.status, o.flags) == (D("100"), D("200"), rr.ENROLLED, ())
    nobody = rr.outcome_for(policy(), as_of=AS_OF, paid=paid((date(2023, 10, 8), "300")), student=True)
    assert (nobody.personal_due, nobody.status) == (D("300"), rr.ENROLLED)


def test_the_data_flags_come_first_in_their_order():
    o = rr.outcome_for(policy(), as_of=AS_OF, invalid_id=True, suspect_id=True, name_mismatch=True, in_register=False)
    assert o.flags == ("invalid_id", "suspect_id", "name_mismatch", "not_in_register")
    assert rr.outcome_for(policy(), as_of=AS_OF, suspect_id=True).flags == ("suspect_id",)


def test_two_full_payments_are_enrolled_twice_and_a_refunded_duplicate_is_not():
    twice = paid((date(2023, 10, 8), "380"), (date(2023, 11, 8), "380"))
    o = rr.outcome_for(policy(), as_of=AS_OF, paid=twice)
    assert (o.paid, o.status, o.enrolled_on, o.flags) == (D("760"), rr.ENROLLED, date(2023, 10, 8), ("enrolled_twice",))
    refunded = paid((date(2023, 10, 8), "380"), (date(2023, 11, 8), "380"), (date(2023, 11, 20), "-380"))
    o = rr.outcome_for(policy(), as_of=AS_OF, paid=refunded)
    assert (o.paid, o.status, o.flags) == (D("380"), rr.ENROLLED, ("refunded",))
    dibao = [rr.Held(DIBAO, MZ, date(2023, 1, 1))]
    parts = paid((date(2023, 10, 8), "70"), (date(2023, 11, 8), "70"))
    assert rr.outcome_for(policy(), as_of=AS_OF, identities=dibao, paid=parts).flags == ("enrolled_twice",)
    halves = paid((date(2023, 10, 8), "35"), (date(2023, 11, 8), "35"))
    assert rr.outcome_for(policy(), as_of=AS_OF, identities=dibao, paid=halves).flags == ()


def test_a_full_refund_is_never_having_paid_and_after_a_locked_subsidy_is_followed_up():
    refunded = paid((date(2023, 10, 8), "70"), (date(2023, 12, 1), "-70"))
    held = [rr.Held(DIBAO, MZ, date(2023, 1, 1))]
    o = rr.outcome_for(policy(), as_of=AS_OF, identities=held, paid=refunded)
    assert o == outcome(
        reference_date=AS_OF,
        category_id=DIBAO,
        department_id=MZ,
        fund_id=FUND_MZ,
        subsidy=D("310"),
        personal_due=D("70"),
        flags=("certified_not_enrolled", "refunded"),
    )
    lock = rr.Locked(DIBAO, MZ, FUND_MZ, D("310"), D("0"), None, None)
    o = rr.outcome_for(policy(), as_of=AS_OF, identities=held, paid=refunded, locked=lock)
    assert o.flags == ("certified_not_enrolled", "refunded", "refund_after_transfer")


def test_a_lock_keeps_the_subsidy_top_up_and_enrolment_day():
    lock = rr.Locked(TEKUN, MZ, FUND_MZ, D("380"), D("0"), None, date(2023, 9, 15))
    o = rr.outcome_for(policy(), as_of=AS_OF, identities=[], locked=lock)
    assert o == outcome(
        reference_date=AS_OF,
        category_id=TEKUN,
        department_id=MZ,
        fund_id=FUND_MZ,
        subsidy=D("380"),
        personal_due=D("0"),
        enrolled_on=date(2023, 9, 15),
        status=rr.PROXY_ENROLLED,
        benefit_start=JAN1,
    )
    topup_lock = rr.Locked(TUOPIN, XC, FUND_XC, D("0"), D("100"), date(2023, 12, 1), None)
    held = [rr.Held(DIBAO, MZ, date(2023, 11, 20))]  # a later, higher certification changes nothing
    o = rr.outcome_for(policy(), as_of=AS_OF, identities=held, paid=paid((date(2023, 10, 8), "380")), locked=topup_lock)
    assert (o.category_id, o.department_id, o.fund_id, o.subsidy, o.topup, o.topup_month) == (
        TUOPIN,
        XC,
        FUND_XC,
        D("0"),
        D("100"),
        date(2023, 12, 1),
    )


@pytest.mark.parametrize(
    ("paid_on", "certified", "subsidy", "flags"),
    [
        (date(2024, 2, 28), date(2023, 1, 1), D("310"), ()),  # on the deadline day
        (date(2024, 2, 29), date(2023, 1, 1), D("0"), ("after_deadline",)),  # the day after
        (date(2024, 3, 10), date(2024, 2, 29), D("310"), ()),  # certified after the deadline (动态新增)
        (date(2024, 3, 10), date(2024, 2, 28), D("0"), ("after_deadline",)),  # certified on it
    ],
)
def test_the_subsidy_deadline(paid_on, certified, subsidy, flags):
    held = [rr.Held(DIBAO, MZ, certified)]
    o = rr.outcome_for(
        policy(subsidy_deadline=date(2024, 2, 28)), as_of=AS_OF, identities=held, paid=paid((paid_on, "380"))
    )
    assert (o.subsidy, o.flags[-1:] if flags else (), o.category_id) == (
        subsidy,
        flags,
        DIBAO if subsidy else None,
    )


def test_after_the_deadline_a_lower_later_identity_still_wins_and_no_flag_when_nothing_higher_was_refused():
    held = [rr.Held(TUOPIN, XC, date(2023, 1, 1)), rr.Held(DIBAO, MZ, date(2024, 3, 1))]
    o = rr.outcome_for(
        policy(subsidy_deadline=date(2024, 2, 28)),
        as_of=date(2024, 4, 1),
        identities=held,
        paid=paid((date(2024, 3, 10), "70")),
    )
    assert (o.category_id, o.subsidy, o.status, o.flags) == (DIBAO, D("310"), rr.ENROLLED, ())


@pytest.mark.parametrize(
    ("paid_on", "start"),
    [
        (date(2024, 4, 20), date(2024, 1, 20)),  # three months after the birth: covered from birth
        (date(2024, 4, 21), None),  # a day later: outside the window, 肃南 gives no benefits in 2024
    ],
)
def test_the_benefit_start_of_a_newborn_within_three_months(paid_on, start):
    sunan = seed_rules("620721")
    o = rr.outcome_for(sunan, as_of=date(2024, 6, 1), paid=paid((paid_on, "380")), birth_date=date(2024, 1, 20))
    assert (o.status, o.enrolled_on, o.benefit_start) == (rr.ENROLLED, paid_on, start)
    adult = rr.outcome_for(sunan, as_of=date(2024, 6, 1), paid=paid((paid_on, "380")), birth_date=date(1990, 1, 20))
    assert adult.benefit_start is None


# Two tiers, students, and one policy object shared by every case below: the rules keep answers on the policy
# (by category, tier and student), so a case that reads a wrong cached answer fails here. Tier 1: 350 (students
# 320); tier 2: 725 (students 695). 已脱贫 gives more than 低保 in tier 1 and less in tier 2; 残疾 is full in
# tier 1 only.
TWO_TIERS = PolicyRules(
    year=2024,
    collection_start=date(2023, 9, 10),
    collection_end=date(2023, 12, 31),
    tiers={1: TierRule(1, D("350"), student_standard=D("320")), 2: TierRule(2, D("725"), student_standard=D("695"))},
    categories={
        TEKUN: CategoryRule(
            TEKUN, "tekun", 1, {1: Amount("percent", D("100")), 2: Amount("percent", D("100"))}, MZ, FUND_MZ
        ),
        DIBAO: CategoryRule(
            DIBAO, "dibao", 2, {1: Amount("fixed", D("320")), 2: Amount("fixed", D("400"))}, MZ, FUND_MZ
        ),
        TUOPIN: CategoryRule(
            TUOPIN, "tuopin", 3, {1: Amount("fixed", D("340")), 2: Amount("fixed", D("100"))}, XC, FUND_XC
        ),
        CANJI: CategoryRule(CANJI, "canji", 4, {1: Amount("percent", D("100"))}, CL, FUND_CL),
    },
    topup_after_full_payment=True,
    no_readjustment=True,
    subsidy_deadline=date(2024, 2, 28),
)
BOTH = [rr.Held(TUOPIN, XC, date(2023, 1, 1)), rr.Held(DIBAO, MZ, date(2023, 1, 1))]
PAID_ON = date(2023, 10, 8)


@pytest.mark.parametrize(
    ("tier", "student", "pays", "winner", "subsidy", "due", "status"),
    [
        (1, False, "10", TUOPIN, D("340"), D("10"), rr.ENROLLED),
        (2, False, "325", DIBAO, D("400"), D("325"), rr.ENROLLED),
        (2, False, "324", DIBAO, D("400"), D("325"), rr.UNDERPAID),
        # A student's standard is 320 in tier 1: both cover it in full (capped at the standard), priority decides.
        (1, True, "0", DIBAO, D("320"), D("0"), rr.PROXY_ENROLLED),
        (2, True, "295", DIBAO, D("400"), D("295"), rr.ENROLLED),
    ],
)
def test_the_winner_due_and_status_depend_on_the_tier_and_the_students_standard(
    tier, student, pays, winner, subsidy, due, status
):
    payments = paid((PAID_ON, pays), tier=tier) if pays != "0" else rr.Paid(payments=(), tier=tier)
    before_deadline = date(2024, 2, 1)
    o = rr.outcome_for(TWO_TIERS, as_of=before_deadline, identities=BOTH, paid=payments, student=student)
    reference = PAID_ON if payments.payments else before_deadline
    assert (o.tier, o.reference_date, o.category_id, o.subsidy, o.personal_due, o.status) == (
        tier,
        reference,
        winner,
        subsidy,
        due,
        status,
    )


@pytest.mark.parametrize(("tier", "student", "proxy"), [(1, False, True), (2, False, False), (2, True, False)])
def test_a_proxy_enrolment_kept_by_no_readjustment_needs_a_full_subsidy_in_the_persons_tier(tier, student, proxy):
    ended = [rr.Held(CANJI, CL, date(2023, 10, 1), date(2023, 11, 30))]  # 残疾: full in tier 1 only
    o = rr.outcome_for(TWO_TIERS, as_of=AS_OF, identities=ended, paid=rr.Paid(payments=(), tier=tier), student=student)
    assert (o.status, o.reference_date, o.enrolled_on, o.subsidy) == (
        (rr.PROXY_ENROLLED, date(2023, 10, 1), date(2023, 10, 1), D("350"))
        if proxy
        else (rr.NOT_ENROLLED, AS_OF, None, D("0"))
    )


def test_a_student_in_tier_one_is_kept_enrolled_by_proxy_under_a_category_full_only_for_students():
    ended = [rr.Held(DIBAO, MZ, date(2023, 10, 1), date(2023, 11, 30))]  # 低保 320: the students' standard
    adult = rr.outcome_for(TWO_TIERS, as_of=AS_OF, identities=ended)
    student = rr.outcome_for(TWO_TIERS, as_of=AS_OF, identities=ended, student=True)
    assert (adult.status, student.status, student.enrolled_on) == (
        rr.NOT_ENROLLED,
        rr.PROXY_ENROLLED,
        date(2023, 10, 1),
    )


@pytest.mark.parametrize(
    ("tier", "student", "pays", "topup", "category"),
    [
        (1, False, "350", D("340"), TUOPIN),
        (2, False, "725", D("400"), DIBAO),
        (1, True, "320", D("320"), DIBAO),  # both cap at the students' 320: priority
    ],
)
def test_the_top_up_is_the_best_later_identity_in_the_persons_tier(tier, student, pays, topup, category):
    later = [rr.Held(TUOPIN, XC, date(2023, 11, 1)), rr.Held(DIBAO, MZ, date(2023, 11, 1))]
    o = rr.outcome_for(TWO_TIERS, as_of=AS_OF, identities=later, paid=paid((PAID_ON, pays), tier=tier), student=student)
    assert (o.subsidy, o.topup, o.topup_month, o.category_id) == (D("0"), topup, date(2023, 12, 1), category)


def test_a_students_top_up_is_capped_at_the_students_standard():
    later = [rr.Held(TUOPIN, XC, date(2023, 11, 1))]  # 340 in tier 1, more than a student's 320
    o = rr.outcome_for(TWO_TIERS, as_of=AS_OF, identities=later, paid=paid((PAID_ON, "320")), student=True)
    assert (o.topup, o.topup_month, o.category_id, o.personal_due) == (D("320"), date(2023, 12, 1), TUOPIN, D("320"))


def test_a_category_the_tier_does_not_subsidise_gives_no_top_up():
    later = [rr.Held(CANJI, CL, date(2023, 11, 1))]
    o = rr.outcome_for(TWO_TIERS, as_of=AS_OF, identities=later, paid=paid((PAID_ON, "725"), tier=2))
    assert (o.topup, o.topup_month, o.category_id) == (D("0"), None, None)


def test_the_deadline_refuses_a_higher_subsidy_in_the_persons_tier_only():
    # Paid after the deadline: the identities certified before it are refused, the 残疾 certified after it is not.
    # In tier 2 残疾 gives nothing and the refused 低保 (400) is higher: flagged. In tier 1 残疾 is full (350) and
    # higher than anything refused (已脱贫 340): not flagged.
    held = [
        rr.Held(TUOPIN, XC, date(2023, 1, 1)),
        rr.Held(DIBAO, MZ, date(2023, 1, 1)),
        rr.Held(CANJI, CL, date(2024, 3, 1)),
    ]
    tier2 = rr.outcome_for(
        TWO_TIERS, as_of=date(2024, 4, 1), identities=held, paid=paid((date(2024, 3, 5), "725"), tier=2)
    )
    assert (tier2.category_id, tier2.subsidy, tier2.flags) == (CANJI, D("0"), ("after_deadline",))
    tier1 = rr.outcome_for(
        TWO_TIERS, as_of=date(2024, 4, 1), identities=held, paid=paid((date(2024, 3, 5), "0.01"), tier=1)
    )
    assert (tier1.category_id, tier1.subsidy, tier1.status, tier1.flags) == (CANJI, D("350"), rr.PROXY_ENROLLED, ())


def test_no_readjustment_skips_identities_that_cannot_give_a_proxy_enrolment_and_looks_on():
    held = [
        rr.Held(TUOPIN, XC, date(2023, 9, 1), date(2023, 9, 30)),  # not full
        rr.Held(TEKUN, MZ, date(2024, 3, 5)),  # full, but certified after the as-of date
        rr.Held(TEKUN, MZ, date(2023, 1, 1), date(2023, 6, 30)),  # full, but ended before the window opened
        rr.Held(TEKUN, MZ, date(2023, 10, 20), date(2023, 12, 1)),  # this one
    ]
    o = rr.outcome_for(TWO_TIERS, as_of=date(2024, 3, 1), identities=held)
    assert (o.status, o.enrolled_on, o.reference_date, o.category_id) == (
        rr.PROXY_ENROLLED,
        date(2023, 10, 20),
        date(2023, 10, 20),
        TEKUN,
    )
    assert rr.outcome_for(TWO_TIERS, as_of=date(2024, 3, 1), identities=held[:3]).status == rr.NOT_ENROLLED


def test_no_readjustment_after_the_deadline_takes_only_identities_certified_after_it():
    held = [rr.Held(TEKUN, MZ, date(2024, 3, 5), date(2024, 3, 20))]
    o = rr.outcome_for(TWO_TIERS, as_of=date(2024, 4, 1), identities=held)
    assert (o.status, o.enrolled_on) == (rr.PROXY_ENROLLED, date(2024, 3, 5))


def test_no_readjustment_on_the_last_day_of_the_year():
    held = [rr.Held(TEKUN, MZ, date(2024, 12, 31), date(2024, 12, 31))]
    last = rr.outcome_for(TWO_TIERS, as_of=date(2025, 1, 10), identities=held)
    assert (last.status, last.enrolled_on) == (rr.PROXY_ENROLLED, date(2024, 12, 31))
    later = [rr.Held(TEKUN, MZ, date(2025, 1, 1), date(2025, 1, 2))]
    assert rr.outcome_for(TWO_TIERS, as_of=date(2025, 1, 10), identities=later).status == rr.NOT_ENROLLED


def test_of_two_records_of_one_category_the_earlier_one_sets_the_proxy_enrolment_day():
    held = [rr.Held(TEKUN, MZ, date(2023, 11, 5)), rr.Held(TEKUN, MZ, date(2023, 10, 5))]
    o = rr.outcome_for(TWO_TIERS, as_of=AS_OF, identities=held)
    assert (o.status, o.enrolled_on) == (rr.PROXY_ENROLLED, date(2023, 10, 5))


def test_a_refund_in_full_keeps_the_tier():
    refunded = paid((PAID_ON, "725"), (date(2023, 11, 1), "-725"), tier=2)
    o = rr.outcome_for(TWO_TIERS, as_of=AS_OF, paid=refunded)
    assert (o.tier, o.personal_due, o.status, o.flags) == (2, D("725"), rr.NOT_ENROLLED, ("refunded",))


def test_a_refunded_duplicate_of_a_free_enrolment_is_not_enrolled_twice():
    # Nothing due (full subsidy, paid anyway): the duplicate is measured against the standard.
    held = [rr.Held(TEKUN, MZ, date(2023, 1, 1))]
    twice = paid((PAID_ON, "350"), (date(2023, 10, 9), "350"))
    assert "enrolled_twice" in rr.outcome_for(TWO_TIERS, as_of=AS_OF, identities=held, paid=twice).flags
    returned = paid((PAID_ON, "350"), (date(2023, 10, 9), "350"), (date(2023, 10, 20), "-350"))
    assert "enrolled_twice" not in rr.outcome_for(TWO_TIERS, as_of=AS_OF, identities=held, paid=returned).flags
    small = paid((PAID_ON, "0.01"), (date(2023, 10, 9), "0.01"))
    assert "enrolled_twice" not in rr.outcome_for(TWO_TIERS, as_of=AS_OF, identities=held, paid=small).flags


@pytest.mark.parametrize(("category", "start"), [(1, date(2023, 8, 10)), (6, date(2023, 11, 9))])
def test_fuling_july_to_september_waits_90_days_unless_the_category_is_exempt(category, start):
    fuling = seed_rules("500102")  # 1 特困 may enrol without waiting; 6 重点优抚 may not
    held = [rr.Held(category, None, date(2022, 1, 1))]
    o = rr.outcome_for(fuling, as_of=date(2023, 12, 1), identities=held, paid=paid((date(2023, 8, 10), "375"), tier=2))
    assert (o.status, o.enrolled_on, o.benefit_start) == (rr.ENROLLED, date(2023, 8, 10), start)


# 朱集 (seed 002): a person leaving employee insurance enrols outside the window within 3 months, from the day after
# payment; later, after a 6-month wait from the payment. Paid 2023-04-10, after the window (to 2023-02-28).
@pytest.mark.parametrize(
    ("left_on", "start"),
    [
        (date(2023, 2, 1), date(2023, 4, 11)),
        (date(2023, 1, 10), date(2023, 4, 11)),  # exactly three months before the payment
        (date(2023, 1, 9), date(2023, 10, 11)),  # a day more: the 6-month wait
        (None, None),  # not known to have left employee insurance: no benefits this year
    ],
)
@pytest.mark.parametrize("traced", [False, True])
def test_the_benefit_start_of_an_employee_insurance_leaver(left_on, start, traced):
    zhuji = seed_rules("341323")
    trace = [] if traced else None
    o = rr.outcome_for(
        zhuji,
        as_of=date(2023, 6, 30),
        paid=paid((date(2023, 4, 10), "350")),
        birth_date=date(1980, 5, 1),
        left_employee_insurance_on=left_on,
        trace=trace,
    )
    assert (o.status, o.enrolled_on, o.benefit_start) == (rr.ENROLLED, date(2023, 4, 10), start)


def test_a_newborn_who_is_also_a_leaver_is_covered_from_birth():
    zhuji = seed_rules("341323")
    o = rr.outcome_for(
        zhuji,
        as_of=date(2023, 6, 30),
        paid=paid((date(2023, 4, 10), "350")),
        birth_date=date(2023, 3, 1),
        left_employee_insurance_on=date(2023, 2, 1),
    )
    assert o.benefit_start == date(2023, 3, 1)


def test_a_leaver_where_the_policy_has_no_leaver_rule_follows_the_mid_year_rules_of_their_category():
    # 涪陵 (seed 003) names no employee-insurance rule: July–September, 90 days after payment, except low-income
    # subsidised people (低保, category 2), covered from the payment.
    fuling = seed_rules("500102")
    args = {"as_of": date(2023, 9, 30), "left_employee_insurance_on": date(2023, 7, 1), "birth_date": date(1980, 5, 1)}
    dibao = rr.outcome_for(
        fuling, identities=[rr.Held(2, None, date(2022, 1, 1))], paid=paid((date(2023, 8, 10), "35")), **args
    )
    assert (dibao.status, dibao.subsidy, dibao.benefit_start) == (rr.ENROLLED, D("315"), date(2023, 8, 10))
    alone = rr.outcome_for(fuling, paid=paid((date(2023, 8, 10), "350")), **args)
    assert (alone.status, alone.benefit_start) == (rr.ENROLLED, date(2023, 11, 9))
