"""Roster versions and their changes as a user may see them, and the people a department may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.access import Scope, department_rows, scope_of
from subsidies.models import Identity, RosterChange, RosterVersion


def certified_by_q(department_id: int, *, id_field: str = "id_number") -> Q:
    """People currently or formerly certified by the department: what a department user may see of people."""
    holders = Identity.objects.filter(department_id=department_id).values("id_number")
    return Q(**{f"{id_field}__in": holders})


def roster_version_rows(qs: QuerySet, scope: Scope) -> QuerySet:
    """The rule for roster versions: the county's for bureau and auditors, a department its own."""
    return department_rows(qs, scope)


def roster_change_rows(qs: QuerySet, scope: Scope) -> QuerySet:
    """The rule for roster changes: those of the versions the scope may see."""
    return department_rows(qs, scope, county_field="version__county", department_field="version__department")


def roster_versions_visible_to(user) -> QuerySet[RosterVersion]:
    qs = RosterVersion.objects.select_related("department", "created_by")
    return roster_version_rows(qs, scope_of(user))


def roster_version_get_for(user, pk) -> RosterVersion:
    """The roster version if this user may see it, else 404."""
    return get_object_or_404(roster_versions_visible_to(user), pk=pk)


def roster_changes_of(*, version: RosterVersion, kind: str | None = None) -> QuerySet[RosterChange]:
    """A visible version's changes (a version the user may see shows all of its changes)."""
    changes = RosterChange.objects.filter(version=version).select_related("old_category", "new_category")
    if kind in RosterChange.Kind.values:
        changes = changes.filter(kind=kind)
    return changes
