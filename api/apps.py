from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API (/api/v1/) for the departments' and the tax bureau's own systems: the top layer, like dashboard."""

    name = "api"
    verbose_name = _("REST API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from api import checks, schema  # noqa: F401 (register the deploy check and the token scheme)
