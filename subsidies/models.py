"""Where Django looks for the subsidies app's models: an index of the concept packages that define them."""

from subsidies.policies.models import (
    AmountKind,
    Category,
    CategoryAmount,
    FiscalLevel,
    FiscalShare,
    MidYearRule,
    Policy,
    PolicyCategory,
    SpecialEnrolmentRule,
    Tier,
    mid_year_overlap_message,
)
from subsidies.reconciliation.models import (
    DirtyCounty,
    DirtyPerson,
    EnrolmentStatus,
    Flag,
    ReconciliationResult,
    ReconciliationRun,
    ResultTally,
    RunStatus,
)
from subsidies.reference.models import MONEY, Department, Fund
from subsidies.rosters.models import Identity, RosterChange, RosterVersion
from subsidies.transfers.models import BatchEvent, BatchStatus, LineKind, TransferBatch, TransferLine

__all__ = [
    "MONEY",
    "AmountKind",
    "BatchEvent",
    "BatchStatus",
    "Category",
    "CategoryAmount",
    "Department",
    "DirtyCounty",
    "DirtyPerson",
    "EnrolmentStatus",
    "FiscalLevel",
    "FiscalShare",
    "Flag",
    "Fund",
    "Identity",
    "LineKind",
    "MidYearRule",
    "Policy",
    "PolicyCategory",
    "ReconciliationResult",
    "ReconciliationRun",
    "ResultTally",
    "RosterChange",
    "RosterVersion",
    "RunStatus",
    "SpecialEnrolmentRule",
    "Tier",
    "TransferBatch",
    "TransferLine",
    "mid_year_overlap_message",
]
