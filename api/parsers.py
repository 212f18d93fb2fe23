"""Request bodies within bounds before they are parsed: JSON up to API_MAX_JSON_BYTES, uploads up to
UPLOAD_MAX_BYTES (the upload form then checks the file itself, as on the page)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.parsers import JSONParser, MultiPartParser

from api.exceptions import RequestTooLarge

# The form fields beside the file (kind, county, department, date) never need more than this.
MULTIPART_OVERHEAD = 64 * 1024


def _declared_length(parser_context) -> int:
    request = (parser_context or {}).get("request")
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
    except ValueError:
        return 0


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_BYTES
        if _declared_length(parser_context) > limit:
            raise RequestTooLarge(limit=limit)
        if stream is not None:
            import io

            body = stream.read(limit + 1)  # a body sent without its length is cut off here, not read whole
            if len(body) > limit:
                raise RequestTooLarge(limit=limit)
            stream = io.BytesIO(body)
        return super().parse(stream, media_type, parser_context)


class BoundedMultiPartParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD
        if _declared_length(parser_context) > limit:
            raise RequestTooLarge(limit=settings.UPLOAD_MAX_BYTES)
        return super().parse(stream, media_type, parser_context)
