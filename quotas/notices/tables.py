"""The village work fund table (django-tables2), with Chinese column labels. (The notice's lists are a plain
template loop: quotas/notices/views.py.)"""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _


class WorkFundTable(tables.Table):
    township = tables.Column(verbose_name=_("township"), accessor="village__township__name", orderable=False)
    village = tables.Column(verbose_name=_("village"), accessor="village__name", orderable=False)
    enrolled = tables.Column(verbose_name=_("enrolled"), orderable=False)
    amount = tables.Column(verbose_name=_("work fund (yuan)"), orderable=False)

    class Meta:
        attrs = {"class": "table work-fund"}
