"""The follow-up case list (django-tables2), with Chinese column labels."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.access import shown_id_number
from quotas.cases.models import FollowUpCase
from subsidies.rosters.person_keys import PersonLinksMixin


class CaseTable(PersonLinksMixin, tables.Table):
    name = tables.Column(verbose_name=_("name"), linkify=lambda record: reverse("quotas:case_detail", args=[record.pk]))
    id_number = tables.Column(verbose_name=_("ID number"), orderable=False)
    township = tables.Column(verbose_name=_("township"), accessor="township__name", order_by=("township__name",))
    village = tables.Column(verbose_name=_("village"), accessor="village__name", order_by=("village__name",))
    department = tables.Column(verbose_name=_("department"), accessor="department__name")
    year = tables.Column(verbose_name=_("benefit year"))
    status = tables.Column(verbose_name=_("status"))
    reason = tables.Column(verbose_name=_("reason"))
    recorded_at = tables.DateTimeColumn(verbose_name=_("recorded at"), format="Y-m-d H:i")

    class Meta:
        model = FollowUpCase
        fields = ()
        sequence = ("name", "id_number", "township", "village", "department", "year", "status", "reason", "recorded_at")
        attrs = {"class": "table cases"}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def render_id_number(self, record, value):
        return self.person_link(record, shown_id_number(value, self.user))
