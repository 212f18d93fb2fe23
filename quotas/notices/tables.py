"""The village notice (公示) and the village work fund tables (django-tables2), with Chinese column labels."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from accounts.access import mask_id_number
from subsidies.rosters.person_keys import PersonLinksMixin


class WorkFundTable(tables.Table):
    township = tables.Column(verbose_name=_("township"), accessor="village__township__name", orderable=False)
    village = tables.Column(verbose_name=_("village"), accessor="village__name", orderable=False)
    enrolled = tables.Column(verbose_name=_("enrolled"), orderable=False)
    amount = tables.Column(verbose_name=_("work fund (yuan)"), orderable=False)

    class Meta:
        attrs = {"class": "table work-fund"}


class NoticeTable(PersonLinksMixin, tables.Table):
    """One list of a public notice: masked IDs for everyone, whatever their role — it goes on a wall."""

    seq = tables.Column(verbose_name=_("No."), empty_values=(), orderable=False)
    name = tables.Column(verbose_name=_("name"), orderable=False)
    id_number = tables.Column(verbose_name=_("ID number"), orderable=False)
    status = tables.Column(verbose_name=_("status"), orderable=False)

    class Meta:
        attrs = {"class": "table notice"}

    def __init__(self, *args, county_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._seq = 0
        self.county_id = county_id

    def person_county_id(self, records) -> int | None:
        return self.county_id  # the notice's rows load only what the wall shows: their county is the village's

    def render_seq(self):
        if self._seq == 0 and getattr(self, "page", None) is not None:
            self._seq = self.page.start_index() - 1  # numbering goes on across the pages
        self._seq += 1
        return self._seq

    def render_id_number(self, record, value):
        return self.person_link(record, mask_id_number(value))

    def render_name(self, record, value):
        return self.person_link(record, value)

    def render_status(self, record):
        return record.get_status_display()
