"""The policy list."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from subsidies.models import Policy


class PolicyTable(tables.Table):
    county = tables.Column(verbose_name=_("county"), order_by=("county__code",))
    year = tables.Column(verbose_name=_("benefit year"))
    title = tables.Column(verbose_name=_("title"), linkify=True)
    collection_start = tables.DateColumn(verbose_name=_("collection window start"), format="Y-m-d")
    collection_end = tables.DateColumn(verbose_name=_("collection window end"), format="Y-m-d")
    fiscal_subsidy = tables.Column(verbose_name=_("fiscal subsidy per person"))
    source = tables.Column(verbose_name=_("source notice"))

    class Meta:
        model = Policy
        fields = ["county", "year", "title", "collection_start", "collection_end", "fiscal_subsidy", "source"]
        attrs = {"class": "table"}
        empty_text = _("No policy yet.")
