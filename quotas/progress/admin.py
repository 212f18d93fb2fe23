"""Admin for progress snapshots: read-only, with their rows inline."""

from django.contrib import admin

from quotas.models import ProgressSnapshot, SnapshotRow


class SnapshotRowInline(admin.TabularInline):
    model = SnapshotRow
    extra = 0
    fields = ("unit", "enrolled", "target", "rate", "rank")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProgressSnapshot)
class ProgressSnapshotAdmin(admin.ModelAdmin):
    list_display = ("table", "taken_at", "taken_by")
    list_filter = ("table__year", "table__county")
    date_hierarchy = "taken_at"
    readonly_fields = ("table", "taken_at", "taken_by")
    inlines = [SnapshotRowInline]

    # A snapshot is a record of the past: taken by the service, never added, edited or deleted by hand.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
