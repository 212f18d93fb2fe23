"""Line charts of completion rates over snapshots as inline SVG markup: pure Python, no Django, no script.

The page embeds the markup as is: no CDN, no JavaScript, nothing a `'self'`-only Content Security Policy
blocks (colours are SVG presentation attributes, not `style`), and it prints like the rest of the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

PALETTE = ("#0b6bcb", "#b42318", "#067647", "#b54708", "#6941c6", "#087443", "#c11574", "#475467", "#1d2939")


@dataclass(frozen=True)
class Series:
    label: str
    rates: Sequence[Decimal | None]  # one per x position (None: the unit was not in that snapshot)


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def line_chart_svg(
    *,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    goal_label: str = "100%",
    width: int = 720,
    height: int = 300,
) -> str:
    """An accessible SVG line chart: y is the completion rate in percent (0 … max(100, highest)), one line per
    series, a dashed goal line at 100%, the legend on the right. Labels are escaped."""
    left, right, top, bottom = 48, 170, 28, 40
    plot_w = width - left - right
    plot_h = height - top - bottom
    values = [float(r) for s in series for r in s.rates if r is not None]
    y_max = max(1.0, max(values, default=0.0))
    y_max = (int(y_max * 10) + (0 if (y_max * 10).is_integer() else 1)) / 10  # next 10%

    def x_at(i: int) -> float:
        if len(x_labels) <= 1:
            return left + plot_w / 2
        return left + plot_w * i / (len(x_labels) - 1)

    def y_at(rate: float) -> float:
        return top + plot_h * (1 - rate / y_max)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="16" font-size="13" font-weight="bold" fill="#1f2933">{escape(title)}</text>',
    ]
    # Horizontal grid every 20%, labelled.
    step = 0.2
    tick = 0.0
    while tick <= y_max + 1e-9:
        y = y_at(tick)
        parts.append(
            f'<line x1="{left}" y1="{_fmt(y)}" x2="{left + plot_w}" y2="{_fmt(y)}" stroke="#d9e2ec" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{_fmt(y + 4)}" font-size="11" text-anchor="end" fill="#616e7c">'
            f"{round(tick * 100)}%</text>"
        )
        tick += step
    goal = y_at(1.0)
    parts.append(
        f'<line x1="{left}" y1="{_fmt(goal)}" x2="{left + plot_w}" y2="{_fmt(goal)}" stroke="#067647" '
        f'stroke-width="1.5" stroke-dasharray="6 4"/>'
    )
    parts.append(
        f'<text x="{left + plot_w - 2}" y="{_fmt(goal - 4)}" font-size="11" text-anchor="end" fill="#067647">'
        f"{escape(goal_label)}</text>"
    )
    for i, label in enumerate(x_labels):
        parts.append(
            f'<text x="{_fmt(x_at(i))}" y="{height - bottom + 16}" font-size="11" text-anchor="middle" '
            f'fill="#616e7c">{escape(label)}</text>'
        )
    for n, s in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        points = [(x_at(i), y_at(float(r))) for i, r in enumerate(s.rates) if r is not None]
        if len(points) > 1:
            path = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, r in enumerate(s.rates):
            if r is None:
                continue
            parts.append(
                f'<circle cx="{_fmt(x_at(i))}" cy="{_fmt(y_at(float(r)))}" r="3" fill="{colour}">'
                f"<title>{escape(s.label)} {escape(x_labels[i])}: {float(r) * 100:.2f}%</title></circle>"
            )
        legend_y = top + 14 * n + 6
        parts.append(
            f'<rect x="{left + plot_w + 14}" y="{legend_y - 8}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{left + plot_w + 28}" y="{legend_y + 1}" font-size="11" fill="#1f2933">{escape(s.label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
