from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = _("Enrolment register")

    def ready(self):
        from enrollment.imports import registry
        from enrollment.models import ImportKind
        from enrollment.payments.importer import PaymentsImporter
        from enrollment.register.importer import RegisterImporter

        # The kinds enrollment owns; the apps above it register theirs (subsidies: the roster) in their ready().
        registry.kind_register(ImportKind.REGISTER, RegisterImporter)
        registry.kind_register(ImportKind.PAYMENTS, PaymentsImporter)

        from accounts.access import visibility_register
        from enrollment.imports.selectors import import_job_rows
        from enrollment.models import ImportJob

        # The rows of import jobs a user may see: the selectors' rule, for the admin and the audit trail too.
        visibility_register(ImportJob, import_job_rows)
