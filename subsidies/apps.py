from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Subsidies")

    def ready(self):
        from enrollment.imports import registry
        from enrollment.models import ImportKind
        from subsidies.models import Category
        from subsidies.policies import services  # noqa: F401  (signal receivers that keep policy snapshots fresh)
        from subsidies.policies.selectors import payment_tiers
        from subsidies.reconciliation import receivers  # noqa: F401  (dirty marks and runs after imports)
        from subsidies.rosters.importer import RosterImporter  # and the category delete guard
        from subsidies.rosters.services import category_alias_add

        # enrollment imports nothing of ours: the roster kind and the policy tiers a payment file is checked
        # against are handed to its registry here.
        registry.kind_register(
            ImportKind.ROSTER,
            RosterImporter,
            label_categories=lambda *, county, department: Category.objects.filter(
                county=county, department=department
            ).order_by("code"),
            label_add=category_alias_add,
        )
        registry.payment_tiers_provide(payment_tiers)

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
