"""Tables of the transfer pages: batches and a batch's lines."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from accounts.access import shown_id_number
from subsidies.models import TransferBatch, TransferLine
from subsidies.rosters.person_keys import PersonLinksMixin


class TransferBatchTable(tables.Table):
    number = tables.LinkColumn("subsidies:transfer_detail", args=[tables.A("pk")], verbose_name=_("Batch number"))
    month = tables.DateColumn(format="Y-m", verbose_name=_("Month"))
    fund = tables.Column(verbose_name=_("Paying fund"))
    status = tables.Column(verbose_name=_("Status"))
    lines_count = tables.Column(verbose_name=_("People"))
    total = tables.Column(verbose_name=_("Amount (yuan)"), attrs={"td": {"class": "num"}})
    built_at = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("Built at"))

    class Meta:
        model = TransferBatch
        fields = ("number", "month", "fund", "status", "lines_count", "total", "built_at")
        order_by = ("-month", "fund")
        attrs = {"class": "table batches"}


class TransferLineTable(PersonLinksMixin, tables.Table):
    name = tables.Column(verbose_name=_("Name"))
    id_number = tables.Column(verbose_name=_("ID number"))
    township = tables.Column(verbose_name=_("Township"))
    category = tables.Column(verbose_name=_("Category"))
    kind = tables.Column(verbose_name=_("Kind"))
    amount = tables.Column(verbose_name=_("Amount (yuan)"), attrs={"td": {"class": "num"}})
    reason = tables.Column(verbose_name=_("Reason"))

    class Meta:
        model = TransferLine
        fields = ("name", "id_number", "township", "category", "kind", "amount", "reason")
        order_by = ("township", "id_number")

    person_county_field = "batch__county_id"

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def render_id_number(self, record, value):
        return self.person_link(record, shown_id_number(value, self.user))

    def render_name(self, record, value):
        return self.person_link(record, value)
