"""Where Django looks for the quotas app's models: an index of the concept packages that define them."""

from quotas.progress.models import ProgressSnapshot, SnapshotRow
from quotas.targets.models import QuotaTable, QuotaUnit, UnitKind

__all__ = [
    "ProgressSnapshot",
    "QuotaTable",
    "QuotaUnit",
    "SnapshotRow",
    "UnitKind",
]
