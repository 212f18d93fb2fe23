"""Every data export is recorded (who, what, which filters, how many rows), and cells are made safe for spreadsheets.

A view that hands out a file of people calls `record_export` once, before the response is returned, and writes
each text cell through `safe_cell` (or an equivalent of its own) so a name like `=HYPERLINK(…)` stays text.
"""

from __future__ import annotations

from django.db import models

from .access import profile_of
from .models import ExportRecord

# What Excel and LibreOffice read as the start of a formula (or of a DDE payload after a tab/CR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet must show it: a text that would start a formula gets a leading apostrophe.

    Numbers, dates and None pass unchanged; only text can smuggle a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def record_export(
    *,
    user,
    kind: str,
    rows: int,
    description: str = "",
    filters: dict | None = None,
    full_ids: bool = False,
) -> ExportRecord:
    """Keep one line saying that `user` exported `rows` rows of `kind` (with these filters) just now."""
    profile = profile_of(user)
    clean_filters = {k: v for k, v in (filters or {}).items() if k not in ("csrfmiddlewaretoken", "page")}
    return ExportRecord.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        username=getattr(user, "username", "")[:150],
        county_id=profile.county_id if profile else None,
        kind=kind[:60],
        description=description[:500],
        filters=clean_filters,
        rows=max(0, int(rows)),
        full_ids=full_ids,
    )


def exports_of(*, user) -> models.QuerySet:
    """A user's own exports, newest first."""
    return ExportRecord.objects.filter(user=user).order_by("-created_at")
