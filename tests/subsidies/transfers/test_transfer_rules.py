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


def test_counterpart_rows_multiply_people_by_each_share_and_round():
    rows = tr.counterpart_rows({"central": D("0.335"), "county": D("10")}, people=3)
    assert rows == [
        tr.CounterpartRow("central", D("0.335"), 3, D("1.01")),
        tr.CounterpartRow("county", D("10"), 3, D("30.00")),
    ]
    assert tr.counterpart_rows({}, people=5) == []
