"""The upload form: which kind, for which department and date, and the file (checked by content)."""

import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.access import scope_of
from enrollment.files.filenames import UploadNameError, split_name, upload_name
from enrollment.files.uploads import UploadError, check_upload
from enrollment.models import ImportJob, ImportKind
from enrollment.places.clock import county_today

# The departments a job belongs to: the model its foreign key names (subsidies', a higher layer: not imported).
Department = ImportJob._meta.get_field("department").related_model

UPLOAD_KINDS = [(k.value, k.label) for k in (ImportKind.REGISTER, ImportKind.ROSTER, ImportKind.PAYMENTS)]


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=UPLOAD_KINDS)
    department = forms.ModelChoiceField(
        label=_("department"), queryset=Department.objects.filter(is_active=True), required=False
    )
    snapshot_date = forms.DateField(
        label=_("snapshot date"),
        required=False,
        help_text=_("The date the roster describes; today when empty."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    file = forms.FileField(label=_("file"), help_text=_(".xlsx, .xls or .csv (UTF-8 or GBK)"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope_of(user)
        department_id = self.scope.own_department_id
        if department_id is not None:
            # A department uploads only its own roster.
            self.fields["kind"].choices = [(ImportKind.ROSTER.value, ImportKind.ROSTER.label)]
            self.fields["department"].queryset = Department.objects.filter(pk=department_id)
            self.fields["department"].initial = department_id
            self.fields["department"].required = True

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            upload_name(upload.name)  # stored under a cleaned, shortened name (import_job_create)
        except UploadNameError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; at most %(limit)s MB may be uploaded.")
                % {"size": round(upload.size / 1024**2, 1), "limit": round(settings.UPLOAD_MAX_BYTES / 1024**2)}
            )
        path = getattr(upload, "temporary_file_path", None)
        if path:
            self._check(Path(path()), upload.name)
        else:
            with tempfile.NamedTemporaryFile(suffix=split_name(upload.name)[1]) as tmp:
                for chunk in upload.chunks():
                    tmp.write(chunk)
                tmp.flush()
                self._check(Path(tmp.name), upload.name)
            upload.seek(0)
        return upload

    def _check(self, path: Path, name: str) -> None:
        try:
            check_upload(path, max_bytes=settings.UPLOAD_MAX_BYTES, original_name=name)
        except UploadError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self):
        data = super().clean()
        if data.get("kind") == ImportKind.ROSTER:
            if not data.get("department"):
                self.add_error("department", _("A roster import needs its department."))
            today = county_today(self.scope.county_id)  # the demo county's as-of date, else the local date
            if not data.get("snapshot_date"):
                data["snapshot_date"] = today
            elif data["snapshot_date"] > today:
                self.add_error("snapshot_date", _("The snapshot date cannot lie in the future."))
        else:
            data["department"] = None
            data["snapshot_date"] = None
        return data
