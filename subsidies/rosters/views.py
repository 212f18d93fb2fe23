"""Roster versions: the list per department, and one version's diff (added / removed / category changed)."""

from django.shortcuts import get_object_or_404, render
from django_tables2 import RequestConfig

from accounts.access import roles_required, scope_department_owned
from accounts.models import Role
from subsidies.models import RosterChange, RosterVersion
from subsidies.rosters.tables import RosterChangeTable, RosterVersionTable

READERS = (Role.BUREAU, Role.AUDITOR, Role.DEPARTMENT)


def scoped_versions(user):
    return scope_department_owned(RosterVersion.objects.select_related("department", "created_by"), user)


@roles_required(*READERS)
def roster_versions(request):
    table = RosterVersionTable(scoped_versions(request.user))
    RequestConfig(request, paginate={"per_page": 30}).configure(table)
    return render(request, "subsidies/roster_versions.html", {"table": table})


@roles_required(*READERS)
def roster_version(request, pk):
    version = get_object_or_404(scoped_versions(request.user), pk=pk)
    changes = RosterChange.objects.filter(version=version).select_related("old_category", "new_category")
    kind = request.GET.get("kind")
    if kind in RosterChange.Kind.values:
        changes = changes.filter(kind=kind)
    table = RosterChangeTable(changes, user=request.user)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(
        request,
        "subsidies/roster_version.html",
        {"version": version, "table": table, "kinds": RosterChange.Kind.choices, "kind": kind},
    )
