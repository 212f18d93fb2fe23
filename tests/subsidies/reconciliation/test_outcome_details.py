"""One person's outcome in the corners the worked cases leave: tiers and students where every answer differs, the
whole trace of a decision, what the rules keep on the policy, the deadline and no re-adjustment together, locks
without an enrolment day, zero standards and the boundaries of the newborn horizon. Pure, no database."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from subsidies.policies import rules as pr
from subsidies.policies.rules import Amount, CategoryRule, PolicyRules, SpecialEnrolment, TierRule
from subsidies.reconciliation import rules as rr
from subsidies.reconciliation.reasons import Reason
from tests.builders.seed_rules import seed_rules
from tests.subsidies.reconciliation.test_outcome_cases import (
    AS_OF,
    DIBAO,
    FUND_MZ,
    FUND_XC,
    JAN1,
    MZ,
    TEKUN,
    TUOPIN,
    XC,
    outcome,
    paid,
    policy,
)

D = Decimal
ZERO = D("0.00")

# Tier 1: 380 (students 300); tier 2: 700 (students 600); tier 3: 0; tier 4: 300 (students 380). Subsidies by tier:
#   W 370 | 300, priority 1 (full for a student in tier 1: capped at 300)
#   A 100 % | 100 %, priority 2 (full everywhere)
#   R 100 | 350, priority 3
#   T 200 | 300, priority 4 (ties W in tier 2)
#   P 90 % | — | — | 320, priority 5 (in tier 1 a student 270, an adult 342)
#   Q 280 | — | — | 350, priority 6
#   S 300 | —, priority 7, uses the students' standard (full for everyone in tier 1)
#   F — | 500, priority 8 (tier 2 only, not full: 500 < 700)
#   Z 0 in tier 3
#   G 100 | 100 %, priority 10 (full in tier 2 only)
W, A, R, T, P, Q, S, F, Z, G = 11, 12, 13, 14, 15, 16, 17, 18, 19, 20
DEPT, FUND = 50, 500


def _category(category_id, priority, amounts, **extra):
    return CategoryRule(category_id, f"c{category_id}", priority, amounts, department_id=DEPT, fund_id=FUND, **extra)


def tiers_policy(**overrides) -> PolicyRules:
    values = {
        "year": 2024,
        "collection_start": date(2023, 9, 10),
        "collection_end": date(2023, 12, 31),
        "tiers": {
            1: TierRule(1, D(380), D(300)),
            2: TierRule(2, D(700), D(600)),
            3: TierRule(3, D(0)),
            4: TierRule(4, D(300), D(380)),
        },
        "categories": {
            W: _category(W, 1, {1: Amount("fixed", D(370)), 2: Amount("fixed", D(300))}),
            A: _category(A, 2, {1: Amount("percent", D(100)), 2: Amount("percent", D(100))}),
            R: _category(R, 3, {1: Amount("fixed", D(100)), 2: Amount("fixed", D(350))}),
            T: _category(T, 4, {1: Amount("fixed", D(200)), 2: Amount("fixed", D(300))}),
            P: _category(P, 5, {1: Amount("percent", D(90)), 4: Amount("fixed", D(320))}),
            Q: _category(Q, 6, {1: Amount("fixed", D(280)), 4: Amount("fixed", D(350))}),
            S: _category(S, 7, {1: Amount("fixed", D(300))}, uses_student_standard=True),
            F: _category(F, 8, {2: Amount("fixed", D(500))}),
            Z: _category(Z, 9, {3: Amount("fixed", D(0))}),
            G: _category(G, 10, {1: Amount("fixed", D(100)), 2: Amount("percent", D(100))}),
        },
        "subsidy_deadline": date(2024, 2, 28),
        "topup_after_full_payment": True,
        "no_readjustment": True,
    }
    values.update(overrides)
    return PolicyRules(**values)


def held(category_id, valid_from, valid_to=None, department_id=DEPT):
    return rr.Held(category_id, department_id, valid_from, valid_to)


def traced(p, **kw):
    trace: list = []
    result = rr.outcome_for(p, trace=trace, **kw)
    assert result == rr.outcome_for(p, **kw)  # the trace only records
    return result, trace


def reasons(trace, code):
    return [r.params for r in trace if r[0] == code]


# --- tiers and students ------------------------------------------------------------------------------------------


def test_the_winner_in_tier_two_is_not_the_winner_in_tier_one():
    both = [held(W, date(2023, 1, 1)), held(R, date(2023, 1, 1))]
    p = tiers_policy()
    tier2, trace = traced(p, as_of=AS_OF, identities=both, paid=paid((date(2023, 10, 8), "350"), tier=2))
    assert (tier2.category_id, tier2.subsidy, tier2.personal_due, tier2.status) == (R, D(350), D(350), rr.ENROLLED)
    assert reasons(trace, "identities")[0]["valid"] == [(both[0], D(300)), (both[1], D(350))]
    assert reasons(trace, "amounts") == [
        {"standard": D(700), "subsidy": D(350), "due": D(350), "paid": D(350), "tier": 2, "student": False}
    ]
    tier1 = rr.outcome_for(p, as_of=AS_OF, identities=both, paid=paid((date(2023, 10, 8), "10")))
    assert (tier1.category_id, tier1.subsidy, tier1.personal_due, tier1.status) == (W, D(370), D(10), rr.ENROLLED)


def test_a_student_ties_two_full_subsidies_that_differ_for_an_adult():
    both = [held(A, date(2023, 1, 1)), held(W, date(2023, 1, 1))]
    p = tiers_policy()
    before_deadline = date(2024, 2, 1)
    student, trace = traced(p, as_of=before_deadline, identities=both, student=True)
    assert (student.category_id, student.subsidy, student.personal_due, student.status) == (
        W,
        D(300),
        D(0),
        rr.PROXY_ENROLLED,
    )
    assert reasons(trace, "identities")[0]["valid"] == [(both[0], D(300)), (both[1], D(300))]
    assert reasons(trace, "winner") == [{"held": both[1], "subsidy": D(300), "tied": [both[0]], "others": 1}]
    adult = rr.outcome_for(p, as_of=before_deadline, identities=both)
    assert (adult.category_id, adult.subsidy, adult.status) == (A, D(380), rr.PROXY_ENROLLED)


def test_a_tie_in_tier_two_that_is_none_in_tier_one():
    both = [held(T, date(2023, 1, 1)), held(W, date(2023, 1, 1))]
    _, trace = traced(tiers_policy(), as_of=AS_OF, identities=both, paid=paid((date(2023, 10, 8), "400"), tier=2))
    assert reasons(trace, "winner") == [{"held": both[1], "subsidy": D(300), "tied": [both[0]], "others": 1}]


def test_a_category_on_the_students_standard_is_full_for_an_adult_too():
    o = rr.outcome_for(tiers_policy(), as_of=date(2024, 2, 1), identities=[held(S, date(2023, 11, 1))])
    assert (o.category_id, o.subsidy, o.personal_due, o.status, o.enrolled_on) == (
        S,
        D(300),
        D(0),
        rr.PROXY_ENROLLED,
        date(2023, 11, 1),
    )
    # Under no re-adjustment, an ended identity of it keeps the proxy enrolment.
    ended = [held(S, date(2023, 10, 1), date(2023, 11, 30))]
    o = rr.outcome_for(tiers_policy(), as_of=AS_OF, identities=ended)
    assert (o.category_id, o.status, o.enrolled_on, o.reference_date) == (
        S,
        rr.PROXY_ENROLLED,
        date(2023, 10, 1),
        date(2023, 10, 1),
    )


@pytest.mark.parametrize(
    ("category", "tier", "student", "kept"),
    [
        (A, 2, False, True),  # full in tier 2 (700)
        (F, 2, False, False),  # 500 of 700: not full, though more than tier 1's standard
        (P, 1, True, False),  # a student 270 of 300: not full, though an adult's 342 is more than 300
        (W, 1, True, True),  # a student 300 of 300
    ],
)
def test_no_readjustment_keeps_only_a_subsidy_full_in_the_persons_tier_and_standard(category, tier, student, kept):
    ended = [held(category, date(2023, 10, 1), date(2023, 11, 30))]
    p = tiers_policy()
    o, trace = traced(p, as_of=AS_OF, identities=ended, paid=rr.Paid(payments=(), tier=tier), student=student)
    if kept:
        full = rr._subsidy(p, category, tier, student)
        assert (o.category_id, o.subsidy, o.status, o.enrolled_on, o.flags) == (
            category,
            full,
            rr.PROXY_ENROLLED,
            date(2023, 10, 1),
            (),
        )
        assert reasons(trace, "proxy_kept") == [{"held": ended[0], "day": date(2023, 10, 1), "subsidy": full}]
    else:
        assert (o.category_id, o.reference_date, o.status, o.flags) == (None, AS_OF, rr.NOT_ENROLLED, ())
    assert rr._subsidy(p, A, 2, False) == D(700) and rr._subsidy(p, W, 1, True) == D(300)


def test_a_winner_full_in_the_persons_tier_needs_no_earlier_proxy():
    # Tier 2, nobody paid: G (full in tier 2 only) is valid on the as-of date and enrols by proxy from its own
    # certification; the ended A certified earlier is not looked for.
    both = [held(A, date(2023, 10, 1), date(2023, 11, 30)), held(G, date(2024, 1, 15))]
    o = rr.outcome_for(tiers_policy(), as_of=date(2024, 2, 1), identities=both, paid=rr.Paid(payments=(), tier=2))
    assert (o.category_id, o.subsidy, o.status, o.enrolled_on, o.reference_date) == (
        G,
        D(700),
        rr.PROXY_ENROLLED,
        date(2024, 1, 15),
        date(2024, 2, 1),
    )


def test_a_full_identity_certified_on_the_as_of_date_enrols_by_proxy_over_a_higher_partial_one():
    # W gives 370 of 380 (not full); S, certified on the as-of date, is full on the students' standard (300 of 300).
    both = [held(W, date(2023, 1, 1)), held(S, date(2024, 2, 1))]
    o = rr.outcome_for(tiers_policy(), as_of=date(2024, 2, 1), identities=both)
    assert (o.category_id, o.subsidy, o.personal_due, o.status, o.enrolled_on, o.flags) == (
        S,
        D(300),
        D(0),
        rr.PROXY_ENROLLED,
        date(2024, 2, 1),
        (),
    )


def test_a_zero_subsidy_in_a_zero_standard_is_no_proxy_enrolment():
    p = tiers_policy()
    nothing = rr.outcome_for(p, as_of=AS_OF, paid=rr.Paid(payments=(), tier=3))
    assert nothing == outcome(reference_date=AS_OF, tier=3, personal_due=D(0))
    ended = [held(Z, date(2023, 10, 1), date(2023, 11, 30))]
    assert rr.outcome_for(p, as_of=AS_OF, identities=ended, paid=rr.Paid(payments=(), tier=3)) == nothing


# --- the deadline ------------------------------------------------------------------------------------------------


def test_the_deadline_compares_subsidies_in_the_persons_tier():
    # Paid in tier 2 after the deadline: R (350, certified before it) is refused, W (300, after it) wins: flagged.
    # In tier 1 R would give 100 and W 370: nothing higher refused.
    both = [held(R, date(2023, 1, 1)), held(W, date(2024, 3, 1))]
    o, trace = traced(
        tiers_policy(), as_of=date(2024, 4, 1), identities=both, paid=paid((date(2024, 3, 5), "400"), tier=2)
    )
    assert o == outcome(
        reference_date=date(2024, 3, 5),
        tier=2,
        category_id=W,
        department_id=DEPT,
        fund_id=FUND,
        subsidy=D(300),
        personal_due=D(400),
        paid=D(400),
        paid_on=date(2024, 3, 5),
        enrolled_on=date(2024, 3, 5),
        status=rr.ENROLLED,
        flags=("after_deadline",),
    )
    assert reasons(trace, "deadline") == [
        {"deadline": date(2024, 2, 28), "refused": [both[0]], "day": date(2024, 3, 5)}
    ]


def test_the_deadline_compares_a_students_subsidies():
    # A student: Q (280, refused) is more than P (270, allowed) though an adult's P (342) would be more.
    both = [held(Q, date(2023, 1, 1)), held(P, date(2024, 3, 1))]
    o = rr.outcome_for(
        tiers_policy(), as_of=date(2024, 4, 1), identities=both, paid=paid((date(2024, 3, 5), "30")), student=True
    )
    assert (o.category_id, o.subsidy, o.personal_due, o.status, o.flags) == (
        P,
        D(270),
        D(30),
        rr.ENROLLED,
        ("after_deadline",),
    )
    # Tier 4, where students pay more: Q gives a student 350 and an adult 300, P 320 and 300.
    o = rr.outcome_for(
        tiers_policy(),
        as_of=date(2024, 4, 1),
        identities=both,
        paid=paid((date(2024, 3, 5), "60"), tier=4),
        student=True,
    )
    assert (o.category_id, o.subsidy, o.personal_due, o.status, o.flags) == (
        P,
        D(320),
        D(60),
        rr.ENROLLED,
        ("after_deadline",),
    )


def test_a_proxy_kept_from_before_the_deadline_clears_the_deadline_flag():
    # Nobody paid; on the as-of date (after the deadline) 特困 is refused and 低保 certified after it wins, but the
    # 特困 certification before the deadline already enrolled the person by proxy: kept, nothing to flag.
    p = policy(subsidy_deadline=date(2024, 2, 28), no_readjustment=True)
    both = [rr.Held(TEKUN, MZ, date(2023, 10, 1)), rr.Held(DIBAO, MZ, date(2024, 3, 1))]
    o = rr.outcome_for(p, as_of=date(2024, 3, 10), identities=both)
    assert (o.category_id, o.status, o.enrolled_on, o.reference_date, o.flags) == (
        TEKUN,
        rr.PROXY_ENROLLED,
        date(2023, 10, 1),
        date(2023, 10, 1),
        (),
    )


def test_a_top_up_after_the_deadline_from_an_identity_certified_after_it():
    p = policy(subsidy_deadline=date(2024, 2, 28))
    later = [rr.Held(DIBAO, MZ, date(2024, 3, 1))]
    o = rr.outcome_for(p, as_of=date(2024, 4, 1), identities=later, paid=paid((date(2024, 1, 5), "380")))
    assert (o.subsidy, o.topup, o.topup_month, o.category_id) == (ZERO, D(310), date(2024, 4, 1), DIBAO)


# --- locks -------------------------------------------------------------------------------------------------------


def test_a_locked_subsidy_without_an_enrolment_day_enrols_from_the_reference_day():
    lock = rr.Locked(TEKUN, MZ, FUND_MZ, D(380), ZERO, None, None)
    o = rr.outcome_for(policy(), as_of=AS_OF, locked=lock)
    assert o == outcome(
        reference_date=AS_OF,
        category_id=TEKUN,
        department_id=MZ,
        fund_id=FUND_MZ,
        subsidy=D(380),
        personal_due=D(0),
        enrolled_on=AS_OF,
        status=rr.PROXY_ENROLLED,
        benefit_start=None,  # 1 March 2024: outside the window, no mid-year rule
    )
    early = rr.outcome_for(policy(), as_of=date(2023, 9, 1), locked=lock)
    assert (early.enrolled_on, early.benefit_start) == (date(2023, 9, 10), JAN1)


def test_a_lock_without_a_subsidy_leaves_a_proxy_identity_certified_and_not_enrolled():
    ended = [rr.Held(TEKUN, MZ, date(2023, 10, 1), date(2023, 11, 30))]
    lock = rr.Locked(TUOPIN, XC, FUND_XC, ZERO, D(100), date(2023, 12, 1), None)
    o = rr.outcome_for(policy(no_readjustment=True), as_of=AS_OF, identities=ended, locked=lock)
    assert (o.category_id, o.subsidy, o.status, o.topup, o.flags) == (
        TUOPIN,
        ZERO,
        rr.NOT_ENROLLED,
        D(100),
        ("certified_not_enrolled",),
    )


# --- whole traces ------------------------------------------------------------------------------------------------


def test_the_whole_trace_of_nobody():
    _, trace = traced(policy(), as_of=AS_OF)
    assert trace == [
        Reason("payments", {"payments": (), "total": ZERO, "refunded": ZERO, "tier": 1, "student": False}),
        Reason("reference", {"day": AS_OF, "paid_on": None, "as_of": AS_OF}),
        Reason("unsubsidised", {"held": []}),
        Reason(
            "amounts", {"standard": D(380), "subsidy": ZERO, "due": D(380), "paid": ZERO, "tier": 1, "student": False}
        ),
        Reason(
            "status",
            {
                "status": rr.NOT_ENROLLED,
                "enrolled_on": None,
                "due": D(380),
                "paid": ZERO,
                "subsidy": ZERO,
                "held": None,
                "locked": False,
            },
        ),
        Reason("no_topup", {"why": "not_paid"}),
        Reason("flags", {"flags": (), "due": D(380), "paid": ZERO, "standard": D(380), "refunded": ZERO}),
    ]
    assert [type(v) for v in trace[-1].params.values()] == [tuple, D, D, D, D]
    assert trace[4].params["locked"] is False


def test_the_trace_of_a_proxy_enrolment_names_the_identity_and_a_lock_does_not():
    tekun = [rr.Held(TEKUN, MZ, date(2023, 11, 2))]
    _, trace = traced(policy(), as_of=AS_OF, identities=tekun, student=True)
    assert reasons(trace, "status") == [
        {
            "status": rr.PROXY_ENROLLED,
            "enrolled_on": date(2023, 11, 2),
            "due": D(0),
            "paid": ZERO,
            "subsidy": D(300),
            "held": tekun[0],
            "locked": False,
        }
    ]
    assert reasons(trace, "amounts")[0]["student"] is True
    lock = rr.Locked(TEKUN, MZ, FUND_MZ, D(380), ZERO, None, date(2023, 9, 15))
    _, trace = traced(policy(), as_of=AS_OF, identities=tekun, locked=lock)
    assert reasons(trace, "status") == [
        {
            "status": rr.PROXY_ENROLLED,
            "enrolled_on": date(2023, 9, 15),
            "due": D(0),
            "paid": ZERO,
            "subsidy": D(380),
            "held": None,
            "locked": True,
        }
    ]
    assert reasons(trace, "no_topup") == [{"why": "locked", "topup": ZERO, "month": None}]
    lock = rr.Locked(TUOPIN, XC, FUND_XC, ZERO, D(100), date(2023, 12, 1), None)
    _, trace = traced(policy(), as_of=AS_OF, paid=paid((date(2023, 10, 8), "380")), locked=lock)
    assert reasons(trace, "status")[0]["locked"] is False
    assert reasons(trace, "no_topup") == [{"why": "locked", "topup": D(100), "month": date(2023, 12, 1)}]


def test_the_trace_of_a_payment_short_of_the_standard_and_of_one_with_no_later_identity():
    _, trace = traced(policy(), as_of=AS_OF, paid=paid((date(2023, 10, 8), "100")))
    assert reasons(trace, "no_topup") == [{"why": "not_paid_in_full", "paid": D(100), "standard": D(380)}]
    assert reasons(trace, "flags") == [
        {"flags": ("underpaid",), "due": D(380), "paid": D(100), "standard": D(380), "refunded": ZERO}
    ]
    ended = [rr.Held(DIBAO, MZ, date(2023, 1, 1), date(2023, 9, 30))]
    _, trace = traced(policy(), as_of=AS_OF, identities=ended, paid=paid((date(2023, 10, 8), "380")))
    assert reasons(trace, "no_winner") == [{"day": date(2023, 10, 8), "any_valid": False}]
    assert reasons(trace, "no_topup") == [{"why": "no_later_identity", "paid_on": date(2023, 10, 8), "as_of": AS_OF}]


def test_the_trace_of_an_exempt_category_names_it_before_the_benefit_rule():
    fuling = seed_rules("500102")  # 1 特困 may enrol without waiting
    _, trace = traced(
        fuling,
        as_of=date(2023, 12, 1),
        identities=[rr.Held(1, None, date(2022, 1, 1))],
        paid=paid((date(2023, 8, 10), "375"), tier=2),
    )
    codes = [r[0] for r in trace]
    assert codes[-3:] == ["exempt_category", "mid_year_exempt", "flags"]
    assert trace[-3] == Reason("exempt_category", {"category_id": 1})


def test_a_possible_newborn_of_an_exempt_category_keeps_the_exemption():
    # Born within the newborn horizon but no newborn case: the exempt 特困 still starts on payment, not after 90 days.
    fuling = seed_rules("500102")
    o = rr.outcome_for(
        fuling,
        as_of=date(2023, 12, 1),
        identities=[rr.Held(1, None, date(2022, 1, 1))],
        paid=paid((date(2023, 8, 10), "375"), tier=2),
        birth_date=date(2022, 6, 1),
    )
    assert (o.status, o.enrolled_on, o.benefit_start) == (rr.ENROLLED, date(2023, 8, 10), date(2023, 8, 10))


# --- the newborn horizon -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "start"), [(800, date(2024, 3, 1)), (801, None)])
def test_born_exactly_the_newborn_horizon_before_enrolment_is_still_a_possible_newborn(days, start):
    # A newborn grace of 30 months (longer than the horizon; no notice has one): within the horizon the newborn rule
    # covers from payment; a day beyond it the person is taken for no newborn, as the horizon promises.
    grace = SpecialEnrolment(pr.NEWBORN, 30, "months", pr.START_IMMEDIATE)
    p = policy(special={pr.NEWBORN: grace})
    paid_on = date(2024, 3, 1)
    born = paid_on - timedelta(days=days)
    o, _ = traced(p, as_of=date(2024, 4, 1), paid=paid((paid_on, "380")), birth_date=born)
    assert (o.enrolled_on, o.benefit_start) == (paid_on, start)
    assert rr.outcome_for(p, as_of=date(2024, 4, 1), paid=paid((paid_on, "380")), birth_date=born) == o


# --- what the rules keep on the policy ---------------------------------------------------------------------------


def test_the_answers_are_kept_on_the_policy_and_asked_once(monkeypatch):
    p = policy()
    kw = {
        "as_of": AS_OF,
        "identities": [rr.Held(DIBAO, MZ, date(2023, 1, 1)), rr.Held(TUOPIN, XC, date(2023, 1, 1))],
        "paid": paid((date(2023, 10, 8), "70")),
    }
    first = rr.outcome_for(p, **kw)

    def asked_again(*args, **kwargs):
        raise AssertionError("asked again")

    monkeypatch.setattr(rr, "subsidy_for", asked_again)
    monkeypatch.setattr(rr, "standard_for", asked_again)
    monkeypatch.setattr(rr, "choose_winner", asked_again)
    monkeypatch.setattr(pr, "benefit_start", asked_again)
    assert rr.outcome_for(p, **kw) == first


def test_benefit_starts_are_kept_by_enrolment_day_and_in_the_cache_given():
    p = policy()
    assert rr.outcome_for(p, as_of=AS_OF, paid=paid((date(2023, 10, 8), "380"))).benefit_start == JAN1
    assert rr.outcome_for(p, as_of=AS_OF, paid=paid((date(2024, 2, 29), "380"))).benefit_start is None
    cache: dict = {}
    rr.outcome_for(p, as_of=AS_OF, paid=paid((date(2023, 10, 8), "380")), benefit_cache=cache)
    assert cache == {(date(2023, 10, 8), None): JAN1}


# --- payments ----------------------------------------------------------------------------------------------------


def test_full_payments_less_the_refunds_of_as_much():
    day = date(2023, 10, 8)
    thrice = rr.Paid(payments=((day, D(380)), (day, D(380)), (day, D(380)), (day, D(-380))))
    assert thrice.full_payments(D(380)) == 2
    # A zero threshold (a zero standard) counts every payment that is not a refund, and no refund.
    refunded = rr.Paid(payments=((day, D(10)), (day, D(-10))))
    assert refunded.full_payments(ZERO) == 1


def test_of_two_records_of_one_category_certified_the_same_day_the_first_sets_the_proxy():
    ended = [
        rr.Held(TEKUN, MZ, date(2023, 10, 1), date(2023, 11, 30)),
        rr.Held(TEKUN, XC, date(2023, 10, 1), date(2023, 11, 30)),
    ]
    o = rr.outcome_for(policy(no_readjustment=True), as_of=AS_OF, identities=ended)
    assert (o.category_id, o.department_id, o.status) == (TEKUN, MZ, rr.PROXY_ENROLLED)


def test_of_two_valid_records_of_one_category_the_earlier_certified_wins_whatever_its_department():
    records = [rr.Held(TEKUN, MZ, date(2023, 8, 1)), rr.Held(TEKUN, XC, date(2023, 5, 1))]
    o = rr.outcome_for(policy(), as_of=AS_OF, identities=records)
    assert (o.category_id, o.department_id, o.enrolled_on) == (TEKUN, XC, date(2023, 9, 10))
