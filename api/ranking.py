"""Quota progress and ranking of a benefit year, as the ranking page computes it (one definition of rate and rank)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import scope_of
from accounts.models import Role
from api.base import KnownParamsMixin
from quotas.progress import selectors
from subsidies.reconciliation.selectors import benefit_years_for

PLACE_READERS = (Role.BUREAU, Role.AUDITOR, Role.TOWNSHIP)


class RankedUnitSerializer(serializers.Serializer):
    unit = serializers.CharField(source="unit.name")
    kind = serializers.CharField(source="unit.kind")
    township = serializers.CharField(source="unit.township.name", default=None, allow_null=True)
    enrolled = serializers.IntegerField()
    target = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=7, decimal_places=4, help_text=gettext_lazy("Completion rate, 0–1."))
    rank = serializers.IntegerField(help_text=gettext_lazy("Equal rates share a rank."))
    rate_change = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True)
    rank_change = serializers.IntegerField(allow_null=True)
    flagged = serializers.BooleanField(help_text=gettext_lazy("Among the bottom three in the last two snapshots."))


class RankingSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    table = serializers.CharField(
        source="ranking.table.title", default=None, allow_null=True, help_text=gettext_lazy("null: no quota table")
    )
    enrolled_total = serializers.IntegerField(source="ranking.enrolled_total", default=0)
    target_total = serializers.IntegerField(source="ranking.target_total", default=0)
    rate_total = serializers.DecimalField(
        source="ranking.rate_total", max_digits=7, decimal_places=4, default=None, allow_null=True
    )
    units = RankedUnitSerializer(many=True)


class QuotaRankingView(KnownParamsMixin, APIView):
    """Live progress per unit of the year's quota table, ranked (a township user: its own units)."""

    allowed_roles = PLACE_READERS
    known_params = ("year",)

    @extend_schema(parameters=[OpenApiParameter("year", OpenApiTypes.INT)], responses=RankingSerializer)
    def get(self, request):
        year = benefit_years_for(request.user).year_to_open(request.query_params.get("year"))
        table = selectors.quota_tables_visible_to(request.user).filter(year=year).first()
        if table is None:  # as the ranking page: the year has no quota table yet
            return Response(RankingSerializer({"year": year, "ranking": None, "units": []}).data)
        ranking = selectors.table_ranking(table=table)
        rows = ranking.rows
        township_id = scope_of(request.user).own_township_id
        if township_id is not None:
            rows = [r for r in rows if r.unit.township_id == township_id]
        return Response(RankingSerializer({"year": year, "ranking": ranking, "units": rows}).data)
