"""Services that change the register's reference data."""

from django.db import transaction

from .models import County, Township
from .reference import SEED_COUNTIES, TOWNSHIPS


@transaction.atomic
def county_ensure(*, code: str) -> County:
    """The county with this code, created from the seed reference table (with its known townships) if missing."""
    ref = SEED_COUNTIES.get(code)
    defaults = {"name": ref.name, "city": ref.city, "province_managed": ref.province_managed} if ref else {}
    county, _ = County.objects.get_or_create(code=code, defaults=defaults or {"name": code})
    for seq, name in enumerate(TOWNSHIPS.get(code, []), start=1):
        Township.objects.get_or_create(county=county, name=name, defaults={"code": f"{code}{seq:03d}"})
    return county
