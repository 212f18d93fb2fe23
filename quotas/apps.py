from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotasConfig(AppConfig):
    name = "quotas"
    verbose_name = _("Enrolment quotas")

    def ready(self):
        from quotas.cases.services import on_reconciliation_finished
        from subsidies.signals import reconciliation_finished

        reconciliation_finished.connect(on_reconciliation_finished, dispatch_uid="quotas.cases_sync")
