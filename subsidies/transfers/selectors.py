"""Transfer batches and their lines as a user may see them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.access import Scope, department_rows, scope_of
from subsidies.models import TransferBatch, TransferLine


def batch_rows(qs: QuerySet, scope: Scope) -> QuerySet:
    """The rule for batches: the county's for bureau and auditors, a department its own fund's."""
    return department_rows(qs, scope, department_field="fund__department")


def line_rows(qs: QuerySet, scope: Scope) -> QuerySet:
    """The rule for lines: those of the batches the scope may see."""
    return department_rows(qs, scope, county_field="batch__county", department_field="batch__fund__department")


def batches_visible_to(user) -> QuerySet[TransferBatch]:
    return batch_rows(TransferBatch.objects.select_related("county", "fund", "built_by"), scope_of(user))


def batch_get_for(user, pk) -> TransferBatch:
    """The batch if this user may see it, else 404 (whatever the request's method)."""
    return get_object_or_404(batches_visible_to(user), pk=pk)


def batch_lines_of(batch: TransferBatch) -> QuerySet[TransferLine]:
    """A visible batch's lines, with what the line table shows."""
    return batch.lines.select_related("township", "category")
