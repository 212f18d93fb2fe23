"""Follow-up cases as a user may see them."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.access import Scope, people_rows, scope_of
from quotas.models import FollowUpCase


def _own_department(department_id: int) -> Q:
    return Q(department_id=department_id)


def case_rows(qs: QuerySet, scope: Scope) -> QuerySet:
    """The rule for cases: the county's for bureau and auditors, a township its own, a department its own."""
    return people_rows(qs, scope, department_q=_own_department)


def cases_visible_to(user) -> QuerySet[FollowUpCase]:
    qs = FollowUpCase.objects.select_related("township", "village", "department", "recorded_by")
    return case_rows(qs, scope_of(user))


def case_get_for(user, pk) -> FollowUpCase:
    """The case if this user may see it, else 404."""
    return get_object_or_404(cases_visible_to(user), pk=pk)
