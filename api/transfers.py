"""Transfer batches and their lines (a department only its fund's), through the transfer pages' selectors."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from accounts.access import shown_id_number
from accounts.models import Role
from api.base import IdCursorPagination, KnownParamsMixin, NewestFirst, record_read
from subsidies.models import BatchStatus, LineKind
from subsidies.transfers.selectors import batch_get_for, batches_visible_to

READERS = (Role.BUREAU, Role.AUDITOR, Role.DEPARTMENT)


class BatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    fund = serializers.CharField(source="fund.code")
    month = serializers.DateField(help_text=gettext_lazy("The first day of the month."))
    status = serializers.ChoiceField(choices=BatchStatus.choices)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    lines_count = serializers.IntegerField()
    built_at = serializers.DateTimeField()


class LineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    id_number = serializers.SerializerMethodField(help_text=gettext_lazy("Masked unless you may read it in full."))
    name = serializers.CharField()
    township = serializers.CharField(source="township.name", default=None, allow_null=True)
    category = serializers.CharField(source="category.name", default=None, allow_null=True)
    kind = serializers.ChoiceField(choices=LineKind.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    reason = serializers.CharField()

    def get_id_number(self, line) -> str:
        return shown_id_number(line.id_number, self.context["request"].user)


class BatchListView(KnownParamsMixin, generics.ListAPIView):
    """Transfer batches, newest first; `status` filters (a finance system reads the approved ones)."""

    allowed_roles = READERS
    serializer_class = BatchSerializer
    known_params = ("status",)
    pagination_class = NewestFirst

    def get_queryset(self):
        qs = batches_visible_to(self.request.user)
        wanted = self.request.query_params.get("status")
        return qs.filter(status=wanted) if wanted else qs

    @extend_schema(parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=BatchStatus.values)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BatchDetailView(generics.RetrieveAPIView):
    allowed_roles = READERS
    serializer_class = BatchSerializer

    def get_queryset(self):
        return batches_visible_to(self.request.user)


class BatchLineListView(KnownParamsMixin, generics.ListAPIView):
    """The lines of one batch."""

    allowed_roles = READERS
    serializer_class = LineSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        batch = batch_get_for(self.request.user, self.kwargs["pk"])
        return batch.lines.select_related("township", "category")

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        record_read(request, kind="transfer_lines", rows=len(response.data["results"]), description=str(kwargs["pk"]))
        return response
