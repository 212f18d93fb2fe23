"""The demo county: its users (one per role, fresh passwords) and its generated files loaded through the
import pipeline. It uses every app, so it sits at the top layer with the dashboard."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from django.db import transaction

from accounts.models import Role, StaffProfile
from accounts.services import DEMO_DEPARTMENT_USERS, staff_user_create
from enrollment.demo.generator import DemoPolicy, _due
from enrollment.imports.pipeline import import_file
from enrollment.models import County, ImportKind
from subsidies.models import CategoryAmount, Department, Policy


class DemoUser(NamedTuple):
    username: str
    password: str
    profile: StaffProfile


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


def demo_policy(*, county: County):
    """The county's latest policy as the demo generator needs it (categories by department, personal due)."""
    policy = Policy.objects.filter(county=county).order_by("-year").prefetch_related("tiers").first()
    if policy is None:
        return None
    tier = policy.tiers.order_by("number").first()
    standard = tier.standard if tier else Decimal(380)
    categories: dict[str, list] = {}
    amounts = CategoryAmount.objects.filter(policy_category__policy=policy, tier=tier).select_related(
        "policy_category__category__department"
    )
    for amount in amounts:
        category = amount.policy_category.category
        categories.setdefault(category.department.code, []).append(
            (category.name, _due(standard, amount.kind, amount.value))
        )
    return DemoPolicy(policy.year, standard, policy.collection_start, policy.collection_end, categories)


def demo_county_load(*, county: County, files: dict[str, Path], snapshot_date: datetime.date | None = None) -> list:
    """Import the generated register, rosters and payments (the register's and payments' bad rows skipped, as
    staff would after a look; a roster is taken whole or not at all)."""
    jobs = [import_file(kind=ImportKind.REGISTER, county=county, path=files["register"], skip_rejected=True)]
    for role, path in files.items():
        if role.startswith("roster:"):
            department = Department.objects.get(code=role.split(":", 1)[1])
            jobs.append(
                import_file(
                    kind=ImportKind.ROSTER,
                    county=county,
                    path=path,
                    department=department,
                    snapshot_date=snapshot_date,
                )
            )
    jobs.append(import_file(kind=ImportKind.PAYMENTS, county=county, path=files["payments"], skip_rejected=True))
    return jobs
