"""Plan guards: every statement a service runs, EXPLAINed on PostgreSQL just before it runs, at a tiny work_mem.

`NOT IN (subquery)` is planned as a hashed SubPlan only while the planner believes the subquery's rows fit in
work_mem; beyond that it becomes a plain SubPlan that rescans the subquery for every outer row (n·m: the case sync
at county scale ran for more than five minutes on one statement). A correlated subquery evaluated per row shows
up the same way. With work_mem at 64 kB (and hash_mem_multiplier 1) a few thousand rows are "beyond work_mem",
so a test with small data sees the plan a county sees at its default 4 MB.

`recorded_plans()` wraps the connection: each SELECT / INSERT / UPDATE / DELETE / WITH is EXPLAINed (not
executed twice) in the same session just before it runs, so temporary tables the service made are visible.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection

GUARD_WORK_MEM = "64kB"
_PLANNED = re.compile(r"^\s*\(?\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)
_SUBPLAN_REF = re.compile(r"(hashed )?SubPlan \d+")
_SUBPLAN_HEADER = re.compile(r"^\s*SubPlan \d+\s*$")


@dataclass
class Plans:
    plans: list[tuple[str, str]] = field(default_factory=list)  # (statement, plan text)

    def unhashed_subplans(self) -> list[tuple[str, str]]:
        """Statements whose plan evaluates a SubPlan per outer row (not hashed)."""
        return [(sql, plan) for sql, plan in self.plans if _unhashed(plan)]

    def matching(self, pattern: str) -> list[tuple[str, str]]:
        rx = re.compile(pattern, re.IGNORECASE | re.DOTALL)
        return [(sql, plan) for sql, plan in self.plans if rx.search(sql)]

    def report(self, items: list[tuple[str, str]] | None = None) -> str:
        items = self.unhashed_subplans() if items is None else items
        return "\n\n".join(f"{sql}\n{plan}" for sql, plan in items)


def _unhashed(plan: str) -> bool:
    for line in plan.splitlines():
        if _SUBPLAN_HEADER.match(line):
            continue
        if any(not m.group(1) for m in _SUBPLAN_REF.finditer(line)):
            return True
    return False


@contextmanager
def recorded_plans(*, work_mem: str = GUARD_WORK_MEM):
    """Record the plan of every statement run inside (PostgreSQL), with work_mem set low for the session.

    Code that sets its own work_mem with SET LOCAL overrides it for its transaction: such statements are what
    the guard checks at that setting, since that is what they run with.
    """
    if connection.vendor != "postgresql":
        raise RuntimeError("plan guards need PostgreSQL")
    plans = Plans()

    def explain(execute, sql, params, many, context):
        if not many and _PLANNED.match(sql):
            raw = context["cursor"].cursor
            raw.execute("EXPLAIN " + sql, params)
            plans.plans.append((sql, "\n".join(row[0] for row in raw.fetchall())))
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem'), current_setting('hash_mem_multiplier')")
        before = cursor.fetchone()
        cursor.execute(
            "SELECT set_config('work_mem', %s, false), set_config('hash_mem_multiplier', '1', false)", [work_mem]
        )
    try:
        with connection.execute_wrapper(explain):
            yield plans
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('work_mem', %s, false), set_config('hash_mem_multiplier', %s, false)", list(before)
            )
