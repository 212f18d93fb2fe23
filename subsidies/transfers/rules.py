"""Pure rules of monthly transfer batches (SPEC §8): no Django imports, no database.

The batch lifecycle as data (a pipeline in the manner of django-oscar's `Order.pipeline`), month parsing,
the fiscal counterpart rows (SPEC §5, §8), and the text guard for cells of files the finance office opens in Excel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from subsidies.policies.rules import round_money

DRAFT, CHECKED, APPROVED, EXPORTED, CONFIRMED = "draft", "checked", "approved", "exported", "confirmed"

# Which status may follow which. A checker may send a batch back to draft; nothing leaves "approved" but forward.
PIPELINE: dict[str, tuple[str, ...]] = {
    DRAFT: (CHECKED,),
    CHECKED: (APPROVED, DRAFT),
    APPROVED: (EXPORTED,),
    EXPORTED: (CONFIRMED,),
    CONFIRMED: (),
}
# Statuses whose lines can no longer change: the money has been approved.
FROZEN = frozenset({APPROVED, EXPORTED, CONFIRMED})


def can_move(current: str, target: str) -> bool:
    return target in PIPELINE.get(current, ())


_MONTH = re.compile(r"^\s*(\d{4})\s*(?:-|/|年|\.)?\s*(\d{1,2})\s*月?\s*$")


def parse_month(text: str) -> date:
    """'2024-03', '2024/3', '202403', '2024年3月' → date(2024, 3, 1). ValueError for anything else."""
    match = _MONTH.match(text or "")
    if not match:
        raise ValueError(text)
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 2000:
        raise ValueError(text)
    return date(year, month, 1)


def batch_number(*, county_code: str, month: date, fund_code: str) -> str:
    """A deterministic number: two builders of the same batch compute the same one."""
    return f"{county_code}-{month:%Y%m}-{fund_code}"


def maker_checker_allows(*, approver_id: int | None, builder_id: int | None, checker_id: int | None) -> bool:
    """The approver must not be the one who built the batch; an automatic build's maker is its checker."""
    if approver_id is None:
        return False
    maker = builder_id if builder_id is not None else checker_id
    return maker is None or maker != approver_id


@dataclass(frozen=True)
class CounterpartRow:
    level: str
    per_person: Decimal
    people: int
    total: Decimal


def counterpart_rows(split: dict[str, Decimal], *, people: int) -> list[CounterpartRow]:
    """Enrolled people × each level's share per person (`split` as `subsidies.policies.rules.fiscal_split` gives it)."""
    return [
        CounterpartRow(level, per_person, people, round_money(per_person * people))
        for level, per_person in split.items()
    ]
