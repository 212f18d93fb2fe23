"""Reconciliation results and runs as a user may see them, and the years a county's pages switch between."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import Scope, county_wide_rows, people_rows, scope_of
from enrollment.places.clock import county_today
from subsidies.models import Policy, ReconciliationResult, ReconciliationRun, RunStatus
from subsidies.reconciliation.years import year_to_open
from subsidies.rosters.selectors import certified_by_q


def result_rows(qs: QuerySet, scope: Scope) -> QuerySet:
    """The rule for results: the county for bureau and auditors, a township its own, a department the people it
    certifies or certified."""
    return people_rows(qs, scope, department_q=certified_by_q)


def results_visible_to(user, *, year: int | None = None) -> QuerySet[ReconciliationResult]:
    qs = ReconciliationResult.objects.all()
    if year is not None:
        qs = qs.filter(year=year)
    return result_rows(qs, scope_of(user))


def run_rows(qs: QuerySet, scope: Scope) -> QuerySet:
    """The rule for runs: the bureau's and auditors' own county only."""
    return county_wide_rows(qs, scope)


def runs_visible_to(user) -> QuerySet[ReconciliationRun]:
    return run_rows(ReconciliationRun.objects.select_related("county", "started_by"), scope_of(user))


def run_get_for(user, pk) -> ReconciliationRun:
    """The run if this user may see it, else 404."""
    return get_object_or_404(runs_visible_to(user), pk=pk)


# --- the years a page switches between ---------------------------------------------------------------------

# Further sources of a county's years (county id → years), registered by higher layers in AppConfig.ready():
# quotas adds the years of its quota tables.
YEAR_SOURCES: list[Callable[[int], Iterable[int]]] = []


def year_source_register(source: Callable[[int], Iterable[int]]) -> None:
    if source not in YEAR_SOURCES:
        YEAR_SOURCES.append(source)


@dataclass(frozen=True)
class BenefitYears:
    """The years a county's pages offer (newest first) and the year of its last finished reconciliation."""

    years: list[int]
    last_run_year: int | None = None
    today: date | None = None  # the county's today (`enrollment.places.clock`); None: the local date

    def year_to_open(self, requested: object = None, *, today: date | None = None) -> int:
        return year_to_open(
            requested=requested,
            years=self.years,
            last_run_year=self.last_run_year,
            this_year=(today or self.today or timezone.localdate()).year,
        )


def benefit_years(*, county_id: int | None) -> BenefitYears:
    """Years with a policy, a reconciliation run or (registered sources) a quota table; no county: none."""
    if county_id is None:
        return BenefitYears(years=[])
    years = set(Policy.objects.filter(county_id=county_id).values_list("year", flat=True))
    years |= set(ReconciliationRun.objects.filter(county_id=county_id).values_list("year", flat=True).distinct())
    for source in YEAR_SOURCES:
        years |= set(source(county_id))
    last = (
        ReconciliationRun.objects.filter(county_id=county_id, status=RunStatus.DONE)
        .order_by("-started_at", "-pk")
        .values_list("year", flat=True)
        .first()
    )
    return BenefitYears(years=sorted(years, reverse=True), last_run_year=last, today=county_today(county_id))


def benefit_years_for(user) -> BenefitYears:
    """The years the user's county has: what every page with a year switch offers, and opens on with
    `.year_to_open(request.GET.get("year"))`."""
    return benefit_years(county_id=scope_of(user).county_id)
