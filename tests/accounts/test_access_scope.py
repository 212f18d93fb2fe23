"""The one definition of a user's scope (accounts.access): what each role and a superuser get. Database-free."""

from types import SimpleNamespace

from accounts.access import NO_SCOPE, UNSCOPED, Scope, role_of, scope_for_profile, scope_of
from accounts.models import Role


def profile(role, *, county_id=1, department_id=None, township_id=None):
    return SimpleNamespace(
        role=role,
        county_id=county_id,
        department_id=department_id,
        township_id=township_id,
        can_write=role != Role.AUDITOR,
        sees_full_ids=role in (Role.BUREAU, Role.AUDITOR),
    )


def test_bureau_scope_is_its_county_with_full_ids_and_write_rights():
    scope = scope_for_profile(profile(Role.BUREAU))
    assert scope == Scope(role=Role.BUREAU, county_id=1, read_only=False, full_ids=True)
    assert scope.county_wide and scope.is_bureau
    assert scope.own_township_id is None and scope.own_department_id is None


def test_auditor_scope_is_the_county_read_only():
    scope = scope_for_profile(profile(Role.AUDITOR))
    assert scope.county_wide and scope.read_only and scope.full_ids and not scope.is_bureau


def test_department_scope_names_its_department_and_masks_ids():
    scope = scope_for_profile(profile(Role.DEPARTMENT, department_id=7))
    assert (scope.role, scope.county_id, scope.own_department_id, scope.own_township_id) == (
        Role.DEPARTMENT,
        1,
        7,
        None,
    )
    assert not scope.county_wide and not scope.full_ids and not scope.read_only


def test_township_scope_names_its_township_and_masks_ids():
    scope = scope_for_profile(profile(Role.TOWNSHIP, township_id=3))
    assert (scope.own_township_id, scope.own_department_id, scope.full_ids) == (3, None, False)


def test_a_superuser_without_a_profile_has_no_site_role_and_no_county():
    """The superuser rule: no profile, no county and no site page; the admin and audit trail see everything."""
    scope = scope_for_profile(None, is_superuser=True)
    assert scope is UNSCOPED
    assert scope.role is None and scope.county_id is None and scope.unscoped and scope.full_ids


def test_a_superuser_with_a_profile_is_scoped_by_the_profile_on_the_site():
    scope = scope_for_profile(profile(Role.TOWNSHIP, township_id=3), is_superuser=True)
    assert scope.role == Role.TOWNSHIP and scope.own_township_id == 3 and not scope.unscoped


def test_a_user_without_a_profile_has_no_scope():
    assert scope_for_profile(None) is NO_SCOPE
    assert NO_SCOPE.role is None and not NO_SCOPE.unscoped and not NO_SCOPE.full_ids


def test_anonymous_users_have_no_scope():
    anonymous = SimpleNamespace(is_authenticated=False, is_active=True, is_superuser=False)
    assert scope_of(anonymous) is NO_SCOPE
    assert role_of(anonymous) is None
