"""Reconciliation pages: the results (filtered, sorted, exported), the run history, a run's progress, 'run now'."""

from __future__ import annotations

import io
from datetime import date

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import DetailView
from django_filters.views import FilterView
from django_tables2 import LazyPaginator, SingleTableMixin, SingleTableView

from accounts.access import (
    RoleRequiredMixin,
    roles_required,
    scope_of,
    sees_full_ids,
    shown_id_number,
)
from accounts.exports import CSV, XLSX, download_response, record_export
from accounts.models import Role
from config.queue import QueueUnavailable
from subsidies.models import ReconciliationRun
from subsidies.policies.selectors import policy_years_visible_to
from subsidies.reconciliation.engine import ReconciliationError
from subsidies.reconciliation.exports import iter_csv, result_rows, write_xlsx
from subsidies.reconciliation.filters import ResultFilter
from subsidies.reconciliation.presenter import result_viewer
from subsidies.reconciliation.selectors import benefit_years_for, results_visible_to, runs_visible_to
from subsidies.reconciliation.tables import ResultTable, RunTable
from subsidies.tasks import reconcile_enqueue

READERS = (Role.BUREAU, Role.AUDITOR)


class ResultQuerysetMixin:
    """The results of one benefit year the user may see, with the page's filters applied."""

    def get_year(self) -> int:
        self.benefit_years = benefit_years_for(self.request.user)
        return self.benefit_years.year_to_open(self.request.GET.get("year"))

    def get_queryset(self):
        self.year = self.get_year()
        qs = results_visible_to(self.request.user, year=self.year)
        # (village, ID) is what the village index is sorted by: the first page of a village costs one index range.
        return qs.select_related("township", "village", "category", "department").order_by("village_id", "id_number")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        scope = scope_of(self.request.user)
        kwargs["county_id"] = scope.county_id
        kwargs["township_id"] = scope.own_township_id
        kwargs["department_id"] = result_viewer(self.request.user).department_id
        return kwargs


class ResultListView(RoleRequiredMixin, ResultQuerysetMixin, SingleTableMixin, FilterView):
    template_name = "subsidies/reconciliation_results.html"
    table_class = ResultTable
    filterset_class = ResultFilter
    paginator_class = LazyPaginator  # never COUNT(*) the county's million rows on a page view
    table_pagination = {"per_page": 50}

    def get_table_kwargs(self):
        return {"user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["years"] = self.benefit_years.years
        context["year"] = self.year
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("sort", None)
        context["export_query"] = query.urlencode()
        return context


class ResultExportView(RoleRequiredMixin, ResultQuerysetMixin, FilterView):
    """The filtered results as .xlsx or .csv (UTF-8 with BOM), IDs masked as on the page."""

    filterset_class = ResultFilter

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset(self.get_filterset_class())
        qs = filterset.qs if filterset.is_valid() else self.get_queryset().none()
        user = request.user
        rows = result_rows(qs, show_id=lambda number: shown_id_number(number, user), viewer=result_viewer(user))
        record_export(
            user=user,
            kind="reconciliation",
            rows=qs.count(),
            description=f"{self.year}",
            filters=request.GET.dict(),
            full_ids=sees_full_ids(user),
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        name = f"reconciliation-{self.year}-{stamp}"
        if request.GET.get("format") == "xlsx":
            buffer = io.BytesIO()
            write_xlsx(rows, buffer)
            return download_response(buffer.getvalue(), filename=f"{name}.xlsx", content_type=XLSX)
        return download_response(iter_csv(rows), filename=f"{name}.csv", content_type=CSV)


class RunStartForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("benefit year"), coerce=int)
    as_of = forms.DateField(label=gettext_lazy("as of"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    full = forms.BooleanField(
        label=gettext_lazy("full run"),
        required=False,
        help_text=gettext_lazy("Recompute everyone; otherwise only the people changed since the last run."),
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in years]


class RunListView(RoleRequiredMixin, SingleTableView):
    allowed_roles = READERS
    template_name = "subsidies/reconciliation_runs.html"
    table_class = RunTable
    table_pagination = {"per_page": 30}

    def get_queryset(self):
        return runs_visible_to(self.request.user).order_by("-started_at")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scope = scope_of(self.request.user)
        year = benefit_years_for(self.request.user).year_to_open(self.request.GET.get("year"))
        context["form"] = RunStartForm(years=policy_years_visible_to(self.request.user), initial={"year": year})
        context["can_run"] = scope.is_bureau
        return context


class RunDetailView(RoleRequiredMixin, DetailView):
    allowed_roles = READERS
    template_name = "subsidies/reconciliation_run.html"
    context_object_name = "run"

    def get_queryset(self):
        return runs_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        from subsidies.models import EnrolmentStatus

        context = super().get_context_data(**kwargs)
        labels = dict(EnrolmentStatus.choices)
        context["counts"] = [(labels.get(k, k), v) for k, v in (self.object.counts or {}).items()]
        return context


@roles_required(Role.BUREAU)
@require_POST
def run_start(request):
    """'Run now': record a run and hand it to the workers once this request commits."""
    county_id = scope_of(request.user).county_id
    if county_id is None:  # kept as a second line of defence: the guard already refuses users without a county
        messages.error(request, _("Your account is not tied to a county."))
        return redirect("subsidies:reconciliation_runs")
    form = RunStartForm(request.POST, years=policy_years_visible_to(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose a benefit year that has a policy."))
        return redirect("subsidies:reconciliation_runs")
    as_of: date | None = form.cleaned_data["as_of"]
    try:
        with transaction.atomic():
            run = reconcile_enqueue(
                county=county_id,
                year=form.cleaned_data["year"],
                as_of=as_of,
                full=form.cleaned_data["full"],
                user=request.user,
            )
    except ReconciliationError:
        messages.error(request, _("There is no policy for this benefit year."))
        return redirect("subsidies:reconciliation_runs")
    except QueueUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("subsidies:reconciliation_runs")
    messages.success(request, _("The reconciliation has started."))
    return redirect(get_object_or_404(ReconciliationRun, pk=run.pk))
