"""Reconciliation results with the results page's filters, scope and presenter, in cursor pages (no COUNT)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from accounts.access import scope_of, shown_id_number
from api.base import IdCursorPagination, KnownParamsMixin, record_read
from subsidies.models import EnrolmentStatus, Flag
from subsidies.reconciliation.filters import ResultFilter
from subsidies.reconciliation.presenter import present_winner, result_viewer
from subsidies.reconciliation.rules import flags_parse
from subsidies.reconciliation.selectors import benefit_years_for, results_visible_to


class ResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    id_number = serializers.CharField(help_text=gettext_lazy("Masked unless you may read it in full."))
    name = serializers.CharField()
    township = serializers.CharField(allow_null=True)
    village = serializers.CharField(allow_null=True)
    category = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("The winning category (another department's: only that it won).")
    )
    department = serializers.CharField(allow_null=True)
    subsidy = serializers.DecimalField(max_digits=12, decimal_places=2)
    topup = serializers.DecimalField(max_digits=12, decimal_places=2)
    personal_due = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=EnrolmentStatus.choices)
    benefit_start = serializers.DateField(allow_null=True)
    flags = serializers.ListField(child=serializers.ChoiceField(choices=Flag.choices))


FIELDS = (
    "id",
    "year",
    "id_number",
    "name",
    "township__name",
    "village__name",
    "category__name",
    "department__code",
    "department_id",
    "subsidy",
    "topup",
    "personal_due",
    "paid",
    "paid_on",
    "status",
    "benefit_start",
    "flags",
)


def _shown(row: dict, user, viewer) -> dict:
    winner = present_winner(
        viewer,
        department_id=row["department_id"],
        values={
            "category": row["category__name"],
            "department": row["department__code"],
            "benefit_start": row["benefit_start"],
        },
    )
    return {
        "id": row["id"],
        "year": row["year"],
        "id_number": shown_id_number(row["id_number"], user),
        "name": row["name"],
        "township": row["township__name"],
        "village": row["village__name"],
        "category": winner["category"],
        "department": winner["department"],
        "subsidy": row["subsidy"] or Decimal(0),
        "topup": row["topup"] or Decimal(0),
        "personal_due": row["personal_due"] or Decimal(0),
        "paid": row["paid"] or Decimal(0),
        "paid_on": row["paid_on"],
        "status": row["status"],
        "benefit_start": winner["benefit_start"],
        "flags": list(flags_parse(row["flags"])),
    }


FILTER_PARAMS = ("year", "q", "township", "village", "status", "category", "department", "flag")


class ResultListView(KnownParamsMixin, generics.ListAPIView):
    """The year's results the user may see, filtered as on the results page (`year`: the page's default year)."""

    serializer_class = ResultSerializer
    pagination_class = IdCursorPagination
    known_params = FILTER_PARAMS

    def get_queryset(self):
        user = self.request.user
        self.year = benefit_years_for(user).year_to_open(self.request.query_params.get("year"))
        scope = scope_of(user)
        filterset = ResultFilter(
            self.request.query_params,
            queryset=results_visible_to(user, year=self.year),
            county_id=scope.county_id,
            township_id=scope.own_township_id,
            department_id=result_viewer(user).department_id,
        )
        if not filterset.is_valid():
            name, errors = next(iter(filterset.errors.items()))
            raise serializers.ValidationError({name: [serializers.ErrorDetail(errors[0], code="invalid")]})
        return filterset.qs

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset().values(*FIELDS))
        viewer = result_viewer(request.user)
        rows = [_shown(row, request.user, viewer) for row in page]
        record_read(request, kind="reconciliation", rows=len(rows), description=str(self.year))
        return self.get_paginated_response(ResultSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT),
            OpenApiParameter("q", OpenApiTypes.STR, description=gettext_lazy("ID number or name")),
            OpenApiParameter("township", OpenApiTypes.INT),
            OpenApiParameter("village", OpenApiTypes.INT),
            OpenApiParameter("status", OpenApiTypes.STR, enum=EnrolmentStatus.values),
            OpenApiParameter("category", OpenApiTypes.INT),
            OpenApiParameter("department", OpenApiTypes.INT),
            OpenApiParameter("flag", OpenApiTypes.STR, enum=Flag.values),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
