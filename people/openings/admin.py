"""The log of file openings in the admin: read-only evidence of who looked at whom."""

from django.contrib import admin

from people.openings.models import FileOpening


@admin.register(FileOpening)
class FileOpeningAdmin(admin.ModelAdmin):
    list_display = ["opened_at", "username", "page", "id_number", "household_number", "year"]
    list_filter = ["page"]
    search_fields = ["username"]  # never the ID number: a search puts it in the URL
    date_hierarchy = "opened_at"
    readonly_fields = [f.name for f in FileOpening._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
