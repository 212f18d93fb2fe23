"""The --county option every management command that works on a county shares.

The county is resolved by enrollment.places.services.county_resolve.
"""

from django.core.management.base import CommandError

from enrollment.models import County
from enrollment.places.services import CountyChoiceError, county_resolve


def add_county_argument(parser) -> None:
    parser.add_argument(
        "--county",
        default=None,
        help="6-digit county code; required when the database holds more than one county",
    )


def county_from_option(code: str | None, *, create: str = "") -> County:
    """The county the command works on, or a CommandError in the user's language."""
    try:
        return county_resolve(code=code, create=create)
    except CountyChoiceError as exc:
        raise CommandError(str(exc)) from exc
