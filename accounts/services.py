"""Services for staff accounts."""

import secrets
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import transaction

from enrollment.models import County
from subsidies.models import Department

from .models import Role, StaffProfile

DEMO_DEPARTMENT_USERS = {
    "civil_affairs": "minzheng",
    "rural_revitalization": "xiangcun",
    "disabled_federation": "canlian",
    "veterans_affairs": "tuiyi",
}


class DemoUser(NamedTuple):
    username: str
    password: str
    profile: StaffProfile


def staff_user_create(
    *, username: str, password: str, role: str, county: County, department=None, township=None, full_name: str = ""
) -> StaffProfile:
    """Create or update a staff user and its profile; the password is (re)set."""
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(password)
    user.first_name = full_name
    user.is_staff = role in (Role.BUREAU, Role.AUDITOR)
    user.save()
    profile, _ = StaffProfile.objects.update_or_create(
        user=user, defaults={"role": role, "county": county, "department": department, "township": township}
    )
    return profile


@transaction.atomic
def demo_users_create(*, county: County) -> list[DemoUser]:
    """One user per role (a department user per department, one township user), each with a fresh password."""
    specs = [("bureau", Role.BUREAU, None, None), ("auditor", Role.AUDITOR, None, None)]
    for code, username in DEMO_DEPARTMENT_USERS.items():
        specs.append((username, Role.DEPARTMENT, Department.objects.get(code=code), None))
    township = county.townships.order_by("code", "name").first()
    if township is not None:
        specs.append(("xiangzhen", Role.TOWNSHIP, None, township))
    users = []
    for username, role, department, township in specs:
        password = secrets.token_urlsafe(9)
        profile = staff_user_create(
            username=username, password=password, role=role, county=county, department=department, township=township
        )
        users.append(DemoUser(username, password, profile))
    return users
