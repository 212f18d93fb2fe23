"""The pure rules of monthly transfer batches (SPEC §8), without a database: every value stated."""

from datetime import date
from decimal import Decimal as D

import pytest

from subsidies.transfers import rules as tr


def test_the_pipeline_moves_forward_and_a_checker_may_send_back():
    moves = {(a, b) for a in tr.PIPELINE for b in tr.PIPELINE if tr.can_move(a, b)}
    assert moves == {
        ("draft", "checked"),
        ("checked", "approved"),
        ("checked", "draft"),
        ("approved", "exported"),
        ("exported", "confirmed"),
    }
    assert not tr.can_move("unknown", "checked")
    assert {"approved", "exported", "confirmed"} == tr.FROZEN


@pytest.mark.parametrize(
    ("day", "start", "following", "before"),
    [
        (date(2024, 1, 1), date(2024, 1, 1), date(2024, 2, 1), date(2023, 12, 1)),
        (date(2024, 1, 31), date(2024, 1, 1), date(2024, 2, 1), date(2023, 12, 1)),
        (date(2024, 2, 29), date(2024, 2, 1), date(2024, 3, 1), date(2024, 1, 1)),
        (date(2024, 11, 30), date(2024, 11, 1), date(2024, 12, 1), date(2024, 10, 1)),
        (date(2024, 12, 1), date(2024, 12, 1), date(2025, 1, 1), date(2024, 11, 1)),
        (date(2024, 12, 31), date(2024, 12, 1), date(2025, 1, 1), date(2024, 11, 1)),
        (date(2023, 2, 28), date(2023, 2, 1), date(2023, 3, 1), date(2023, 1, 1)),
    ],
)
def test_month_arithmetic_at_month_and_year_ends(day, start, following, before):
    assert (tr.month_start(day), tr.next_month(day), tr.previous_month(day)) == (start, following, before)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2024-03", date(2024, 3, 1)),
        ("2024/3", date(2024, 3, 1)),
        ("202403", date(2024, 3, 1)),
        ("2024年3月", date(2024, 3, 1)),
        ("2024.12", date(2024, 12, 1)),
        (" 2024 - 01 ", date(2024, 1, 1)),
        ("2000-01", date(2000, 1, 1)),
        ("2024年12月", date(2024, 12, 1)),
    ],
)
def test_parse_month(text, month):
    assert tr.parse_month(text) == month


@pytest.mark.parametrize("text", ["", None, "2024-13", "2024-00", "1999-12", "2024-3-1", "24-03", "2024年3月5日", "x"])
def test_parse_month_refuses(text):
    with pytest.raises(ValueError):
        tr.parse_month(text)


def test_batch_number_is_county_month_fund():
    assert tr.batch_number(county_code="620721", month=date(2024, 3, 1), fund_code="MA") == "620721-202403-MA"


def test_maker_checker():
    assert tr.maker_checker_allows(approver_id=3, builder_id=1, checker_id=2)
    assert not tr.maker_checker_allows(approver_id=1, builder_id=1, checker_id=2)
    # An automatic build (no builder): its checker is the maker.
    assert not tr.maker_checker_allows(approver_id=2, builder_id=None, checker_id=2)
    assert tr.maker_checker_allows(approver_id=3, builder_id=None, checker_id=2)
    assert tr.maker_checker_allows(approver_id=3, builder_id=None, checker_id=None)
    assert not tr.maker_checker_allows(approver_id=None, builder_id=1, checker_id=2)
    assert not tr.maker_checker_allows(approver_id=None, builder_id=None, checker_id=None)


def test_round_money_is_half_up_to_the_fen():
    assert tr.round_money(D("0.005")) == D("0.01")
    assert tr.round_money(D("0.0049")) == D("0.00")
    assert tr.round_money(D("-0.005")) == D("-0.01")
    assert str(tr.round_money(D("12"))) == "12.00"


def test_counterpart_rows_multiply_people_by_each_share_and_round():
    rows = tr.counterpart_rows({"central": D("0.335"), "county": D("10")}, people=3)
    assert rows == [
        tr.CounterpartRow("central", D("0.335"), 3, D("1.01")),
        tr.CounterpartRow("county", D("10"), 3, D("30.00")),
    ]
    assert tr.counterpart_rows({}, people=5) == []
