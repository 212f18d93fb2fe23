from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotasConfig(AppConfig):
    name = "quotas"
    verbose_name = _("Enrolment quotas")

    def ready(self):
        from quotas.cases.services import on_reconciliation_finished
        from subsidies.signals import reconciliation_finished

        reconciliation_finished.connect(on_reconciliation_finished, dispatch_uid="quotas.cases_sync")

        from accounts.access import visibility_register
        from quotas.cases.selectors import case_rows
        from quotas.models import FollowUpCase, ProgressSnapshot, QuotaTable
        from quotas.progress.selectors import quota_table_rows, quota_years, snapshot_rows
        from subsidies.reconciliation.selectors import year_source_register

        # The rows each model shows a user (the selectors' rules, for the admin and the audit trail too), and the
        # quota tables' years among the years every page with a year switch offers.
        visibility_register(QuotaTable, quota_table_rows)
        visibility_register(ProgressSnapshot, snapshot_rows)
        visibility_register(FollowUpCase, case_rows, own_history=True)
        year_source_register(quota_years)
