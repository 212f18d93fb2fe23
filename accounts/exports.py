"""Every data export is recorded (who, what, which filters, how many rows).

A view that hands out a file of people calls `record_export` once, before the response is returned, and writes
the file through the one formula-safe writer (enrollment.files.writers), so a name like `=HYPERLINK(…)`
stays text.
"""

from __future__ import annotations

from django.db import models

from accounts.access import scope_of
from accounts.models import ExportRecord


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
    clean_filters = {k: v for k, v in (filters or {}).items() if k not in ("csrfmiddlewaretoken", "page")}
    return ExportRecord.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        username=getattr(user, "username", "")[:150],
        county_id=scope_of(user).county_id,
        kind=kind[:60],
        description=description[:500],
        filters=clean_filters,
        rows=max(0, int(rows)),
        full_ids=full_ids,
    )


def exports_of(*, user) -> models.QuerySet:
    """A user's own exports, newest first."""
    return ExportRecord.objects.filter(user=user).order_by("-created_at")
