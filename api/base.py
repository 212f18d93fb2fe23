"""What every endpoint shares: strict request serializers, cursor pagination, and the record of what was read."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import CursorPagination

from accounts.access import sees_full_ids
from accounts.exports import record_export
from accounts.models import ApiToken


class StrictSerializer(serializers.Serializer):
    """A request body naming a field the endpoint does not know is refused (a typo must not pass silently)."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {unknown[0]: [serializers.ErrorDetail(_("Unknown field."), code="unknown_field")]}
                )
        return super().to_internal_value(data)


class IdCursorPagination(CursorPagination):
    """Pages of 100 (at most 1,000) in id order: no COUNT, and a page costs one index range however deep."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "id"


class NewestFirst(IdCursorPagination):
    ordering = "-id"


def token_name(request) -> str:
    return request.auth.name if isinstance(request.auth, ApiToken) else ""


def record_read(request, *, kind: str, rows: int, description: str = "", filters: dict | None = None) -> None:
    """A request that handed out people's rows (or changed data), kept like the pages' exports, with its token."""
    record_export(
        user=request.user,
        kind=f"api_{kind}",
        rows=rows,
        description=description,
        filters=filters if filters is not None else request.query_params.dict(),
        full_ids=sees_full_ids(request.user),
        token_name=token_name(request),
    )


class KnownParamsMixin:
    """A list endpoint refuses query parameters it does not know (`known_params` beside the cursor's)."""

    known_params: tuple[str, ...] = ()

    def check_params(self, request) -> None:
        allowed = {*self.known_params, "cursor", "page_size"}
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise serializers.ValidationError(
                {unknown[0]: [serializers.ErrorDetail(_("Unknown parameter."), code="unknown_parameter")]}
            )

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.check_params(request)
