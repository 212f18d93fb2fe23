from django.contrib import admin

from accounts.models import ExportRecord, StaffProfile
from accounts.permissions import roles_grantable


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    """Staff profiles of the county; county and township choices are the county's (accounts/admin_mixins.py)."""

    list_display = ["user", "role", "county", "department", "township"]
    list_filter = ["role", "county", "department"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "role" not in form.base_fields:
            return form
        allowed = set(roles_grantable(request.user))
        if obj is not None:
            allowed.add(obj.role)  # a profile keeps the role it has (it is not granted again)
        field = form.base_fields["role"]
        field.choices = [(value, label) for value, label in field.choices if not value or value in allowed]
        return form


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    """The export log: read-only evidence of who took which data out."""

    list_display = ["created_at", "username", "token_name", "kind", "description", "rows", "full_ids"]
    list_filter = ["kind", "full_ids"]
    search_fields = ["username", "token_name", "description"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ExportRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
