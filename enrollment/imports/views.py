"""Import pages: upload → progress → preview → confirm or cancel → progress → result; templates to download.

Every queryset goes through accounts.access: a department user uploads only its own roster and sees only
its own department's imports; auditors read; the bureau sees its county. Views call one service each.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig

from accounts.access import can_write, county_of, profile_of, roles_required, scope_of
from accounts.exports import XLSX, download_response, record_export
from accounts.models import Role
from config.queue import QueueUnavailable, send_on_commit
from enrollment.files.templates import template_workbook
from enrollment.imports.forms import ImportUploadForm
from enrollment.imports.pipeline import ImportError_, can_skip_rejected, import_job_cancel, import_job_revalidate
from enrollment.imports.registry import kind_entry, label_categories
from enrollment.imports.selectors import import_job_get_for, import_jobs_visible_to
from enrollment.imports.submitting import import_job_confirm, import_job_start
from enrollment.imports.tables import ImportJobTable
from enrollment.models import ImportJob, ImportKind, ImportStatus
from enrollment.tasks import validate_import

READERS = (Role.BUREAU, Role.AUDITOR, Role.DEPARTMENT)
WRITERS = (Role.BUREAU, Role.DEPARTMENT)
RUNNING = (ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.COMMITTING)
# The departments a job belongs to: the model its foreign key names (subsidies', a higher layer: not imported).
Department = ImportJob._meta.get_field("department").related_model


@roles_required(*READERS)
def import_list(request):
    table = ImportJobTable(import_jobs_visible_to(request.user))
    RequestConfig(request, paginate={"per_page": 30}).configure(table)
    return render(request, "enrollment/import_list.html", {"table": table})


def _job_stopped(job_id: int, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.FAILED, message=message)


@roles_required(*WRITERS)
def import_upload(request):
    county = county_of(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        job, queue_error = import_job_start(
            kind=data["kind"],
            county=county,
            upload=data["file"],
            user=request.user,
            department=data["department"],
            snapshot_date=data["snapshot_date"],
        )
        if queue_error:
            messages.error(request, queue_error)
        return redirect("enrollment:import_detail", pk=job.pk)
    return render(request, "enrollment/import_upload.html", {"form": form, "kinds": _template_links(request.user)})


def _template_links(user):
    department_id = scope_of(user).own_department_id
    departments = Department.objects.filter(is_active=True)
    if department_id is not None:
        departments = departments.filter(pk=department_id)
        return {"kinds": [], "departments": departments}
    return {"kinds": [ImportKind.REGISTER, ImportKind.PAYMENTS], "departments": departments}


@roles_required(*READERS)
def import_detail(request, pk):
    job = import_job_get_for(request.user, pk)
    summary = job.summary or {}
    scope = scope_of(request.user)
    writer = can_write(request.user)
    can_act = writer and job.status == ImportStatus.VALIDATED
    preview = summary.get("diff") or {}
    context = {
        "job": job,
        "summary": summary,
        "running": job.status in RUNNING,
        "can_confirm": can_act and (not job.rows_rejected or can_skip_rejected(job.kind)),
        "can_cancel": writer and job.status in (ImportStatus.VALIDATED, ImportStatus.INVALID, ImportStatus.FAILED),
        "diff": summary.get("result") or summary.get("diff") or {},
        "committed": job.status == ImportStatus.COMMITTED,
        # A version removing a large share of the previous one's people: the form asks to confirm the number.
        "removals_to_confirm": preview.get("removals_to_confirm", 0) if job.status == ImportStatus.VALIDATED else 0,
        "previous_people": preview.get("previous", 0),
        "can_revalidate": writer and job.status in (ImportStatus.VALIDATED, ImportStatus.INVALID, ImportStatus.FAILED),
        # The bureau may give a label no category took to one of the department's categories.
        "alias_categories": (
            label_categories(kind=job.kind, county=job.county, department=job.department)
            if scope.is_bureau
            and job.kind == ImportKind.ROSTER
            and summary.get("unknown_categories")
            and job.status in (ImportStatus.VALIDATED, ImportStatus.INVALID)
            else []
        ),
    }
    return render(request, "enrollment/import_detail.html", context)


def _posted_int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


@roles_required(*READERS)
def import_status(request, pk):
    job = import_job_get_for(request.user, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_display": job.get_status_display(),
            "rows_processed": job.rows_processed,
            "rows_total": job.rows_total,
            "percent": job.progress_percent,
            "running": job.status in RUNNING,
        }
    )


@roles_required(*WRITERS)
def import_confirm(request, pk):
    job = import_job_get_for(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        queue_error = import_job_confirm(
            job=job,
            skip_rejected=request.POST.get("skip_rejected") == "1",
            confirm_removals=_posted_int(request.POST.get("confirm_removals")),
        )
    except ImportError_ as exc:
        messages.error(request, str(exc))
    else:
        if queue_error:
            messages.error(request, queue_error)
    return redirect("enrollment:import_detail", pk=job.pk)


def _revalidate(request, job) -> None:
    """The same upload checked again (the dry run reads the stored file): no upload needed."""
    try:
        import_job_revalidate(job_id=job.pk)
    except ImportError_ as exc:
        messages.error(request, str(exc))
        return
    try:
        send_on_commit(validate_import, job.pk, on_failure=lambda message: _job_stopped(job.pk, message))
    except QueueUnavailable as exc:
        messages.error(request, str(exc))


@roles_required(*WRITERS)
def import_revalidate(request, pk):
    job = import_job_get_for(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _revalidate(request, job)
    return redirect("enrollment:import_detail", pk=job.pk)


@roles_required(Role.BUREAU)
def import_alias(request, pk):
    """The bureau gives an unknown label of a roster upload to one of the department's categories (kept in the
    category's audit trail), then the same upload is checked again."""
    job = import_job_get_for(request.user, pk, kind=ImportKind.ROSTER)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    labels = {label for label, _count in (job.summary or {}).get("unknown_categories", [])}
    label = request.POST.get("label", "")
    chosen = request.POST.get("category") or ""
    category = next(
        (
            c
            for c in label_categories(kind=job.kind, county=job.county, department=job.department)
            if str(c.pk) == chosen
        ),
        None,
    )
    if label not in labels or category is None:
        messages.error(request, _("Choose one of the department's categories for a label of this upload."))
        return redirect("enrollment:import_detail", pk=job.pk)
    try:
        added = kind_entry(job.kind).label_add(category=category, label=label, user=request.user)
    except ImportError_ as exc:
        messages.error(request, str(exc))
        return redirect("enrollment:import_detail", pk=job.pk)
    if added:
        messages.success(
            request,
            _("“%(label)s” is now a label of the category “%(category)s”; the upload is checked again.")
            % {"label": label, "category": category.name},
        )
    _revalidate(request, job)
    return redirect("enrollment:import_detail", pk=job.pk)


