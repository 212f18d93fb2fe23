"""Quotas pages: ranking, progress charts, special groups, village notices, follow-up cases. Thin views.

Scopes (accounts/access.py): the bureau and auditors see their county; a township user sees only its own
township's units, villages and cases (another township's case or village is a 404); a department user sees
the special-group coverage and the cases of its own department. Auditors read only.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from accounts.access import (
    RoleRequiredMixin,
    mask_id_number,
    profile_of,
    role_of,
    roles_required,
    scope_by_county,
    scope_people,
    shown_id_number,
)
from accounts.exports import record_export
from accounts.models import Role
from enrollment.models import CaseStatus, County, FollowUpCase, Village

from . import charts, evidence, selectors
from .cases import case_record
from .filters import CaseFilter
from .forms import CaseRecordForm
from .models import QuotaTable, UnitKind
from .notices import notice_workbook
from .ranking import coverage_rate
from .services import progress_snapshot_take, total_warnings
from .tables import CaseTable, CoverageTable, NoticeTable, RankingTable, WorkFundTable, percent

BUREAU, AUDITOR, DEPARTMENT, TOWNSHIP = Role.BUREAU, Role.AUDITOR, Role.DEPARTMENT, Role.TOWNSHIP
PLACE_READERS = (BUREAU, AUDITOR, TOWNSHIP)
EVERYONE = (BUREAU, AUDITOR, DEPARTMENT, TOWNSHIP)


def for_roles(*roles: str):
    """`roles_required`, and the roles declared on the view so the main navigation offers it only to them."""

    def decorator(view):
        wrapped = roles_required(*roles)(view)
        wrapped.allowed_roles = roles
        return wrapped

    return decorator


def user_county(user) -> County | None:
    """The user's county; a superuser without a profile works on the county of the latest quota table."""
    profile = profile_of(user)
    if profile is not None:
        return profile.county
    table = QuotaTable.objects.select_related("county").order_by("-year", "-pk").first()
    return table.county if table else County.objects.order_by("code").first()


def own_township_id(user) -> int | None:
    profile = profile_of(user)
    return profile.township_id if profile is not None and profile.role == TOWNSHIP else None


def own_department_id(user) -> int | None:
    profile = profile_of(user)
    return profile.department_id if profile is not None and profile.role == DEPARTMENT else None


def chosen_year(request, county: County | None, years: list[int]) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and (int(raw) in years or not years):
        return int(raw)
    return selectors.default_year(county)


# --- ranking -----------------------------------------------------------------------------------------


@for_roles(*PLACE_READERS)
def ranking(request):
    county = user_county(request.user)
    tables = QuotaTable.objects.filter(county=county) if county else QuotaTable.objects.none()
    years = sorted(tables.values_list("year", flat=True), reverse=True)
    year = chosen_year(request, county, years)
    table = tables.filter(year=year).first()
    context = {"county": county, "years": years, "year": year, "table": table}
    if table is not None:
        snapshots = list(selectors.snapshots_of(table)[:52])
        snapshot = None
        raw = request.GET.get("snapshot", "")
        if raw.isdigit():
            snapshot = next((s for s in snapshots if s.pk == int(raw)), None)
        result = selectors.table_ranking(table=table, snapshot=snapshot)
        rows = result.rows
        township_id = own_township_id(request.user)
        if township_id is not None:
            rows = [r for r in rows if r.unit.township_id == township_id]
        summed = sum(table.units.values_list("target", flat=True))
        funds = selectors.village_work_funds(county_id=table.county_id, year=year, township_id=township_id)
        context.update(
            ranking=result,
            table_html=RankingTable(rows),
            snapshots=snapshots,
            snapshot=snapshot,
            summed_total=summed,
            total_warnings=total_warnings(summed=summed, stated=table.stated_total, file_total=table.file_total),
            work_fund_table=WorkFundTable(funds) if funds else None,
            work_fund_total=sum(f.amount for f in funds),
            work_fund_per_person=selectors.work_fund_per_person(county_id=table.county_id, year=year),
            can_snapshot=role_of(request.user) == BUREAU,
        )
        if context["work_fund_table"] is not None:
            RequestConfig(request, paginate={"per_page": 100}).configure(context["work_fund_table"])
    return render(request, "quotas/ranking.html", context)


