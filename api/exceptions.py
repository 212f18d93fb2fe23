"""Every 4xx of the API as `{"code": …, "message": "<Chinese>", "field": …}` (DRF's exception handler, then ours).

`field` names the request field at fault (the first one; null when the whole request is). Errors Django raises
before a view runs (an unknown URL under /api/v1/) are answered the same way by `not_found` (api/urls.py).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

# Our own wording (the catalogue of api/) for DRF's generic errors; a ValidationError keeps its message.
MESSAGES = {
    exceptions.NotAuthenticated: gettext_lazy("Send an API token: “Authorization: Bearer <token>”."),
    exceptions.NotFound: gettext_lazy("Not found, or not yours to see."),
    exceptions.MethodNotAllowed: gettext_lazy("This method is not allowed here."),
    exceptions.UnsupportedMediaType: gettext_lazy(
        "Unsupported content type: send JSON (application/json), or a file as multipart/form-data."
    ),
    exceptions.NotAcceptable: gettext_lazy("This endpoint answers in JSON only."),
    exceptions.ParseError: gettext_lazy("The request body could not be read (malformed JSON or form data)."),
}


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self, *, limit: int):
        super().__init__(
            _("The request is too large: at most %(limit)s KB may be sent.") % {"limit": max(1, limit // 1024)}
        )


class Conflict(exceptions.APIException):
    """The object is not in a state that allows this (an import already committed, not yet validated)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _first_error(detail, field=None):
    """(field, message, code) of the first error in a ValidationError's detail (a dict, a list or one error)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "__all__") else key
            return _first_error(value, name if field is None else f"{field}.{name}")
        return field, "", "invalid"
    if isinstance(detail, list):
        return _first_error(detail[0], field) if detail else (field, "", "invalid")
    return field, str(detail), getattr(detail, "code", "invalid") or "invalid"


def error_body(*, code: str, message: str, field: str | None = None) -> dict:
    return {"code": code, "message": message, "field": field}


def json_error_handler(exc, context):
    # Django's own two, as DRF's handler turns them: a 404 (a selector's get_object_or_404) and a 403.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's 500 handling and logging
    if isinstance(exc, exceptions.ValidationError):
        field, message, code = _first_error(exc.detail)
        response.data = error_body(code=code, message=message, field=field)
        return response
    code = getattr(getattr(exc, "detail", None), "code", None) or getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.Throttled):
        message = _("Too many requests: try again in %(seconds)s seconds.") % {"seconds": exc.wait and int(exc.wait)}
    elif isinstance(exc, (exceptions.PermissionDenied, exceptions.AuthenticationFailed)):
        message = str(exc.detail)
    else:
        message = str(next((m for cls, m in MESSAGES.items() if isinstance(exc, cls)), exc.detail))
    if response.status_code == status.HTTP_404_NOT_FOUND:
        code = "not_found"
    response.data = error_body(code=str(code), message=message, field=None)
    return response


def not_found(request, *args, **kwargs):
    """An unknown URL under /api/v1/: a JSON 404 like every other error of the API."""
    return JsonResponse(error_body(code="not_found", message=str(MESSAGES[exceptions.NotFound])), status=404)
