"""The person file, the household file and the printed statement: each opening recorded (SPEC §14)."""

from __future__ import annotations

from django.shortcuts import render

from accounts.access import EVERY_ROLE, roles_required, scope_of
from people.file.assemble import household_view, person_file
from people.openings.models import FilePage
from people.openings.services import file_opening_record
from people.selectors import household_get_for, person_get_for
from subsidies.reconciliation.selectors import benefit_years_for


def _opened(request, file, page: str) -> None:
    file_opening_record(
        user=request.user,
        county_id=file.ref.county_id,
        id_number=file.ref.id_number,
        page=page,
        year=file.year,
        household_number=file.who.household_number,
    )


@roles_required(*EVERY_ROLE)
def person_detail(request, key: str):
    ref = person_get_for(request.user, key)
    file = person_file(user=request.user, ref=ref, key=key, requested_year=request.GET.get("year"))
    _opened(request, file, FilePage.PERSON)
    return render(request, "people/person.html", {"file": file})


@roles_required(*EVERY_ROLE)
def person_print(request, key: str):
    ref = person_get_for(request.user, key)
    file = person_file(user=request.user, ref=ref, key=key, requested_year=request.GET.get("year"))
    _opened(request, file, FilePage.PRINT)
    return render(request, "people/print.html", {"file": file})


@roles_required(*EVERY_ROLE)
def household_detail(request, pk: int):
    household = household_get_for(request.user, pk)
    years = benefit_years_for(request.user)
    year = years.year_to_open(request.GET.get("year"))
    view = household_view(scope=scope_of(request.user), household=household, year=year)
    file_opening_record(
        user=request.user,
        county_id=household.county_id,
        id_number="",
        page=FilePage.HOUSEHOLD,
        year=year,
        household_number=household.number,
    )
    return render(request, "people/household.html", {"view": view, "year": year, "years": years.years})
