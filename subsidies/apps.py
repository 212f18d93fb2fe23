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
