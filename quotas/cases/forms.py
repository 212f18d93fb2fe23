"""Forms of the quotas pages: recording a follow-up case."""

from django import forms
from django.utils.translation import gettext_lazy as _

from enrollment.files.filenames import UploadNameError, upload_name
from quotas.cases.models import CaseReason
from quotas.cases.services import evidence_check


class CaseRecordForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason not enrolled"), choices=[("", "—"), *CaseReason.choices], required=False)
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=2000)
    evidence = forms.FileField(
        label=_("evidence file"),
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    close = forms.BooleanField(label=_("close the case"), required=False)

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload:
            try:
                upload_name(upload.name)  # the stored name is ours (a uuid); an absurd name is still refused
            except UploadNameError as exc:
                raise forms.ValidationError(str(exc)) from exc
            evidence_check(upload)
        return upload

    def clean(self):
        data = super().clean()
        if data.get("close") and not data.get("reason"):
            self.add_error("reason", _("Choose a reason before closing the case."))
        return data
