"""The reasons one person's outcome records when asked (`rules.outcome_for(..., trace=[])`): pure data, no text.

Each is a code and its parameters, appended at the decision it explains, in the order the rule decides. The
explanation (`explain.py`) turns them into Chinese for the person file and the `explain` command; the rule
itself stays free of Django and of wording.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Reason(NamedTuple):
    code: str
    params: dict[str, Any]


def note(trace: list | None, code: str, **params: Any) -> None:
    """Append a reason when a trace is kept (the engine keeps none: one `is None` test per decision)."""
    if trace is not None:
        trace.append(Reason(code, params))
