"""Roster versions: the list per department, and one version's diff (added / removed / category changed)."""

from django.shortcuts import render
from django_tables2 import RequestConfig

from accounts.access import roles_required
from accounts.models import Role
from subsidies.models import RosterChange
from subsidies.rosters.selectors import roster_changes_of, roster_version_get_for, roster_versions_visible_to
from subsidies.rosters.tables import RosterChangeTable, RosterVersionTable

READERS = (Role.BUREAU, Role.AUDITOR, Role.DEPARTMENT)


@roles_required(*READERS)
def roster_versions(request):
    table = RosterVersionTable(roster_versions_visible_to(request.user))
    RequestConfig(request, paginate={"per_page": 30}).configure(table)
    return render(request, "subsidies/roster_versions.html", {"table": table})


@roles_required(*READERS)
def roster_version(request, pk):
    version = roster_version_get_for(request.user, pk)
    kind = request.GET.get("kind")
    changes = roster_changes_of(version=version, kind=kind)
    table = RosterChangeTable(changes, user=request.user)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(
        request,
        "subsidies/roster_version.html",
        {"version": version, "table": table, "kinds": RosterChange.Kind.choices, "kind": kind},
    )
