"""Completion rates, rankings, the bottom-three flag, work fund and coverage: pure Python, no Django.

Rates are fractions (0.9523 = 95.23%) as Decimal with four places, rounded half up, so a rate stored in a
snapshot compares equal to the same rate computed again.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple, TypeVar

from subsidies.policies.rules import round_money

K = TypeVar("K", bound=Hashable)

RATE_PLACES = Decimal("0.0001")


def completion_rate(enrolled: int, target: int) -> Decimal:
    """enrolled ÷ target; a unit without a target has nothing to complete and rates 0."""
    if target <= 0:
        return Decimal("0.0000")
    return (Decimal(enrolled) / Decimal(target)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def rate_against_target(enrolled: int, target: int | None) -> Decimal | None:
    """The completion rate of a place that may have no target at all (not in the quota table): None then."""
    if not target:
        return None
    return completion_rate(enrolled, target)


def coverage_rate(covered: int, certified: int) -> Decimal | None:
    """covered ÷ certified, or None when nobody is certified (no rate rather than a fake 0% or 100%)."""
    if certified <= 0:
        return None
    return (Decimal(covered) / Decimal(certified)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def work_fund(enrolled: int, per_person: Decimal) -> Decimal:
    """A village's work fund: enrolled people × the policy's amount per person (朱集: 1 yuan)."""
    return round_money(Decimal(enrolled) * Decimal(per_person))


def rank_by_rate(rates: Mapping[K, Decimal]) -> dict[K, int]:
    """Competition ranking, highest rate first: equal rates share a rank, the next rank skips (1, 2, 2, 4).

    The one tie rule of every page (SPEC §9 ranks by completion rate alone): the enrolled count never breaks a
    tie, so a township with 50/100 and one with 5/10 share their rank on the home page and the ranking page.
    """
    ordered = sorted(rates.values(), reverse=True)
    first_position = {}
    for position, rate in enumerate(ordered, start=1):
        first_position.setdefault(rate, position)
    return {key: first_position[rate] for key, rate in rates.items()}


def bottom(rates: Mapping[K, Decimal], n: int = 3) -> set[K]:
    """The units in the bottom n: fewer than n units rate strictly lower (a tie on the boundary is included)."""
    values = sorted(rates.values())
    return {key for key, rate in rates.items() if sum(1 for v in values if v < rate) < n}


def flagged_bottom_consecutive(series: Sequence[Mapping[K, Decimal]], *, n: int = 3, runs: int = 2) -> set[K]:
    """Units in the bottom n of each of the last `runs` snapshots (朱集: 连续两周排名落后的村进行约谈).

    `series` is ordered oldest to newest, each snapshot a mapping unit → rate. With fewer snapshots than
    `runs`, nobody is flagged: one bad week is not two.
    """
    if len(series) < runs:
        return set()
    flagged: set[K] | None = None
    for snapshot in series[-runs:]:
        low = bottom(snapshot, n)
        flagged = low if flagged is None else flagged & low
    return flagged or set()


class Change(NamedTuple):
    rate: Decimal | None  # difference of the rates (fraction), None when the unit is new
    rank: int | None  # places moved up (positive) or down (negative)


def changes(current: Mapping[K, tuple[Decimal, int]], previous: Mapping[K, tuple[Decimal, int]]) -> dict[K, Change]:
    """Each unit's change against the previous snapshot: rate difference and places gained."""
    result = {}
    for key, (rate, rank) in current.items():
        if key in previous:
            old_rate, old_rank = previous[key]
            result[key] = Change(rate - old_rate, old_rank - rank)
        else:
            result[key] = Change(None, None)
    return result
