"""The pure per-person outcome (SPEC §6), without a database."""

from datetime import date
from decimal import Decimal

from subsidies.models import Flag
from subsidies.policies.rules import Amount, CategoryRule, PolicyRules, TierRule
from subsidies.reconciliation import rules as rr

TEKUN, DIBAO, TUOPIN = 1, 2, 3


def sunan(**overrides) -> PolicyRules:
    fixed = lambda v: {1: Amount("fixed", Decimal(v))}  # noqa: E731
    values = {
        "year": 2024,
        "collection_start": date(2023, 9, 10),
        "collection_end": date(2023, 12, 31),
        "tiers": {1: TierRule(1, Decimal("380"))},
        "categories": {
            TEKUN: CategoryRule(TEKUN, "tekun", 1, fixed("380"), department_id=10, fund_id=100),
            DIBAO: CategoryRule(DIBAO, "dibao", 2, fixed("310"), department_id=10, fund_id=100),
            TUOPIN: CategoryRule(TUOPIN, "tuopin", 3, fixed("100"), department_id=20, fund_id=200),
        },
        "topup_after_full_payment": True,
        "household_enrolment": True,
    }
    values.update(overrides)
    return PolicyRules(**values)


def paid(*payments):
    return rr.Paid(payments=tuple((day, Decimal(amount)) for day, amount in payments))


def test_flag_order_is_the_model_order():
    assert tuple(Flag.values) == rr.FLAG_ORDER
    assert rr.flags_text(["underpaid", "invalid_id", "underpaid"]) == ";invalid_id;underpaid;"
    assert rr.flags_text([]) == ""
    assert rr.flags_parse(";a;b;") == ("a", "b")


def test_nobody_certified_and_nothing_paid_is_not_enrolled():
    o = rr.outcome_for(sunan(), as_of=date(2024, 1, 5))
    assert (o.status, o.subsidy, o.personal_due, o.reference_date, o.flags) == (
        "not_enrolled",
        0,
        Decimal("380"),
        date(2024, 1, 5),
        (),
    )


def test_winner_is_the_highest_subsidy_on_the_payment_date():
    held = [rr.Held(TUOPIN, 20, date(2023, 1, 1)), rr.Held(DIBAO, 10, date(2023, 10, 2))]
    o = rr.outcome_for(sunan(), as_of=date(2024, 1, 5), identities=held, paid=paid((date(2023, 10, 1), "280")))
    # On 1 October only 已脱贫 was valid: the later 低保 changes nothing (no top-up: not paid in full).
    assert (o.category_id, o.subsidy, o.status, o.topup) == (TUOPIN, Decimal("100"), "enrolled", 0)


def test_top_up_month_is_the_month_after_the_certification():
    held = [rr.Held(DIBAO, 10, date(2023, 12, 31))]
    o = rr.outcome_for(sunan(), as_of=date(2024, 2, 1), identities=held, paid=paid((date(2023, 10, 1), "380")))
    assert (o.topup, o.topup_month, o.fund_id) == (Decimal("310"), date(2024, 1, 1), 100)
    # A certification not yet known on the as-of date owes nothing yet.
    o = rr.outcome_for(sunan(), as_of=date(2023, 12, 30), identities=held, paid=paid((date(2023, 10, 1), "380")))
    assert o.topup == 0


def test_locked_values_win_over_the_rosters():
    lock = rr.Locked(DIBAO, 10, 100, Decimal("310"), Decimal("0"), None, None)
    held = [rr.Held(TEKUN, 10, date(2023, 1, 1))]
    o = rr.outcome_for(
        sunan(), as_of=date(2024, 1, 5), identities=held, paid=paid((date(2023, 10, 1), "70")), locked=lock
    )
    assert (o.category_id, o.subsidy, o.personal_due, o.status) == (DIBAO, Decimal("310"), Decimal("70"), "enrolled")


def test_household_partial_needs_both_kinds():
    assert rr.household_partial(["enrolled", "not_enrolled"])
    assert rr.household_partial(["proxy_enrolled", "underpaid"])
    assert not rr.household_partial(["enrolled", "proxy_enrolled"])
    assert not rr.household_partial(["not_enrolled"])


# 朱集 (seed 002): "2023年2月28日（含）前" is the subsidy deadline; after it only 动态新增 people are subsidised.
ZHUJI_DIBAO = 4  # seed_rules numbers the seed's categories 1, 2, … in order: 低保对象 is the fourth, 300 yuan


