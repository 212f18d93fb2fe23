"""Recording the opening of a file page."""

from __future__ import annotations

from people.openings.models import FileOpening


def file_opening_record(
    *, user, county_id: int, id_number: str, page: str, year: int | None = None, household_number: str = ""
) -> FileOpening:
    return FileOpening.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        username=getattr(user, "username", "") or "",
        county_id=county_id,
        id_number=id_number,
        household_number=household_number,
        page=page,
        year=year,
    )
