"""Settings shared by every environment, read from the environment (12-factor)."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    # The admin with every ModelAdmin scoped by role and county (accounts/admin_mixins.py).
    "accounts.apps.ScopedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from here (no CDN)
    "accounts",
    "enrollment",
    "subsidies",
    "quotas",
    "dashboard",
    "people",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.NoStoreMiddleware",  # after WhiteNoise: every page and file of ours, not static files
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.staff",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the page read while an eager import writes; the timeout rides out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Admin permissions follow the staff role (accounts/permissions.py).
    "accounts.permissions.RolePermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploads: files of hundreds of thousands of rows are streamed to disk, never held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "config.uploads.SafeTemporaryFileUploadHandler",  # a long extension must not break the temporary file
]
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=200 * 1024 * 1024)
# Workbooks are measured before any reader allocates for them (enrollment/files/bounds/) and refused,
# naming the limit, beyond any of these. Used range = the last row and column holding a value.
WORKBOOK_MAX_ROWS = env.int("WORKBOOK_MAX_ROWS", default=1_048_576)
WORKBOOK_MAX_COLUMNS = env.int("WORKBOOK_MAX_COLUMNS", default=1_024)
WORKBOOK_MAX_CELLS = env.int("WORKBOOK_MAX_CELLS", default=30_000_000)  # cell elements of a sheet, empty included
WORKBOOK_MAX_AREA = env.int("WORKBOOK_MAX_AREA", default=30_000_000)  # last used row x last used column
WORKBOOK_MAX_STRINGS = env.int("WORKBOOK_MAX_STRINGS", default=10_000_000)  # shared strings of an .xlsx
WORKBOOK_MAX_UNCOMPRESSED = env.int("WORKBOOK_MAX_UNCOMPRESSED", default=2 * 1024**3)  # all members inflated
WORKBOOK_MAX_MEMBER = env.int("WORKBOOK_MAX_MEMBER", default=256 * 1024**2)  # one non-sheet XML member inflated
WORKBOOK_MAX_RATIO = env.int("WORKBOOK_MAX_RATIO", default=200)  # real workbooks inflate 5-30 times
WORKBOOK_MAX_MEMBERS = env.int("WORKBOOK_MAX_MEMBERS", default=10_000)
WORKBOOK_XLS_MAX_BYTES = env.int("WORKBOOK_XLS_MAX_BYTES", default=100 * 1024**2)  # .xls is read into memory

# Sessions expire after a working day of inactivity.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True

# Login throttling: lock the user name on the address, never a whole office behind one NAT.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# Behind the county's reverse proxy set AXES_IPWARE_PROXY_COUNT=1 so the client address, not the proxy's, is used.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=None)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)

# Content Security Policy: everything is served from this site, no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# The REST API (api/, /api/v1/): per-user tokens (accounts/tokens.py), the pages' roles and scopes, JSON errors.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.RolePermission"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.BoundedJSONParser", "api.parsers.BoundedMultiPartParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env("API_THROTTLE_RATE", default="600/min")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.json_error_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# The cache holds the API throttles' counters (and nothing the site cannot lose). Development and tests: this
# process's memory. Production (config/settings/production.py) needs one shared by every process.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# A JSON request body larger than this is refused before it is parsed (uploads go as multipart, up to
# UPLOAD_MAX_BYTES, through the upload page's checks).
API_MAX_JSON_BYTES = env.int("API_MAX_JSON_BYTES", default=64 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "医保资助对账 API",
    "DESCRIPTION": "部门与税务系统的机器接口：与页面相同的导入流程、规则与权限。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table"}

# A roster version that would remove more than this share of the previous version's people (0.2 = 20 %) is
# committed only when the uploader confirms the number removed (page and `import_roster --confirm-removals N`).
ROSTER_REMOVAL_CONFIRM_SHARE = env.float("ROSTER_REMOVAL_CONFIRM_SHARE", default=0.2)

# No IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT: it deletes a leading "=" from the value; the admin's exports use the
# formula-safe writer's formats instead (enrollment.files.export_formats).
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# Celery: without a broker every task runs eagerly in-process (make run needs no Redis).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_RESULT_EXPIRES = 7 * 24 * 3600
# Long imports and runs: redeliver only after this long, on broker and result backend alike.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=4 * 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
# A message whose task kills its worker (acks_late re-queues it) runs at most this many times; then its job is
# marked failed and the message is dropped (config/queue.py, BoundedDeliveries).
CELERY_TASK_MAX_DELIVERIES = env.int("CELERY_TASK_MAX_DELIVERIES", default=3)
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "build-monthly-transfers": {
        "task": "subsidies.tasks.build_transfers_for_all_counties",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
    },
    "snapshot-progress": {
        "task": "quotas.tasks.snapshot_progress_for_all_counties",
        "schedule": crontab(
            minute=env("SNAPSHOT_MINUTE", default="0"),
            hour=env("SNAPSHOT_HOUR", default="15"),
            day_of_week=env("SNAPSHOT_DAYS", default="mon"),
        ),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
