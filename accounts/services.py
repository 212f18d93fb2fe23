"""Services for staff accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model

from accounts.models import Role, StaffProfile

if TYPE_CHECKING:  # a hint only: accounts imports no module of the apps above it
    from enrollment.models import County

DEMO_DEPARTMENT_USERS = {
    "civil_affairs": "minzheng",
    "rural_revitalization": "xiangcun",
    "disabled_federation": "canlian",
    "veterans_affairs": "tuiyi",
}


def staff_user_create(
    *, username: str, password: str, role: str, county: County, department=None, township=None, full_name: str = ""
) -> StaffProfile:
    """Create or update a staff user and its profile; the password is (re)set."""
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(password)
    user.first_name = full_name
    user.is_staff = role in (Role.BUREAU, Role.AUDITOR)
    user.save()
    fields = {"role": role, "county": county, "department": department, "township": township}
    profile = StaffProfile.objects.filter(user=user).first()
    if profile is None:
        return StaffProfile.objects.create(user=user, **fields)
    # Saved only when something changed: every save is a row of the profile's history (the audit trail).
    if any(getattr(profile, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.save()
    return profile
