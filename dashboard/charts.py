"""Server-rendered SVG charts: horizontal bars and lines, as plain strings (no Django, no JavaScript, no CDN).

The strings are safe to mark as HTML: every label is escaped here. Each chart is an accessible image
(role="img" with a <title> and a <desc> that lists the figures), so a screen reader gets the numbers too.
Colours come from CSS classes (static/css/site.css); geometry is computed here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from html import escape
from typing import NamedTuple

Number = int | float | Decimal


class Bar(NamedTuple):
    label: str
    value: Number
    # Shown instead of the formatted value at the end of the bar (e.g. "1,234 / 2,000").
    note: str = ""
    # Optional CSS modifier: "bad", "good", "muted".
    tone: str = ""


class Series(NamedTuple):
    name: str
    values: Sequence[Number | None]


def plain_number(value: Number) -> str:
    """1234567 → 1,234,567; Decimal money keeps its two places."""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def percent(value: Number) -> str:
    """A rate given as a fraction (0.8734) → 87.3%."""
    return f"{float(value) * 100:.1f}%"


def _truncate(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _nice_ceiling(value: float) -> float:
    """The smallest 1/2/2.5/5 × 10^k not below value, for a readable axis."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value - 1e-12:
            return candidate
    return 10 ** (exponent + 1)


