"""Forms of the transfer pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from subsidies.transfers.rules import parse_month


class MonthField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_month(value)
        except ValueError as exc:
            raise forms.ValidationError(_("Month must look like 2024-03.")) from exc


class BuildForm(forms.Form):
    month = MonthField(label=_("Month"), help_text=_("For example 2024-03."))


class CounterpartForm(forms.Form):
    year = forms.IntegerField(label=_("Benefit year"), min_value=2000, max_value=2100)


class AdjustmentForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    year = forms.IntegerField(label=_("Benefit year"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=12, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()
