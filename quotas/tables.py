"""Tables of the quotas pages (django-tables2), with Chinese column labels."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.access import mask_id_number, shown_id_number
from enrollment.models import FollowUpCase


def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


class RankingTable(tables.Table):
    rank = tables.Column(verbose_name=_("rank"), orderable=False)
    unit = tables.Column(verbose_name=_("unit"), accessor="unit__name", orderable=False)
    kind = tables.Column(verbose_name=_("kind"), accessor="unit", orderable=False)
    target = tables.Column(verbose_name=_("target"), orderable=False)
    enrolled = tables.Column(verbose_name=_("enrolled"), orderable=False)
    rate = tables.Column(verbose_name=_("completion rate"), orderable=False)
    rate_change = tables.Column(verbose_name=_("change since last snapshot"), orderable=False)
    rank_change = tables.Column(verbose_name=_("places moved"), orderable=False)
    flagged = tables.Column(verbose_name=_("bottom three twice running"), orderable=False)

    class Meta:
        attrs = {"class": "table ranking"}
        row_attrs = {"class": lambda record: "flagged" if record.flagged else ""}

    def render_kind(self, value):
        return value.get_kind_display()

    def render_target(self, value):
        return f"{value:,}"

    def render_enrolled(self, value):
        return f"{value:,}"

    def render_rate(self, value):
        return percent(value)

    def render_rate_change(self, value):
        if value is None:
            return "—"
        points = value * 100
        return f"{points:+.2f}"

    def render_rank_change(self, value):
        if value is None:
            return "—"
        if value > 0:
            return f"↑{value}"
        if value < 0:
            return f"↓{-value}"
        return "0"

    def render_flagged(self, value):
        return format_html('<strong class="flag">{}</strong>', _("interview (约谈)")) if value else ""


class CoverageTable(tables.Table):
    department = tables.Column(verbose_name=_("department"), orderable=False)
    certified = tables.Column(verbose_name=_("certified"), orderable=False)
    enrolled = tables.Column(verbose_name=_("enrolled"), orderable=False)
    covered_elsewhere = tables.Column(
        verbose_name=_("covered elsewhere (employee insurance, another place)"), orderable=False
    )
    uncovered = tables.Column(verbose_name=_("not covered"), orderable=False)
    rate = tables.Column(verbose_name=_("coverage rate (goal 100%)"), orderable=False)

    class Meta:
        attrs = {"class": "table coverage"}

    def render_rate(self, value, record):
        if value is None:
            return "—"
        return format_html('<progress max="100" value="{}"></progress> {}', f"{value * 100:.0f}", percent(value))


class WorkFundTable(tables.Table):
    township = tables.Column(verbose_name=_("township"), accessor="village__township__name", orderable=False)
    village = tables.Column(verbose_name=_("village"), accessor="village__name", orderable=False)
    enrolled = tables.Column(verbose_name=_("enrolled"), orderable=False)
    amount = tables.Column(verbose_name=_("work fund (yuan)"), orderable=False)

    class Meta:
        attrs = {"class": "table work-fund"}


class NoticeTable(tables.Table):
    """One list of a public notice: masked IDs for everyone, whatever their role — it goes on a wall."""

    seq = tables.Column(verbose_name=_("No."), empty_values=(), orderable=False)
    name = tables.Column(verbose_name=_("name"), orderable=False)
    id_number = tables.Column(verbose_name=_("ID number"), orderable=False)
    status = tables.Column(verbose_name=_("status"), orderable=False)

    class Meta:
        attrs = {"class": "table notice"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._seq = 0

    def render_seq(self):
        self._seq += 1
        return self._seq

    def render_id_number(self, value):
        return mask_id_number(value)

    def render_status(self, record):
        return record.get_status_display()


class CaseTable(tables.Table):
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

    def render_id_number(self, value):
        return shown_id_number(value, self.user)
