"""Imports over the API: the upload page's form, checks and services, answered in JSON.

POST /imports/ stores the file as a job and queues its dry run (as the upload page does); GET /imports/<id>/ is
the page's progress and preview; /errors/ its error workbook; /confirm/ and /cancel/ the page's two buttons,
with the same rules (`enrollment.imports.submitting`). An `Idempotency-Key` header makes a retried upload answer
with the job the first one created, before the retried body is even read.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import county_of
from accounts.models import Role
from api.base import NewestFirst, StrictSerializer, record_read
from api.exceptions import Conflict, error_body
from api.models import UploadKey
from enrollment.imports.forms import UPLOAD_KINDS, ImportUploadForm
from enrollment.imports.pipeline import ImportError_, can_skip_rejected, import_job_cancel
from enrollment.imports.selectors import import_job_get_for, import_jobs_visible_to
from enrollment.imports.submitting import RemovalsUnconfirmed, import_job_confirm, import_job_start
from enrollment.models import ImportJob, ImportStatus
from subsidies.models import Department

READERS = (Role.BUREAU, Role.AUDITOR, Role.DEPARTMENT)
WRITERS = (Role.BUREAU, Role.DEPARTMENT)
RUNNING = (ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.COMMITTING)
IDEMPOTENCY_HEADER = "Idempotency-Key"
# The form's field names as the API (and the import commands) call them.
FORM_FIELDS = {"snapshot_date": "date"}


# --- what a job looks like ------------------------------------------------------------------------------------


class RowProblemSerializer(serializers.Serializer):
    line = serializers.CharField(help_text=gettext_lazy("Line of the file (sheet and row for a workbook)."))
    column = serializers.CharField(help_text=gettext_lazy("Column as the file names it."))
    value = serializers.CharField(help_text=gettext_lazy("The value (ID numbers masked)."))
    reason = serializers.CharField(help_text=gettext_lazy("Why the row was rejected or warned about."))


class SkippedRowsSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class PreviewSerializer(serializers.Serializer):
    """The dry run's findings (job.summary), as the preview page shows them."""

    rows_read = serializers.IntegerField(default=0, help_text=gettext_lazy("Data rows read."))
    accepted = serializers.IntegerField(default=0, help_text=gettext_lazy("Rows accepted."))
    rejected = serializers.IntegerField(default=0, help_text=gettext_lazy("Rows rejected."))
    warned_rows = serializers.IntegerField(default=0, help_text=gettext_lazy("Accepted rows with warnings."))
    reasons = serializers.DictField(
        child=serializers.IntegerField(), default=dict, help_text=gettext_lazy("Rejected rows by reason.")
    )
    warnings = serializers.DictField(
        child=serializers.IntegerField(), default=dict, help_text=gettext_lazy("Warnings by reason.")
    )
    diff = serializers.JSONField(
        default=dict,
        help_text=gettext_lazy(
            "What committing would change: added, removed, changed, unchanged, removals_to_confirm."
        ),
    )
    bad_rows = RowProblemSerializer(many=True, default=list, help_text=gettext_lazy("The first rejected rows."))
    warn_rows = RowProblemSerializer(many=True, default=list, help_text=gettext_lazy("The first warnings."))
    skipped_rows = SkippedRowsSerializer(
        many=True, default=list, help_text=gettext_lazy("Rows that are not people (totals, titles, footers).")
    )
    skipped_total = serializers.IntegerField(default=0)
    file_warnings = serializers.ListField(child=serializers.CharField(), default=list)
    ignored_columns = serializers.ListField(child=serializers.CharField(), default=list)
    result = serializers.JSONField(default=None, help_text=gettext_lazy("What the commit changed (once committed)."))


