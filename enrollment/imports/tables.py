"""The import job list (django-tables2)."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from enrollment.models import ImportJob


class ImportJobTable(tables.Table):
    original_name = tables.LinkColumn("enrollment:import_detail", args=[tables.A("pk")], verbose_name=_("File"))
    kind = tables.Column(verbose_name=_("Import kind"))
    department = tables.Column(verbose_name=_("Department"), default="")
    snapshot_date = tables.DateColumn(format="Y-m-d", verbose_name=_("Snapshot date"), default="")
    status = tables.Column(verbose_name=_("Status"))
    rows_accepted = tables.Column(verbose_name=_("Accepted"))
    rows_rejected = tables.Column(verbose_name=_("Rejected"))
    created_by = tables.Column(verbose_name=_("Uploaded by"), default="")
    created_at = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("Uploaded at"))

    class Meta:
        model = ImportJob
        fields = (
            "original_name",
            "kind",
            "department",
            "snapshot_date",
            "status",
            "rows_accepted",
            "rows_rejected",
            "created_by",
            "created_at",
        )
        order_by = ("-created_at",)
