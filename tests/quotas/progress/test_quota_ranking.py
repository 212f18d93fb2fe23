"""Rates, ranks, the bottom-three-twice flag (朱集 约谈), work fund and coverage: pure functions."""

from decimal import Decimal
from decimal import Decimal as D

from quotas.progress import ranking


def test_completion_rate_rounds_half_up_to_four_places():
    assert ranking.completion_rate(1981, 1981) == D("1.0000")
    assert ranking.completion_rate(1, 3) == D("0.3333")
    assert ranking.completion_rate(2, 3) == D("0.6667")
    assert ranking.completion_rate(5, 0) == D("0")


def test_a_place_without_a_target_has_no_rate_rather_than_zero():
    assert ranking.rate_against_target(3, 4) == D("0.7500")
    assert ranking.rate_against_target(3, None) is None
    assert ranking.rate_against_target(3, 0) is None


def test_ranks_share_places_on_equal_rates():
    ranks = ranking.rank_by_rate({"a": D("0.9"), "b": D("0.5"), "c": D("0.9"), "d": D("0.1")})
    assert ranks == {"a": 1, "c": 1, "b": 3, "d": 4}


def test_bottom_three_includes_a_tie_on_the_boundary():
    rates = {"a": D("0.1"), "b": D("0.2"), "c": D("0.3"), "d": D("0.3"), "e": D("0.9")}
    assert ranking.bottom(rates, 3) == {"a", "b", "c", "d"}
    assert ranking.bottom({"a": D("0.1"), "b": D("0.2")}, 3) == {"a", "b"}


def week(**rates):
    return {k: D(v) for k, v in rates.items()}


def test_bottom_three_in_two_consecutive_snapshots_is_flagged():
    series = [
        week(a="0.10", b="0.20", c="0.30", d="0.40", e="0.50"),  # bottom: a b c
        week(a="0.15", b="0.60", c="0.35", d="0.30", e="0.55"),  # bottom: a d c
    ]
    assert ranking.flagged_bottom_consecutive(series) == {"a", "c"}


def test_only_the_last_two_snapshots_count():
    series = [
        week(a="0.1", b="0.2", c="0.3", d="0.4", e="0.5"),
        week(a="0.9", b="0.2", c="0.3", d="0.1", e="0.5"),  # bottom: d b c
        week(a="0.9", b="0.8", c="0.3", d="0.1", e="0.2"),  # bottom: d e c
    ]
    assert ranking.flagged_bottom_consecutive(series) == {"c", "d"}


def test_one_bad_week_is_not_two():
    assert ranking.flagged_bottom_consecutive([week(a="0.1", b="0.2", c="0.3", d="0.4")]) == set()
    assert ranking.flagged_bottom_consecutive([]) == set()


def test_a_unit_new_in_the_latest_snapshot_is_not_flagged():
    series = [week(a="0.1", b="0.2", c="0.3", d="0.9"), week(a="0.1", b="0.2", c="0.3", d="0.9", e="0.0")]
    assert ranking.flagged_bottom_consecutive(series) == {"a", "b"}


def test_changes_since_the_last_snapshot():
    current = {"a": (D("0.50"), 1), "b": (D("0.40"), 2), "new": (D("0.1"), 3)}
    previous = {"a": (D("0.30"), 2), "b": (D("0.45"), 1)}
    result = ranking.changes(current, previous)
    assert result["a"] == ranking.Change(D("0.20"), 1)
    assert result["b"] == ranking.Change(D("-0.05"), -1)
    assert result["new"] == ranking.Change(None, None)


def test_work_fund_is_enrolled_times_the_amount_per_person():
    assert ranking.work_fund(4723, D("1")) == D("4723.00")
    assert ranking.work_fund(3, D("0.335")) == D("1.01")  # 1.005 rounds half up
    assert ranking.work_fund(0, D("1")) == D("0.00")


def test_coverage_rate_has_no_value_without_certified_people():
    assert ranking.coverage_rate(9, 10) == D("0.9000")
    assert ranking.coverage_rate(0, 0) is None


def test_rates_of_one_and_halves_rounded_up_at_the_fourth_place():
    assert ranking.completion_rate(1, 1) == Decimal("1.0000")
    assert ranking.completion_rate(0, 1) == Decimal("0.0000")
    assert ranking.coverage_rate(1, 1) == Decimal("1.0000")
    assert ranking.coverage_rate(0, 1) == Decimal("0.0000")
    # 1 / 20000 = 0.00005 exactly: half up gives 0.0001 (the default half-even would give 0.0000).
    assert str(ranking.completion_rate(1, 20000)) == "0.0001"
    assert str(ranking.coverage_rate(1, 20000)) == "0.0001"
    assert str(ranking.completion_rate(3, 20000)) == "0.0002"


def test_bottom_is_three_by_default_and_n_is_passed_on():
    rates = {k: Decimal(v) for k, v in {"a": "0.1", "b": "0.2", "c": "0.3", "d": "0.4", "e": "0.5"}.items()}
    assert ranking.bottom(rates) == {"a", "b", "c"}
    assert ranking.flagged_bottom_consecutive([rates, rates], n=2) == {"a", "b"}
    assert ranking.flagged_bottom_consecutive([rates, rates], n=4) == {"a", "b", "c", "d"}
