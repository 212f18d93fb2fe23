"""Follow-up case pages: the list, one case, recording why a person is not enrolled, and its evidence. Thin views.

Scopes (accounts/access.py): the bureau and auditors see their county; a township user sees only its own
township's units, villages and cases (another township's case or village is a 404); a department user sees
the special-group coverage and the cases of its own department. Auditors read only."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from accounts.access import RoleRequiredMixin, roles_required, scope_of, shown_id_number
from accounts.exports import record_export
from quotas.cases import evidence
from quotas.cases.filters import CaseFilter
from quotas.cases.forms import CaseRecordForm
from quotas.cases.models import CaseStatus
from quotas.cases.selectors import case_get_for, cases_visible_to
from quotas.cases.services import case_record
from quotas.cases.tables import CaseTable
from quotas.progress.views import BUREAU, EVERYONE, TOWNSHIP


class CaseListView(RoleRequiredMixin, SingleTableMixin, FilterView):
    template_name = "quotas/case_list.html"
    table_class = CaseTable
    filterset_class = CaseFilter
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return cases_visible_to(self.request.user).order_by("status", "township__name", "village__name", "name")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        scope = scope_of(self.request.user)
        kwargs["county_id"] = scope.county_id
        kwargs["township_id"] = scope.own_township_id
        return kwargs

    def get_table_kwargs(self):
        return {"user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        base = self.get_queryset()
        context["open_count"] = base.filter(status=CaseStatus.OPEN).count()
        return context


@roles_required(*EVERYONE)
def case_detail(request, pk: int):
    case = case_get_for(request.user, pk)
    context = {
        "case": case,
        "id_shown": shown_id_number(case.id_number, request.user),
        "can_edit": scope_of(request.user).role in (BUREAU, TOWNSHIP),
    }
    return render(request, "quotas/case_detail.html", context)


@roles_required(BUREAU, TOWNSHIP)
def case_edit(request, pk: int):
    case = case_get_for(request.user, pk)
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


@roles_required(*EVERYONE)
def case_evidence(request, pk: int):
    """The evidence file, only through this access-checked view (media files are never served publicly)."""
    case = case_get_for(request.user, pk)
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
