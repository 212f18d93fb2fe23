"""Filters of the reconciliation results page; choices are limited to the user's county."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enrollment.models import Township, Village
from subsidies.models import Category, Department, EnrolmentStatus, Flag, ReconciliationResult


class ResultFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("ID number or name"), method="filter_q")
    township = django_filters.ModelChoiceFilter(label=_("township"), queryset=Township.objects.none())
    village = django_filters.ModelChoiceFilter(label=_("village"), queryset=Village.objects.none())
    status = django_filters.ChoiceFilter(label=_("status"), choices=EnrolmentStatus.choices)
    category = django_filters.ModelChoiceFilter(label=_("category"), queryset=Category.objects.none())
    department = django_filters.ModelChoiceFilter(label=_("department"), queryset=Department.objects.all())
    flag = django_filters.ChoiceFilter(label=_("problem"), choices=Flag.choices, method="filter_flag")

    class Meta:
        model = ReconciliationResult
        fields = ["q", "township", "village", "status", "category", "department", "flag"]

    def __init__(self, *args, county_id=None, township_id=None, department_id=None, **kwargs):
        """`department_id`: a department user's, whose category and department choices are its own only (a
        filter on another department's category would say which one won: `reconciliation_presenter`)."""
        super().__init__(*args, **kwargs)
        townships = Township.objects.filter(county_id=county_id)
        villages = Village.objects.filter(township__county_id=county_id).select_related("township")
        if township_id is not None:
            townships = townships.filter(pk=township_id)
            villages = villages.filter(township_id=township_id)
        # A long select renders slowly: once a township (or a village) is chosen, offer that township's villages.
        selected = self.data.get("township") if self.data else None
        village = self.data.get("village") if self.data else None
        if selected and str(selected).isdigit():
            villages = villages.filter(township_id=selected)
        elif village and str(village).isdigit():
            villages = villages.filter(township__villages=village)
        self.filters["township"].queryset = townships
        self.filters["village"].queryset = villages
        categories = Category.objects.filter(county_id=county_id)
        if department_id is not None:
            categories = categories.filter(department_id=department_id)
            self.filters["department"].queryset = Department.objects.filter(pk=department_id)
        self.filters["category"].queryset = categories
        self.form.fields["q"].widget = forms.TextInput(attrs={"placeholder": _("ID number or name")})

    def filter_q(self, queryset, name, value):
        value = "".join(value.split()).upper()
        if not value:
            return queryset
        if len(value) == 18:
            return queryset.filter(id_number=value)
        if value[:-1].isdigit():
            return queryset.filter(id_number__startswith=value)
        return queryset.filter(Q(name__contains=value))

    def filter_flag(self, queryset, name, value):
        return queryset.filter(flags__contains=f";{value};") if value else queryset
