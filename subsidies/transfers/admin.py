"""Admin for transfer batches: read-only. Batches are built and moved by the services, never edited by hand.

An approved batch is immutable; a draft is rebuilt by the build service, so no batch, line or event is ever
added, changed or deleted here.
"""

from django.contrib import admin

from subsidies.models import BatchEvent, TransferBatch, TransferLine


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BatchEventInline(ReadOnlyInline):
    model = BatchEvent
    fields = ("status", "user", "at", "note")
    readonly_fields = fields


@admin.register(TransferBatch)
class TransferBatchAdmin(admin.ModelAdmin):
    list_display = ("number", "county", "fund", "month", "status", "lines_count", "total", "built_by")
    list_filter = ("status", "fund", "county")
    search_fields = ("number",)
    date_hierarchy = "month"
    inlines = [BatchEventInline]
    readonly_fields = ("county", "fund", "month", "number", "status", "total", "lines_count", "built_by", "built_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TransferLine)
class TransferLineAdmin(admin.ModelAdmin):
    list_display = ("batch", "year", "name", "id_number", "category", "kind", "amount", "reason")
    list_filter = ("kind", "batch__status", "batch__fund")
    search_fields = ("id_number", "name", "batch__number")
    list_select_related = ("batch", "category")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
