"""The header's search box."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("ID number or name"), max_length=50, strip=True)