def _open_svg(*, chart_id: str, title: str, desc: str, width: int, height: int, css: str) -> list[str]:
    cid = escape(chart_id, quote=True)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{cid}-title {cid}-desc" '
        f'preserveAspectRatio="xMinYMin meet">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def bar_chart(
    *,
    chart_id: str,
    title: str,
    bars: Sequence[Bar],
    value_format: Callable[[Number], str] = plain_number,
    max_value: Number | None = None,
    reference: Number | None = None,
    reference_label: str = "",
    empty_text: str = "",
    width: int = 640,
    bar_height: int = 22,
    label_width: int = 130,
    label_chars: int = 9,
) -> str:
    """Horizontal bars, one per item, largest scale = max_value (or the largest bar, rounded up).

    `reference` draws a dashed vertical line (a target such as 100%); labels longer than `label_chars`
    are shortened on screen and kept whole in each bar's tooltip and in the description.
    """
    gap = 8
    top = 20 if reference_label else 8
    value_room = 110
    plot_width = max(width - label_width - value_room, 40)
    rows = len(bars)
    height = top + max(rows, 1) * (bar_height + gap) + 24
    desc = "；".join(f"{b.label}：{b.note or value_format(b.value)}" for b in bars) or empty_text
    parts = _open_svg(chart_id=chart_id, title=title, desc=desc, width=width, height=height, css="chart-bars")
    if not bars:
        parts.append(f'<text class="chart-empty" x="{width // 2}" y="{height // 2}" text-anchor="middle">')
        parts.append(f"{escape(empty_text)}</text></svg>")
        return "".join(parts)
    largest = max(float(b.value) for b in bars)
    if reference is not None:
        largest = max(largest, float(reference))
    scale_max = float(max_value) if max_value is not None else _nice_ceiling(largest)
    scale_max = max(scale_max, largest, 1e-9)
    x0 = label_width
    axis_bottom = top + rows * (bar_height + gap)
    parts.append(f'<line class="chart-axis" x1="{x0}" y1="{top - 4}" x2="{x0}" y2="{axis_bottom}"/>')
    for i, bar in enumerate(bars):
        y = top + i * (bar_height + gap)
        length = max(float(bar.value), 0.0) / scale_max * plot_width
        shown = bar.note or value_format(bar.value)
        tone = f" chart-bar-{escape(bar.tone, quote=True)}" if bar.tone else ""
        parts.append('<g class="chart-row">')
        parts.append(f"<title>{escape(bar.label)}：{escape(shown)}</title>")
        parts.append(
            f'<text class="chart-label" x="{x0 - 6}" y="{y + bar_height * 0.72:.1f}" text-anchor="end">'
            f"{escape(_truncate(bar.label, label_chars))}</text>"
        )
        parts.append(
            f'<rect class="chart-bar{tone}" x="{x0}" y="{y}" width="{length:.1f}" height="{bar_height}" rx="2"/>'
        )
        parts.append(
            f'<text class="chart-value" x="{x0 + length + 5:.1f}" y="{y + bar_height * 0.72:.1f}">'
            f"{escape(shown)}</text>"
        )
        parts.append("</g>")
    # Scale ticks under the bars.
    for fraction in (0, 0.5, 1):
        tx = x0 + fraction * plot_width
        parts.append(
            f'<text class="chart-tick" x="{tx:.1f}" y="{axis_bottom + 16}" text-anchor="middle">'
            f"{escape(value_format(_tick_value(scale_max * fraction, bars)))}</text>"
        )
    if reference is not None:
        rx = x0 + float(reference) / scale_max * plot_width
        parts.append(f'<line class="chart-reference" x1="{rx:.1f}" y1="{top - 4}" x2="{rx:.1f}" y2="{axis_bottom}"/>')
        if reference_label:
            parts.append(
                f'<text class="chart-reference-label" x="{rx:.1f}" y="{top - 6}" text-anchor="middle">'
                f"{escape(reference_label)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _tick_value(value: float, bars: Sequence[Bar]) -> Number:
    """Ticks keep the type of the data: money stays Decimal, counts stay whole."""
    sample = bars[0].value
    if isinstance(sample, Decimal):
        return Decimal(str(round(value, 2)))
    if isinstance(sample, int):
        return round(value)
    return value


def line_chart(
    *,
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    value_format: Callable[[Number], str] = plain_number,
    max_value: Number | None = None,
    ticks: Sequence[Number] | None = None,
    reference: Number | None = None,
    reference_label: str = "",
    empty_text: str = "",
    width: int = 640,
    height: int = 260,
) -> str:
    """Lines over shared x positions (e.g. snapshot dates); None leaves a gap. Up to 6 series get own colours.

    `ticks` replaces the default grid (0, ¼ … 1 of the scale); `reference` draws a dashed horizontal line (a goal
    such as 100%) labelled `reference_label`.
    """
    left, right, top, bottom = 64, 16, 12, 54
    plot_w = width - left - right
    plot_h = height - top - bottom
    points_desc = []
    for s in series:
        figures = "，".join(
            f"{label}：{value_format(v)}" for label, v in zip(x_labels, s.values, strict=False) if v is not None
        )
        points_desc.append(f"{s.name}（{figures}）")
    desc = "；".join(points_desc) if x_labels and series else empty_text
    parts = _open_svg(chart_id=chart_id, title=title, desc=desc, width=width, height=height, css="chart-lines")
    values = [float(v) for s in series for v in s.values if v is not None]
    if not x_labels or not values:
        parts.append(f'<text class="chart-empty" x="{width // 2}" y="{height // 2}" text-anchor="middle">')
        parts.append(f"{escape(empty_text)}</text></svg>")
        return "".join(parts)
    scale_max = float(max_value) if max_value is not None else _nice_ceiling(max(values))
    scale_max = max(scale_max, max(values), 1e-9)
    n = len(x_labels)
    all_whole = all(isinstance(v, int) for s in series for v in s.values if v is not None)

    def x_at(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y_at(v: float) -> float:
        return top + plot_h - max(v, 0.0) / scale_max * plot_h

    # Grid and y ticks at 0, 25, 50, 75, 100% of the scale unless the caller gives its own.
    grid = [scale_max * k / 4 for k in range(5)] if ticks is None else [float(t) for t in ticks]
    for v in grid:
        y = y_at(v)
        parts.append(f'<line class="chart-grid" x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}"/>')
        tick = round(v) if all_whole and v.is_integer() else v
        parts.append(
            f'<text class="chart-tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(value_format(tick))}</text>"
        )
    # X labels: at most ~8 shown so they never overlap.
    step = max(1, math.ceil(n / 8))
    for i, label in enumerate(x_labels):
        if i % step and i != n - 1:
            continue
        parts.append(
            f'<text class="chart-tick" x="{x_at(i):.1f}" y="{top + plot_h + 18}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    if reference is not None:
        ry = y_at(float(reference))
        parts.append(f'<line class="chart-reference" x1="{left}" y1="{ry:.1f}" x2="{width - right}" y2="{ry:.1f}"/>')
        if reference_label:
            parts.append(
                f'<text class="chart-reference-label" x="{width - right - 2}" y="{ry - 4:.1f}" text-anchor="end">'
                f"{escape(reference_label)}</text>"
            )
    for index, s in enumerate(series):
        css = f"chart-series-{index % 6}"
        runs: list[list[str]] = [[]]
        for i, v in enumerate(s.values[:n]):
            if v is None:
                runs.append([])
                continue
            runs[-1].append(f"{x_at(i):.1f},{y_at(float(v)):.1f}")
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline class="chart-line {css}" points="{" ".join(run)}"/>')
        for i, v in enumerate(s.values[:n]):
            if v is None:
                continue
            parts.append(
                f'<circle class="chart-point {css}" cx="{x_at(i):.1f}" cy="{y_at(float(v)):.1f}" r="3">'
                f"<title>{escape(s.name)} {escape(x_labels[i])}：{escape(value_format(v))}</title></circle>"
            )
    # Legend under the axis.
    lx = left
    ly = height - 12
    for index, s in enumerate(series):
        css = f"chart-series-{index % 6}"
        parts.append(f'<rect class="chart-swatch {css}" x="{lx}" y="{ly - 9}" width="10" height="10"/>')
        parts.append(f'<text class="chart-legend" x="{lx + 14}" y="{ly}">{escape(_truncate(s.name, 10))}</text>')
        lx += 28 + 14 * min(len(s.name), 10)
    parts.append("</svg>")
    return "".join(parts)