def _zhuji_outcome(paid_on: date, certified_from: date = date(2022, 11, 1)):
    from tests.builders.seed_rules import seed_rules

    zhuji = seed_rules("341323")
    assert zhuji.subsidy_deadline == date(2023, 2, 28)
    held = [rr.Held(ZHUJI_DIBAO, 10, certified_from)]
    return rr.outcome_for(zhuji, as_of=date(2023, 4, 1), identities=held, paid=paid((paid_on, "50")))


def test_zhuji_pays_the_subsidy_on_the_deadline_day_itself():
    o = _zhuji_outcome(date(2023, 2, 28))
    assert (o.status, o.category_id, o.subsidy, o.personal_due, o.flags) == (
        "enrolled",
        ZHUJI_DIBAO,
        Decimal("300"),
        Decimal("50"),
        (),
    )


def test_zhuji_refuses_the_subsidy_the_day_after_the_deadline():
    o = _zhuji_outcome(date(2023, 3, 1))
    assert (o.status, o.category_id, o.subsidy, o.personal_due, rr.flags_text(o.flags)) == (
        "underpaid",
        None,
        Decimal("0"),
        Decimal("350"),
        ";certified_not_enrolled;underpaid;after_deadline;",
    )


def test_zhuji_certified_on_the_deadline_is_not_new_but_the_day_after_is():
    # Certified on 28 February: not 动态新增, so a payment on 1 March gets nothing.
    o = _zhuji_outcome(date(2023, 3, 1), certified_from=date(2023, 2, 28))
    assert (o.subsidy, rr.flags_text(o.flags)) == (Decimal("0"), ";certified_not_enrolled;underpaid;after_deadline;")
    # Certified on 1 March (after the deadline): subsidised when paying that same day.
    o = _zhuji_outcome(date(2023, 3, 1), certified_from=date(2023, 3, 1))
    assert (o.status, o.category_id, o.subsidy, o.flags) == ("enrolled", ZHUJI_DIBAO, Decimal("300"), ())


def test_flags_text_of_one_and_of_two_flags():
    assert rr.flags_text(["underpaid"]) == ";underpaid;"
    assert rr.flags_text(["underpaid", "invalid_id"]) == ";invalid_id;underpaid;"
    assert rr.flags_text(("after_deadline", "household_partial")) == ";household_partial;after_deadline;"


def test_an_identity_is_valid_on_its_first_and_last_day_only():
    held = rr.Held(DIBAO, 10, date(2024, 1, 1), date(2024, 1, 31))
    assert [
        held.valid_on(day) for day in (date(2023, 12, 31), date(2024, 1, 1), date(2024, 1, 31), date(2024, 2, 1))
    ] == [
        False,
        True,
        True,
        False,
    ]
    assert rr.Held(DIBAO, 10, date(2024, 1, 1)).valid_on(date(2099, 12, 31))


def test_payments_complete_on_the_day_the_running_total_reaches_the_due():
    two = paid((date(2023, 10, 1), "200"), (date(2023, 10, 5), "180"), (date(2023, 10, 9), "5"))
    assert two.completed_on(Decimal("380")) == date(2023, 10, 5)  # exactly the due, on the second payment
    assert two.completed_on(Decimal("200")) == date(2023, 10, 1)
    assert two.completed_on(Decimal("386")) is None
    assert two.full_payments(Decimal("180")) == 2  # 200 and 180 (equal counts), not 5
    assert two.full_payments(Decimal("201")) == 0
    assert rr.NO_PAYMENT.full_payments(Decimal("1")) == 0


def test_enrolled_means_proxy_enrolled_or_enrolled_and_never_underpaid():
    from subsidies.models import EnrolmentStatus

    assert rr.ENROLLED_STATUSES == (EnrolmentStatus.PROXY_ENROLLED, EnrolmentStatus.ENROLLED)
    assert rr.NOT_ENROLLED_STATUSES == (EnrolmentStatus.NOT_ENROLLED, EnrolmentStatus.UNDERPAID)
    assert set(rr.ENROLLED_STATUSES) | set(rr.NOT_ENROLLED_STATUSES) == set(EnrolmentStatus.values)
    assert rr.is_enrolled("proxy_enrolled") and rr.is_enrolled("enrolled") and not rr.is_enrolled("underpaid")
    assert rr.ENROLLED_STATUSES_SQL == "('proxy_enrolled', 'enrolled')"
