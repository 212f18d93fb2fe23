"""Every data export is recorded (who, what, which filters, how many rows).

A view that hands out a file of people calls `record_export` once, before the response is returned, and writes
the file through the one formula-safe writer (enrollment.files.writers), so a name like `=HYPERLINK(…)`
stays text. Every download response is built by `download_response`, whose Content-Disposition is Django's
`content_disposition_header` (a plain `filename=` for ASCII names, RFC 5987 `filename*=utf-8''…` for Chinese ones).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from accounts.access import scope_of
from accounts.models import ExportRecord

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def download_response(content: bytes | Iterable, *, filename: str, content_type: str) -> HttpResponse:
    """A file the browser saves as `filename`: bytes in one response, an iterable of chunks streamed."""
    if isinstance(content, (bytes, bytearray, str)):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def record_export(
    *,
    user,
    kind: str,
    rows: int,
    description: str = "",
    filters: dict | None = None,
    full_ids: bool = False,
    token_name: str = "",
) -> ExportRecord:
    """Keep one line saying that `user` exported `rows` rows of `kind` (with these filters) just now.

    `token_name`: the API token the request came with (api/audit.py); empty for the site's pages."""
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
        token_name=token_name[:100],
    )


def exports_of(*, user) -> models.QuerySet:
    """A user's own exports, newest first."""
    return ExportRecord.objects.filter(user=user).order_by("-created_at")
