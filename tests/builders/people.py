"""People for the person-file tests (tests/people/), added to the matrix's world (tests/builders/world.py)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.test import Client

from enrollment import models as em
from subsidies import models as sm
from tests.builders.idnumbers import id_number
from tests.builders.world import World

HREF = re.compile(r'href="([^"]*)"')


def client_for(world: World, key: str) -> Client:
    c = Client()
    c.force_login(world.users[key], backend="django.contrib.auth.backends.ModelBackend")
    return c


def id_with_x() -> str:
    """A valid number of county A whose check character is X."""
    for seq in range(1000):
        number = id_number(seq, born="19750505")
        if number.endswith("X"):
            return number
    raise AssertionError("no X check character in 1000 numbers")


def category_of(world: World, department_code: str, code: str, name: str) -> sm.Category:
    department = sm.Department.objects.get(code=department_code)
    return sm.Category.objects.create(county=world.county, code=code, name=name, department=department)


def roster_version(world: World, department_code: str) -> sm.RosterVersion:
    department = sm.Department.objects.get(code=department_code)
    number = sm.RosterVersion.objects.filter(county=world.county, department=department).count() + 1
    return sm.RosterVersion.objects.create(
        county=world.county, department=department, number=number, snapshot_date=datetime.date(2026, 1, 31)
    )


def identity(world: World, *, number: str, name: str, category: sm.Category, version=None) -> sm.Identity:
    version = version or roster_version(world, category.department.code)
    return sm.Identity.objects.create(
        county=world.county,
        department=category.department,
        category=category,
        id_number=number,
        name=name,
        valid_from=datetime.date(2025, 1, 1),
        version=version,
    )


def person(world: World, *, number: str, name: str, township=None, village=None, household=None, relation=""):
    return em.Person.objects.create(
        id_number=number,
        name=name,
        sex=em.Sex.MALE if int(number[16]) % 2 else em.Sex.FEMALE,
        birth_date=datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        county=world.county,
        township=township if township is not None else world.township,
        village=village if village is not None else world.village,
        household=household,
        relation=relation,
    )


def payment(world: World, *, number: str, amount: str = "400.00", day=datetime.date(2025, 10, 9)) -> em.Payment:
    return em.Payment.objects.create(
        county=world.county, id_number=number, year=2026, amount=Decimal(amount), paid_on=day
    )
