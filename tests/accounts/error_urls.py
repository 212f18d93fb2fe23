"""The site's URLs plus three views that fail, for the error page tests (tests/accounts/test_privacy_pages.py)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

SECRET = "SECRET-620721196001010010-/srv/settings.py"


def refuse(request):
    raise PermissionDenied(SECRET)


def missing(request):
    raise Http404(SECRET)


def fail(request):
    raise ValueError(SECRET)


urlpatterns = [
    *site_urlpatterns,
    path("test-errors/403/", refuse),
    path("test-errors/404/", missing),
    path("test-errors/500/", fail),
]
