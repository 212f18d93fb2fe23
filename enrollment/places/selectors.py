"""Selectors over the register's places."""

from enrollment.models import Township, Village
from enrollment.places.matching import PlaceIndex


def place_index(*, county) -> PlaceIndex:
    """The county's townships and villages, for matching the names a file writes (built once per import)."""
    townships = list(Township.objects.filter(county=county).values_list("name", flat=True))
    villages = list(Village.objects.filter(township__county=county).values_list("township__name", "name"))
    return PlaceIndex([*((t, None) for t in townships), *villages])
