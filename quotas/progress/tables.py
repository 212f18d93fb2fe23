"""The ranking and special-group coverage tables (django-tables2), with Chinese column labels."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _


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
