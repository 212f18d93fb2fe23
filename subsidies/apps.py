from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Subsidies")

    def ready(self):
        from subsidies.policies import services  # noqa: F401  (signal receivers that keep policy snapshots fresh)
        from subsidies.reconciliation import receivers  # noqa: F401  (connects the import → reconciliation receiver)
        from subsidies.rosters import importer  # noqa: F401  (the category delete guard of roster commits)

        self._register_visibility()

    @staticmethod
    def _register_visibility() -> None:
        """Which rows of each model a user may see: the rules the selectors apply, for the admin and audit trail."""
        from accounts.access import visibility_register
        from subsidies import models
        from subsidies.policies.selectors import policy_rows
        from subsidies.reconciliation.selectors import result_rows, run_rows
        from subsidies.rosters.selectors import roster_change_rows, roster_version_rows
        from subsidies.transfers.selectors import batch_rows, line_rows

        visibility_register(models.Policy, policy_rows)
        visibility_register(models.ReconciliationResult, result_rows)
        visibility_register(models.ReconciliationRun, run_rows)
        visibility_register(models.RosterVersion, roster_version_rows, own_history=True)
        visibility_register(models.RosterChange, roster_change_rows)
        visibility_register(models.TransferBatch, batch_rows, own_history=True)
        visibility_register(models.TransferLine, line_rows)
