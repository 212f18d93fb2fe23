"""The data of the progress charts (completion rate per unit over the snapshots): pure Python, no Django.

quotas computes what the charts show; the SVG is drawn by the site's one chart library (`dashboard.charts`)
through the `rate_chart` template tag (`dashboard/templatetags/ui.py`), so quotas never imports the dashboard.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

GOAL = Decimal(1)  # 100%: every unit's target
TENTH = Decimal("0.1")
GRID_STEP = Decimal("0.2")


@dataclass(frozen=True)
class RateLine:
    name: str
    rates: tuple[Decimal | None, ...]  # one per snapshot (None: the unit was not in that snapshot)


@dataclass(frozen=True)
class RateChart:
    chart_id: str
    title: str
    x_labels: tuple[str, ...]
    lines: tuple[RateLine, ...]
    goal_label: str = ""

    @property
    def scale_max(self) -> Decimal:
        """100%, or the highest rate rounded up to the next 10% when a unit is beyond its target."""
        highest = max((r for line in self.lines for r in line.rates if r is not None), default=GOAL)
        return max(GOAL, (Decimal(highest) / TENTH).to_integral_value(rounding=ROUND_CEILING) * TENTH)

    @property
    def ticks(self) -> tuple[Decimal, ...]:
        """A grid line every 20% up to the scale."""
        count = int(self.scale_max / GRID_STEP) + 1
        return tuple(GRID_STEP * k for k in range(count))


def rate_line(name: str, points: Iterable[tuple[Hashable, Decimal]], positions: dict[Hashable, int]) -> RateLine:
    """A unit's line from its (snapshot key, rate) points, placed at each snapshot's position."""
    rates: list[Decimal | None] = [None] * len(positions)
    for key, rate in points:
        rates[positions[key]] = rate
    return RateLine(name, tuple(rates))


def grouped_rate_charts(
    groups: Sequence[tuple[str, Sequence[RateLine]]],
    *,
    x_labels: Sequence[str],
    goal_label: str = "",
    id_prefix: str = "progress",
) -> list[RateChart]:
    """One chart per (title, lines) group, numbered for their element ids."""
    return [
        RateChart(f"{id_prefix}-{index}", title, tuple(x_labels), tuple(lines), goal_label)
        for index, (title, lines) in enumerate(groups, start=1)
    ]
