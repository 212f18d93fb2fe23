from django.contrib import admin

from .models import ExportRecord, StaffProfile


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "county", "department", "township"]
    list_filter = ["role", "county", "department"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    """The export log: read-only evidence of who took which data out."""

    list_display = ["created_at", "username", "kind", "description", "rows", "full_ids"]
    list_filter = ["kind", "full_ids"]
    search_fields = ["username", "description"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ExportRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
