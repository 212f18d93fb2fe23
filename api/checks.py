"""The API's deploy check: throttles count per token only when every process shares one cache."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.caches, deploy=True)
def shared_cache_for_throttles(app_configs, **kwargs) -> list[Warning]:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in LOCAL_CACHES:
        return [
            Warning(
                "The default cache is local to one process, so each gunicorn worker counts a token's API requests "
                "apart and the throttle allows workers times its rate.",
                hint="Set CACHE_URL (or CELERY_BROKER_URL) to a Redis every process reaches, e.g. redis://HOST:6379/1.",
                id="api.W001",
            )
        ]
    return []
