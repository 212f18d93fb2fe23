"""What a viewer may see of a reconciliation result's winning identity (SPEC §14), for the page and the export.

A department user sees its own people's results. When the subsidy a person gets comes from another department's
category, it sees only that "another department's category carries a higher (or an equal, earlier-priority)
subsidy", with the amount: not which department, which category, nor the dates that follow from that identity
(the month a top-up is owed, the day benefits start). The bureau, auditors and townships see everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.access import scope_of

OTHER_DEPARTMENT = _("Another department's category carries a higher (or an equal, earlier-priority) subsidy")
# The result's fields that name or date the winning identity; what a department user does not see of another's.
WINNER_FIELDS = ("category", "department", "fund", "topup_month", "benefit_start")


@dataclass(frozen=True)
class ResultViewer:
    """Who looks at the results: `department_id` for a department user, None for everyone who sees it all."""

    department_id: int | None = None

    def hides(self, winner_department_id: int | None) -> bool:
        """Whether the winning identity of a result with this department is another department's to this viewer."""
        return (
            self.department_id is not None
            and winner_department_id is not None
            and winner_department_id != self.department_id
        )


def result_viewer(user) -> ResultViewer:
    return ResultViewer(department_id=scope_of(user).own_department_id)


def present_winner(viewer: ResultViewer, *, department_id: int | None, values: dict) -> dict:
    """`values` (some of WINNER_FIELDS → value) as this viewer may see them.

    Another department's winner: the category becomes the sentence above, the rest of WINNER_FIELDS None.
    The amounts (subsidy, top-up, personal due) are never touched: the viewer may see them.
    """
    if not viewer.hides(department_id):
        return values
    shown = dict(values)
    for name in WINNER_FIELDS:
        if name in shown:
            shown[name] = None
    if "category" in shown:
        shown["category"] = str(OTHER_DEPARTMENT)
    return shown