@roles_required(*WRITERS)
def import_cancel(request, pk):
    job = import_job_get_for(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        import_job_cancel(job_id=job.pk)
        messages.success(request, _("The import was cancelled; nothing was changed."))
    except ImportError_ as exc:
        messages.error(request, str(exc))
    return redirect("enrollment:import_detail", pk=job.pk)


@roles_required(*READERS)
def import_errors(request, pk):
    job = import_job_get_for(request.user, pk)
    if not job.error_file:
        messages.info(request, _("This import has no rejected rows."))
        return redirect("enrollment:import_detail", pk=job.pk)
    record_export(
        user=request.user,
        kind="import_errors",
        rows=job.rows_rejected,
        description=job.original_name,
        full_ids=True,  # the uploader's own rows, as uploaded
    )
    return FileResponse(job.error_file.open("rb"), as_attachment=True, filename=job.error_file.name.rsplit("/", 1)[-1])


@roles_required(*READERS)
def import_template(request, kind):
    if kind not in (ImportKind.REGISTER, ImportKind.ROSTER, ImportKind.PAYMENTS):
        raise Http404
    department = None
    county = county_of(request.user)
    if kind == ImportKind.ROSTER:
        if scope_of(request.user).own_department_id is not None:
            department = profile_of(request.user).department
        else:
            code = request.GET.get("department")
            department = Department.objects.filter(code=code).first() if code else None
    categories = []
    if department is not None and county is not None:
        categories = [c.name for c in label_categories(kind=kind, county=county, department=department)]
    data, filename = template_workbook(
        kind=kind, department_name=department.name if department else "", categories=categories
    )
    return download_response(data, filename=filename, content_type=XLSX)
