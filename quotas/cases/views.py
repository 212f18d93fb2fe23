"""Quotas pages: ranking, progress charts, special groups, village notices, follow-up cases. Thin views.

Scopes (accounts/access.py): the bureau and auditors see their county; a township user sees only its own
township's units, villages and cases (another township's case or village is a 404); a department user sees
the special-group coverage and the cases of its own department. Auditors read only."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from accounts.access import (
    RoleRequiredMixin,
    role_of,
    scope_people,
    shown_id_number,
)
from accounts.exports import record_export
from quotas.cases import evidence
from quotas.cases.filters import CaseFilter
from quotas.cases.forms import CaseRecordForm
from quotas.cases.models import CaseStatus, FollowUpCase
from quotas.cases.services import case_record
from quotas.cases.tables import CaseTable
from quotas.progress.views import BUREAU, EVERYONE, TOWNSHIP, for_roles, own_township_id, user_county


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
