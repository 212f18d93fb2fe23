"""Where Django looks for the quotas app's models: an index of the concept packages that define them."""

from quotas.cases.models import COVERED_ELSEWHERE_REASONS, CaseReason, CaseStatus, FollowUpCase
from quotas.progress.models import ProgressSnapshot, SnapshotRow
from quotas.targets.models import QuotaTable, QuotaUnit, UnitKind

__all__ = [
    "COVERED_ELSEWHERE_REASONS",
    "CaseReason",
    "CaseStatus",
    "FollowUpCase",
    "ProgressSnapshot",
    "QuotaTable",
    "QuotaUnit",
    "SnapshotRow",
    "UnitKind",
]
