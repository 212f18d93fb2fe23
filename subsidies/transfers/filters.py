"""Filters of the transfer pages."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from subsidies.models import BatchStatus, Fund, LineKind, TransferBatch, TransferLine


class TransferBatchFilter(django_filters.FilterSet):
    month = django_filters.DateFilter(
        field_name="month",
        label=_("Month (first day)"),
        widget=django_filters.widgets.forms.DateInput({"type": "date"}),
    )
    fund = django_filters.ModelChoiceFilter(queryset=Fund.objects.all(), label=_("Paying fund"))
    status = django_filters.ChoiceFilter(choices=BatchStatus.choices, label=_("Status"))

    class Meta:
        model = TransferBatch
        fields = ["month", "fund", "status"]


class TransferLineFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or ID number"))
    kind = django_filters.ChoiceFilter(choices=LineKind.choices, label=_("Kind"))
    category = django_filters.ModelChoiceFilter(queryset=None, label=_("Category"))
    township = django_filters.ModelChoiceFilter(queryset=None, label=_("Township"))

    class Meta:
        model = TransferLine
        fields = ["q", "kind", "category", "township"]

    def __init__(self, *args, batch=None, **kwargs):
        super().__init__(*args, **kwargs)
        from enrollment.models import Township
        from subsidies.models import Category

        self.filters["category"].queryset = Category.objects.filter(county_id=batch.county_id)
        self.filters["township"].queryset = Township.objects.filter(county_id=batch.county_id)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(id_number__startswith=value.upper()))
