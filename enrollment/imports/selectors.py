"""Import jobs as a user may see them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.access import Scope, department_rows, scope_of
from enrollment.models import ImportJob


def import_job_rows(qs: QuerySet, scope: Scope) -> QuerySet:
    """The rule for import jobs: the county's for bureau and auditors, a department its own department's."""
    return department_rows(qs, scope)


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    return import_job_rows(ImportJob.objects.select_related("county", "department", "created_by"), scope_of(user))


def import_job_get_for(user, pk, **filters) -> ImportJob:
    """The import job if this user may see it (and it matches `filters`), else 404."""
    return get_object_or_404(import_jobs_visible_to(user), pk=pk, **filters)