@for_roles(BUREAU)
@require_POST
def snapshot_take(request):
    county = user_county(request.user)
    table = get_object_or_404(QuotaTable, county=county, pk=request.POST.get("table") or 0)
    progress_snapshot_take(table=table, user=request.user)
    messages.success(request, _("Progress snapshot taken."))
    return redirect(f"{reverse('quotas:ranking')}?year={table.year}")


# --- progress charts ---------------------------------------------------------------------------------


@for_roles(*PLACE_READERS)
def progress_chart(request):
    county = user_county(request.user)
    tables = QuotaTable.objects.filter(county=county) if county else QuotaTable.objects.none()
    years = sorted(tables.values_list("year", flat=True), reverse=True)
    year = chosen_year(request, county, years)
    table = tables.filter(year=year).first()
    figures = []
    if table is not None:
        township_id = own_township_id(request.user)
        units = list(table.units.select_related("township").order_by("seq"))
        if township_id is not None:
            units = [u for u in units if u.township_id == township_id]
        snapshots, series = selectors.snapshot_series(table=table, unit_ids=[u.pk for u in units])
        x_labels = [timezone.localtime(s.taken_at).strftime("%m-%d %H:%M") for s in snapshots]
        index = {s.taken_at: i for i, s in enumerate(snapshots)}

        def line(unit):
            rates = [None] * len(snapshots)
            for taken_at, rate in series.get(unit.pk, []):
                rates[index[taken_at]] = rate
            return charts.Series(unit.name, rates)

        # One chart per township: its own unit, or its villages; the groups that are not places together.
        by_township: dict = {}
        groups = []
        for unit in units:
            if unit.kind == UnitKind.GROUP:
                groups.append(unit)
            else:
                by_township.setdefault(unit.township, []).append(unit)
        for township, members in by_township.items():
            name = township.name if township else _("Other")
            figures.append(
                mark_safe(  # noqa: S308 - charts.line_chart_svg escapes every label it writes
                    charts.line_chart_svg(
                        title=name, x_labels=x_labels, series=[line(u) for u in members], goal_label=_("goal 100%")
                    )
                )
            )
        if groups:
            figures.append(
                mark_safe(  # noqa: S308 - escaped by charts.line_chart_svg
                    charts.line_chart_svg(
                        title=_("Groups that are not places"),
                        x_labels=x_labels,
                        series=[line(u) for u in groups],
                        goal_label=_("goal 100%"),
                    )
                )
            )
    context = {"years": years, "year": year, "table": table, "figures": figures}
    return render(request, "quotas/progress_chart.html", context)


# --- special groups ----------------------------------------------------------------------------------


@for_roles(*EVERYONE)
def special_groups(request):
    county = user_county(request.user)
    years = sorted(
        set(QuotaTable.objects.filter(county=county).values_list("year", flat=True)) if county else set(),
        reverse=True,
    )
    year = chosen_year(request, county, [])
    coverage = (
        selectors.special_group_coverage(
            county_id=county.pk,
            year=year,
            department_id=own_department_id(request.user),
            township_id=own_township_id(request.user),
        )
        if county
        else []
    )
    table = CoverageTable(coverage)
    RequestConfig(request, paginate=False).configure(table)
    certified = sum(c.certified for c in coverage)
    covered = sum(c.covered for c in coverage)
    context = {
        "years": years,
        "year": year,
        "table": table,
        "certified": certified,
        "covered": covered,
        "rate": coverage_rate(covered, certified),
        "rate_display": percent(coverage_rate(covered, certified)),
    }
    return render(request, "quotas/special_groups.html", context)


# --- public notices ----------------------------------------------------------------------------------


def scoped_villages(user):
    villages = scope_by_county(Village.objects.select_related("township"), user, county_field="township__county")
    township_id = own_township_id(user)
    if township_id is not None:
        villages = villages.filter(township_id=township_id)
    return villages.order_by("township__code", "township__name", "code", "name")


@for_roles(*PLACE_READERS)
def notice_list(request):
    county = user_county(request.user)
    year = chosen_year(request, county, [])
    return render(request, "quotas/notice_list.html", {"villages": scoped_villages(request.user), "year": year})


def _notice(request, village_id: int):
    village = get_object_or_404(scoped_villages(request.user), pk=village_id)
    year = chosen_year(request, village.township.county, [])
    paid, unpaid = selectors.village_notice(village=village, year=year)
    return village, year, paid, unpaid


