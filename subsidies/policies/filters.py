"""Filters of the policy list."""

import django_filters
from django.utils.translation import gettext_lazy as _

from subsidies.models import Policy


class PolicyFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("benefit year"))
    title = django_filters.CharFilter(label=_("title"), lookup_expr="icontains")

    class Meta:
        model = Policy
        fields = ["year", "title"]