class ProgressSerializer(serializers.Serializer):
    rows_processed = serializers.IntegerField()
    rows_total = serializers.IntegerField()
    percent = serializers.IntegerField(source="progress_percent")


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=gettext_lazy("register, roster or payments."))
    status = serializers.ChoiceField(choices=ImportStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    running = serializers.SerializerMethodField()
    message = serializers.CharField(help_text=gettext_lazy("Why the job stopped or was rejected, if it did."))
    county = serializers.CharField(source="county.code")
    department = serializers.CharField(source="department.code", default=None, allow_null=True)
    date = serializers.DateField(source="snapshot_date", allow_null=True)
    original_name = serializers.CharField()
    created_at = serializers.DateTimeField()
    committed_at = serializers.DateTimeField(allow_null=True)
    progress = ProgressSerializer(source="*")
    preview = PreviewSerializer(source="summary")
    removals_to_confirm = serializers.SerializerMethodField()
    can_confirm = serializers.SerializerMethodField()
    error_workbook = serializers.SerializerMethodField()

    def get_running(self, job) -> bool:
        return job.status in RUNNING

    def get_removals_to_confirm(self, job) -> int:
        """The number `confirm_removals` must repeat to commit this version (0: no confirmation needed)."""
        if job.status != ImportStatus.VALIDATED:
            return 0
        return int(((job.summary or {}).get("diff") or {}).get("removals_to_confirm", 0) or 0)

    def get_can_confirm(self, job) -> bool:
        return job.status == ImportStatus.VALIDATED and (not job.rows_rejected or can_skip_rejected(job.kind))

    def get_error_workbook(self, job) -> str | None:
        if not job.error_file:
            return None
        return self.context["request"].build_absolute_uri(reverse("api:import_errors", kwargs={"pk": job.pk}))


# --- requests -------------------------------------------------------------------------------------------------


class ImportUploadSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=UPLOAD_KINDS, help_text=gettext_lazy("register, roster or payments."))
    county = serializers.CharField(
        required=False, help_text=gettext_lazy("6-digit county code: your own county (may be left out).")
    )
    department = serializers.CharField(
        required=False, help_text=gettext_lazy("Department code of a roster, e.g. civil_affairs.")
    )
    date = serializers.DateField(
        required=False, help_text=gettext_lazy("Snapshot date of a roster (YYYY-MM-DD); today when left out.")
    )
    file = serializers.FileField(
        allow_empty_file=True,  # the upload checks refuse it, with the page's words
        help_text=gettext_lazy(".xlsx, .xls or .csv (UTF-8 or GBK)"),
    )


class ImportConfirmSerializer(StrictSerializer):
    skip_rejected = serializers.BooleanField(
        default=False, help_text=gettext_lazy("Commit without the rejected rows (never for a roster).")
    )
    confirm_removals = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text=gettext_lazy("The number of people the version removes, when the preview asks to confirm it."),
    )


def _form_for(request, data) -> ImportUploadForm:
    """The upload page's form with the API's fields: the county must be the user's own, a department by its code."""
    county = county_of(request.user)
    if data.get("county") and (county is None or data["county"] != county.code):
        raise ValidationError({"county": [serializers.ErrorDetail(_("Not your county."), code="wrong_county")]})
    department = ""
    if data.get("department"):
        found = Department.objects.filter(code=data["department"]).values_list("pk", flat=True).first()
        if found is None:
            raise ValidationError(
                {
                    "department": [
                        serializers.ErrorDetail(
                            _("Unknown department code: %(code)s") % {"code": data["department"]}, code="unknown"
                        )
                    ]
                }
            )
        department = str(found)
    form_data = {"kind": data["kind"], "department": department, "snapshot_date": data.get("date") or ""}
    return ImportUploadForm(form_data, {"file": data["file"]}, user=request.user)


def _form_error(form: ImportUploadForm) -> ValidationError:
    name, errors = next(iter(form.errors.as_data().items()))
    error = errors[0]
    message = error.messages[0]
    field = FORM_FIELDS.get(name, name)
    return ValidationError({field: [serializers.ErrorDetail(message, code=error.code or "invalid")]})


# --- views ----------------------------------------------------------------------------------------------------