@for_roles(*PLACE_READERS)
def notice(request, village_id: int):
    village, year, paid, unpaid = _notice(request, village_id)
    paid_table, unpaid_table = NoticeTable(paid), NoticeTable(unpaid)
    for t in (paid_table, unpaid_table):
        RequestConfig(request, paginate=False).configure(t)
    context = {
        "village": village,
        "year": year,
        "paid_table": paid_table,
        "unpaid_table": unpaid_table,
        "paid_count": len(paid),
        "unpaid_count": len(unpaid),
        "today": timezone.localdate(),
    }
    return render(request, "quotas/notice.html", context)


@for_roles(*PLACE_READERS)
def notice_xlsx(request, village_id: int):
    village, year, paid, unpaid = _notice(request, village_id)
    title = _("%(township)s %(village)s: enrolment for benefit year %(year)s, public notice") % {
        "township": village.township.name,
        "village": village.name,
        "year": year,
    }
    headers = [_("No."), _("name"), _("ID number"), _("status")]

    def rows(results):
        return [[n, r.name, mask_id_number(r.id_number), r.get_status_display()] for n, r in enumerate(results, 1)]

    data = notice_workbook(
        title=title,
        headers=headers,
        sections=[
            (_("Paid (%(count)s)") % {"count": len(paid)}, rows(paid)),
            (_("Not paid (%(count)s)") % {"count": len(unpaid)}, rows(unpaid)),
        ],
    )
    record_export(
        user=request.user,
        kind="village_notice",
        rows=len(paid) + len(unpaid),
        description=f"{village.township.name}{village.name} {year}",
        filters={"village": village.pk, "year": year},
        full_ids=False,  # the notice shows masked ID numbers only
    )
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{village.township.name}{village.name}-{year}-公示.xlsx"
    )
    return response


# --- follow-up cases ---------------------------------------------------------------------------------


def scoped_cases(user):
    qs = FollowUpCase.objects.select_related("township", "village", "department", "recorded_by")
    return scope_people(qs, user, department_q=lambda department_id: Q(department_id=department_id))


class CaseListView(RoleRequiredMixin, SingleTableMixin, FilterView):
    template_name = "quotas/case_list.html"
    table_class = CaseTable
    filterset_class = CaseFilter
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return scoped_cases(self.request.user).order_by("status", "township__name", "village__name", "name")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        county = user_county(self.request.user)
        kwargs["county_id"] = county.pk if county else None
        kwargs["township_id"] = own_township_id(self.request.user)
        return kwargs

    def get_table_kwargs(self):
        return {"user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        base = self.get_queryset()
        context["open_count"] = base.filter(status=CaseStatus.OPEN).count()
        return context


@for_roles(*EVERYONE)
def case_detail(request, pk: int):
    case = get_object_or_404(scoped_cases(request.user), pk=pk)
    context = {
        "case": case,
        "id_shown": shown_id_number(case.id_number, request.user),
        "can_edit": role_of(request.user) in (BUREAU, TOWNSHIP),
    }
    return render(request, "quotas/case_detail.html", context)


@for_roles(BUREAU, TOWNSHIP)
def case_edit(request, pk: int):
    case = get_object_or_404(scoped_cases(request.user), pk=pk)
    if request.method == "POST":
        form = CaseRecordForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            case_record(
                case=case,
                user=request.user,
                reason=data["reason"],
                note=data["note"],
                evidence_file=data["evidence"] or None,
                close=data["close"],
            )
            messages.success(request, _("The case was saved."))
            return redirect("quotas:case_detail", pk=case.pk)
    else:
        form = CaseRecordForm(initial={"reason": case.reason, "note": case.note})
    return render(request, "quotas/case_edit.html", {"case": case, "form": form})


@for_roles(*EVERYONE)
def case_evidence(request, pk: int):
    """The evidence file, only through this access-checked view (media files are never served publicly)."""
    case = get_object_or_404(scoped_cases(request.user), pk=pk)
    if not case.evidence:
        raise Http404
    kind = evidence.kind_of_name(case.evidence.name)
    if kind is None:
        raise Http404
    try:
        handle = case.evidence.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    record_export(
        user=request.user,
        kind="case_evidence",
        rows=1,
        description=f"{case.name} {case.year}",
        filters={"case": case.pk},
        full_ids=False,  # the clerk's evidence document about one person
    )
    response = FileResponse(
        handle,
        content_type=evidence.content_type(kind),
        as_attachment=True,
        filename=f"{case.name}-{case.year}.{evidence.extension(kind)}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
