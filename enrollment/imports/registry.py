"""The kinds of import the pipeline knows, and the hooks the apps above enrollment fill.

enrollment is a low layer: it imports no code of subsidies, quotas or dashboard. Each app registers its kinds in
its `AppConfig.ready()` (enrollment the register and payments, subsidies the roster) and provides what a kind of
enrollment needs from above: the tiers of a county's policy a payment import checks against
(`payment_tiers_provide`). The people an import changed are announced by `enrollment.signals.people_changed`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from enrollment.imports.importer import Importer, ImportError_

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from enrollment.models import County, ImportJob


@dataclass(frozen=True)
class ImportKindEntry:
    """One kind of import: its importer and the hooks its pages use (None: the kind has none)."""

    kind: str
    importer: type[Importer]
    # (county=, department=) → the categories an unknown label of this kind's files may be given to, by code.
    label_categories: Callable[..., QuerySet] | None = None
    # (category=, label=, user=) → whether the label was added to the category (ImportError_ when refused).
    label_add: Callable[..., bool] | None = None


_KINDS: dict[str, ImportKindEntry] = {}


def kind_register(
    kind: str,
    importer: type[Importer],
    *,
    label_categories: Callable[..., QuerySet] | None = None,
    label_add: Callable[..., bool] | None = None,
) -> None:
    """Register (or register again: `ready()` may run twice in tests) the importer of one kind."""
    _KINDS[kind] = ImportKindEntry(kind, importer, label_categories=label_categories, label_add=label_add)


def kind_entry(kind: str) -> ImportKindEntry:
    entry = _KINDS.get(kind)
    if entry is None:
        raise ImportError_(_("This kind of import is not supported here."))
    return entry


def importer_for(job: ImportJob) -> Importer:
    return kind_entry(job.kind).importer(job)


def label_categories(*, kind: str, county, department) -> list:
    """The categories an unknown label of a `kind` upload may be given to ([] for a kind without labels)."""
    entry = _KINDS.get(kind)
    if entry is None or entry.label_categories is None or department is None:
        return []
    return list(entry.label_categories(county=county, department=department))


# --- payment tiers: provided by the app that owns the policies (subsidies) ---

_payment_tiers: Callable[..., dict] | None = None


def payment_tiers_provide(source: Callable[..., dict]) -> None:
    """`source(county=)` → benefit year → `enrollment.payments.importer.YearTiers`."""
    global _payment_tiers
    _payment_tiers = source


def payment_tiers(*, county: County) -> dict:
    """The county's policy tiers by benefit year, as a payment import checks them ({}: no policy app, no tiers)."""
    return _payment_tiers(county=county) if _payment_tiers is not None else {}
