"""One selector per kind of object: what each role (and a superuser) gets, and the same rule in the admin.

Objects are those of tests/builders/world.py: county A, department 民政 (civil_affairs), township A.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.http import Http404
from django.test import RequestFactory

from accounts.access import VISIBILITY, scope_of
from enrollment.imports.selectors import import_job_get_for, import_jobs_visible_to
from quotas.cases.selectors import case_get_for, cases_visible_to
from quotas.notices.selectors import village_get_for, villages_visible_to
from quotas.progress.selectors import quota_table_get_for, quota_tables_visible_to
from subsidies.policies.selectors import policies_visible_to, policy_get_for
from subsidies.reconciliation.selectors import results_visible_to, run_get_for, runs_visible_to
from subsidies.rosters.selectors import roster_version_get_for, roster_versions_visible_to
from subsidies.transfers.selectors import batch_get_for, batches_visible_to
from tests.builders.world import OTHER_DEPARTMENTS, OWN_DEPARTMENT, build_world

pytestmark = pytest.mark.django_db

EVERY_USER = (
    "bureau",
    "auditor",
    OWN_DEPARTMENT,
    *OTHER_DEPARTMENTS,
    "staff_department",
    "township",
    "other_township",
    "other_county_bureau",
    "superuser",
)
COUNTY = {"bureau", "auditor", "superuser"}  # superuser: no profile, unscoped (what the admin shows it)
COUNTY_A = set(EVERY_USER) - {"other_county_bureau"}
OWN_DEPT = COUNTY | {OWN_DEPARTMENT, "staff_department"}
PEOPLE = OWN_DEPT | {"township"}
PLACES = COUNTY | {"township"}

# kind → (list selector, get selector, world object, users who see it)
KINDS = {
    "result": (results_visible_to, None, "result", PEOPLE),
    "run": (runs_visible_to, run_get_for, "run", COUNTY),
    "roster_version": (roster_versions_visible_to, roster_version_get_for, "roster_version", OWN_DEPT),
    "import_job": (import_jobs_visible_to, import_job_get_for, "import_job", OWN_DEPT),
    "batch": (batches_visible_to, batch_get_for, "batch", OWN_DEPT),
    "policy": (policies_visible_to, policy_get_for, "policy", COUNTY_A),
    "quota_table": (quota_tables_visible_to, quota_table_get_for, "quota_table", COUNTY_A),
    "village": (villages_visible_to, village_get_for, "village", PLACES),
    "case": (cases_visible_to, case_get_for, "case", PEOPLE),
}


@pytest.fixture
def world(db):
    return build_world()


@pytest.mark.parametrize("kind", KINDS)
def test_each_selector_gives_each_role_what_the_access_rule_says(world, kind):
    visible_to, get_for, key, seen_by = KINDS[kind]
    obj = world.objects[key]
    failures = []
    for name in EVERY_USER:
        user = world.users[name]
        sees = visible_to(user).filter(pk=obj.pk).exists()
        if sees != (name in seen_by):
            failures.append(f"{kind} as {name}: {'sees' if sees else 'does not see'} it")
        if get_for is None:
            continue
        try:
            got = get_for(user, obj.pk)
        except Http404:
            got = None
        if (got == obj) != (name in seen_by):
            failures.append(f"{kind}_get_for as {name}: {got!r}")
    assert not failures, "\n".join(failures)


def test_a_department_sees_results_of_the_people_it_certified_even_of_another_departments_category(world):
    """The department rule is 'people it certifies or certified' (subsidies.rosters.selectors.certified_by_q)."""
    from subsidies.models import Department

    result = world.objects["result"]
    result.department = Department.objects.get(code=OTHER_DEPARTMENTS[0])
    result.save(update_fields=["department"])
    assert results_visible_to(world.users[OWN_DEPARTMENT]).filter(pk=result.pk).exists()
    assert not results_visible_to(world.users[OTHER_DEPARTMENTS[0]]).filter(pk=result.pk).exists()


def test_a_superuser_with_a_staff_profile_is_scoped_by_it_on_the_site(world):
    from accounts.models import Role, StaffProfile

    root = world.users["superuser"]
    StaffProfile.objects.create(user=root, role=Role.TOWNSHIP, county=world.county, township=world.objects["township"])
    root.refresh_from_db()
    assert scope_of(root).role == Role.TOWNSHIP and not scope_of(root).unscoped
    assert not runs_visible_to(root).exists()
    assert set(villages_visible_to(root)) == {world.objects["village"]}


@pytest.mark.parametrize("role", ["bureau", "auditor", "other_county_bureau", "superuser"])
def test_the_admin_scopes_each_registered_model_by_its_selectors_rule(world, role):
    """ScopedAdminMixin.get_queryset applies the rule the concept registered: the same rows as its site pages."""
    user = world.users[role]
    request = RequestFactory().get("/admin/")
    request.user = user
    checked = 0
    for model, model_admin in admin.site._registry.items():
        rule = VISIBILITY.get(model._meta.label_lower)
        if rule is None:
            continue
        got = set(model_admin.get_queryset(request).values_list("pk", flat=True))
        everything = set(model._default_manager.values_list("pk", flat=True))
        want = (
            everything
            if role == "superuser"
            else set(rule(model._default_manager.all(), scope_of(user)).values_list("pk", flat=True))
        )
        assert got == want, model._meta.label
        if role == "bureau":
            assert got, f"{model._meta.label}: the bureau sees its county's rows"
        if role == "other_county_bureau":
            assert not got & everything, f"{model._meta.label}: another county's rows"
        checked += 1
    assert checked >= 5
