"""Services that change the register's reference data."""

from django.db import transaction

from enrollment.models import County, Township
from enrollment.places.reference import SEED_COUNTIES, TOWNSHIPS


@transaction.atomic
def county_ensure(*, code: str) -> County:
    """The county with this code, created from the seed reference table (with its known townships) if missing."""
    ref = SEED_COUNTIES.get(code)
    defaults = {"name": ref.name, "city": ref.city, "province_managed": ref.province_managed} if ref else {}
    county, _ = County.objects.get_or_create(code=code, defaults=defaults or {"name": code})
    for seq, name in enumerate(TOWNSHIPS.get(code, []), start=1):
        Township.objects.get_or_create(county=county, name=name, defaults={"code": f"{code}{seq:03d}"})
    return county


class CountyChoiceError(ValueError):
    """The county a command should work on cannot be told; the message says why, in the user's language."""


def county_resolve(*, code: str | None, create: str = "") -> County:
    """The county a command works on: the one named by `code`, else the only county in the database.

    Never a default county: with several counties (or none) and no code, CountyChoiceError. A code not in the
    database is created when `create` is "any" (a synthetic demo county), or "known" and the code is one of the
    seed reference counties (county_ensure); otherwise refused, so that a mistyped code never starts a new county.
    """
    from django.utils.translation import gettext as _

    counties = list(County.objects.order_by("code"))
    listed = "、".join(f"{c.code} {c.name}" for c in counties)
    if code:
        code = code.strip()
        found = next((c for c in counties if c.code == code), None)
        if found is not None:
            return found
        if create == "any" or (create == "known" and code in SEED_COUNTIES):
            return county_ensure(code=code)
        raise CountyChoiceError(
            _("No county with code %(code)s. The database holds: %(counties)s.")
            % {"code": code, "counties": listed or _("no county yet")}
        )
    if len(counties) == 1:
        return counties[0]
    if not counties:
        raise CountyChoiceError(_("The database holds no county yet: give the 6-digit county code with --county."))
    raise CountyChoiceError(
        _("The database holds several counties (%(counties)s): say which with --county.") % {"counties": listed}
    )
