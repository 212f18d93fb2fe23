"""Admin for quota tables: targets may be corrected by the bureau.

Tables come in through `import_quotas` / `seed_quotas`, never by hand, so they cannot be added here; they
are not deleted here either, since that would take their snapshot history with them."""

from django.contrib import admin
from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from quotas.models import QuotaTable, QuotaUnit


class QuotaUnitInline(admin.TabularInline):
    model = QuotaUnit
    extra = 0
    fields = ("seq", "name", "kind", "township", "village", "group", "target", "population", "note")
    readonly_fields = ("kind", "township", "village", "group")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(QuotaTable)
class QuotaTableAdmin(admin.ModelAdmin):
    list_display = ("title", "county", "year", "stated_total", "file_total", "summed_total", "unit_count")
    list_filter = ("year", "county")
    search_fields = ("title", "source")
    readonly_fields = ("county", "year", "file_total", "created_at")
    fields = ("county", "year", "title", "source", "stated_total", "file_total", "created_at")
    inlines = [QuotaUnitInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(summed=Sum("units__target"), units_n=Count("units"))

    @admin.display(description=_("sum of the rows"))
    def summed_total(self, obj):
        return obj.summed

    @admin.display(description=_("units"))
    def unit_count(self, obj):
        return obj.units_n

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
