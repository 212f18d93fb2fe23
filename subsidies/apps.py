from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Subsidies")

    def ready(self):
        from subsidies.policies import services  # noqa: F401  (signal receivers that keep policy snapshots fresh)
        from subsidies.reconciliation import receivers  # noqa: F401  (connects the import → reconciliation receiver)
        from subsidies.rosters import importer  # noqa: F401  (the category delete guard of roster commits)
