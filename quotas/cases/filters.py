"""Filters of the follow-up case list (django-filter)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enrollment.models import Township, Village
from quotas.cases.models import CaseReason, CaseStatus, FollowUpCase
from subsidies.models import Department


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("name or ID number"), method="search")
    status = django_filters.ChoiceFilter(label=_("status"), choices=CaseStatus.choices)
    reason = django_filters.ChoiceFilter(label=_("reason"), choices=CaseReason.choices)
    township = django_filters.ModelChoiceFilter(label=_("township"), queryset=Township.objects.none())
    village = django_filters.ModelChoiceFilter(label=_("village"), queryset=Village.objects.none())
    department = django_filters.ModelChoiceFilter(label=_("department"), queryset=Department.objects.all())

    class Meta:
        model = FollowUpCase
        fields = ["q", "status", "reason", "township", "village", "department"]

    def __init__(self, *args, county_id=None, township_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        townships = Township.objects.filter(county_id=county_id) if county_id else Township.objects.all()
        villages = Village.objects.filter(township__county_id=county_id) if county_id else Village.objects.all()
        if township_id:
            townships = townships.filter(pk=township_id)
            villages = villages.filter(township_id=township_id)
        self.filters["township"].queryset = townships
        self.filters["village"].queryset = villages.select_related("township")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(id_number=value.upper()))
