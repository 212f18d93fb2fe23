"""Fabricated reconciliation results, people and payments for the quotas tests (no other app's services)."""

from __future__ import annotations

import datetime
import itertools

from enrollment.models import Payment, Person, Township, Village
from subsidies.models import Department, EnrolmentStatus, ReconciliationResult
from tests.builders.idnumbers import valid_id


def result(
    county,
    *,
    year: int = 2024,
    status: str = EnrolmentStatus.ENROLLED,
    township: Township | None = None,
    village: Village | None = None,
    department: Department | str | None = None,
    name: str | None = None,
    id_number: str | None = None,
) -> ReconciliationResult:
    if isinstance(department, str):
        department = Department.objects.get(code=department)
    if village is not None and township is None:
        township = village.township
    id_number = id_number or new_unique_id(county.code)
    return ReconciliationResult.objects.create(
        county=county,
        year=year,
        id_number=id_number,
        name=name or f"测试{id_number[-4:]}",
        township=township,
        village=village,
        department=department,
        reference_date=datetime.date(year - 1, 10, 1),
        status=status,
        paid_on=datetime.date(year - 1, 10, 1) if status == EnrolmentStatus.ENROLLED else None,
    )


_ids = itertools.count(1)


def new_unique_id(area: str) -> str:
    n = next(_ids)
    return valid_id(f"{area}{1950 + n // 1000 % 50}0101{n % 1000:03d}")


def person(county, *, id_number: str, group: str = "", township=None, village=None) -> Person:
    return Person.objects.create(
        id_number=id_number,
        name="某人",
        sex="M",
        birth_date=datetime.date(1980, 1, 1),
        county=county,
        township=township,
        village=village,
        group=group,
    )


def payment(county, *, id_number: str, year: int = 2024, channel: str = "") -> Payment:
    return Payment.objects.create(
        county=county,
        id_number=id_number,
        year=year,
        amount=380,
        paid_on=datetime.date(year - 1, 10, 1),
        channel=channel,
    )
