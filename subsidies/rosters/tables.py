"""The roster version list and the changes of one version (django-tables2)."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from accounts.access import shown_id_number
from subsidies.models import RosterChange, RosterVersion
from subsidies.rosters.person_keys import PersonLinksMixin


class RosterVersionTable(tables.Table):
    number = tables.LinkColumn("subsidies:roster_version", args=[tables.A("pk")], verbose_name=_("Version"))
    department = tables.Column(verbose_name=_("Department"))
    snapshot_date = tables.DateColumn(format="Y-m-d", verbose_name=_("Snapshot date"))
    rows = tables.Column(verbose_name=_("People"))
    added = tables.Column(verbose_name=_("Added"))
    removed = tables.Column(verbose_name=_("Removed"))
    changed = tables.Column(verbose_name=_("Category changed"))
    unchanged = tables.Column(verbose_name=_("Unchanged"))
    created_by = tables.Column(verbose_name=_("Uploaded by"), default="")
    created_at = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("Uploaded at"))

    class Meta:
        model = RosterVersion
        fields = (
            "number",
            "department",
            "snapshot_date",
            "rows",
            "added",
            "removed",
            "changed",
            "unchanged",
            "created_by",
            "created_at",
        )
        order_by = ("department", "-number")


class RosterChangeTable(PersonLinksMixin, tables.Table):
    kind = tables.Column(verbose_name=_("Change"))
    name = tables.Column(verbose_name=_("Name"))
    id_number = tables.Column(verbose_name=_("ID number"))
    old_category = tables.Column(verbose_name=_("Old category"), default="")
    new_category = tables.Column(verbose_name=_("New category"), default="")

    class Meta:
        model = RosterChange
        fields = ("kind", "name", "id_number", "old_category", "new_category")
        order_by = ("kind", "id_number")

    person_county_field = "version__county_id"

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def render_id_number(self, record, value):
        return self.person_link(record, shown_id_number(value, self.user))

    def render_name(self, record, value):
        return self.person_link(record, value)
