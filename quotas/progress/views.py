"""Progress pages: ranking, snapshots, progress charts and special-group coverage. Thin views.

Scopes (accounts/access.py): the bureau and auditors see their county; a township user sees only its own
township's units, villages and cases (another township's case or village is a 404); a department user sees
the special-group coverage and the cases of its own department. Auditors read only."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from accounts.access import county_of, roles_required, scope_of
from accounts.models import Role
from quotas.models import UnitKind
from quotas.notices import selectors as notice_selectors
from quotas.notices.tables import WorkFundTable
from quotas.progress import chart_data, selectors
from quotas.progress.ranking import coverage_rate
from quotas.progress.services import progress_snapshot_take
from quotas.progress.tables import CoverageTable, RankingTable, percent
from quotas.targets.services import total_warnings
from subsidies.reconciliation.selectors import benefit_years_for

BUREAU, AUDITOR, DEPARTMENT, TOWNSHIP = Role.BUREAU, Role.AUDITOR, Role.DEPARTMENT, Role.TOWNSHIP
PLACE_READERS = (BUREAU, AUDITOR, TOWNSHIP)
EVERYONE = (BUREAU, AUDITOR, DEPARTMENT, TOWNSHIP)


@roles_required(*PLACE_READERS)
def ranking(request):
    county = county_of(request.user)
    years = benefit_years_for(request.user)
    year = years.year_to_open(request.GET.get("year"))
    table = selectors.quota_tables_visible_to(request.user).filter(year=year).first()
    context = {"county": county, "years": years.years, "year": year, "table": table}
    if table is not None:
        snapshots = list(selectors.snapshots_of(table)[:52])
        snapshot = None
        raw = request.GET.get("snapshot", "")
        if raw.isdigit():
            snapshot = next((s for s in snapshots if s.pk == int(raw)), None)
        result = selectors.table_ranking(table=table, snapshot=snapshot)
        rows = result.rows
        township_id = scope_of(request.user).own_township_id
        if township_id is not None:
            rows = [r for r in rows if r.unit.township_id == township_id]
        summed = sum(table.units.values_list("target", flat=True))
        funds = notice_selectors.village_work_funds(county_id=table.county_id, year=year, township_id=township_id)
        context.update(
            ranking=result,
            table_html=RankingTable(rows),
            snapshots=snapshots,
            snapshot=snapshot,
            summed_total=summed,
            total_warnings=total_warnings(summed=summed, stated=table.stated_total, file_total=table.file_total),
            work_fund_table=WorkFundTable(funds) if funds else None,
            work_fund_total=sum(f.amount for f in funds),
            work_fund_per_person=notice_selectors.work_fund_per_person(county_id=table.county_id, year=year),
            can_snapshot=scope_of(request.user).is_bureau,
        )
        if context["work_fund_table"] is not None:
            RequestConfig(request, paginate={"per_page": 100}).configure(context["work_fund_table"])
    return render(request, "quotas/ranking.html", context)


@roles_required(BUREAU)
@require_POST
def snapshot_take(request):
    table = selectors.quota_table_get_for(request.user, request.POST.get("table") or 0)
    progress_snapshot_take(table=table, user=request.user)
    messages.success(request, _("Progress snapshot taken."))
    return redirect(f"{reverse('quotas:ranking')}?year={table.year}")


@roles_required(*PLACE_READERS)
def progress_chart(request):
    years = benefit_years_for(request.user)
    year = years.year_to_open(request.GET.get("year"))
    table = selectors.quota_tables_visible_to(request.user).filter(year=year).first()
    figures = []
    if table is not None:
        township_id = scope_of(request.user).own_township_id
        units = list(table.units.select_related("township").order_by("seq"))
        if township_id is not None:
            units = [u for u in units if u.township_id == township_id]
        snapshots, series = selectors.snapshot_series(table=table, unit_ids=[u.pk for u in units])
        x_labels = [timezone.localtime(s.taken_at).strftime("%m-%d %H:%M") for s in snapshots]
        index = {s.taken_at: i for i, s in enumerate(snapshots)}

        def line(unit):
            return chart_data.rate_line(unit.name, series.get(unit.pk, []), index)

        # One chart per township: its own unit, or its villages; the groups that are not places together.
        by_township: dict = {}
        groups = []
        for unit in units:
            if unit.kind == UnitKind.GROUP:
                groups.append(unit)
            else:
                by_township.setdefault(unit.township, []).append(unit)
        charted = [(t.name if t else _("Other"), [line(u) for u in members]) for t, members in by_township.items()]
        if groups:
            charted.append((_("Groups that are not places"), [line(u) for u in groups]))
        figures = chart_data.grouped_rate_charts(charted, x_labels=x_labels, goal_label=_("goal 100%"))
    context = {"years": years.years, "year": year, "table": table, "figures": figures}
    return render(request, "quotas/progress_chart.html", context)


@roles_required(*EVERYONE)
def special_groups(request):
    scope = scope_of(request.user)
    years = benefit_years_for(request.user)
    year = years.year_to_open(request.GET.get("year"))
    coverage = (
        selectors.special_group_coverage(
            county_id=scope.county_id,
            year=year,
            department_id=scope.own_department_id,
            township_id=scope.own_township_id,
        )
        if scope.county_id is not None
        else []
    )
    table = CoverageTable(coverage)
    RequestConfig(request, paginate=False).configure(table)
    certified = sum(c.certified for c in coverage)
    covered = sum(c.covered for c in coverage)
    context = {
        "years": years.years,
        "year": year,
        "table": table,
        "certified": certified,
        "covered": covered,
        "rate": coverage_rate(covered, certified),
        "rate_display": percent(coverage_rate(covered, certified)),
    }
    return render(request, "quotas/special_groups.html", context)
