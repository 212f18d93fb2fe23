"""Roster versions and their changes (a department only its own), through the roster pages' selectors."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from accounts.access import shown_id_number
from accounts.models import Role
from api.base import IdCursorPagination, KnownParamsMixin, NewestFirst, record_read
from subsidies.models import RosterChange
from subsidies.rosters.selectors import roster_changes_of, roster_version_get_for, roster_versions_visible_to

READERS = (Role.BUREAU, Role.AUDITOR, Role.DEPARTMENT)


class RosterVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    department = serializers.CharField(source="department.code")
    number = serializers.IntegerField(help_text=gettext_lazy("Version number within the department."))
    date = serializers.DateField(source="snapshot_date", help_text=gettext_lazy("The date the roster describes."))
    import_job = serializers.IntegerField(source="import_job_id", allow_null=True)
    rows = serializers.IntegerField()
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class RosterChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RosterChange.Kind.choices)
    id_number = serializers.SerializerMethodField(help_text=gettext_lazy("Masked unless you may read it in full."))
    name = serializers.CharField()
    old_category = serializers.CharField(source="old_category.name", default=None, allow_null=True)
    new_category = serializers.CharField(source="new_category.name", default=None, allow_null=True)

    def get_id_number(self, change) -> str:
        return shown_id_number(change.id_number, self.context["request"].user)


class RosterVersionListView(KnownParamsMixin, generics.ListAPIView):
    """Roster versions, newest first; `department` filters by department code."""

    allowed_roles = READERS
    serializer_class = RosterVersionSerializer
    known_params = ("department",)
    pagination_class = NewestFirst

    def get_queryset(self):
        qs = roster_versions_visible_to(self.request.user)
        code = self.request.query_params.get("department")
        return qs.filter(department__code=code) if code else qs

    @extend_schema(parameters=[OpenApiParameter("department", OpenApiTypes.STR)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RosterVersionDetailView(generics.RetrieveAPIView):
    allowed_roles = READERS
    serializer_class = RosterVersionSerializer

    def get_queryset(self):
        return roster_versions_visible_to(self.request.user)


class RosterChangeListView(KnownParamsMixin, generics.ListAPIView):
    """The diff of one version against the one before: added, removed, category changed (`kind` filters)."""

    allowed_roles = READERS
    serializer_class = RosterChangeSerializer
    pagination_class = IdCursorPagination
    known_params = ("kind",)

    def get_queryset(self):
        version = roster_version_get_for(self.request.user, self.kwargs["pk"])
        return roster_changes_of(version=version, kind=self.request.query_params.get("kind"))

    @extend_schema(parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=RosterChange.Kind.values)])
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        record_read(request, kind="roster_changes", rows=len(response.data["results"]), description=str(kwargs["pk"]))
        return response
