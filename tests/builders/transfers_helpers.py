"""Fabricated reconciliation results and users for the transfer tests (no reconciliation run needed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from accounts.models import Role
from accounts.services import staff_user_create
from enrollment.places.services import county_ensure
from subsidies.models import Category, Department, Fund, ReconciliationResult
from tests.builders.idnumbers import id_number as make_id_number

COUNTY = "620721"


def county():
    return county_ensure(code=COUNTY)


def categories(c):
    civil = Department.objects.get(code="civil_affairs")
    disabled = Department.objects.get(code="disabled_federation")
    tekun, _ = Category.objects.get_or_create(
        county=c, code="tekun", defaults={"name": "特困人员", "department": civil}
    )
    dibao, _ = Category.objects.get_or_create(
        county=c, code="dibao", defaults={"name": "低保对象", "department": civil}
    )
    canji, _ = Category.objects.get_or_create(
        county=c, code="canji", defaults={"name": "重度残疾人", "department": disabled}
    )
    return tekun, dibao, canji


def funds():
    return Fund.objects.get(code="medical_assistance"), Fund.objects.get(code="disabled_federation")


_seq = [0]


def id_number(n: int | None = None) -> str:
    """A valid 18-character ID number for person n (born on 1 January of 1950 + n % 60)."""
    if n is None:
        _seq[0] += 1
        n = _seq[0]
    return make_id_number(n, born=f"{1950 + n % 60:04d}0101")


def result(
    c,
    *,
    status: str,
    category=None,
    fund=None,
    subsidy="0",
    enrolled_on: date | None = None,
    paid_on: date | None = None,
    topup="0",
    topup_month: date | None = None,
    year: int = 2024,
    name: str = "张三",
    idn: str | None = None,
    township=None,
) -> ReconciliationResult:
    return ReconciliationResult.objects.create(
        county=c,
        year=year,
        id_number=idn or id_number(),
        name=name,
        township=township or c.townships.first(),
        reference_date=paid_on or enrolled_on or date(year, 1, 1),
        category=category,
        department=category.department if category else None,
        fund=fund,
        subsidy=Decimal(subsidy),
        paid_on=paid_on,
        enrolled_on=enrolled_on,
        status=status,
        topup=Decimal(topup),
        topup_month=topup_month,
    )


def staff(username: str, c, role: str = Role.BUREAU, department=None):
    return staff_user_create(
        username=username, password="pw-" + username, role=role, county=c, department=department
    ).user
