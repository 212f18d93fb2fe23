"""Reconciliation listens to imports: the people they change are marked dirty inside the import's transaction,
and a committed import starts an incremental run of them."""

from django.db import transaction
from django.dispatch import receiver

from enrollment.signals import import_committed, people_changed
from subsidies.reconciliation.dirty import mark_dirty

RECONCILED_KINDS = frozenset({"register", "roster", "payments"})


@receiver(people_changed, dispatch_uid="subsidies.mark_changed_people_dirty")
def mark_changed_people_dirty(sender, *, cursor, county_id: int, now, select_ids_sql: str, params, count, **kwargs):
    # On the import's cursor, in its transaction: the marks commit (or roll back) with the merge.
    mark_dirty(cursor, county_id=county_id, now=now, select_ids_sql=select_ids_sql, params=params, count=count)


@receiver(import_committed, dispatch_uid="subsidies.reconcile_after_import")
def reconcile_after_import(sender, *, county_id: int, kind: str, **kwargs) -> None:
    if kind not in RECONCILED_KINDS:
        return
    from subsidies.tasks import reconcile_after_import as task

    transaction.on_commit(lambda: task.delay(county_id))
