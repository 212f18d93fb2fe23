"""The year a page opens on: one rule for every page with a year switch (home, results, runs, quotas pages).

Pure: no Django. The data it needs (the years the county has, the year of its last finished reconciliation)
comes from `subsidies.reconciliation.selectors.benefit_years`.
"""

from __future__ import annotations

from collections.abc import Sequence


def requested_year(raw: object) -> int | None:
    """The year in a `?year=` parameter, or None when it is missing or not a year."""
    text = str(raw if raw is not None else "").strip()
    if not text.isdigit() or len(text) != 4:
        return None
    return int(text)


def year_to_open(*, requested: object, years: Sequence[int], last_run_year: int | None, this_year: int) -> int:
    """The year asked for when the county has it; else the year of its last finished reconciliation (the year
    people are working on) when the county has it; else the county's newest year; else this year.

    `years` are the years the county has (a policy, a reconciliation run or a quota table), in any order.
    """
    asked = requested_year(requested)
    if asked is not None and asked in years:
        return asked
    if last_run_year is not None and last_run_year in years:
        return last_run_year
    if years:
        return max(years)
    return this_year
