"""Test settings: the database comes from DATABASE_URL (PostgreSQL in CI, SQLite otherwise)."""

import tempfile

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnop"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=tempfile.mkdtemp(prefix="subsidy-media-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# Each test process (a checkout's database, an xdist worker) has its own queue, so a worker started by one
# test run never takes another run's task into the wrong test database.
_worker = env("PYTEST_XDIST_WORKER", default="main")
CELERY_TASK_DEFAULT_QUEUE = env(
    "CELERY_TASK_DEFAULT_QUEUE",
    default=f"test-{DATABASES['default']['NAME'].rsplit('/', 1)[-1]}-{_worker}",  # noqa: F405
)

# Tasks run eagerly unless a test asks for the real worker (the `celery_worker` fixture turns this off).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)  # a worker process sets False
STATIC_ROOT = tempfile.mkdtemp(prefix="subsidy-static-")
WHITENOISE_USE_FINDERS = True
