"""Reconciliation listens to committed imports: the people they touched are recomputed by an incremental run."""

from django.db import transaction
from django.dispatch import receiver

from enrollment.signals import import_committed

RECONCILED_KINDS = frozenset({"register", "roster", "payments"})


@receiver(import_committed, dispatch_uid="subsidies.reconcile_after_import")
def reconcile_after_import(sender, *, county_id: int, kind: str, **kwargs) -> None:
    if kind not in RECONCILED_KINDS:
        return
    from subsidies.tasks import reconcile_after_import as task

    transaction.on_commit(lambda: task.delay(county_id))
