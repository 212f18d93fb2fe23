"""Where Django looks for the enrollment app's models: an index of the concept packages that define them."""

from enrollment.imports.models import ImportJob, ImportKind, ImportStatus
from enrollment.payments.models import Payment
from enrollment.places.models import County, Township, Village
from enrollment.register.models import Household, Person, Sex

__all__ = [
    "County",
    "Household",
    "ImportJob",
    "ImportKind",
    "ImportStatus",
    "Payment",
    "Person",
    "Sex",
    "Township",
    "Village",
]
