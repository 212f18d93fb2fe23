from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotasConfig(AppConfig):
    name = "quotas"
    verbose_name = _("Enrolment quotas")

    def ready(self):
        from subsidies.signals import reconciliation_finished

        from .cases import on_reconciliation_finished

        reconciliation_finished.connect(on_reconciliation_finished, dispatch_uid="quotas.cases_sync")
