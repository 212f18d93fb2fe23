from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The home pages of each role and the demo county: reads every app, and no app imports it."""

    name = "dashboard"
    verbose_name = _("Dashboard")
