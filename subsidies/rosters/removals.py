"""How many removals a roster version may make before the user must confirm them by number (SPEC §4)."""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _


def removals_to_confirm(*, removed: int, previous: int, share: Decimal) -> int:
    """The number of removals the user must confirm by name: `removed` when it is more than `share` of the
    `previous` version's people, else 0 (a first version, or one that removes few, needs no confirmation)."""
    if previous <= 0 or removed <= 0:
        return 0
    return removed if Decimal(removed) > Decimal(previous) * share else 0


def removal_share() -> Decimal:
    """ROSTER_REMOVAL_CONFIRM_SHARE: the share of the previous version's people (0.2 = 20 %)."""
    return Decimal(str(getattr(settings, "ROSTER_REMOVAL_CONFIRM_SHARE", "0.2")))


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}"


def removals_message(*, removed: int, previous: int, confirmed: int | None) -> str | None:
    """Why a version removing `removed` of `previous` people may not be committed with `confirmed`; None: it may.

    Over the share, the number confirmed must be the number removed; a number given anyway must be right too.
    """
    if removals_to_confirm(removed=removed, previous=previous, share=removal_share()) and confirmed != removed:
        return _(
            "This version would remove %(removed)s of the %(previous)s people on the previous version (more than "
            "%(share)s%%): check the file, then confirm that %(removed)s people are to be removed."
        ) % {"removed": removed, "previous": previous, "share": _percent(removal_share())}
    if confirmed is not None and confirmed != removed:
        return _("This version would remove %(removed)s people, not %(confirmed)s.") % {
            "removed": removed,
            "confirmed": confirmed,
        }
    return None
