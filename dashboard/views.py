"""The home page: each role starts from its own dashboard."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.access import profile_of, scope_of
from accounts.models import Role
from accounts.navigation import first_url
from dashboard import charts
from dashboard import selectors as sel
from quotas.progress import ranking
from subsidies.reconciliation.selectors import benefit_years_for


@login_required
def home(request):
    scope = scope_of(request.user)
    if scope.role is None:
        # A superuser without a staff profile manages data in the admin only (accounts.access: the superuser rule).
        return render(request, "dashboard/home.html", {"dashboard": None, "admin_url": first_url("admin:index")})
    profile = profile_of(request.user)
    county = profile.county
    years = benefit_years_for(request.user)
    year = years.year_to_open(request.GET.get("year"))
    context = {
        "county": county,
        "year": year,
        "years": years.years,
        "today": sel.local_today(county),
        "links": _links(),
    }
    if scope.county_wide:
        context.update(_bureau_context(county=county, year=year, read_only=scope.role == Role.AUDITOR))
        context["dashboard"] = "dashboard/bureau.html"
    elif scope.role == Role.DEPARTMENT:
        context.update(_department_context(county=county, year=year, department=profile.department))
        context["dashboard"] = "dashboard/department.html"
    else:
        context.update(_township_context(county=county, year=year, township=profile.township))
        context["dashboard"] = "dashboard/township.html"
    return render(request, "dashboard/home.html", context)


def _links() -> dict[str, str | None]:
    """Pages the dashboard points to; a page that does not exist yet is None and its link is not shown."""
    return {
        "upload": first_url("enrollment:upload", "enrollment:import_upload", "enrollment:upload_start"),
        "rosters": first_url("subsidies:roster_list", "subsidies:roster_versions", "subsidies:rosters"),
        "results": first_url("subsidies:result_list", "subsidies:results", "subsidies:reconciliation_results"),
        "runs": first_url("subsidies:run_list", "subsidies:runs", "subsidies:reconciliation_runs"),
        "batches": first_url("subsidies:batch_list", "subsidies:transfer_list", "subsidies:batches"),
        "ranking": first_url("quotas:ranking", "quotas:progress", "quotas:ranking_list"),
        "cases": first_url("quotas:case_list", "quotas:cases"),
        "notices": first_url("quotas:notice_list", "quotas:notices"),
    }


def _township_bars(rows: list[sel.PlaceProgress]) -> list[charts.Bar]:
    bars = []
    with_targets = any(r.target for r in rows)
    rates = {r.pk: r.rate for r in rows if r.rate is not None}
    # The bottom three as the ranking page flags them (a tie on the boundary is included), when there are more.
    low = ranking.bottom(rates, 3) if len(rates) > 3 else set()
    for row in rows:
        if with_targets and not row.target:
            note = _("no target, %(n)s enrolled") % {"n": f"{row.enrolled:,}"}
            bars.append(charts.Bar(row.name, Decimal(0), note, "muted"))
        elif with_targets:
            rate = row.rate
            tone = "good" if rate >= 1 else ("bad" if row.pk in low else "")
            bars.append(charts.Bar(row.name, rate, f"{charts.percent(rate)}（{row.enrolled:,}/{row.target:,}）", tone))
        else:
            bars.append(charts.Bar(row.name, row.enrolled))
    return bars


def _place_chart(*, chart_id: str, title: str, rows: list[sel.PlaceProgress]) -> str:
    with_targets = any(r.target for r in rows)
    return charts.bar_chart(
        chart_id=chart_id,
        title=title,
        bars=_township_bars(rows),
        value_format=charts.percent if with_targets else charts.plain_number,
        max_value=Decimal(1) if with_targets and all((r.rate or 0) <= 1 for r in rows) else None,
        reference=Decimal(1) if with_targets else None,
        reference_label=_("target") if with_targets else "",
        empty_text=_("No reconciliation results yet."),
        label_width=120,
        width=660,
    )


def _category_chart(*, categories: list[sel.CategoryTotal], title: str) -> str:
    return charts.bar_chart(
        chart_id="chart-categories",
        title=title,
        bars=[
            charts.Bar(
                c.name,
                c.total,
                _("%(amount)s yuan, %(people)s people")
                % {
                    "amount": charts.plain_number(c.total),
                    "people": f"{c.people:,}",
                },
            )
            for c in categories
        ],
        empty_text=_("No subsidies granted yet this year."),
        label_width=170,
        label_chars=12,
        width=660,
    )


def _history_chart(*, history: sel.ProgressHistory, township_name: str = "") -> str:
    series = [charts.Series(_("Whole county"), history.county)]
    if township_name:
        series.insert(0, charts.Series(township_name, history.township))
    return charts.line_chart(
        chart_id="chart-history",
        title=_("Completion rate at each progress snapshot"),
        x_labels=history.labels,
        series=series,
        value_format=charts.percent,
        empty_text=_("No progress snapshots yet."),
        width=1300,
        height=240,
    )


def _bureau_context(*, county, year: int, read_only: bool) -> dict:
    today = sel.local_today(county)
    townships = sel.township_progress(county=county, year=year)
    categories = sel.subsidy_by_category(county=county, year=year)
    funds = sel.fund_totals_for_month(county=county, year=year, month=today)
    return {
        "read_only": read_only,
        "overview": sel.enrolment_overview(county=county, year=year),
        "townships": townships,
        "funds": funds,
        "funds_owed": sum((f.owed for f in funds), Decimal("0.00")),
        "funds_batched": sum((f.batched for f in funds), Decimal("0.00")),
        "freshness": sel.roster_freshness(county=county, today=today),
        "open_cases": sel.open_case_count(county=county, year=year),
        "last_run": sel.last_reconciliation_run(county=county),
        "chart_townships": mark_safe(  # noqa: S308 - charts escape every label
            _place_chart(chart_id="chart-townships", title=_("Enrolment by township"), rows=townships)
        ),
        "chart_categories": mark_safe(  # noqa: S308
            _category_chart(categories=categories, title=_("Subsidy by category this year"))
        ),
        "chart_history": mark_safe(  # noqa: S308
            _history_chart(history=sel.progress_history(county=county, year=year))
        ),
    }


def _department_context(*, county, year: int, department) -> dict:
    today = sel.local_today(county)
    categories = sel.subsidy_by_category(county=county, year=year, department=department)
    funds = sel.fund_totals_for_month(county=county, year=year, month=today, department=department)
    freshness = sel.roster_freshness(county=county, today=today, department=department)[0]
    return {
        "department": department,
        "unenrolled": sel.department_unenrolled(county=county, year=year, department=department, today=today),
        "freshness": freshness,
        "last_upload": sel.last_roster_upload(county=county, department=department),
        "funds": funds,
        "chart_categories": mark_safe(  # noqa: S308 - charts escape every label
            _category_chart(categories=categories, title=_("Subsidy by category this year"))
        ),
    }


def _township_context(*, county, year: int, township) -> dict:
    townships = sel.township_progress(county=county, year=year)
    mine = next((t for t in townships if t.pk == township.pk), None)
    villages = sel.village_progress(county=county, year=year, township=township)
    snapshot_rank, previous_rank = sel.latest_snapshot_rank(county=county, year=year, township=township)
    return {
        "township": township,
        "mine": mine,
        "ranked": len([t for t in townships if t.rank is not None]),
        "township_count": len(townships),
        "snapshot_rank": snapshot_rank,
        "previous_rank": previous_rank,
        "overview": sel.enrolment_overview(county=county, year=year, township=township),
        "villages": villages,
        "open_cases": sel.open_case_count(county=county, year=year, township=township),
        "chart_villages": mark_safe(  # noqa: S308 - charts escape every label
            _place_chart(chart_id="chart-villages", title=_("Enrolment by village"), rows=villages)
        ),
        "chart_history": mark_safe(  # noqa: S308
            _history_chart(
                history=sel.progress_history(county=county, year=year, township=township),
                township_name=township.name,
            )
        ),
    }
