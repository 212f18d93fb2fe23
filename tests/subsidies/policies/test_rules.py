"""The pure policy rules (no database): subsidies, winners, fiscal splits, benefit start dates and mid-year prices."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidies.policies import rules
from tests.builders.policy_figures import ALL, FISCAL_SPLITS, figure_id
from tests.builders.seed_rules import category_id, seed_rules

SUNAN, ZHUJI, FULING, XIAOYI, QUJING = "620721", "341323", "500102", "141181", "530300"


def test_money_rounds_half_up_to_the_fen():
    assert rules.round_money(D("0.005")) == D("0.01")
    assert rules.round_money(D("2.675")) == D("2.68")
    assert rules.round_money(D("-0.005")) == D("-0.01")
    assert rules.round_money(D("0.0049")) == D("0.00")
    assert str(rules.round_money(D("12"))) == "12.00"


@pytest.mark.parametrize(
    ("day", "start", "end", "following", "before"),
    [
        (date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 31), date(2024, 2, 1), date(2023, 12, 1)),
        (date(2024, 1, 31), date(2024, 1, 1), date(2024, 1, 31), date(2024, 2, 1), date(2023, 12, 1)),
        (date(2024, 2, 29), date(2024, 2, 1), date(2024, 2, 29), date(2024, 3, 1), date(2024, 1, 1)),
        (date(2024, 11, 30), date(2024, 11, 1), date(2024, 11, 30), date(2024, 12, 1), date(2024, 10, 1)),
        (date(2024, 12, 1), date(2024, 12, 1), date(2024, 12, 31), date(2025, 1, 1), date(2024, 11, 1)),
        (date(2024, 12, 31), date(2024, 12, 1), date(2024, 12, 31), date(2025, 1, 1), date(2024, 11, 1)),
        (date(2023, 2, 28), date(2023, 2, 1), date(2023, 2, 28), date(2023, 3, 1), date(2023, 1, 1)),
    ],
)
def test_a_month_is_named_by_its_first_day_across_month_and_year_ends(day, start, end, following, before):
    months = (rules.month_start(day), rules.month_end(day), rules.first_of_next_month(day), rules.previous_month(day))
    assert months == (start, end, following, before)


@pytest.mark.parametrize("row", ALL, ids=figure_id)
def test_seed_data_reproduces_every_notice_figure(row):
    county, code, tier, subsidy, due = row
    policy = seed_rules(county)
    cid = category_id(county, code)
    assert rules.subsidy_for(policy, cid, tier=tier) == subsidy
    assert rules.personal_due(policy, cid, tier=tier) == due


@pytest.mark.parametrize(("county", "expected"), FISCAL_SPLITS, ids=[c for c, _ in FISCAL_SPLITS])
def test_fiscal_split_in_yuan_per_level(county, expected):
    split = rules.fiscal_split(seed_rules(county))
    assert {k: str(v) for k, v in split.items()} == expected
    assert list(split) == list(expected)  # the notices' order: central, province, city, county
    assert sum(split.values()) == D(640)


def test_percent_of_standard_is_rounded_half_up():
    amount = rules.Amount(kind="percent", value=D("33.333"))
    assert amount.of(D("380")) == D("126.67")


# --- 就高不重复 --------------------------------------------------------------------------------------------------


def test_highest_subsidy_wins_once_sunan_relieved_and_third_class_dibao():
    policy = seed_rules(SUNAN)
    relieved, third = category_id(SUNAN, "poverty_relieved"), category_id(SUNAN, "rural_dibao_3_4")
    winner = rules.choose_winner(policy, [relieved, third], tier=1)
    assert winner.code == "rural_dibao_3_4"
    assert rules.subsidy_for(policy, winner.category_id, tier=1) == D(250)
    assert rules.personal_due(policy, winner.category_id, tier=1) == D(130)


def test_ties_follow_the_priority_order():
    policy = seed_rules(XIAOYI)
    dibao, disabled = category_id(XIAOYI, "dibao"), category_id(XIAOYI, "disabled")  # both 304
    assert rules.choose_winner(policy, [disabled, dibao], tier=1).code == "dibao"
    swapped = rules.PolicyRules(
        **{
            **policy.__dict__,
            "categories": {
                **policy.categories,
                dibao: rules.CategoryRule(**{**policy.categories[dibao].__dict__, "priority": 99}),
            },
        }
    )
    assert rules.choose_winner(swapped, [dibao, disabled], tier=1).code == "disabled"


def test_tier_decides_the_winner_fuling():
    policy = seed_rules(FULING)
    dibao, fp_reward = category_id(FULING, "dibao"), category_id(FULING, "fp_reward")
    assert rules.choose_winner(policy, [dibao, fp_reward], tier=1).code == "dibao"  # 315 > 280
    assert rules.choose_winner(policy, [dibao, fp_reward], tier=2).code == "dibao"  # 350 > 280
    veteran, special = category_id(FULING, "old_demobilised"), category_id(FULING, "fp_special")
    assert rules.choose_winner(policy, [special, veteran], tier=2).code == "old_demobilised"  # 725
    assert rules.choose_winner(policy, [special, veteran], tier=1).code == "fp_special"  # 350 vs nothing


def test_categories_the_policy_does_not_subsidise_are_ignored():
    policy = seed_rules(SUNAN)
    assert rules.choose_winner(policy, [9999], tier=1) is None
    assert rules.choose_winner(policy, [], tier=1) is None
    assert rules.personal_due(policy, None, tier=1) == D(380)


def test_a_category_the_policy_does_not_know_is_skipped_wherever_it_comes_in_the_set():
    policy = _student_policy()
    # Small integers come out of a set in the order of their value modulo its size: some of 8..23 come before 2.
    assert {rules.choose_winner(policy, [unknown, 2], tier=1).category_id for unknown in range(8, 24)} == {2}


def test_full_subsidy_means_proxy_enrolment():
    policy = seed_rules(FULING)
    assert rules.is_full(policy, category_id(FULING, "extreme_poverty"), tier=1)
    assert not rules.is_full(policy, category_id(FULING, "extreme_poverty"), tier=2)
    assert rules.is_full(policy, category_id(FULING, "old_demobilised"), tier=2)
    assert not rules.is_full(seed_rules(ZHUJI), category_id(ZHUJI, "stable_relieved"), tier=1)


def test_students_pay_their_own_standard():
    policy = seed_rules(FULING)
    assert rules.standard_for(policy, tier=1, student=True) == D(320)
    assert rules.standard_for(policy, tier=2, student=True) == D(695)
    assert rules.personal_due(policy, None, tier=2, student=True) == D(695)


# --- dates -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2023, 7, 16), 6, date(2024, 1, 16)),
        (date(2023, 12, 15), 1, date(2024, 1, 15)),
    ],
)
def test_add_months_takes_the_month_end_when_the_day_is_missing(day, months, expected):
    assert rules.add_months(day, months) == expected


def start(county, paid_on, **facts):
    return rules.benefit_start(seed_rules(county), paid_on=paid_on, **facts)


def test_paid_inside_the_window_covers_the_whole_year():
    assert start(QUJING, date(2023, 9, 1)) == date(2024, 1, 1)
    assert start(QUJING, date(2024, 2, 25)) == date(2024, 1, 1)
    assert start(QUJING, date(2024, 2, 26)) is None
    assert start(QUJING, date(2023, 8, 31)) is None
    assert start(SUNAN, date(2023, 12, 31)) == date(2024, 1, 1)
    assert start(ZHUJI, date(2023, 2, 28)) == date(2023, 1, 1)  # extended for migrant workers


class TestFulingMidYear:
    def test_january_february_from_the_first_of_next_month(self):
        assert start(FULING, date(2022, 12, 31)) == date(2023, 1, 1)
        assert start(FULING, date(2023, 1, 1)) == date(2023, 2, 1)
        assert start(FULING, date(2023, 2, 28)) == date(2023, 3, 1)

    def test_march_june_after_ninety_full_days(self):
        paid = date(2023, 3, 10)
        begins = start(FULING, paid)
        assert begins == date(2023, 6, 9)
        day_90, day_91 = paid + timedelta(days=90), paid + timedelta(days=91)
        assert begins > day_90  # day 90 after payment still waits
        assert begins == day_91  # day 91 is covered
        assert start(FULING, date(2023, 3, 1)) == date(2023, 5, 31)

    def test_low_income_wait_until_30_june_and_none_from_1_july(self):
        assert start(FULING, date(2023, 6, 30), exempt=True) == date(2023, 9, 29)
        assert start(FULING, date(2023, 7, 1), exempt=True) == date(2023, 7, 1)
        assert start(FULING, date(2023, 7, 1)) == date(2023, 9, 30)
        assert start(FULING, date(2023, 6, 30)) == date(2023, 9, 29)

    def test_october_december_only_subsidised_low_income_people(self):
        assert start(FULING, date(2023, 9, 30)) == date(2023, 12, 30)
        assert start(FULING, date(2023, 10, 1)) is None
        assert start(FULING, date(2023, 10, 1), exempt=True) == date(2023, 10, 1)
        assert start(FULING, date(2023, 12, 31), exempt=True) == date(2023, 12, 31)
        assert start(FULING, date(2024, 1, 1), exempt=True) is None

    def test_which_categories_are_exempt(self):
        policy = seed_rules(FULING)
        exempt = {c.code for c in policy.categories.values() if rules.is_wait_exempt(policy, c.category_id)}
        assert exempt == {
            "extreme_poverty",
            "dibao",
            "returned_poverty",
            "monitored",
            "dibao_marginal",
            "stable_relieved",
        }


class TestFulingMidYearPrice:
    def price(self, paid_on, *, tier=1, code=None, fiscal=None, student=False):
        policy = seed_rules(FULING)
        if fiscal is not None:
            policy = rules.PolicyRules(
                **{
                    **policy.__dict__,
                    "mid_year": tuple(
                        rules.MidYearWindow(**{**w.__dict__, "fiscal_amount": D(fiscal)})
                        if w.price == rules.PRICE_STANDARD_PLUS_FISCAL
                        else w
                        for w in policy.mid_year
                    ),
                }
            )
        cid = category_id(FULING, code) if code else None
        return rules.mid_year_price(policy, paid_on=paid_on, tier=tier, category_id=cid, student=student)

    def test_standard_until_september(self):
        assert self.price(date(2022, 11, 1)) == D(350)
        assert self.price(date(2023, 2, 1), tier=2) == D(725)
        assert self.price(date(2023, 6, 30)) == D(350)

    def test_july_september_adds_the_fiscal_subsidy_the_bureau_fills_in(self):
        assert self.price(date(2023, 7, 1)) is None  # the notice does not state the figure
        assert self.price(date(2023, 7, 1), fiscal="610") == D(960)
        assert self.price(date(2023, 9, 30), tier=2, fiscal="610") == D(1335)
        assert self.price(date(2023, 8, 1), code="fp_reward", tier=2, fiscal="610") == D(1055)  # 445 + 610

    def test_low_income_pay_only_their_due_from_july(self):
        assert self.price(date(2023, 7, 1), code="dibao") == D(35)
        assert self.price(date(2023, 11, 1), code="dibao", tier=2) == D(375)
        assert self.price(date(2023, 11, 1)) is None  # October–December is for subsidised low-income people only


class TestNewborns:
    def test_zhuji_day_90_from_birth_day_91_not(self):
        born = date(2023, 4, 1)
        assert start(ZHUJI, born + timedelta(days=90), birth_date=born, newborn=True) == born
        assert start(ZHUJI, born + timedelta(days=91), birth_date=born, newborn=True) is None
        assert born + timedelta(days=90) == date(2023, 6, 30)  # and so 30 June vs 1 July

    def test_sunan_three_months_to_the_day(self):
        born = date(2024, 3, 15)
        assert start(SUNAN, date(2024, 6, 15), birth_date=born, newborn=True) == born
        assert start(SUNAN, date(2024, 6, 16), birth_date=born, newborn=True) is None

    def test_sunan_three_months_end_on_the_last_day_of_a_short_month(self):
        born = date(2023, 11, 30)
        assert start(SUNAN, date(2024, 2, 29), birth_date=born, newborn=True) == date(2024, 1, 1)
        assert start(SUNAN, date(2024, 3, 1), birth_date=born, newborn=True) is None

    def test_xiaoyi_no_time_limit(self):
        born = date(2024, 2, 1)
        assert start(XIAOYI, date(2024, 10, 1), birth_date=born, newborn=True) == born

    def test_xiaoyi_a_baby_born_before_the_year_is_no_newborn_of_that_year(self):
        born = date(2023, 11, 1)  # pays in the window for 2024 ("集中参保缴费期新生儿缴纳保费")
        assert start(XIAOYI, date(2023, 12, 1), birth_date=born, newborn=True) == date(2024, 1, 1)
        assert start(XIAOYI, date(2024, 3, 1), birth_date=born, newborn=True) is None
        # an adult's birth date is never a newborn's, even where the policy sets no time limit
        assert start(XIAOYI, date(2024, 3, 1), birth_date=date(1980, 5, 5), newborn=True) is None
        price = rules.mid_year_price(seed_rules(XIAOYI), paid_on=date(2024, 3, 1), tier=1, birth_date=date(1980, 5, 5))
        assert price == D(380)

    def test_xiaoyi_newborns_pay_nothing_in_their_birth_year(self):
        policy = seed_rules(XIAOYI)
        price = rules.mid_year_price
        assert price(policy, paid_on=date(2024, 3, 1), tier=1, birth_date=date(2024, 2, 1)) == D(0)
        assert price(policy, paid_on=date(2023, 12, 1), tier=1, birth_date=date(2023, 11, 1)) == D(380)  # for 2024
        zhuji = seed_rules(ZHUJI)
        assert price(zhuji, paid_on=date(2023, 6, 30), tier=1, birth_date=date(2023, 4, 1)) == D(350)  # day 90
        assert price(zhuji, paid_on=date(2023, 7, 1), tier=1, birth_date=date(2023, 4, 1)) is None  # day 91
        assert price(zhuji, paid_on=date(2023, 7, 1), tier=1, left_employee_insurance_on=date(2023, 1, 10)) == D(350)

    def test_a_late_newborn_of_a_special_group_follows_the_special_rule(self):
        born = date(2024, 3, 15)
        assert start(SUNAN, date(2024, 6, 16), birth_date=born, newborn=True, exempt=True) == date(2024, 6, 17)


class TestEmployeeInsuranceLeavers:
    def test_xiaoyi_within_90_days_from_the_enrolment_date(self):
        ended = date(2024, 3, 1)
        assert start(XIAOYI, ended + timedelta(days=90), left_employee_insurance_on=ended) == date(2024, 5, 30)
        assert start(XIAOYI, ended + timedelta(days=91), left_employee_insurance_on=ended) is None

    def test_zhuji_within_three_months_from_the_next_day(self):
        ended = date(2023, 1, 10)
        assert start(ZHUJI, date(2023, 4, 10), left_employee_insurance_on=ended) == date(2023, 4, 11)

    def test_zhuji_later_than_three_months_waits_six(self):
        ended = date(2023, 1, 10)
        assert start(ZHUJI, date(2023, 4, 11), left_employee_insurance_on=ended) == date(2023, 10, 12)
        assert start(ZHUJI, date(2023, 7, 1), left_employee_insurance_on=ended) is None  # 2024-01-02: next year

    def test_zhuji_dynamically_added_assistance_people_from_the_next_day(self):
        assert start(ZHUJI, date(2023, 3, 1)) is None
        assert start(ZHUJI, date(2023, 3, 1), exempt=True) == date(2023, 3, 2)


# --- properties --------------------------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=2000, places=2)
amounts = st.one_of(
    st.builds(rules.Amount, kind=st.just("fixed"), value=money),
    st.builds(rules.Amount, kind=st.just("percent"), value=st.decimals(min_value=0, max_value=100, places=3)),
)


@st.composite
def policies(draw):
    tier_numbers = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3, unique=True))
    tiers = {
        n: rules.TierRule(
            number=n, standard=draw(money.filter(lambda v: v > 0)), student_standard=draw(st.none() | money)
        )
        for n in tier_numbers
    }
    count = draw(st.integers(1, 8))
    priorities = draw(st.permutations(range(1, count + 1)))
    categories = {
        i: rules.CategoryRule(
            category_id=i,
            code=f"c{i}",
            priority=priorities[i - 1],
            amounts=draw(st.dictionaries(st.sampled_from(tier_numbers), amounts)),
            uses_student_standard=draw(st.booleans()),
        )
        for i in range(1, count + 1)
    }
    return rules.PolicyRules(
        year=2024,
        collection_start=date(2023, 9, 1),
        collection_end=date(2023, 12, 31),
        tiers=tiers,
        categories=categories,
    )


@given(policies(), st.integers(1, 3), st.booleans(), st.integers(1, 8))
def test_subsidy_plus_due_is_the_standard_and_never_more(policy, tier, student, cid):
    subsidy = rules.subsidy_for(policy, cid, tier=tier, student=student)
    due = rules.personal_due(policy, cid, tier=tier, student=student)
    category = policy.categories.get(cid)
    standard = rules.standard_for(
        policy, tier=tier, student=student or bool(category and category.uses_student_standard)
    )
    assert subsidy + due == standard
    assert rules.ZERO <= subsidy <= standard
    assert due >= rules.ZERO


@given(policies(), st.integers(1, 3), st.data())
def test_the_winner_never_depends_on_the_order(policy, tier, data):
    ids = data.draw(st.lists(st.integers(1, 10), max_size=6))
    shuffled = data.draw(st.permutations(ids))
    first = rules.choose_winner(policy, ids, tier=tier)
    assert first == rules.choose_winner(policy, shuffled, tier=tier)
    if first is not None:
        best = max(rules.subsidy_for(policy, i, tier=tier) for i in ids if i in policy.categories)
        assert rules.subsidy_for(policy, first.category_id, tier=tier) == best


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)), st.integers(0, 36))
def test_add_months_lands_in_the_right_month(day, months):
    later = rules.add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day <= day.day


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("310", "fixed", "310.00"),
        ("310.005", "fixed", "310.01"),
        ("0", "fixed", "0.00"),
        (" 310 元", "fixed", "310.00"),
        ("３１０", "fixed", "310.00"),
        ("\u3000310\u3000", "fixed", "310.00"),
        ("80%", "percent", "80"),
        ("80.5%", "percent", "80.5"),
        ("８０％", "percent", "80"),
        ("100 %", "percent", "100"),
    ],
)
def test_amount_parse(text, kind, value):
    amount = rules.amount_parse(text)
    assert (amount.kind, str(amount.value)) == (kind, value)


@pytest.mark.parametrize("text", ["", None, " ", "元", "\u3000"])
def test_amount_parse_of_nothing_is_no_subsidy(text):
    assert rules.amount_parse(text) is None


@pytest.mark.parametrize("text", ["-1", "-5%", "abc", "%", "NaN", "Infinity", "1,000", "80%%"])
def test_amount_parse_refuses(text):
    with pytest.raises(ValueError):
        rules.amount_parse(text)


@pytest.mark.parametrize(
    ("amount", "label"),
    [
        (None, ""),
        (rules.Amount("fixed", D("310")), "310.00"),
        (rules.Amount("fixed", D("310.005")), "310.01"),
        (rules.Amount("percent", D("80")), "80%"),
        (rules.Amount("percent", D("80.50")), "80.5%"),
        (rules.Amount("percent", D("80.00")), "80%"),
        (rules.Amount("percent", D("100")), "100%"),
        (rules.Amount("percent", D("0.5")), "0.5%"),
    ],
)
def test_amount_label(amount, label):
    assert rules.amount_label(amount) == label


def test_amount_label_reads_back_as_the_same_amount():
    for text in ["310", "80%", "80.5%", "0"]:
        amount = rules.amount_parse(text)
        assert rules.amount_parse(rules.amount_label(amount)) == amount


def test_within_grace_counts_from_the_event_day():
    event = date(2024, 3, 31)
    assert rules.within_grace(event, event, grace=3, unit="months")
    assert not rules.within_grace(event, date(2024, 3, 30), grace=3, unit="months")
    assert not rules.within_grace(event, date(2024, 3, 30), grace=None, unit="months")
    assert rules.within_grace(event, date(2024, 6, 30), grace=3, unit="months")  # the month end: 30 June
    assert not rules.within_grace(event, date(2024, 7, 1), grace=3, unit="months")
    assert rules.within_grace(event, date(2024, 4, 30), grace=30, unit="days")
    assert not rules.within_grace(event, date(2024, 5, 1), grace=30, unit="days")


def test_fiscal_split_follows_the_level_order_whatever_the_input_order():
    policy = rules.PolicyRules(
        year=2024,
        collection_start=date(2023, 9, 1),
        collection_end=date(2023, 12, 31),
        fiscal_subsidy=D(640),
        tiers={1: rules.TierRule(1, D(380))},
        categories={},
        fiscal_shares=(
            rules.FiscalShareRule("county", None, D("64")),
            rules.FiscalShareRule("central", D("80"), None),
            rules.FiscalShareRule("province", None, D("64")),
        ),
    )
    split = rules.fiscal_split(policy)
    assert list(split.items()) == [("central", D("512.00")), ("province", D("64.00")), ("county", D("64.00"))]


def test_the_collection_window_includes_its_first_and_last_day():
    sunan = seed_rules(SUNAN)
    start, end = sunan.collection_start, sunan.collection_end
    assert [
        rules.in_collection_window(sunan, day)
        for day in (start - timedelta(days=1), start, end, end + timedelta(days=1))
    ] == [False, True, True, False]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 4, 30)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 5, 10), 0, date(2024, 5, 10)),
    ],
)
def test_add_months_at_month_ends(day, months, expected):
    assert rules.add_months(day, months) == expected
    assert rules.period_end(day, months, "months") == expected


def test_period_end_in_days_does_not_count_the_start():
    assert rules.period_end(date(2024, 2, 28), 1, "days") == date(2024, 2, 29)
    assert rules.period_end(date(2023, 12, 31), 90, "days") == date(2024, 3, 30)


def _student_policy() -> rules.PolicyRules:
    """Tier 1: 380, students 300. 全额 (100 %) with priority 2; a fixed 350 with priority 1."""
    return rules.PolicyRules(
        year=2024,
        collection_start=date(2023, 9, 1),
        collection_end=date(2023, 12, 31),
        tiers={1: rules.TierRule(1, D(380), D(300))},
        categories={
            1: rules.CategoryRule(1, "full", 2, {1: rules.Amount("percent", D(100))}),
            2: rules.CategoryRule(2, "fixed", 1, {1: rules.Amount("fixed", D(350))}),
        },
    )


def test_the_student_standard_only_for_students_and_the_defaults_are_not_students():
    policy = _student_policy()
    assert (rules.standard_for(policy, tier=1), rules.standard_for(policy, tier=1, student=True)) == (D(380), D(300))
    assert (rules.is_full(policy, 1, tier=1), rules.is_full(policy, 1, tier=1, student=True)) == (True, True)
    assert (rules.is_full(policy, 2, tier=1), rules.is_full(policy, 2, tier=1, student=True)) == (False, True)
    # Not a student: 380 beats 350. A student: both give 300, and the tie goes to priority 1.
    assert rules.choose_winner(policy, [1, 2], tier=1).category_id == 1
    assert rules.choose_winner(policy, [2, 1], tier=1, student=True).category_id == 2


def test_a_zero_subsidy_is_never_full_even_with_a_zero_standard():
    policy = rules.PolicyRules(
        year=2024,
        collection_start=date(2023, 9, 1),
        collection_end=date(2023, 12, 31),
        tiers={1: rules.TierRule(1, D(0))},
        categories={1: rules.CategoryRule(1, "none", 1, {1: rules.Amount("fixed", D(0))})},
    )
    assert rules.personal_due(policy, 1, tier=1) == D(0)
    assert not rules.is_full(policy, 1, tier=1)


def test_a_zero_student_standard_is_no_full_subsidy_for_students():
    """Students pay nothing in this tier: the 380 subsidy is 0 for them, and a zero subsidy is never full."""
    policy = rules.PolicyRules(
        year=2024,
        collection_start=date(2023, 9, 1),
        collection_end=date(2023, 12, 31),
        tiers={1: rules.TierRule(1, D(380), student_standard=D(0))},
        categories={1: rules.CategoryRule(1, "tekun", 1, {1: rules.Amount("fixed", D(380))})},
    )
    assert rules.is_full(policy, 1, tier=1)
    assert not rules.is_full(policy, 1, tier=1, student=True)


# --- the rules of a county with every kind of special period, and the reasons they record ---------------------


def _special_policy(**overrides) -> rules.PolicyRules:
    """Window 2023-09-01..12-31; July–September at the standard plus 610 after 90 days; October–December only for
    exempt categories; newborns within 3 months, covered from payment; leavers of employee insurance within 3
    months, from the next day."""
    values = {
        "year": 2024,
        "collection_start": date(2023, 9, 1),
        "collection_end": date(2023, 12, 31),
        "tiers": {1: rules.TierRule(1, D(380), D(300))},
        "categories": {1: rules.CategoryRule(1, "dibao", 1, {1: rules.Amount("fixed", D(310))})},
        "mid_year": (
            rules.MidYearWindow(
                "7—9月",
                date(2024, 7, 1),
                date(2024, 9, 30),
                rules.START_AFTER_DAYS,
                wait=90,
                price=rules.PRICE_STANDARD_PLUS_FISCAL,
                fiscal_amount=D(610),
            ),
            rules.MidYearWindow(
                "10—12月", date(2024, 10, 1), date(2024, 12, 31), rules.START_IMMEDIATE, exempt_only=True
            ),
        ),
        "special": {
            rules.NEWBORN: rules.SpecialEnrolment(rules.NEWBORN, 3, "months", rules.START_IMMEDIATE),
            rules.EMPLOYEE_LEAVER: rules.SpecialEnrolment(rules.EMPLOYEE_LEAVER, 3, "months", rules.START_NEXT_DAY),
        },
    }
    values.update(overrides)
    return rules.PolicyRules(**values)


def traced_start(policy, paid_on, **facts):
    trace: list = []
    start = rules.benefit_start(policy, paid_on=paid_on, trace=trace, **facts)
    assert start == rules.benefit_start(policy, paid_on=paid_on, **facts)  # the trace only records
    return start, trace


def test_a_period_reserved_for_exempt_categories_is_no_one_elses():
    policy = _special_policy()
    assert rules.mid_year_window(policy, date(2024, 10, 5)) is None
    assert rules.mid_year_window(policy, date(2024, 10, 5), exempt=True) == policy.mid_year[1]
    assert rules.mid_year_window(policy, date(2024, 8, 1)) == policy.mid_year[0]


def test_a_wait_not_given_is_no_wait():
    assert rules._start(rules.START_AFTER_DAYS, paid_on=date(2024, 3, 1)) == date(2024, 3, 2)
    assert rules._start(rules.START_AFTER_MONTHS, paid_on=date(2024, 3, 1)) == date(2024, 3, 2)
    assert rules._start(rules.START_IMMEDIATE, paid_on=date(2024, 3, 1), birth_date=date(2024, 2, 1)) == date(
        2024, 3, 1
    )


def test_a_newborn_covered_from_payment_and_the_reason_names_the_grace_period():
    born = date(2024, 3, 1)
    start, trace = traced_start(_special_policy(), date(2024, 4, 1), birth_date=born, newborn=True)
    assert start == date(2024, 4, 1)
    assert trace == [
        (
            "newborn",
            {"paid_on": date(2024, 4, 1), "start": date(2024, 4, 1), "birth_date": born, "grace": 3, "unit": "months"},
        )
    ]
    # A birth date alone is no newborn case: the caller says whether the person can be one.
    assert rules.benefit_start(_special_policy(), paid_on=date(2024, 4, 1), birth_date=born) is None


def test_a_policy_without_a_newborn_limit_covers_only_babies_born_in_its_year():
    unlimited = rules.SpecialEnrolment(rules.NEWBORN, None, "days", rules.START_BIRTH_DATE)
    policy = _special_policy(special={rules.NEWBORN: unlimited})
    assert rules.benefit_start(policy, paid_on=date(2024, 3, 1), birth_date=date(2024, 2, 1), newborn=True) == date(
        2024, 2, 1
    )
    assert rules.benefit_start(policy, paid_on=date(2024, 3, 1), birth_date=date(2023, 5, 1), newborn=True) is None


def test_leavers_of_employee_insurance_and_the_reasons_they_record():
    policy = _special_policy()
    start, trace = traced_start(policy, date(2024, 8, 1), left_employee_insurance_on=date(2024, 6, 15))
    assert start == date(2024, 8, 2)
    assert trace == [
        (
            "employee_leaver",
            {"paid_on": date(2024, 8, 1), "start": date(2024, 8, 2), "left_on": date(2024, 6, 15), "grace": 3},
        )
    ]
    late = rules.SpecialEnrolment(rules.EMPLOYEE_LEAVER, 3, "months", rules.START_NEXT_DAY, late_wait_months=6)
    policy = _special_policy(special={rules.EMPLOYEE_LEAVER: late})
    start, trace = traced_start(policy, date(2024, 5, 1), left_employee_insurance_on=date(2024, 1, 10))
    assert start == date(2024, 11, 2)
    assert trace == [("employee_leaver_late", {"paid_on": date(2024, 5, 1), "start": date(2024, 11, 2), "wait": 6})]
    start, trace = traced_start(policy, date(2024, 7, 1), left_employee_insurance_on=date(2024, 1, 10))
    assert start is None  # 2025-01-02
    assert trace == [("starts_next_year", {"paid_on": date(2024, 7, 1), "start": None, "wait": 6})]


def test_no_benefits_before_the_window_after_the_year_or_outside_every_period_with_the_reason():
    policy = _special_policy()
    assert traced_start(policy, date(2023, 8, 31)) == (
        None,
        [("before_window", {"paid_on": date(2023, 8, 31), "start": None, "window_start": date(2023, 9, 1)})],
    )
    assert traced_start(policy, date(2025, 1, 5)) == (
        None,
        [("after_year", {"paid_on": date(2025, 1, 5), "start": None})],
    )
    assert traced_start(policy, date(2024, 5, 1)) == (
        None,
        [("no_period", {"paid_on": date(2024, 5, 1), "start": None, "window_end": date(2023, 12, 31)})],
    )


def test_the_mid_year_price_of_students_newborns_and_leavers_of_employee_insurance():
    policy = _special_policy()
    price = rules.mid_year_price
    assert price(policy, paid_on=date(2024, 8, 1), tier=1) == D(990)  # 380 + 610
    assert price(policy, paid_on=date(2024, 8, 1), tier=1, student=True) == D(910)  # 300 + 610
    assert price(policy, paid_on=date(2024, 8, 1), tier=1, birth_date=date(2024, 6, 1)) == D(380)  # a newborn
    left = {"left_employee_insurance_on": date(2024, 6, 15)}
    assert price(policy, paid_on=date(2024, 8, 1), tier=1, **left) == D(380)  # within 3 months
    assert price(policy, paid_on=date(2024, 8, 1), tier=1, left_employee_insurance_on=date(2024, 4, 15)) == D(990)