class ImportListView(generics.ListAPIView):
    """The imports the token's user may see (newest first), and a new upload."""

    allowed_roles = READERS
    serializer_class = ImportJobSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return import_jobs_visible_to(self.request.user)

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description=gettext_lazy("A key of your choosing: a retried upload with it returns the same job."),
            )
        ],
        responses={
            202: ImportJobSerializer,
            200: OpenApiResponse(ImportJobSerializer, description=gettext_lazy("The job of an earlier upload.")),
        },
    )
    def post(self, request):
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if len(key) > 100:
            raise ValidationError(
                {IDEMPOTENCY_HEADER: [serializers.ErrorDetail(_("At most 100 characters."), code="max_length")]}
            )
        if key:  # looked up before the body is read: a retry costs no second upload
            earlier = _earlier_job(request, key)
            if earlier is not None:
                return self._job_response(earlier, status.HTTP_200_OK)
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        form = _form_for(request, upload.validated_data)
        if not form.is_valid():
            raise _form_error(form)
        data = form.cleaned_data
        try:
            with transaction.atomic():
                job, queue_error = import_job_start(
                    kind=data["kind"],
                    county=county_of(request.user),
                    upload=data["file"],
                    user=request.user,
                    department=data["department"],
                    snapshot_date=data["snapshot_date"],
                )
                if key:
                    UploadKey.objects.create(user=request.user, key=key, job=job)
                record_read(request, kind="import_upload", rows=0, description=job.original_name, filters={})
        except IntegrityError:  # the same key sent twice at once: the first upload's job
            earlier = _earlier_job(request, key)
            if earlier is None:
                raise
            return self._job_response(earlier, status.HTTP_200_OK)
        if queue_error:
            job.refresh_from_db()
        return self._job_response(import_job_get_for(request.user, job.pk), status.HTTP_202_ACCEPTED)

    def _job_response(self, job: ImportJob, code: int) -> Response:
        location = reverse("api:import_detail", kwargs={"pk": job.pk})
        return Response(self.get_serializer(job).data, status=code, headers={"Location": location})


def _earlier_job(request, key: str) -> ImportJob | None:
    job_id = UploadKey.objects.filter(user=request.user, key=key).values_list("job_id", flat=True).first()
    return import_jobs_visible_to(request.user).filter(pk=job_id).first() if job_id else None


class ImportDetailView(generics.RetrieveAPIView):
    """One import: status, progress, the preview (counts, changes, warnings, skipped and first bad rows)."""

    allowed_roles = READERS
    serializer_class = ImportJobSerializer

    def get_queryset(self):
        return import_jobs_visible_to(self.request.user)


class ImportErrorsView(APIView):
    """The rejected rows as uploaded, with 错误原因, as an .xlsx (the upload page's error workbook)."""

    allowed_roles = READERS

    @extend_schema(
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description=gettext_lazy("No such import, or it has no rejected rows.")),
        }
    )
    def get(self, request, pk):
        job = import_job_get_for(request.user, pk)
        if not job.error_file:
            raise NotFound(_("This import has no rejected rows."))
        record_read(request, kind="import_errors", rows=job.rows_rejected, description=job.original_name, filters={})
        return FileResponse(
            job.error_file.open("rb"), as_attachment=True, filename=job.error_file.name.rsplit("/", 1)[-1]
        )


class ImportConfirmView(generics.GenericAPIView):
    """Commit a previewed import in one transaction (queued), with the page's rules."""

    allowed_roles = WRITERS
    serializer_class = ImportJobSerializer

    @extend_schema(request=ImportConfirmSerializer, responses={202: ImportJobSerializer})
    def post(self, request, pk):
        job = import_job_get_for(request.user, pk)
        confirm = ImportConfirmSerializer(data=request.data)
        confirm.is_valid(raise_exception=True)
        try:
            queue_error = import_job_confirm(job=job, **confirm.validated_data)
        except RemovalsUnconfirmed as exc:
            raise ValidationError(
                {"confirm_removals": [serializers.ErrorDetail(str(exc), code="removals_unconfirmed")]}
            ) from exc
        except ImportError_ as exc:
            raise Conflict(str(exc), code="not_confirmable") from exc
        record_read(request, kind="import_confirm", rows=job.rows_accepted, description=job.original_name, filters={})
        if queue_error:
            return Response(error_body(code="queue_unavailable", message=queue_error), status=503)
        return Response(self.get_serializer(import_job_get_for(request.user, pk)).data, status=status.HTTP_202_ACCEPTED)


class ImportCancelView(generics.GenericAPIView):
    """Cancel an import that was not committed: its staged rows are dropped, nothing changes."""

    allowed_roles = WRITERS
    serializer_class = ImportJobSerializer

    @extend_schema(request=None, responses={200: ImportJobSerializer})
    def post(self, request, pk):
        job = import_job_get_for(request.user, pk)
        try:
            import_job_cancel(job_id=job.pk)
        except ImportError_ as exc:
            raise Conflict(str(exc), code="not_cancellable") from exc
        record_read(request, kind="import_cancel", rows=0, description=job.original_name, filters={})
        return Response(self.get_serializer(import_job_get_for(request.user, pk)).data)
