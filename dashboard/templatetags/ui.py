"""Template filters for figures on staff pages (rates as percentages, money with thousands separators) and the
`rate_chart` tag, which draws chart data of a lower app (quotas) with the one chart library, `dashboard.charts`.
"""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.safestring import mark_safe

from dashboard import charts

register = template.Library()


@register.filter
def percent(value):
    """A fraction (0.8734) as 87.3%; empty stays an em dash."""
    if value is None or value == "":
        return "—"
    try:
        return charts.percent(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return "—"


@register.filter
def money(value):
    """Yuan with two places and thousands separators: 12,345.60."""
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return "—"


@register.filter
def count(value):
    """A whole number with thousands separators."""
    if value is None or value == "":
        return "—"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "—"


@register.simple_tag
def rate_chart(chart):
    """A `quotas.progress.chart_data.RateChart` as an SVG line chart: rates in percent, a dashed line at the goal."""
    svg = charts.line_chart(
        chart_id=chart.chart_id,
        title=chart.title,
        x_labels=chart.x_labels,
        series=[charts.Series(line.name, line.rates) for line in chart.lines],
        value_format=charts.percent,
        max_value=chart.scale_max,
        ticks=chart.ticks,
        reference=1,
        reference_label=chart.goal_label,
        width=720,
        height=300,
    )
    return mark_safe(svg)  # noqa: S308 - dashboard.charts escapes every label it writes


@register.simple_tag(takes_context=True)
def history_url(context, obj):
    """The URL of the object's change history, or "" when the page's user may not read it."""
    from django.urls import reverse

    from accounts.history import tracked_model, visible_objects

    request = context.get("request")
    label = obj._meta.label_lower if obj is not None and hasattr(obj, "_meta") else ""
    model = tracked_model(label) if label else None
    if model is None or request is None or not visible_objects(model, request.user).filter(pk=obj.pk).exists():
        return ""
    return reverse("accounts:history_object", kwargs={"label": label, "pk": obj.pk})
