"""The year a page opens on: one pure rule (subsidies.reconciliation.years). Database-free."""

import pytest

from subsidies.reconciliation.years import requested_year, year_to_open


def opens(requested=None, *, years=(2024, 2025, 2026), last_run_year=2025, this_year=2027):
    return year_to_open(requested=requested, years=list(years), last_run_year=last_run_year, this_year=this_year)


def test_a_requested_year_the_county_has_wins():
    assert opens("2024") == 2024
    assert opens(2026) == 2026


@pytest.mark.parametrize("requested", ["1999", "", None, "abc", "20245", "-2024", "2024.0"])
def test_an_unknown_or_malformed_request_falls_back_to_the_last_run_year(requested):
    assert opens(requested) == 2025


def test_without_a_run_the_newest_year_the_county_has():
    assert opens(last_run_year=None) == 2026


def test_a_run_year_the_county_no_longer_offers_is_skipped():
    assert opens(years=(2024, 2026), last_run_year=2025) == 2026


def test_a_county_with_no_years_opens_on_this_year_whatever_is_asked():
    assert opens("2024", years=(), last_run_year=None) == 2027


def test_requested_year_reads_four_digits_only():
    assert requested_year(" 2024 ") == 2024
    assert requested_year("24") is None
    assert requested_year(None) is None
