"""Transfer batch pages: list, detail, build, lifecycle buttons, downloads, fiscal counterpart report.

Every queryset goes through accounts.access: department users see only their own fund's batches; only the
bureau builds and moves batches (auditors read only); the services refuse self-approval with a Chinese message.
"""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from accounts.access import RoleRequiredMixin, county_of, roles_required, scope_of, sees_full_ids
from accounts.exports import CSV, XLSX, download_response, record_export
from accounts.models import Role
from subsidies.models import BatchStatus, FiscalLevel
from subsidies.reconciliation.selectors import benefit_years_for
from subsidies.transfers import services as transfers
from subsidies.transfers.exports import batch_csv, batch_workbook, export_filename
from subsidies.transfers.filters import TransferBatchFilter, TransferLineFilter
from subsidies.transfers.forms import AdjustmentForm, BuildForm, CounterpartForm
from subsidies.transfers.selectors import batch_get_for, batch_lines_of, batches_visible_to
from subsidies.transfers.tables import TransferBatchTable, TransferLineTable

READERS = (Role.BUREAU, Role.AUDITOR, Role.DEPARTMENT)


class TransferBatchListView(RoleRequiredMixin, SingleTableMixin, FilterView):
    allowed_roles = READERS
    table_class = TransferBatchTable
    filterset_class = TransferBatchFilter
    template_name = "subsidies/transfer_list.html"
    paginate_by = 50

    def get_queryset(self):
        return batches_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["build_form"] = BuildForm()
        return context


# Which buttons a batch shows in each status: (target status, label).
BUTTONS = {
    BatchStatus.DRAFT: [(BatchStatus.CHECKED, gettext_lazy("Mark as checked"))],
    BatchStatus.CHECKED: [
        (BatchStatus.APPROVED, gettext_lazy("Approve")),
        (BatchStatus.DRAFT, gettext_lazy("Send back to draft")),
    ],
    BatchStatus.APPROVED: [(BatchStatus.EXPORTED, gettext_lazy("Export for the finance office"))],
    BatchStatus.EXPORTED: [(BatchStatus.CONFIRMED, gettext_lazy("Confirm payment"))],
    BatchStatus.CONFIRMED: [],
}


@roles_required(*READERS)
def transfer_detail(request, pk):
    batch = batch_get_for(request.user, pk)
    lines = batch_lines_of(batch)
    line_filter = TransferLineFilter(request.GET or None, queryset=lines, batch=batch)
    table = TransferLineTable(line_filter.qs, user=request.user)
    RequestConfig(request, paginate={"per_page": 100}).configure(table)
    return render(
        request,
        "subsidies/transfer_detail.html",
        {
            "batch": batch,
            "filter": line_filter,
            "table": table,
            "totals": transfers.batch_totals(batch),
            "events": batch.events.select_related("user").order_by("at", "pk"),
            "buttons": BUTTONS[BatchStatus(batch.status)],
            "can_act": scope_of(request.user).is_bureau,
            "final": batch.status in (BatchStatus.EXPORTED, BatchStatus.CONFIRMED),
            "adjustment_form": AdjustmentForm() if batch.status == BatchStatus.DRAFT else None,
        },
    )


@roles_required(Role.BUREAU)
@require_POST
def transfer_build(request):
    form = BuildForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("month", []):
            messages.error(request, error)
        return redirect("subsidies:transfer_list")
    county = county_of(request.user)
    built = transfers.batch_build(county=county, month=form.cleaned_data["month"], user=request.user)
    messages.success(
        request,
        _("%(batches)s batches built for %(month)s, %(lines)s lines added.")
        % {"batches": len(built.batches), "month": f"{built.month:%Y-%m}", "lines": built.lines},
    )
    for batch in built.frozen:
        messages.warning(
            request,
            _("%(number)s is %(status)s: left unchanged")
            % {"number": batch.number, "status": batch.get_status_display()},
        )
    if built.unfunded:
        messages.warning(
            request,
            _("%(count)s people are owed a subsidy whose category has no paying fund in the policy.")
            % {"count": built.unfunded},
        )
    return redirect("subsidies:transfer_list")


@roles_required(Role.BUREAU)
def transfer_transition(request, pk):
    batch = batch_get_for(request.user, pk)  # another county's batch: 404, whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        transfers.batch_transition(batch_id=batch.pk, target=request.POST.get("target", ""), user=request.user)
    except transfers.InvalidBatchTransition as exc:
        messages.error(request, str(exc))
    else:
        batch.refresh_from_db()
        messages.success(
            request,
            _("Batch %(number)s is now %(status)s.") % {"number": batch.number, "status": batch.get_status_display()},
        )
    return redirect("subsidies:transfer_detail", pk=batch.pk)


@roles_required(Role.BUREAU)
def transfer_adjust(request, pk):
    batch = batch_get_for(request.user, pk)  # another county's batch: 404, whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = AdjustmentForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}：{error}" if label else error)
        return redirect("subsidies:transfer_detail", pk=batch.pk)
    try:
        transfers.adjustment_add(
            county=batch.county,
            fund=batch.fund,
            month=batch.month,
            user=request.user,
            **form.cleaned_data,
        )
    except transfers.InvalidBatchTransition as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Adjustment added"))
    return redirect("subsidies:transfer_detail", pk=batch.pk)


def _download(request, pk, extension):
    batch = batch_get_for(request.user, pk)
    full_ids = sees_full_ids(request.user)
    record_export(
        user=request.user,
        kind="transfer_batch",
        rows=batch.lines.count(),
        description=f"{batch.number} .{extension}",
        full_ids=full_ids,
    )
    if extension == "xlsx":
        body, content_type = batch_workbook(batch=batch, full_ids=full_ids), XLSX
    else:
        body, content_type = batch_csv(batch=batch, full_ids=full_ids), CSV
    return download_response(body, filename=export_filename(batch, extension), content_type=content_type)


@roles_required(*READERS)
def transfer_download_xlsx(request, pk):
    return _download(request, pk, "xlsx")


@roles_required(*READERS)
def transfer_download_csv(request, pk):
    return _download(request, pk, "csv")


@roles_required(Role.BUREAU, Role.AUDITOR)
def transfer_counterpart(request):
    year = benefit_years_for(request.user).year_to_open(request.GET.get("year"))
    form = CounterpartForm(request.GET or None, initial={"year": year})
    report, rows = None, []
    if form.is_valid():
        report = transfers.counterpart_report(county=county_of(request.user), year=form.cleaned_data["year"])
        labels = dict(FiscalLevel.choices)
        rows = [
            {"label": labels.get(r.level, r.level), "per_person": r.per_person, "people": r.people, "total": r.total}
            for r in report.rows
        ]
    return render(request, "subsidies/transfer_counterpart.html", {"form": form, "report": report, "rows": rows})
